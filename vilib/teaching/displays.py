r"""The displayed equation is the checked statement: read a display by its label, parse it, compare.

Every labelled display of the book (``$$ ... $$ (label)`` in ``book/*.md``) is read by the
check cell that follows it. The check reads the LaTeX the reader sees, translates the book's
notation (documented in :data:`RULES`), parses it with SymPy's ANTLR LaTeX parser, splits it
into statements and links (``=``, ``\propto``, ``\sim``, ``\ge``, ...), and compares every link
*mathematically* with expressions the check derives on its own.

Usage in a chapter (the check cell, tagged ``hide-input``)::

    from vilib.teaching.displays import check_display, check_chain, unchecked_display, gaussian
    from vilib.teaching.notation import x, mu, c, m, s, varphi, sigma, i, j, k, n, K

    # (ell-expected-square): E_{q(mu_k)}[(x_i - mu_k)^2] = x_i^2 - 2 x_i E[mu_k] + E[mu_k^2] = ...
    # one expression per side of the chain, in order; E[.] in the display is computed by the
    # machinery (Gaussian moments), the check gives what it derived on its own
    derived = x[i]**2 - 2*x[i]*m[k] + s[k]**2 + m[k]**2
    check_chain("ell-expected-square", derived, derived, derived)

    # several statements (separated by \qquad, by top-level commas or by lines): one list each
    s2 = 1 / (1/sigma**2 + Sum(varphi[i, k], (i, 1, n)))
    check_display("sq-update", [s2, s2], [m[k], S * s2, S * s2],
                  given={s[k]**2: s2})          # s_k^2 in statement 2 means statement 1's value

    # notation the display uses as a name (p(.), q(.), KL(.), D_{ik}, ...) gets its meaning
    # from the model, never from the display: e.g. the generative story's likelihood
    story = Normal(x[i], Sum(c[i, j] * mu[j], (j, 1, K)), 1)
    check_chain("jd-lik-product", story, story, where={r"p(x_i \mid c_i, \mu)": story})

    # \propto, "+ \text{const}": say in what the constant is constant
    check_display("phi-update", [softmax_k, rhs, rhs], wrt=k)       # equal ratios over k
    check_display("sq-collect", [log_q, derived], wrt=mu[k])         # same up to a term free of mu_k

    # what cannot be machine-checked is listed, with the reason (counted by a test)
    unchecked_display("ep-align", reason="an arg max over permutations, not an identity")

Each side of each statement is compared with the check's expression for it; then each link
(``=``, ``\propto``, ``\ge``, ...) is verified between the check's own expressions (a bare name
on the left of ``=`` is a definition and needs no proof). ``X \sim \mathcal N(m, v)`` is
compared as the density of ``X`` (give the density); ``Categorical(\tfrac1K, \dots, \tfrac1K)``
as ``prod_k (1/K)^{c_ik}``; ``k = 1, \dots, K`` as the range ``(k, ("range", "K"))``.
Use :func:`parse_display` (or :func:`translate`) to see how a display is read.

How a link is compared (:func:`compare`):

* sizes are made concrete (``n = 2, K = 3, d = 2`` unless ``sizes=`` says otherwise) and every
  sum and product is expanded, so a display with ``\sum_{k=1}^K`` is checked term by term;
* free indices (``i``, ``k``, ...) take every value in their range;
* ``\mathcal N(x; m, v)`` is the Gaussian density; ``E[\cdot]``, ``E_q[\cdot]`` (and
  ``\mathbb E``) are expectations under the mean-field family ``q(mu_k) = N(m_k, s_k^2)``,
  ``q(c_i) = Categorical(varphi_i)`` (``E_{q(c_i)}`` over the assignments only,
  ``E_{q(\mu_k)}`` over the means only); ``c_{ik}`` left outside an expectation takes every
  one-hot value, so ``N(x_i; c_i^T mu, 1)`` and ``prod_k N(x_i; mu_k, 1)^{c_ik}`` are equal
  and ``(1/K) sum_k N(x_i; mu_k, 1)`` is not;
* the difference of the two sides must vanish: first by evaluation at random points
  (30 significant digits, the responsibilities on the simplex), a non-zero value fails
  at once and is reported; then by ``expand``/``expand_log``/``simplify``; an identity that
  SymPy cannot simplify but that holds at every random point is accepted (a polynomial or
  analytic function that vanishes at random points is zero with probability one);
* ``\propto`` (and ``+ \text{const}``) compare up to a factor (a term) that does not depend on
  the variables named by ``wrt=`` (e.g. ``wrt=k``: equal ratios for every cluster; ``wrt=mu[k]``:
  the log-difference has zero derivative in ``mu_k``);
* ``\ge``/``\le``/``>``/``<`` are checked at the random points (``strict`` or not).

A parse error, notation the translator does not know, or a name without a meaning fails the
check with a :class:`DisplayError` that quotes the display. A failed link raises
:class:`DisplayMismatch` naming the link, the parsed side and the expected expression.

Every successful check writes a record (``_build/displays/<label>.json``: the LaTeX, the
expected expressions and options as ``srepr``) so that ``tests/teaching/test_display_mutations.py``
can mutate every linked display's LaTeX (sign flips, changed coefficients, changed powers,
dropped terms) and assert that the comparison fails, without executing the chapters.

Extending the notation: append ``(regex, replacement, doc)`` to :data:`RULES` (applied in
order, before parsing) or bind a name per check with ``where=``.
"""

from __future__ import annotations

import itertools
import json
import os
import random
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Iterable, Sequence

import sympy as sp

from vilib.teaching import notation as _nt

__all__ = [
    "DisplayError", "DisplayMismatch", "Display", "Statement", "find_display", "translate",
    "parse_display", "parse_latex", "check_display", "assert_display", "check_chain",
    "unchecked_display", "compare", "Expect", "ExpectC", "ExpectMu", "Normal", "gaussian",
    "CONST", "RULES", "all_displays", "records_dir",
]


class DisplayError(ValueError):
    """A display could not be read, translated or parsed, or a check was called wrongly."""


class DisplayMismatch(AssertionError):
    """A link of a display is not equal to the expression the check derived."""


# ------------------------------------------------------------------------------------------
# The functions a parsed display may contain
Expect = sp.Function("Expect")        # E_q[.]: over the whole mean-field q
ExpectC = sp.Function("ExpectC")      # E_{q(c_i)}[.]: over the assignments only
ExpectMu = sp.Function("ExpectMu")    # E_{q(mu_k)}[.]: over the means only
Normal = sp.Function("Normal")        # Normal(x, mean, variance): the density; 2 args: a law
Categorical = sp.Function("Categorical")
CONST = sp.Symbol("const")            # "+ const" in a display


def gaussian(value, mean, variance):
    """The density ``N(value; mean, variance)`` as an explicit SymPy expression."""
    return sp.exp(-(value - mean) ** 2 / (2 * variance)) / sp.sqrt(2 * sp.pi * variance)


# ------------------------------------------------------------------------------------------
# Finding a display
_DISPLAY_RE = re.compile(r"^\$\$[ \t]*\n(?P<body>.*?)\n\$\$[ \t]*\((?P<label>[A-Za-z0-9_:.-]+)\)[ \t]*$",
                         re.S | re.M)


