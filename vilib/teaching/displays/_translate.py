"""Translation of the book's notation into LaTeX that SymPy's parser reads (never changes the math)."""

from __future__ import annotations

import re
from typing import Any, Sequence

import sympy as sp

from vilib.teaching import notation as _nt
from vilib.teaching.displays._base import _COORD, _DOTS, _DUMMY, DisplayError

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
    (r"\\frac\s*([a-zA-Z])\s*(\d)", r"\\frac{\1}{\2}", r"\frac d2 is \frac{d}{2}"),
    (r"\\(?:text|mathrm)\{\s*const\.?\s*\}", r"\\CONST ", r"\text{const} is an additive constant"),
    (r"\\mathbb\s*\{?E\}?", "E", r"\mathbb E is E"),
    (r"\\mathcal\s*\{?N\}?", r"\\Normal", r"\mathcal N is the Gaussian"),
    (r"\\operatorname\{Categorical\}", r"\\Categorical", "Categorical"),
    (r"\\mathrm\{(KL|ELBO)\}", r"\\\1", r"\mathrm{KL}, \mathrm{ELBO} are names"),
    (r"\\geq?(?![a-zA-Z])", r"\\ge ", r"\geq is \ge"),
    (r"\\leq?(?![a-zA-Z])", r"\\le ", r"\leq is \le"),
    (r"\\cdots|\\ldots", r"\\dots", r"\cdots, \ldots are \dots"),
    (r"(?<![\\a-zA-Z])([a-zA-Z])_([a-z])\^\{?\\top\}?\s*E\[\s*(\\[a-zA-Z]+|[a-zA-Z])_([a-z])\s*\]",
     r"E[\1_\2^\\top \3_\4]",
     r"x_i^\top E[\mu_k] is E[x_i^\top \mu_k] (the data x_i are constants under q)"),
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


def RULES_TEXT(latex: str) -> str:
    """``latex`` after the notation rules (``RULES``)."""
    for pattern, repl, _ in RULES:
        latex = re.sub(pattern, repl, latex)
    return latex


def _canonical(latex: str) -> str:
    """Whitespace- and sizing-free form of a LaTeX fragment (the key of a ``where=`` binding),
    after the notation rules (so ``\\mathcal N`` in a key matches a display's ``\\mathcal{N}``)."""
    out = latex
    for pattern, repl, _ in RULES:
        out = re.sub(pattern, repl, out)
    out = out.replace(r"\mid", "|")
    return re.sub(r"\s+", "", out)


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


