// cavi-book: a box that scrolls sideways (a long display or a code block on a phone) can be
// reached and scrolled with the keyboard (tabindex=0); one that fits is not a tab stop.
// (WCAG 2.1.1; axe "scrollable-region-focusable".)  Loaded with `defer` on every page.
(() => {
  "use strict";
  const SELECTOR = "pre, .katex-display, .cell_output > .output, .pst-scrollable-table-container, " +
    ".cell_output div[style*=\"overflow\"]";
  const update = () => {
    document.querySelectorAll(SELECTOR).forEach((el) => {
      const scrolls = el.scrollWidth > el.clientWidth + 1;
      if (scrolls && el.tabIndex !== 0) el.tabIndex = 0;
      else if (!scrolls && el.hasAttribute("tabindex")) el.removeAttribute("tabindex");
    });
  };
  let timer = null;
  const later = () => { clearTimeout(timer); timer = setTimeout(update, 200); };
  update();
  window.addEventListener("load", update);
  window.addEventListener("resize", later);
  if (document.fonts) document.fonts.ready.then(update);
})();
