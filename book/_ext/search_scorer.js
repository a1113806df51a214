// cavi-book's search ranking (Sphinx `html_search_scorer`, set in _config.yml).
// Sphinx's default scorer puts an exact index entry (100 points) above everything, and every
// glossary term is an index entry, so "ELBO" listed the glossary first and the chapters that
// teach the ELBO far below; and every chapter with an "ELBO" section scored the same, so
// they came out in alphabetical order. Here a page whose own title holds the query's words
// ranks first, the reference pages (glossary, notation, bibliography) after the chapters,
// and Sphinx's own scores order the rest.
var Scorer = {
  referencePages: ["book/glossary", "book/notation", "book/bibliography", "genindex", "search"],
  referencePrefix: "book/reference",       // the library reference pages
  queryWords: () => (new URLSearchParams(window.location.search).get("q") || "")
    .toLowerCase().split(/\s+/).filter((w) => w.length > 1),
  score: (result) => {
    const [docname, title, anchor, descr, score, filename] = result;
    if (Scorer.referencePages.includes(docname) || docname.startsWith(Scorer.referencePrefix))
      return score - 200;
    const words = Scorer.queryWords();
    const pageTitle = (title || "").split(" > ")[0].toLowerCase();
    const inTitle = words.length > 0 && words.every((w) => pageTitle.includes(w));
    return inTitle && !anchor ? score + 30 : score;
  },
  objNameMatch: 11,
  objPartialMatch: 6,
  objPrio: {0: 15, 1: 5, 2: -5},
  objPrioDefault: 0,
  title: 15,
  partialTitle: 7,
  term: 5,
  partialTerm: 2,
};
