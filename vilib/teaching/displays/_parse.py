"""Parsing a display: statements, sides and relations, each side parsed into SymPy."""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass, field
from typing import Iterable

import sympy as sp

from vilib.teaching import notation as _nt
from vilib.teaching.displays._base import (_COORD, _DUMMY, CONST, Categorical, DisplayError, Expect,
                                           ExpectC, ExpectMu, Normal)
from vilib.teaching.displays._source import find_display
from vilib.teaching.displays._translate import (_RANGE_RE, _statements, _top_level_split,
                                                _Translator)

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


def translate(latex: str, *, where: dict | None = None, ranges: dict | None = None) -> list[str]:
    """The parseable LaTeX of every side of every statement of ``latex`` (for reading and
    debugging: shows what ``RULES`` and the name handling did)."""
    return [side for stmt in parse_display(latex, where=where, ranges=ranges) for side in stmt.sides]


@functools.lru_cache(maxsize=4096)
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
            if node.name == "jdim":
                return _COORD
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
            args = [rebuild(arg) for arg in node.args]
            if type(node).__name__ == "Categorical" and len(args) == 2 and \
                    all(isinstance(arg, sp.Indexed) and len(arg.indices) == 1 for arg in args):
                # Categorical(c_i; varphi_i): the probability prod_k varphi_ik^c_ik of a one-hot c_i
                value, probs = args
                return sp.Product(probs.base[probs.indices[0], _DUMMY] ** value.base[value.indices[0], _DUMMY],
                                  (_DUMMY, 1, _nt.K))
            return functions[type(node).__name__](*args)
        if isinstance(node, (sp.Sum, sp.Product)):
            body = rebuild(node.function)
            limits = [tuple(rebuild(v) for v in lim) for lim in node.limits]
            return node.func(body, *limits)
        if isinstance(node, sp.Function) and type(node).__name__ not in functions and \
                type(node).__name__ not in dir(sp):
            raise DisplayError(f"unexpected function call {node} in {text!r}")
        if not node.args:
            return node
        return node.func(*[rebuild(arg) for arg in node.args])
    return rebuild(expr)


def parse_display(label_or_latex: str, *, where: dict | None = None, ranges: dict | None = None,
                  book_dir=None, skip: Iterable[int] = ()) -> list[Statement]:
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
    for number, text in enumerate(_statements(latex)):
        if number in set(skip):
            statements.append(Statement(text, [], [], exprs=[], raw=[text]))
            continue
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