@dataclass(frozen=True)
class Display:
    label: str
    chapter: str          # file name, e.g. "joint_density.md"
    latex: str


def _book_dirs() -> list[Path]:
    """Where chapter sources may be: $CAVI_BOOK_DIR, the cwd (a notebook runs in book/),
    ./book, and the book/ next to this package's repository."""
    dirs = []
    if os.environ.get("CAVI_BOOK_DIR"):
        dirs.append(Path(os.environ["CAVI_BOOK_DIR"]))
    cwd = Path.cwd()
    dirs += [cwd, cwd / "book", Path(__file__).resolve().parents[2] / "book"]
    return [p for p in dirs if p.is_dir()]


def _sources(directory: Path) -> list[Path]:
    return sorted(directory.glob("*.md")) + sorted(directory.glob("*.ipynb"))


def _displays_in(path: Path) -> Iterable[Display]:
    text = path.read_text(encoding="utf-8")
    if path.suffix == ".ipynb":      # a downloaded notebook: the displays live in markdown cells
        try:
            cells = json.loads(text).get("cells", [])
        except ValueError:
            return
        text = "\n".join("".join(cell.get("source", "")) for cell in cells
                         if cell.get("cell_type") == "markdown")
    for match in _DISPLAY_RE.finditer(text):
        yield Display(match["label"], path.name, match["body"].strip())


def all_displays(book_dir: str | Path | None = None) -> dict[str, Display]:
    """Every labelled display of the book, by label (labels are unique across the book)."""
    directory = Path(book_dir) if book_dir else next(
        (p for p in _book_dirs() if any(p.glob("*.md")) and (p / "intro.md").exists()), None)
    if directory is None:
        raise DisplayError("cannot find the book's chapters: set CAVI_BOOK_DIR")
    found: dict[str, Display] = {}
    for path in sorted(directory.glob("*.md")):
        for disp in _displays_in(path):
            if disp.label in found:
                raise DisplayError(f"label {disp.label!r} appears in {found[disp.label].chapter} "
                                   f"and {disp.chapter}")
            found[disp.label] = disp
    return found


def find_display(label: str, book_dir: str | Path | None = None) -> Display:
    """The display labelled ``label``, read from the chapter source that contains it."""
    dirs = [Path(book_dir)] if book_dir else _book_dirs()
    for directory in dirs:
        for path in _sources(directory):
            for disp in _displays_in(path):
                if disp.label == label:
                    return disp
    raise DisplayError(f"no display labelled ({label}) in {[str(p) for p in dirs]}")


# ------------------------------------------------------------------------------------------
# Translation of the book's notation (never changes the mathematics)
#: (regex, replacement, what it does): applied in this order to each statement before parsing
RULES: list[tuple[str, str, str]] = [
    (r"\\(?:left|right|bigl|bigr|Bigl|Bigr|biggl|biggr|Biggl|Biggr|big|Big|bigg|Bigg)(?![a-zA-Z])", "",
     r"sizing commands \left \right \big \Big ... are layout only"),
    (r"\\(?:,|;|!|:| )|\\quad\b|\\displaystyle\b|~", " ", r"spacing \, \; \quad ~ is layout only"),
    (r"\\[td]frac(?![a-zA-Z])", r"\\frac", r"\tfrac and \dfrac are \frac"),
    (r"\\frac\s*(\d)\s*(\d)", r"\\frac{\1}{\2}", r"\frac12 is \frac{1}{2}"),
    (r"\\frac\s*(\d)\s*(\\[a-zA-Z]+|[a-zA-Z])", r"\\frac{\1}{\2}", r"\frac1K is \frac{1}{K}"),
    (r"\\frac\s*(\d)\s*\{", r"\\frac{\1}{", r"\frac1{...} is \frac{1}{...}"),
    (r"\\(?:text|mathrm)\{\s*const\.?\s*\}", r"\\CONST ", r"\text{const} is an additive constant"),
    (r"\\mathbb\s*\{?E\}?", "E", r"\mathbb E is E"),
    (r"\\mathcal\s*\{?N\}?", r"\\Normal", r"\mathcal N is the Gaussian"),
    (r"\\operatorname\{Categorical\}", r"\\Categorical", "Categorical"),
    (r"\\mathrm\{(KL|ELBO)\}", r"\\\1", r"\mathrm{KL}, \mathrm{ELBO} are names"),
    (r"\\geq?(?![a-zA-Z])", r"\\ge ", r"\geq is \ge"),
    (r"\\leq?(?![a-zA-Z])", r"\\le ", r"\leq is \le"),
    (r"\\cdots|\\ldots", r"\\dots", r"\cdots, \ldots are \dots"),
    (r"(\\(?:sum|prod)_\{[^{}]*\})\^([A-Za-z0-9])(?![A-Za-z0-9])", r"\1^{\2}",
     r"\sum_{j=1}^d is \sum_{j=1}^{d} (else the parser reads '^d \log' as one name)"),
    (r"(?<![\\a-zA-Z])([a-zA-Z]|\\[a-zA-Z]+)_([a-z])\^\{?\\top\}?\s*([a-zA-Z]|\\[a-zA-Z]+)_([a-z])(?![a-zA-Z_])",
     r"(\\sum_{\\tdummy=1}^{d} \1_{\2\\tdummy} \3_{\4\\tdummy})",
     r"x_i^\top \mu_k is the sum over the d coordinates of x_{ij} \mu_{kj}"),
    (r"\\\|\s*([a-zA-Z]|\\[a-zA-Z]+)_([a-z])\s*\\\|\^2",
     r"(\\sum_{\\tdummy=1}^{d} \1_{\2\\tdummy}^2)",
     r"\|\mu_k\|^2 is the sum over the d coordinates of \mu_{kj}^2"),
    (r"(?<![\\a-zA-Z])d(?![a-zA-Z_}'])", r"{d}",
     r"the dimension d is braced (the parser reads a bare 'd \, s_k^2' as a differential)"),
    (r";", ",", r"N(x; m, v): the semicolon separates arguments"),
]

_GREEK = ("alpha beta gamma delta epsilon varepsilon zeta eta theta kappa lambda mu nu xi rho "
          "sigma tau phi varphi chi psi omega Gamma Delta Theta Lambda Xi Phi Psi Omega").split()
_FUNCTION_COMMANDS = {"log", "exp", "Normal", "Categorical", "KL", "ELBO", "sqrt", "ExpectQ",
                      "ExpectC", "ExpectMu", "frac", "sum", "prod", "binom"}
_RELATIONS = [r"\propto", r"\sim", r"\ge", r"\le", "=", ">", "<"]


def _match_close(text: str, start: int, open_ch: str, close_ch: str) -> int:
    """Index of the bracket closing the one at ``start``."""
    depth = 0
    for pos in range(start, len(text)):
        ch = text[pos]
        if ch == open_ch:
            depth += 1
        elif ch == close_ch:
            depth -= 1
            if depth == 0:
                return pos
    raise DisplayError(f"unbalanced {open_ch}{close_ch} in {text!r}")