class _Translator:
    """Translate one side into parseable LaTeX; remember what each placeholder stands for."""

    def __init__(self, where: dict[str, Any]):
        self.where = {_canonical(key): value for key, value in (where or {}).items()}
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
        # any other where= key that appears literally (e.g. D_{ik}, an integral) becomes its value
        text = "".join(RULES_TEXT(text))
        for key, value in sorted(self.where.items(), key=lambda kv: -len(kv[0])):
            if re.match(r"^(?:[pq](?:\^\*)?\(|\\KL\(|\\ELBO\()", key):
                continue
            # the key's characters with any spacing between them (spacing is layout)
            pattern = r"\s*".join(re.escape(ch) for ch in key)
            if not key[-1].isalnum():
                pattern += ""
            elif True:
                pattern += r"(?![a-zA-Z0-9])"
            text = re.sub(pattern, lambda _m: " " + self._new(value), text)
        return text

    # -- expectations E[.], E_q[.], E_{q(c_i)}[.], E_{q(\mu_k)}[.] ---------------------------
    def _expectations(self, text: str) -> str:
        pattern = re.compile(r"(?<![\\a-zA-Z])E(_q|_\{q\}|_\{q_[a-z]\}|_\{q\(c_[a-z]\)\}|_\{q\(\\mu_[a-z]\)\}|_\{c_[a-z]\}|_\{\\mu_[a-z]\})?\s*\[")
        while True:
            match = pattern.search(text)
            if not match:
                return text
            close = _match_close(text, match.end() - 1, "[", "]")
            sub = match.group(1) or ""
            func = "ExpectC" if "c_" in sub else "ExpectMu" if "mu" in sub else "ExpectQ"
            inner = text[match.end():close]
            # E_{q(\mu_k)}[.] and E_{q(c_i)}[.] integrate over that variable only: keep it
            variable = re.search(r"(c_[a-z]|\\mu_[a-z])", sub)
            extra = f", {variable.group(1)}" if variable else ""
            factor = re.fullmatch(r"_\{q_([a-z])\}", sub)
            if factor:      # E_{q_j}[.]: over the factor z_j of a latent z = (z_1, z_2, ...)
                extra = ", " + self._new(sp.Symbol(f"z_{factor.group(1)}", integer=True))
            text = text[:match.start()] + f"\\{func}(" + inner + extra + ")" + text[close + 1:]

    # -- c_i^T mu, mu^T c_i, mu_{c_i}: the selected mean -------------------------------------
    # -- vectors in d dimensions: \|v\|^2, |v|^2, a^\top b (v, a, b: x_i, m_k, \mu_k) ---------
    _VECTOR = r"(?:x|m|\\mu)_(?:\{[a-z]\}|[a-z])(?![a-zA-Z])"

    @classmethod
    def _coordinate(cls, fragment: str) -> str:
        """Each vector name of ``fragment`` at coordinate \\jdim: x_i -> x_{i\\jdim}."""
        return re.sub(cls._VECTOR, lambda m: re.sub(r"_\{?([a-z])\}?", r"_{\1\\jdim}", m.group(0)),
                      fragment)

    def _vectors(self, text: str) -> str:
        def norm(match):
            return f"(\\sum_{{\\jdim=1}}^{{d}} ({self._coordinate(match.group(1))})^2)"
        text = re.sub(r"\\\|((?:[^|]|\\[a-zA-Z]+)*?)\\\|\^(?:\{2\}|2)", norm, text)
        text = re.sub(r"(?<!\\)\|(" + self._VECTOR + r")\|\^(?:\{2\}|2)", norm, text)
        pair = r"(" + self._VECTOR + r")\^\{?\\top\}?\s*(" + self._VECTOR + r")"
        return re.sub(pair, lambda m: f"(\\sum_{{\\jdim=1}}^{{d}} {self._coordinate(m.group(1))} "
                                      f"{self._coordinate(m.group(2))})", text)

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
    def _indexed(self, text: str) -> str:
        greek = "|".join(sorted(_GREEK, key=len, reverse=True))
        pattern = re.compile(r"(?<![\\a-zA-Z])(?P<base>\\(?:" + greek + r")(?![a-zA-Z])|[a-zA-Z])"
                             r"_(?P<sub>\{[^{}]*\}|[a-zA-Z0-9])")

        def repl(match):
            name = match.group("base").lstrip("\\")
            sub = match.group("sub").strip("{}")
            tokens = re.findall(r"\\tdummy|\\jdim|[a-zA-Z]'*|\d+", sub.replace(",", " "))
            if "".join(tokens).replace("\\tdummy", "").replace("\\jdim", "") != \
                    re.sub(r"[\s,]|\\tdummy|\\jdim", "", sub):
                raise DisplayError(f"cannot read the subscript of {match.group(0)!r}")
            indices = [sp.Integer(int(t)) if t.isdigit() else
                       _DUMMY if t == "\\tdummy" else _COORD if t == "\\jdim" else sp.Symbol(t, integer=True)
                       for t in tokens]
            if name == "z" and len(tokens) == 1 and tokens[0].isalpha():
                # z_j: the j-th part of the abstract latent z = (z_1, z_2, ...), a symbol
                return self._new(sp.Symbol(f"z_{tokens[0]}", integer=True))
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
                if re.search(r"\\(?:sum|prod)_\{[^{}]*\}\^(?:\{[^{}]*\}|\w)\s*$", before):
                    is_call = True          # "\sum_{j=1}^{d} (...)": the body of the sum
                if not is_call and before and (before[-1].isalnum() or before[-1] in ")}" or
                                               re.search(r"\\ZZ[a-z]+$", before)):
                    out.append(r" \cdot ")
            out.append(ch)
        return "".join(out)

    def side(self, text: str, ranges) -> str:
        text = text.strip()
        for pattern, repl, _ in RULES:
            text = re.sub(pattern, repl, text)
        text = self._bound(text)
        text = self._expectations(text)
        text = self._opaque(text)
        text = self._selected_mean(text)
        text = self._vectors(text)
        text = self._bounds(text, ranges)
        text = _separate_products(text)
        text = re.sub(r"\\(?:operatorname\*?\{[^}]*\}|underbrace)", lambda m: m.group(0), text)
        text = self._indexed(text)
        text = self._symbols(text)
        text = re.sub(r"\\dots", lambda _m: self._new(_DOTS), text)
        # "d s_k^2" is d times s_k^2, not the differential the parser would read
        text = re.sub(r"(?<![\\a-zA-Z])d\s*(?=\\ZZ)", r"(d) \\cdot ", text)
        text = self._products(text)
        text = re.sub(r"\\(?=ZZ|tdummy|jdim)", r"\\", text)
        if re.search(r"\\(?:top|\||mathbb|mathcal|text|operatorname|in|mid|underbrace|dots)(?![a-zA-Z])|\|", text):
            bad = re.search(r"\\(?:top|\||mathbb|mathcal|text|operatorname|in|mid|underbrace|dots)(?![a-zA-Z])|\|", text)
            raise DisplayError(f"notation not supported by the translator: {bad.group(0)!r} in {text!r}")
        return text


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


