"""A wrong display fails its check: mutate every linked display's LaTeX and re-run its check.

`make book` executes every chapter; each check cell records what it compared (the display's
LaTeX, the expressions it derived, its options) in _build/displays/<label>.json. This test
reads those records, so it runs without executing the chapters: for every linked display it
applies four kinds of mutation to the LaTeX the reader sees,

* sign flip: one `+` becomes `-` or one `-` becomes `+`;
* changed coefficient: one digit d becomes d + 1 (`\\tfrac12` -> `\\tfrac13`, `2\\pi` -> `3\\pi`);
* changed power: one `^2` becomes `^3`, one `^{e}` becomes `^{2e}`;
* dropped term: one top-level `+ term` or `- term` of a side is deleted (a changed lower bound
  of a sum, `\\sum_{i=1}` -> `\\sum_{i=2}`, drops a term too);
* changed index: one subscript `j` becomes `k` or `k` becomes `j` (up to two sites);
* dropped factor: one density `p(...)` or `\\mathcal N(...)` of a product is deleted;

at up to three sites per kind (first, middle and last), and asserts that the check rejects every
mutant (a mismatch, or LaTeX that no longer parses: either fails the build). A separate test
counts the displays that are declared not machine-checked: at most 1 in 10 of the book's.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from vilib.teaching import displays as dsp

ROOT = Path(__file__).resolve().parents[2]
RECORDS = ROOT / "_build" / "displays"
BOOK = ROOT / "book"


def _records():
    return sorted(p for p in RECORDS.glob("*.json") if not p.name.endswith(".unchecked.json"))


def _unchecked():
    return sorted(RECORDS.glob("*.unchecked.json"))


# -- mutation operators: each returns [(description, mutated latex), ...] ----------------------
def _depths(text: str) -> list[int]:
    depth, out = 0, []
    for ch in text:
        if ch in "([{":
            depth += 1
        out.append(depth)
        if ch in ")]}":
            depth -= 1
    return out


def _spread(sites: list, limit: int = 3) -> list:
    if len(sites) <= limit:
        return sites
    return [sites[0], sites[len(sites) // 2], sites[-1]]


def _is_neutral_term(text: str, pos: int) -> bool:
    """A `+ 0 \\cdot ...` term: flipping or dropping it changes nothing (an equivalent mutant);
    the sign of an arbitrary additive constant (`+ \\text{const}` -> `- \\text{const}`) neither."""
    return re.match(r"[+-]\s*(?:0\s*\\cdot|\\(?:text|mathrm)\{\s*const)", text[pos:]) is not None


def sign_flips(text: str):
    sites = [mt.start() for mt in re.finditer(r"(?<![\\^_{])[+-]", text)
             if not _is_neutral_term(text, mt.start())
             and not re.match(r"-\s*1\s*\}", text[mt.start():])    # ^{-1} -> ^{+1}: kept below
             and not re.match(r"[+-]\s*\\text\{\s*const", text[mt.start():])]   # - const is + const
    sites = [p for p in sites if not re.search(r"\^\{$", text[:p])]
    return [(f"sign flip at {p}: {text[max(0, p - 15):p + 15]!r}",
             text[:p] + ("-" if text[p] == "+" else "+") + text[p + 1:]) for p in _spread(sites)]


def coefficient_changes(text: str):
    sites = [mt.start() for mt in re.finditer(r"\d", text)]      # sum bounds too: a dropped term
    return [(f"coefficient {text[p]} -> {int(text[p]) + 1} at {p}: {text[max(0, p - 15):p + 15]!r}",
             text[:p] + str(int(text[p]) + 1) + text[p + 1:]) for p in _spread(sites)]


def power_changes(text: str):
    out = []
    sites = [mt.start() for mt in re.finditer(r"\^(?:2|\{2\})", text)]
    for p in _spread(sites):
        mt = re.match(r"\^(?:2|\{2\})", text[p:])
        out.append((f"power ^2 -> ^3 at {p}: {text[max(0, p - 15):p + 15]!r}",
                    text[:p] + "^3" + text[p + mt.end():]))
    sites = [mt.start() for mt in re.finditer(r"\^\{(?!2\})", text)]
    for p in _spread(sites, 1):
        out.append((f"power ^{{e}} -> ^{{2e}} at {p}: {text[max(0, p - 15):p + 15]!r}",
                    text[:p] + "^{2" + text[p + 2:]))
    return out


_STOP = re.compile(r"=|\\propto|\\ge|\\le|\\sim|\\qquad|\\\\|,|\\end|&|\\quad|\\text")


def dropped_terms(text: str):
    depth = _depths(text)
    sites = []
    for mt in re.finditer(r"(?<![\\^_{(\[=])\s[+-]\s", text):
        start = mt.start() + 1
        if re.match(r"[+-]\s*0\s*\\cdot", text[start:]):       # dropping "+ 0 \cdot ..." changes nothing
            continue
        base = depth[start]
        end = start + 1
        while end < len(text):
            ch = text[end]
            if depth[end] < base or (depth[end] == base and (ch in "+-" or _STOP.match(text, end))):
                break
            end += 1
        term = text[start:end].strip()
        if len(term) > 1 and not term.rstrip(". ").endswith(("+", "-")):
            sites.append((start, end))
    return [(f"dropped term {text[s:e].strip()!r}", text[:s] + " " + text[e:]) for s, e in _spread(sites)]


def changed_indices(text: str):
    """One subscript index replaced by another (``\\mu_j`` -> ``\\mu_k``): a different quantity."""
    sites = [mt.start(1) for mt in re.finditer(r"_\{?([jk])(?![a-zA-Z=])", text)]
    return [(f"index {text[p]} -> {'k' if text[p] == 'j' else 'j'} at {p}: {text[max(0, p - 15):p + 15]!r}",
             text[:p] + ("k" if text[p] == "j" else "j") + text[p + 1:]) for p in _spread(sites, 2)]


def dropped_factors(text: str):
    """One density factor ``p(...)`` or ``\\mathcal N(...)`` (with its power) deleted from a product."""
    sites = []
    for mt in re.finditer(r"(?<![a-zA-Z\\])p\(|\\mathcal\s*\{?N\}?\s*(?:\\left|\\big|\\Big)?\(", text):
        close = dsp._match_close(text, mt.end() - 1, "(", ")")
        end = close + 1
        power = re.match(r"\^(?:\{[^{}]*(?:\{[^{}]*\}[^{}]*)*\}|\w)", text[end:])
        if power:
            end += power.end()
        before, after = text[:mt.start()].rstrip(), text[end:].lstrip()
        alone = (not before or before.endswith(("=", "(", "[", "\\log", "\\sim", ",", "+", "-"))) and \
            (not after or after.startswith(("=", ")", "]", ",", ".", "+", "-", "\\\\", "\\qquad")))
        if not alone:
            sites.append((mt.start(), end))
    return [(f"dropped factor {text[s:e]!r}", text[:s] + " " + text[e:]) for s, e in _spread(sites)]


OPERATORS = {"sign flip": sign_flips, "coefficient": coefficient_changes,
             "power": power_changes, "dropped term": dropped_terms, "index": changed_indices,
             "dropped factor": dropped_factors}


#: mutants that are mathematically the same statement, by label: (kind, context, reason)
EQUIVALENT = {
    "eq-onehot-select": [("index", r"\\mu_k = \\mu_k",
                          "sum_j c_ij mu_k = mu_k for a one-hot c_i: the same statement")],
}


def _equivalent(label: str, kind: str, mutant: str) -> bool:
    return any(kind == k and re.search(context, mutant)
               for k, context, _reason in EQUIVALENT.get(label, []))


def _only_in_skipped(record: dict, current: str, mutant: str) -> bool:
    """The mutation touches only a statement the check leaves out with a reason (skip=)."""
    skip = set((record["options"].get("skip") or {}).keys())
    if not skip:
        return False
    before, after = dsp._statements(current), dsp._statements(mutant)
    keep = lambda parts: [s for number, s in enumerate(parts) if number not in skip]  # noqa: E731
    return len(before) == len(after) and keep(before) == keep(after)


def _check(record: dict, latex: str) -> None:
    expected = record["expected"]
    options = {key: val for key, val in record["options"].items() if val is not None}
    dsp.check_display(record["label"], *expected, latex=latex, record=False, **options)


RECORD_FILES = _records()


def test_the_book_was_built_and_checks_were_recorded():
    """Without records the mutation test would test nothing: `make book` writes them."""
    assert RECORDS.is_dir() and RECORD_FILES, (
        f"no display records in {RECORDS}: run `make book` first (it executes every chapter)")


@pytest.mark.parametrize("path", RECORD_FILES, ids=[p.stem for p in RECORD_FILES])
def test_every_mutation_of_a_linked_display_fails_its_check(path):
    record = dsp.load_record(path)
    current = dsp.find_display(record["label"], BOOK).latex
    assert current == record["latex"], f"({record['label']}) changed since the last `make book`"
    _check(record, current)                 # the display as written passes ...
    applied, escaped = 0, []
    for kind, operator in OPERATORS.items():
        for description, mutant in operator(current):
            if mutant == current or _equivalent(record["label"], kind, mutant) or \
                    _only_in_skipped(record, current, mutant):
                continue
            applied += 1
            try:
                _check(record, mutant)
            except (dsp.DisplayMismatch, dsp.DisplayError):
                continue                    # ... and every mutant fails it
            escaped.append(f"{kind}: {description}")
    assert applied >= 1, f"({record['label']}) no mutation applies"
    assert not escaped, f"({record['label']}) mutants the check accepts:\n" + "\n".join(escaped)


def test_every_labelled_display_is_linked_or_declared_unchecked_and_few_are_unchecked():
    displays = dsp.all_displays(BOOK)
    linked = {p.stem for p in RECORD_FILES}
    unchecked = {p.name[: -len(".unchecked.json")] for p in _unchecked()}
    missing = sorted(set(displays) - linked - unchecked)
    by_chapter: dict[str, list[str]] = {}
    for label in missing:
        by_chapter.setdefault(displays[label].chapter, []).append(label)
    assert not missing, f"displays with no check that reads them: {by_chapter}"
    assert len(unchecked) * 10 <= len(displays), (
        f"{len(unchecked)} of {len(displays)} labelled displays are not machine-checked "
        f"(at most 1 in 10): {sorted(unchecked)}")