def _canonical(latex: str) -> str:
    """Whitespace- and sizing-free form of a LaTeX fragment (the key of a ``where=`` binding)."""
    out = latex
    for pattern, repl, _ in RULES[:2]:
        out = re.sub(pattern, repl, out)
    out = out.replace(r"\mid", "|")
    return re.sub(r"\s+", "", out)


def _translate_key(latex: str) -> str:
    """A ``where=`` key with the notation RULES applied (as the display's text is)."""
    for pattern, repl, _ in RULES:
        latex = re.sub(pattern, repl, latex)
    return latex


def _top_level_split(text: str, separators: Sequence[str]) -> list[tuple[str, str]]:
    """Split ``text`` at separators outside brackets: [(piece, separator before it), ...]."""
    pieces, depth, last, sep_before, pos = [], 0, 0, "", 0
    while pos < len(text):
        ch = text[pos]
        if ch in "([{":
            depth += 1
        elif ch in ")]}":
            depth -= 1
        elif depth == 0:
            for sep in separators:
                if text.startswith(sep, pos) and not (sep[0] == "\\" and text[pos + len(sep):pos + len(sep) + 1].isalpha()):
                    pieces.append((text[last:pos], sep_before))
                    sep_before, last = sep, pos + len(sep)
                    pos += len(sep) - 1
                    break
        pos += 1
    pieces.append((text[last:], sep_before))
    return pieces


@dataclass
class Statement:
    """One statement of a display: sides joined by relations (``a = b \\propto c``)."""
    latex: str
    sides: list[str]                     # translated LaTeX of each side
    relations: list[str]                 # between consecutive sides
    exprs: list[sp.Expr] = field(default_factory=list)
    raw: list[str] = field(default_factory=list)   # each side as written in the display

    def __repr__(self):
        return f"Statement({self.latex!r})"


class _Translator:
    """Translate one side into parseable LaTeX; remember what each placeholder stands for."""

    def __init__(self, where: dict[str, Any]):
        # a key may be written as the display shows it (\mathcal N, \mathrm{ELBO}, \tfrac, ...):
        # translate it with the same RULES as the display before comparing
        self.where = {_canonical(_translate_key(key)): value for key, value in (where or {}).items()}
        self.placeholders: dict[str, Any] = {}

    def _new(self, value) -> str:
        number = len(self.placeholders)
        name = "ZZ" + "".join(chr(ord("a") + int(ch)) for ch in str(number))
        self.placeholders[name] = value
        return "\\" + name + " "

    # -- opaque names: p(.), q(.), KL(.), ELBO(.) and anything bound by where= ------------
    def _opaque(self, text: str) -> str:
        out, pos = [], 0
        pattern = re.compile(r"(?<![\\a-zA-Z])(?:[pq](?:\^\*|\^\{\*\})?|\\KL|\\ELBO)\s*\(")
        while True:
            match = pattern.search(text, pos)
            if not match:
                out.append(text[pos:])
                break
            close = _match_close(text, match.end() - 1, "(", ")")
            fragment = text[match.start():close + 1]
            out.append(text[pos:match.start()])
            key = _canonical(fragment)
            if key not in self.where:
                raise DisplayError(f"{fragment!r} has no meaning: bind it with where={{{fragment!r}: ...}}")
            out.append(self._new(self.where[key]))
            pos = close + 1
        return "".join(out)

    def _bound(self, text: str) -> str:
        # any other where= key that appears literally (e.g. D_{ik}) becomes its value
        for key, value in sorted(self.where.items(), key=lambda kv: -len(kv[0])):
            if re.match(r"^(?:[pq]|\\KL|\\ELBO)", key):
                continue
            canon = _canonical(text)
            if key in canon:
                # rebuild text from the canonical form (spacing is irrelevant to the parser)
                pieces = canon.split(key)
                text = self._new(value).join(pieces)
        return text

    # -- expectations E[.], E_q[.], E_{q(c_i)}[.], E_{q(\mu_k)}[.] ---------------------------
    def _expectations(self, text: str) -> str:
        pattern = re.compile(r"(?<![\\a-zA-Z])E(_q|_\{q\}|_\{q\(c_[a-z]\)\}|_\{q\(\\mu_[a-z]\)\}|_\{c_[a-z]\}|_\{\\mu_[a-z]\})?\s*\[")
        while True:
            match = pattern.search(text)
            if not match:
                return text
            close = _match_close(text, match.end() - 1, "[", "]")
            if _canonical(text[match.start():close + 1]) in self.where:
                # E[\mu_k \mid x] bound with where=: an expectation under another law
                key = _canonical(text[match.start():close + 1])
                text = text[:match.start()] + self._new(self.where[key]) + text[close + 1:]
                continue
            sub = match.group(1) or ""
            func = "ExpectC" if "c_" in sub else "ExpectMu" if "mu" in sub else "ExpectQ"
            inner = text[match.end():close]
            # E_{q(\mu_k)}[.] and E_{q(c_i)}[.] integrate over that variable only: keep it
            variable = re.search(r"(c_[a-z]|\\mu_[a-z])", sub)
            extra = f", {variable.group(1)}" if variable else ""
            text = text[:match.start()] + f"\\{func}(" + inner + extra + ")" + text[close + 1:]

    # -- c_i^T mu, mu^T c_i, mu_{c_i}: the selected mean -------------------------------------
    def _selected_mean(self, text: str) -> str:
        def repl(match):
            row = match.group("row")
            return f"(\\sum_{{\\tdummy=1}}^{{K}} c_{{{row}\\tdummy}} \\mu_{{\\tdummy}})"
        text = re.sub(r"c_(?P<row>[a-z])\^\{?\\top\}?\s*\\mu(?![_a-zA-Z])", repl, text)
        text = re.sub(r"\\mu\^\{?\\top\}?\s*c_(?P<row>[a-z])(?![a-zA-Z_])", repl, text)
        text = re.sub(r"\\mu_\{c_(?P<row>[a-z])\}", repl, text)
        return text

    # -- sums and products without bounds -----------------------------------------------------
    def _bounds(self, text: str, ranges: dict[str, Any]) -> str:
        def upper(index):
            bound = ranges.get(index.rstrip("'"))
            if bound is None:
                raise DisplayError(f"no range for the index {index!r}: pass ranges={{'{index}': ...}}")
            return str(bound)

        def pair(match):
            op, a, b = match.group(1), match.group(2), match.group(3)
            return (f"\\{op}_{{{a}=1}}^{{{upper(a)}}} \\{op}_{{{b}=1}}^{{{upper(b)}}} ")

        text = re.sub(r"\\(sum|prod)_\{([a-z]'?)\s*,?\s*([a-z]'?)\}(?!\s*\^)", pair, text)

        def single(match):
            op, index = match.group(1), match.group(2) or match.group(3)
            return f"\\{op}_{{{index}=1}}^{{{upper(index)}}} "
        return re.sub(r"\\(sum|prod)_(?:\{([a-z]'?)\}|([a-z]))(?!\s*\^|')", single, text)

    # -- subscripted names: x_i, \varphi_{ik}, s_k^2, D_{i1} -> placeholders for Indexed ----
    def _indices(self, sub: str, whole: str) -> tuple:
        tokens = re.findall(r"\\tdummy|[a-zA-Z]'*|\d+", sub.replace(",", " "))
        if "".join(tokens).replace("\\tdummy", "") != re.sub(r"[\s,]|\\tdummy", "", sub):
            raise DisplayError(f"cannot read the subscript of {whole!r}")
        return tuple(sp.Integer(int(t)) if t.isdigit() else
                     _DUMMY if t == "\\tdummy" else sp.Symbol(t, integer=True) for t in tokens)

    # -- accented names: \bar m_{ck}, \bar x, \hat\eta_1 are names of their own -------------
    def _accents(self, text: str) -> str:
        greek = "|".join(sorted(_GREEK, key=len, reverse=True))
        letter = r"(?:\\(?:" + greek + r")(?![a-zA-Z])|[a-zA-Z])"
        pattern = re.compile(r"\\(?P<accent>bar|hat|tilde)\s*(?:\{\s*(?P<braced>" + letter + r")\s*\}|(?P<base>"
                             + letter + r"))(?:_(?P<sub>\{[^{}]*\}|[a-zA-Z0-9]))?")

        def repl(match):
            base = match.group("braced") or match.group("base")
            name = base.lstrip("\\") + match.group("accent")    # "mbar", "etahat"
            if match.group("sub") is None:
                return self._new(_nt.symbol(name))
            return self._new(_nt.base(name)[self._indices(match.group("sub").strip("{}"), match.group(0))])
        return pattern.sub(repl, text)

    def _indexed(self, text: str) -> str:
        greek = "|".join(sorted(_GREEK, key=len, reverse=True))
        pattern = re.compile(r"(?<![\\a-zA-Z])(?P<base>\\(?:" + greek + r")(?![a-zA-Z])|[a-zA-Z])"
                             r"_(?P<sub>\{[^{}]*\}|[a-zA-Z0-9])")

        def repl(match):
            name = match.group("base").lstrip("\\")
            sub = match.group("sub").strip("{}")
            tokens = re.findall(r"\\tdummy|[a-zA-Z]'*|\d+", sub.replace(",", " "))
            if "".join(tokens).replace("\\tdummy", "") != re.sub(r"[\s,]|\\tdummy", "", sub):
                raise DisplayError(f"cannot read the subscript of {match.group(0)!r}")
            indices = [sp.Integer(int(t)) if t.isdigit() else
                       _DUMMY if t == "\\tdummy" else sp.Symbol(t, integer=True)
                       for t in tokens]
            return self._new(_nt.base("lambda" if name == "lambda" else name)[tuple(indices)])
        return pattern.sub(repl, text)

    def _symbols(self, text: str) -> str:
        # plain greek letters and e, pi: the shared symbols
        def repl(match):
            name = match.group(1)
            if name == "pi":
                return self._new(sp.pi)
            if name in _GREEK:
                return self._new(_nt.symbol(name))
            return match.group(0)
        text = re.sub(r"\\([a-zA-Z]+)(?![a-zA-Z(])", repl, text)
        text = re.sub(r"(?<![\\a-zA-Z])e(?![a-zA-Z_])", lambda _m: self._new(sp.E), text)
        return text

    def _products(self, text: str) -> str:
        # "a (b)" must be a product, not a call: put \cdot before every "(" that does not
        # follow a function name
        out = []
        for pos, ch in enumerate(text):
            if ch == "(":
                before = text[:pos].rstrip()
                word = re.search(r"\\([a-zA-Z]+)$", before)
                is_call = word and (word.group(1) in _FUNCTION_COMMANDS)
                # "\sum_{j=1}^{d} (x_j - m_j)^2": the bracket is the summand, not a factor
                if re.search(r"\\(?:sum|prod)_\{[^{}]*\}\^(?:\{[^{}]*\}|\w)$", before):
                    is_call = True
                if not is_call and before and (before[-1].isalnum() or before[-1] in ")}" or
                                               re.search(r"\\ZZ[a-z]+$", before)):
                    out.append(r" \cdot ")
            out.append(ch)
        return "".join(out)

    def side(self, text: str, ranges) -> str:
        text = text.strip()
        for pattern, repl, _ in RULES:
            text = re.sub(pattern, repl, text)
        text = self._expectations(text)
        text = self._opaque(text)
        text = self._bound(text)
        text = self._selected_mean(text)
        text = self._bounds(text, ranges)
        text = _separate_products(text)
        text = re.sub(r"\\(?:operatorname\*?\{[^}]*\}|underbrace)", lambda m: m.group(0), text)
        text = self._accents(text)
        text = self._indexed(text)
        text = self._symbols(text)
        text = re.sub(r"\\dots", lambda _m: self._new(_DOTS), text)
        text = self._products(text)
        text = re.sub(r"\\(?=ZZ|tdummy)", r"\\", text)
        if re.search(r"\\(?:top|\||mathbb|mathcal|text|operatorname|in|mid|underbrace|dots)(?![a-zA-Z])|\|", text):
            bad = re.search(r"\\(?:top|\||mathbb|mathcal|text|operatorname|in|mid|underbrace|dots)(?![a-zA-Z])|\|", text)
            raise DisplayError(f"notation not supported by the translator: {bad.group(0)!r} in {text!r}")
        return text


_DUMMY = sp.Symbol("tdummy", integer=True)
_DOTS = sp.Symbol("dots")          # "a, \dots, b" in the arguments of a law


def _separate_products(text: str) -> str:
    """``\\prod_k A \\prod_i B`` means ``(prod_k A)(prod_i B)``: the parser would nest the second
    product inside the first (harmless for sums, wrong for products), so close each product
    with a non-empty body before the next ``\\prod`` of the same term."""
    limits = re.compile(r"\\prod_\{[^{}]*\}\^\{[^{}]*\}|\\prod_\{[^{}]*\}\^[A-Za-z0-9]")
    depth, starts = 0, []
    for pos, ch in enumerate(text):
        if ch in "([{":
            depth += 1
        elif ch in ")]}":
            depth -= 1
        elif depth == 0 and ch in "+-=":
            starts.append(("break", pos))
        if depth == 0 and text.startswith("\\prod", pos):
            match = limits.match(text, pos)
            if match:
                starts.append(("prod", pos, match.end()))
    inserts = []
    for first, second in zip(starts, starts[1:]):
        if first[0] == "prod" and second[0] == "prod" and text[first[2]:second[1]].strip():
            inserts.append((first[1], "("))
            inserts.append((second[1], ") "))
    for pos, piece in sorted(inserts, key=lambda item: (-item[0], item[1] != "(")):
        text = text[:pos] + piece + text[pos:]
    return text


def _statements(latex: str) -> list[str]:
    """Split a display into statements: lines (``\\\\``) that do not continue a chain, and
    parts separated by ``\\qquad`` or top-level commas."""
    body = re.sub(r"\\begin\{(?:aligned|align\*?|split|gathered)\}|\\end\{(?:aligned|align\*?|split|gathered)\}",
                  "", latex)
    body = body.replace("&", " ").replace("{}", " ")
    for pattern, repl, _ in RULES[:2]:          # layout (sizing, spacing) first: "\," is no comma
        body = re.sub(pattern, repl, body)
    lines = [line.strip() for line in re.split(r"\\\\", body) if line.strip()]
    merged: list[str] = []
    for line in lines:
        if merged and (re.match(r"^(=|\\propto|\\ge|\\le|\\geq|\\leq|[+-])", line)
                       or merged[-1].rstrip().endswith(("(", "\\Big(", "\\big(", "+", "-", "="))):
            merged[-1] += " " + line
        else:
            merged.append(line)
    # "x_i \mid c_i, \mu \sim ...": the conditioning is description; the variable is x_i
    merged = [re.sub(r"\\mid[^=]*?(?=\\sim)", " ", line) for line in merged]
    parts: list[str] = []
    for line in merged:
        for chunk in re.split(r"\\qquad\b", line):
            chunk = chunk.strip().rstrip(".,;: ").strip()
            if not chunk:
                continue
            for piece, _sep in _top_level_split(chunk, [","]):
                piece = piece.strip().rstrip(".,;: ").strip()
                if piece:
                    parts.append(piece)
    # re-join comma pieces that are not statements (no relation): e.g. "k = 1, \dots, K"
    statements: list[str] = []
    for part in parts:
        has_relation = any(len(_top_level_split(part, [rel])) > 1 for rel in _RELATIONS)
        if statements and not has_relation:
            statements[-1] += ", " + part
        else:
            statements.append(part)
    return statements


_RANGE_RE = re.compile(r"^\s*([a-z])\s*=\s*1\s*,\s*\\(?:dots|ldots|cdots)\s*,\s*(\\?[A-Za-z]+)\s*$")


def translate(latex: str, *, where: dict | None = None, ranges: dict | None = None) -> list[str]:
    """The parseable LaTeX of every side of every statement of ``latex`` (for reading and
    debugging: shows what :data:`RULES` and the name handling did)."""
    return [side for stmt in parse_display(latex, where=where, ranges=ranges) for side in stmt.sides]


def parse_latex(text: str) -> sp.Expr:
    """SymPy's ANTLR LaTeX parser (``antlr4-python3-runtime==4.11.*``), strict: the whole text
    must parse (without ``strict`` the parser silently ignores what follows an error)."""
    from sympy.parsing.latex import parse_latex as _parse
    try:
        return _parse(text, strict=True, backend="antlr")
    except Exception as exc:  # the parser raises its own LaTeXParsingError
        raise DisplayError(f"SymPy cannot parse {text!r}: {str(exc).splitlines()[0]}") from exc


def _parse_side(text: str, translator: _Translator) -> sp.Expr:
    expr = parse_latex(text)
    mapping = {}
    for symbol in expr.free_symbols | {f.func for f in expr.atoms(sp.Function)}:
        name = str(symbol)
        if name in translator.placeholders:
            mapping[name] = translator.placeholders[name]
    functions = {"ExpectQ": Expect, "ExpectC": ExpectC, "ExpectMu": ExpectMu, "Normal": Normal,
                 "Categorical": Categorical}

    def rebuild(node):
        if isinstance(node, sp.Symbol):
            if node.name in mapping:
                return sp.sympify(mapping[node.name])
            if node.name == "CONST":
                return CONST
            if node.name == "tdummy":
                return _DUMMY
            if node.name in ("K", "n", "d"):
                return _nt.symbol(node.name)
            if len(node.name) == 1 and node.name in _nt.INDEX_LETTERS:
                return _nt.symbol(node.name)
            if node.name in ("dots",):
                raise DisplayError("\\dots outside a range")
            return _nt.symbol(node.name)
        if isinstance(node, sp.log) and len(node.args) == 2 and node.args[1] == sp.E:
            return sp.log(rebuild(node.args[0]))
        if isinstance(node, sp.Function) and type(node).__name__ in functions:
            return functions[type(node).__name__](*[rebuild(arg) for arg in node.args])
        if isinstance(node, (sp.Sum, sp.Product)):
            body = rebuild(node.function)
            limits = [tuple(rebuild(v) for v in lim) for lim in node.limits]
            # the variable of a sum is an index, like the same letter in a subscript (\sum_c ... m_{ck})
            limits = [(sp.Symbol(str(lim[0]), integer=True),) + lim[1:]
                      if re.fullmatch(r"[a-z]'*", str(lim[0])) else lim for lim in limits]
            return node.func(body, *limits)
        if isinstance(node, sp.Function) and type(node).__name__ not in functions and \
                type(node).__name__ not in dir(sp):
            raise DisplayError(f"unexpected function call {node} in {text!r}")
        if not node.args:
            return node
        return node.func(*[rebuild(arg) for arg in node.args])
    return rebuild(expr)


def parse_display(label_or_latex: str, *, where: dict | None = None, ranges: dict | None = None,
                  book_dir=None) -> list[Statement]:
    """The statements of a display, each side parsed into SymPy.

    ``label_or_latex`` is a label (read with :func:`find_display`) or LaTeX (containing a
    backslash or a space). ``where`` binds notation (``{r"p(\\mu_k)": ...}``); ``ranges``
    gives the upper bound of sums written without one (default ``i: n``, ``k, j, l: K``).
    """
    latex = label_or_latex
    if re.fullmatch(r"[A-Za-z0-9_:.-]+", label_or_latex):
        latex = find_display(label_or_latex, book_dir).latex
    bounds = {"i": _nt.n, "k": _nt.K, "j": _nt.K, "l": _nt.K}
    bounds.update(ranges or {})
    statements = []
    for text in _statements(latex):
        range_match = _RANGE_RE.match(text)
        pieces = _top_level_split(text, [r"\propto", r"\sim", r"\ge", r"\le", r"\geq", r"\leq", "=", ">", "<"])
        # a distribution statement "x_i \mid c_i, \mu \sim ...": the variable is before \mid
        sides = [piece for piece, _ in pieces]
        relations = [sep for _, sep in pieces[1:]]
        translator = _Translator(where)
        translated = []
        for side in sides:
            if relations and relations[0] == r"\sim" and side is sides[0]:
                side = side.split(r"\mid")[0]
            translated.append(translator.side(side, bounds) if not range_match else side)
        stmt = Statement(text, translated, relations, raw=[side.strip() for side in sides])
        if range_match:
            stmt.exprs = [_nt.symbol(range_match.group(1)), ("range", range_match.group(2).lstrip("\\"))]
            stmt.relations = ["range"]
        else:
            stmt.exprs = [_parse_side(t, translator) for t in translated]
        statements.append(stmt)
    return statements


# ------------------------------------------------------------------------------------------
# Semantics: sizes, indices, densities, expectations
DEFAULT_SIZES = {"n": 2, "K": 3, "d": 2}


def _concrete(expr, sizes: dict) -> sp.Expr:
    expr = sp.sympify(expr)
    expr = expr.xreplace({_nt.symbol(name): value for name, value in sizes.items()})
    return expr.doit(deep=True) if expr.has(sp.Sum, sp.Product) else expr


def _indexed_atoms(expr, name: str) -> set:
    return {atom for atom in expr.atoms(sp.Indexed) if atom.base == _nt.base(name)}


def _free_indices(exprs) -> list[sp.Symbol]:
    found = set()
    for expr in exprs:
        for atom in sp.sympify(expr).atoms(sp.Indexed):
            for index in atom.indices:
                found |= {s for s in index.free_symbols if s.is_integer}
    return sorted(found, key=str)


def _densities(expr) -> sp.Expr:
    """Normal(x, m, v) -> the Gaussian density; Categorical(c_i, varphi_i) -> prod_k varphi_ik^c_ik."""
    def normal(*args):
        if len(args) != 3:
            raise DisplayError(f"N(...) with {len(args)} arguments outside a '~' statement")
        return gaussian(*args)
    expr = expr.replace(lambda e: isinstance(e, sp.Function) and e.func == Normal,
                        lambda e: normal(*e.args))
    return expr


def _gaussian_moment(mean, var, power: int):
    return sum(sp.binomial(power, 2 * r) * mean ** (power - 2 * r) * var ** r * sp.factorial2(2 * r - 1)
               for r in range(power // 2 + 1))


def _onehot_rows(expr, sizes) -> list:
    return sorted({atom.indices[0] for atom in _indexed_atoms(expr, "c")}, key=str)


def _c_values(rows, K_value):
    """Every one-hot value of the rows: (substitution, weight under q)."""
    for choice in itertools.product(range(1, K_value + 1), repeat=len(rows)):
        sub, weight = {}, sp.Integer(1)
        for row, chosen in zip(rows, choice):
            for kk in range(1, K_value + 1):
                sub[_nt.c[row, kk]] = sp.Integer(1 if kk == chosen else 0)
            weight *= _nt.varphi[row, chosen]
        yield sub, weight


def _expect_mu(expr, gaussians: dict | None = None, only=None) -> sp.Expr:
    """E over the Gaussian factors: mu_k ~ N(m_k, s_k^2) (or the given {symbol: (mean, var)});
    ``only``: over that one mean (``E_{q(mu_k)}``)."""
    expr = sp.expand(sp.expand_log(sp.sympify(expr), force=True))
    variables = {atom: (_nt.m[atom.indices], _nt.s[atom.indices] ** 2)
                 for atom in _indexed_atoms(expr, "mu") if only is None or atom == only}
    variables.update({v: mv for v, mv in (gaussians or {}).items() if expr.has(v)})
    if not variables:
        return expr
    poly = sp.Poly(expr, *variables)
    if not all(g.is_polynomial(*variables) for g in [expr]):
        raise DisplayError(f"the expectation of {expr} is not polynomial in the means")
    total = 0
    for powers, coeff in poly.terms():
        term = coeff
        for (var, (mean, var_), power) in zip(variables, variables.values(), powers):
            term *= _gaussian_moment(mean, var_, power)
        total += term
    return total


def _expectations(expr, sizes, gaussians=None, discrete=None) -> sp.Expr:
    """Evaluate Expect/ExpectC/ExpectMu, innermost first."""
    def evaluate(node):
        inner = node.args[0]
        inner = _densities(inner)
        variable = node.args[1] if len(node.args) > 1 else None
        if discrete and node.func == Expect:       # a finite latent variable z: sum over its values
            total = 0
            for var, (values, weights) in discrete.items():
                for value, weight in zip(values, weights):
                    total += weight * _concrete(inner.xreplace({var: value}), sizes)
            return _expect_mu(total, gaussians)
        if node.func in (Expect, ExpectC):
            rows = _onehot_rows(inner, sizes)
            if variable is not None:            # E_{q(c_i)}: over row i only
                rows = [row for row in rows if row == variable.indices[0]]
            total = 0
            for sub, weight in _c_values(rows, sizes["K"]):
                value = inner.xreplace(sub)
                total += weight * (_expect_mu(value, gaussians) if node.func == Expect else value)
            return total
        return _expect_mu(inner, gaussians, only=variable)

    while True:
        nodes = [e for e in sp.preorder_traversal(expr) if isinstance(e, sp.Function)
                 and e.func in (Expect, ExpectC, ExpectMu) and not e.args[0].has(Expect, ExpectC, ExpectMu)]
        if not nodes:
            return expr
        expr = expr.xreplace({node: evaluate(node) for node in nodes})


# ------------------------------------------------------------------------------------------
# Comparison
_RNG_DIGITS = 30


def _random_values(exprs, seed: int, sizes) -> dict:
    symbols = set()
    for e in exprs:
        symbols |= {s for s in e.free_symbols if not isinstance(s, sp.Indexed)}
        symbols |= e.atoms(sp.Indexed)
    rng = random.Random(seed)
    values = {}
    phis = {}
    for sym in sorted(symbols, key=str):
        if isinstance(sym, sp.Indexed) and sym.base == _nt.varphi:
            phis.setdefault(sym.indices[0], set()).add(sym)
            continue
        if isinstance(sym, sp.Symbol) and sym in (CONST,):
            continue
        positive = bool(sym.is_positive) or bool(getattr(sym, "is_nonnegative", False))
        value = sp.Rational(rng.randint(5, 40), 10) if positive else sp.Rational(rng.randint(-30, 30), 10) + sp.Rational(1, 7)
        if sym.is_integer:
            value = sp.Integer(rng.randint(1, 4))
        values[sym] = value
    for row in phis:
        raw = [sp.Rational(rng.randint(1, 20), 1) for _ in range(sizes["K"])]
        total = sum(raw)
        for kk in range(1, sizes["K"] + 1):
            values[_nt.varphi[row, kk]] = raw[kk - 1] / total
    return values


def _numeric(expr, values) -> sp.Expr:
    return sp.N(sp.sympify(expr).xreplace(values), _RNG_DIGITS)


def _is_zero(diff, points: list[dict]) -> tuple[bool, str]:
    for values in points:
        num = _numeric(diff, values)
        if num.free_symbols:
            return False, f"does not reduce to a number (free: {sorted(map(str, num.free_symbols))})"
        try:
            magnitude = abs(complex(num))
        except TypeError:
            return False, f"not a number: {num}"
        if magnitude > 1e-20:
            return False, f"differs by {sp.N(num, 6)} at a random point"
    return True, ""


def _points(exprs, sizes, count=3):
    return [_random_values(exprs, seed, sizes) for seed in range(count)]


def compare(parsed, expected, relation: str = "=", *, sizes=None, wrt=None,
            gaussians=None, strict=False, given: dict | None = None,
            discrete: dict | None = None) -> tuple[bool, str]:
    """Is ``parsed <relation> expected`` true? Returns (ok, reason).

    Both sides get the same semantics (see the module docstring): concrete sizes, every
    value of the free indices, densities, expectations, one-hot assignments.
    """
    sizes = {**DEFAULT_SIZES, **(sizes or {})}
    a0, b0 = _concrete(parsed, sizes), _concrete(expected, sizes)
    indices = _free_indices([a0, b0] + [sp.sympify(key) for key in (given or {})])
    ranges = {idx: range(1, (sizes["n"] if str(idx) == "i" else sizes["K"]) + 1) for idx in indices}
    wrt_list = [] if wrt is None else list(wrt) if isinstance(wrt, (list, tuple)) else [wrt]
    index_wrt = [w for w in wrt_list if w in indices]
    loop_indices = [idx for idx in indices if idx not in index_wrt]
    for combo in itertools.product(*(ranges[idx] for idx in loop_indices)):
        sub = dict(zip(loop_indices, combo))
        a1, b1 = a0.xreplace(sub), b0.xreplace(sub)
        conditions, names = {}, {}
        for key, value in (given or {}).items():
            key = _concrete(key, sizes).xreplace(sub)
            target = conditions if isinstance(key, sp.Indexed) and key.base == _nt.c else names
            target[key] = _concrete(value, sizes).xreplace(sub)
        if names:      # given={s[k]**2: ...}: a name another statement defines, by its value
            a1, b1 = a1.xreplace(names), b1.xreplace(names)
        # wrt=mu[k, j] with k a free index: the variables of this value of k
        wrt_here = [w if w in index_wrt else sp.sympify(w).xreplace(sub) for w in wrt_list]
        ok, why = _compare_concrete(a1, b1, relation, sizes, wrt_here, index_wrt, gaussians, strict,
                                    conditions, discrete)
        if not ok:
            where = ", ".join(f"{idx} = {val}" for idx, val in sub.items())
            return False, why + (f" (at {where})" if where else "")
    return True, ""


def _evaluate(expr, sizes, gaussians, discrete=None):
    expr = _expectations(expr, sizes, gaussians, discrete)
    return _densities(expr)


def _compare_concrete(a, b, relation, sizes, wrt, index_wrt, gaussians, strict, conditions=None,
                      discrete=None):
    a, b = _evaluate(a, sizes, gaussians, discrete), _evaluate(b, sizes, gaussians, discrete)
    rows = sorted(set(_onehot_rows(a, sizes)) | set(_onehot_rows(b, sizes))
                  | {key.indices[0] for key in (conditions or {})}, key=str)
    compared = 0
    for sub, _w in _c_values(rows, sizes["K"]):
        if any(sp.sympify(key).xreplace(sub) != value for key, value in (conditions or {}).items()):
            continue      # a one-hot value the display does not speak about (given=)
        compared += 1
        a1, b1 = a.xreplace(sub), b.xreplace(sub)
        ok, why = _relation_holds(a1, b1, relation, sizes, wrt, index_wrt, strict)
        if not ok:
            onehot = {str(key): int(val) for key, val in sub.items() if val == 1}
            return False, why + (f" (one-hot c: {sorted(onehot)})" if onehot else "")
    if not compared:
        raise DisplayError(f"no one-hot assignment satisfies given={conditions}")
    return True, ""


def _log_difference(a, b):
    return sp.expand_log(sp.log(a), force=True) - sp.expand_log(sp.log(b), force=True)


def _relation_holds(a, b, relation, sizes, wrt, index_wrt, strict):
    has_const = a.has(CONST) or b.has(CONST)
    if relation in ("=", r"\propto") and (relation == r"\propto" or has_const):
        if not wrt:
            raise DisplayError(f"'{relation}' or '+ const' needs wrt=: constant in which variables?")
        if relation == r"\propto":
            diff = _log_difference(a, b)
        else:
            diff = (a - b).xreplace({CONST: 0})
        if index_wrt:
            # constant across the values of an index (e.g. proportional over k)
            idx = index_wrt[0]
            values = [diff.xreplace({idx: v}) for v in range(1, sizes["K"] + 1)]
            points = _points(values, sizes)
            for other in values[1:]:
                ok, why = _is_zero(other - values[0], points)
                if not ok:
                    return False, f"not constant in {idx}: {why}"
            return True, ""
        grads = [sp.diff(diff, w) for w in wrt if not (isinstance(w, sp.Symbol) and w.is_integer)]
        points = _points([diff], sizes)
        for g in grads:
            ok, why = _is_zero(g, points)
            if not ok:
                return False, f"the difference depends on the variables wrt: {why}"
        return True, ""
    diff = a - b
    points = _points([a, b], sizes)
    if relation == "=":
        ok, why = _is_zero(diff, points)
        if not ok:
            return False, why
        try:
            if sp.expand(sp.expand_log(diff, force=True)) == 0:
                return True, ""
        except Exception:  # pragma: no cover - expansion is best effort
            pass
        return True, ""     # zero at every random point (see the module docstring)
    if relation in (r"\ge", ">", r"\le", "<"):
        for values in points:
            va, vb = _numeric(a, values), _numeric(b, values)
            holds = {r"\ge": va >= vb, ">": va > vb, r"\le": va <= vb, "<": va < vb}[relation]
            if not holds or (strict and va == vb):
                return False, f"{sp.N(va, 6)} {relation} {sp.N(vb, 6)} is false at a random point"
        return True, ""
    raise DisplayError(f"relation {relation!r} is not supported")


# ------------------------------------------------------------------------------------------
# The API for check cells
def _record(label: str, disp_latex: str, expected, options: dict):
    directory = records_dir()
    if directory is None:
        return
    try:
        directory.mkdir(parents=True, exist_ok=True)
        payload = {
            "label": label,
            "latex": disp_latex,
            "expected": [[sp.srepr(sp.sympify(e)) if not isinstance(e, tuple) else repr(e) for e in group]
                         for group in expected],
            "options": {key: (sp.srepr(sp.sympify(val)) if key != "where" else
                              {k2: sp.srepr(sp.sympify(v2)) for k2, v2 in val.items()})
                        for key, val in options.items() if val is not None},
        }
        (directory / f"{label}.json").write_text(json.dumps(payload, indent=1), encoding="utf-8")
    except (OSError, TypeError, ValueError):  # a record is an optimisation for tests, never fatal
        pass


def records_dir() -> Path | None:
    """``_build/displays`` of the repository that holds the chapters (None outside one)."""
    if os.environ.get("CAVI_DISPLAY_RECORDS"):
        return Path(os.environ["CAVI_DISPLAY_RECORDS"])
    for directory in _book_dirs():
        if (directory / "intro.md").exists() and (directory.parent / "_config.yml").exists():
            return directory.parent / "_build" / "displays"
    return None


def check_display(label: str, *expected: Sequence, where: dict | None = None,
                  ranges: dict | None = None, sizes: dict | None = None, wrt=None,
                  gaussians: dict | None = None, skip: dict | None = None, latex: str | None = None,
                  given: dict | None = None, discrete: dict | None = None,
                  record: bool = True) -> list[Statement]:
    """Check every link of display ``label`` against the expressions the check derived.

    ``expected``: one sequence per statement of the display (in order), with one expression per
    side (``len(sides)`` = number of relations + 1). ``skip={index: reason}`` leaves a statement
    (e.g. an ``arg min`` definition) out, with the reason; ``latex=`` checks given LaTeX instead
    of the chapter's (used by the mutation test); ``given={c[i, k]: 1}`` restricts the one-hot
    values of the assignments to those the display speaks about, and ``given={s[k]**2: value}``
    replaces a name by its value on both sides (a name defined by another statement);
    ``gaussians={z: (mean, variance)}`` and ``discrete={z: (values, weights)}`` say what
    ``E_q`` integrates over when the display speaks of an abstract latent ``z``. Raises :class:`DisplayMismatch` on the first
    link that fails.
    """
    skip = skip or {}
    text = latex if latex is not None else find_display(label).latex
    statements = parse_display(text, where=where, ranges=ranges)
    if len(statements) != len(expected) + len([s for s in skip if s < len(statements)]) and \
            len(statements) != len(expected):
        raise DisplayMismatch(f"({label}) has {len(statements)} statements "
                              f"({[s.latex for s in statements]}), the check gives {len(expected)}")
    groups = iter(expected)
    for number, stmt in enumerate(statements):
        if number in skip:
            continue
        group = list(next(groups))
        if len(group) != len(stmt.exprs):
            raise DisplayMismatch(f"({label}) statement {number + 1} {stmt.latex!r} has {len(stmt.exprs)} "
                                  f"sides, the check gives {len(group)}")
        opts = dict(sizes=sizes, wrt=wrt, gaussians=gaussians, given=given, discrete=discrete)
        for side, (parsed, wanted) in enumerate(zip(stmt.exprs, group)):
            relation = "=" if side == 0 else stmt.relations[side - 1]
            if relation == "range":
                ok, why = (parsed == wanted), "the range differs"
                _raise_if(not ok, label, number, side, relation, why, stmt, parsed, wanted)
                continue
            if relation == r"\sim":
                parsed = _law_density(parsed, group[0])
            # 1. the side as displayed is the expression the check derived
            ok, why = compare(parsed, wanted, "=", **opts)
            _raise_if(not ok, label, number, side, "side", why, stmt, parsed, wanted)
            # 2. the link holds between the check's own expressions (a bare name on the left,
            #    "s_k^2 = ...", is a definition: nothing to prove)
            if side and relation not in (r"\sim",) and not (side == 1 and _is_name(stmt.exprs[0])
                                                             and _same(group[0], stmt.exprs[0])):
                ok, why = compare(group[side - 1], wanted, relation, **opts)
                _raise_if(not ok, label, number, side, relation, why, stmt, group[side - 1], wanted,
                          link=True)
    if record and latex is None:
        _record(label, text, expected, dict(where=where, ranges=ranges, sizes=sizes, wrt=wrt,
                                            gaussians=gaussians, skip=skip or None, given=given,
                                            discrete=discrete))
    return statements


def _is_name(expr) -> bool:
    """A bare name (``m_k``, ``s_k^2``, ``\\varphi_{ik}``): the left side of a definition."""
    expr = sp.sympify(expr)
    if isinstance(expr, sp.Pow) and expr.exp.is_Integer:
        expr = expr.base
    return isinstance(expr, (sp.Symbol, sp.Indexed))


def _same(a, b) -> bool:
    return sp.sympify(a) == sp.sympify(b)


def _raise_if(failed, label, number, side, relation, why, stmt, parsed, wanted, link=False):
    if not failed:
        return
    if link:
        raise DisplayMismatch(
            f"({label}) statement {number + 1}: the link '{relation}' between sides {side} and "
            f"{side + 1} does not hold for the check's own expressions: {why}\n"
            f"  left : {parsed}\n  right: {wanted}")
    raise DisplayMismatch(
        f"({label}) statement {number + 1}, side {side + 1} differs from the check: {why}\n"
        f"  display : {stmt.raw[side] if side < len(stmt.raw) else stmt.latex}\n"
        f"  parsed  : {parsed}\n  expected: {wanted}")


def _law_density(law, variable):
    """``X \\sim N(m, v)`` -> the density of X; ``Categorical(p_1, ..., p_K)`` -> prod p^c."""
    if isinstance(law, sp.Function) and law.func == Normal and len(law.args) == 2:
        return gaussian(variable, *law.args)
    if isinstance(law, sp.Function) and law.func == Categorical:
        # Categorical(p_1, \dots, p_K) of a one-hot c_i: prod_k p_k^{c_ik}
        args = list(law.args)
        if len(args) == 3 and args[1] == _DOTS and sp.simplify(args[0] - args[2]) == 0 \
                and isinstance(variable, sp.Indexed) and len(variable.indices) == 1:
            row = variable.indices[0]
            return sp.Product(args[0] ** _nt.c[row, _DUMMY], (_DUMMY, 1, _nt.K))
        if _DOTS in args:
            raise DisplayError(f"cannot read the law {law}: only equal first and last entries around \\dots")
        if isinstance(variable, sp.Indexed) and len(variable.indices) == 1:
            row = variable.indices[0]
            return sp.Mul(*[p ** _nt.c[row, kk + 1] for kk, p in enumerate(args)])
    raise DisplayError(f"cannot read the law {law}")


def assert_display(label: str, *, lhs=None, rhs=None, **options) -> list[Statement]:
    """Shorthand for a display with one statement ``lhs = rhs`` (``lhs`` defaults to the
    parsed left side, so only the right side is checked)."""
    statements = parse_display(options.get("latex") or label, where=options.get("where"),
                               ranges=options.get("ranges"))
    if len(statements) != 1 or len(statements[0].exprs) != 2:
        raise DisplayError(f"assert_display needs a display 'lhs = rhs'; ({label}) has "
                           f"{[s.latex for s in statements]}: use check_display")
    return check_display(label, [statements[0].exprs[0] if lhs is None else lhs, rhs], **options)


def check_chain(label: str, *sides, **options) -> list[Statement]:
    """Shorthand for a display with one statement ``side_0 = side_1 = ...``."""
    return check_display(label, list(sides), **options)


_UNCHECKED: dict[str, str] = {}


def unchecked_display(label: str, reason: str) -> None:
    """Declare that display ``label`` is not machine-checked, and why (counted by a test)."""
    find_display(label)              # the label must exist
    if len(reason.split()) < 4:
        raise DisplayError("give a reason a reader can follow (a sentence)")
    _UNCHECKED[label] = reason
    directory = records_dir()
    if directory is not None:
        try:
            directory.mkdir(parents=True, exist_ok=True)
            (directory / f"{label}.unchecked.json").write_text(
                json.dumps({"label": label, "reason": reason}), encoding="utf-8")
        except OSError:
            pass


def load_record(path: str | Path) -> dict:
    """A record written by :func:`check_display`, with its expressions rebuilt."""
    data = json.loads(Path(path).read_text(encoding="utf-8"))
    namespace = {**sp.__dict__, "Expect": Expect, "ExpectC": ExpectC, "ExpectMu": ExpectMu,
                 "Normal": Normal, "Categorical": Categorical}

    def rebuild(text):
        if text.startswith("("):
            return eval(text)  # noqa: S307 - ("range", "K") tuples written by _record
        return eval(text, namespace)  # noqa: S307 - srepr written by _record
    data["expected"] = [[rebuild(e) for e in group] for group in data["expected"]]
    opts = {}
    for key, val in data.get("options", {}).items():
        if key == "where":
            opts[key] = {k2: rebuild(v2) for k2, v2 in val.items()}
        elif key == "skip":
            opts[key] = {int(k2): v2 for k2, v2 in rebuild(val).items()} if isinstance(rebuild(val), dict) else None
        elif key == "sizes":      # {"n": 2}: sympify made the names Symbols
            opts[key] = {str(k2): int(v2) for k2, v2 in rebuild(val).items()}
        else:
            opts[key] = rebuild(val)
    data["options"] = opts
    return data
