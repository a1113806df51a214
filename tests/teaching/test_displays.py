"""Unit tests of the display checker (vilib.teaching.displays): reading, translating, parsing,
comparing. Every test that passes a correct display also shows that a wrong one fails."""

from pathlib import Path

import pytest
import sympy as sp

from vilib.teaching import displays as dsp
from vilib.teaching.displays import (CONST, DisplayError, DisplayMismatch, Expect, Normal,
                                     check_chain, check_display, compare, find_display, gaussian,
                                     parse_display, unchecked_display)
from vilib.teaching.notation import K, c, i, j, k, m, mu, n, s, sigma, varphi, x

STORY = Normal(x[i], sp.Sum(c[i, j] * mu[j], (j, 1, K)), 1)      # x_i | c_i, mu ~ N(c_i^T mu, 1)


def parsed(latex, **kw):
    return [stmt.exprs for stmt in parse_display(latex, **kw)]


@pytest.fixture()
def book(tmp_path, monkeypatch):
    """A two-chapter book in a temporary repository (records go to its _build/displays)."""
    (tmp_path / "_config.yml").write_text("title: t\n")
    root = tmp_path / "book"
    root.mkdir()
    (root / "intro.md").write_text("# Intro\n")
    (root / "one.md").write_text("# One\n\n$$\nE_q[\\mu_k^2] = s_k^2 + m_k^2 .\n$$ (t-moment)\n\n"
                                 "$$\na = \\tfrac12 b\n$$ (t-other)\n")
    monkeypatch.chdir(root)
    monkeypatch.delenv("CAVI_BOOK_DIR", raising=False)
    monkeypatch.delenv("CAVI_DISPLAY_RECORDS", raising=False)
    return tmp_path


# -- reading --------------------------------------------------------------------------------
def test_find_display_reads_the_chapter_source(book):
    disp = find_display("t-moment")
    assert disp.chapter == "one.md"
    assert disp.latex == r"E_q[\mu_k^2] = s_k^2 + m_k^2 ."
    with pytest.raises(DisplayError, match="no display labelled"):
        find_display("t-missing")


def test_duplicate_labels_are_an_error(book):
    (book / "book" / "two.md").write_text("$$\na = b\n$$ (t-other)\n")
    with pytest.raises(DisplayError, match="appears in"):
        dsp.all_displays(book / "book")


def test_every_label_of_the_book_is_unique_and_found():
    found = dsp.all_displays(Path(__file__).resolve().parents[2] / "book")
    assert len(found) >= 90
    assert found["jd-joint"].chapter == "joint_density.md"


# -- translating and parsing ----------------------------------------------------------------
def test_translation_reads_the_books_notation():
    (lhs, rhs), = parsed(r"\varphi_{ik} \Big(x_i - \tfrac12 m_k\Big) = \dfrac{s_k^2}{2}")
    assert lhs == varphi[i, k] * (x[i] - m[k] / 2)          # a product, not a call varphi(...)
    assert rhs == s[k] ** 2 / 2


def test_sums_without_bounds_get_the_books_ranges():
    (lhs, rhs), = parsed(r"\sum_i \varphi_{ik} = \sum_{i=1}^n \varphi_{ik}")
    assert lhs == rhs == sp.Sum(varphi[i, k], (i, 1, n))
    (double,), = parsed(r"\sum_{i,k} \varphi_{ik}")
    assert double == sp.Sum(varphi[i, k], (k, 1, K), (i, 1, n)) or \
        double == sp.Sum(sp.Sum(varphi[i, k], (k, 1, K)), (i, 1, n))


def test_expectations_and_gaussians_become_operators():
    (lhs, rhs), = parsed(r"E_q\big[\log \mathcal N(x_i;\ \mu_k, 1)\big] = \mathbb E[\mu_k]")
    assert lhs == Expect(sp.log(Normal(x[i], mu[k], 1)))
    assert rhs == Expect(mu[k])


def test_a_chain_splits_at_every_top_level_relation():
    stmts = parse_display(r"a = b \propto c, \qquad d \ge e")
    assert [s.relations for s in stmts] == [["=", r"\propto"], [r"\ge"]]


def test_selected_mean_and_one_hot_semantics():
    (inner,), = parsed(r"c_i^\top \mu")
    assert sp.simplify(inner - sp.Sum(c[i, dsp._DUMMY] * mu[dsp._DUMMY], (dsp._DUMMY, 1, K))) == 0
    product = sp.Product(Normal(x[i], mu[k], 1) ** c[i, k], (k, 1, K))
    mixture = sp.Sum(Normal(x[i], mu[k], 1), (k, 1, K)) / K
    assert compare(STORY, product)[0]                       # equal for every one-hot c_i
    ok, why = compare(STORY, mixture)                       # the mixture is p(x_i | mu)
    assert not ok and "one-hot" in why


def test_strict_parsing_rejects_trailing_garbage():
    with pytest.raises(DisplayError, match="cannot parse"):
        dsp.parse_latex("a + b )")


def test_unknown_names_and_notation_are_errors_not_guesses():
    with pytest.raises(DisplayError, match="has no meaning"):
        parse_display(r"p(\mu_k) = 1")
    with pytest.raises(DisplayError, match="not supported"):
        parse_display(r"x_i \in \mathbb R = 1")
    (lhs, _), = parsed(r"p(\mu_k) = 1", where={r"p(\mu_k)": gaussian(mu[k], 0, sigma ** 2)})
    assert lhs == gaussian(mu[k], 0, sigma ** 2)


# -- comparing ------------------------------------------------------------------------------
def test_expectation_under_the_mean_field_family():
    assert compare(Expect(mu[k] ** 2), m[k] ** 2 + s[k] ** 2)[0]
    assert not compare(Expect(mu[k] ** 2), m[k] ** 2)[0]           # the classic slip
    assert compare(Expect(c[i, k]), varphi[i, k])[0]
    assert compare(Expect(sp.log(STORY)),
                   sp.Sum(varphi[i, k] * (-sp.log(2 * sp.pi) / 2
                                          - (x[i] ** 2 - 2 * x[i] * m[k] + s[k] ** 2 + m[k] ** 2) / 2),
                          (k, 1, K)))[0]


def test_simplex_constraint_of_the_responsibilities_is_used():
    assert compare(sp.Sum(varphi[i, k], (k, 1, K)), 1)[0]
    assert not compare(sp.Sum(varphi[i, k], (k, 1, K)), 2)[0]


def test_proportional_and_const_need_and_use_wrt():
    a = sp.exp(x[i] * m[k] - m[k] ** 2 / 2)
    assert compare(a, 3 * a, r"\propto", wrt=k)[0]
    assert not compare(a, sp.exp(x[i] * m[k] + m[k] ** 2 / 2), r"\propto", wrt=k)[0]
    assert compare(mu[k] ** 2 + CONST, mu[k] ** 2 + 7 * sigma, wrt=mu[k])[0]
    assert not compare(mu[k] ** 2 + CONST, 2 * mu[k] ** 2, wrt=mu[k])[0]
    with pytest.raises(DisplayError, match="wrt"):
        compare(a, a, r"\propto")


def test_inequalities_are_checked_at_random_points():
    assert compare(sigma ** 2 + 1, sigma ** 2, r"\ge")[0]
    assert not compare(sigma ** 2, sigma ** 2 + 1, r"\ge")[0]


# -- the API: a display as written, a display mutated ---------------------------------------
def test_check_display_passes_and_reports_the_failing_link(book):
    derived = m[k] ** 2 + s[k] ** 2
    check_chain("t-moment", derived, derived)
    record = book / "_build" / "displays" / "t-moment.json"
    assert record.exists()
    loaded = dsp.load_record(record)
    assert loaded["expected"] == [[derived, derived]]
    wrong = r"E_q[\mu_k^2] = m_k^2 ."
    with pytest.raises(DisplayMismatch, match=r"side 1 differs.*\n.*display : E_q\[\\mu_k\^2\]") as err:
        check_chain("t-moment", m[k] ** 2, m[k] ** 2, latex=wrong)
    assert "expected" in str(err.value)
    with pytest.raises(DisplayMismatch, match="side 2 differs"):
        check_chain("t-moment", derived, derived, latex=wrong)


def test_links_are_verified_between_the_checks_own_expressions(book):
    # a display whose sides each match a (wrong) expected value still fails at the link
    with pytest.raises(DisplayMismatch, match="link"):
        check_chain("t-other", x[1] + 1, x[2] + 1, latex=r"x_1 + 1 = x_2 + 1")
    check_display("t-other", [m[k], s[k]], latex=r"m_k = s_k")      # a definition: a bare name


def test_statement_and_side_counts_must_match(book):
    with pytest.raises(DisplayMismatch, match="sides"):
        check_chain("t-moment", m[k] ** 2 + s[k] ** 2)


def test_distribution_statements_and_ranges():
    check_display("eq-prior-mu", [mu[k], gaussian(mu[k], 0, sigma ** 2)], [k, ("range", "K")],
                  record=False)
    with pytest.raises(DisplayMismatch):
        check_display("eq-prior-mu", [mu[k], gaussian(mu[k], 0, sigma ** 2)], [k, ("range", "K")],
                      latex=r"\mu_k \sim \mathcal{N}(0, s_k^2), \qquad k = 1, \dots, K.")


def test_unchecked_display_needs_an_existing_label_and_a_reason(book):
    with pytest.raises(DisplayError):
        unchecked_display("t-missing", reason="a definition in words, nothing to compute")
    with pytest.raises(DisplayError, match="reason"):
        unchecked_display("t-other", reason="none")
    unchecked_display("t-other", reason="a definition in words, nothing to compute")
    assert (book / "_build" / "displays" / "t-other.unchecked.json").exists()


def test_products_side_by_side_are_not_nested():
    (prod,), = parsed(r"\prod_{k=1}^K a_k \prod_{i=1}^n b_i")
    from vilib.teaching.notation import base
    expected = sp.Product(base("a")[k], (k, 1, K)) * sp.Product(base("b")[i], (i, 1, n))
    assert compare(prod, expected)[0]
    nested = sp.Product(base("a")[k] * sp.Product(base("b")[i], (i, 1, n)), (k, 1, K))
    assert not compare(prod, nested)[0]


def test_vectors_in_d_dimensions():
    jd = sp.Symbol("j_d", integer=True)
    (norm, inner), = parsed(r"\|x_i\|^2 = x_i^\top m_k")
    assert compare(norm, sp.Sum(x[i, jd] ** 2, (jd, 1, dsp._nt.d)))[0]
    assert compare(inner, sp.Sum(x[i, jd] * m[k, jd], (jd, 1, dsp._nt.d)))[0]
    (scaled,), = parsed(r"d\, s_k^2")                 # d times s_k^2, not a differential
    assert compare(scaled, dsp._nt.d * s[k] ** 2)[0]


def test_partial_expectations_integrate_over_their_own_variable_only():
    assert compare(dsp.ExpectMu(mu[1] * mu[2], mu[1]), m[1] * mu[2])[0]
    assert not compare(dsp.ExpectMu(mu[1] * mu[2], mu[1]), m[1] * m[2])[0]
    value = dsp.evaluate(dsp.ExpectC(c[1, 2] * c[2, 2], c[1]), sizes={"n": 2, "K": 3})
    assert compare(value, varphi[1, 2] * c[2, 2])[0]


def test_a_discrete_latent_and_its_factor():
    z = sp.Symbol("z_j", integer=True)
    weights = tuple(varphi[1, u] for u in (1, 2, 3))
    (lhs, rhs), = parsed(r"E_{q_j}[z_j^2] = 1")
    assert lhs.args[1] == z
    assert compare(lhs, sum(w * u ** 2 for w, u in zip(weights, (1, 2, 3))),
                   discrete={z: ((1, 2, 3), weights)})[0]
    with pytest.raises(DisplayError, match="no such latent"):
        compare(parsed(r"E_{q_k}[z_k] = 1")[0][0], 1, discrete={z: ((1, 2, 3), weights)})


def test_a_downloaded_notebook_reads_its_displays_from_its_own_markdown(tmp_path):
    """A student runs the executed .ipynb outside the repository: the displays are in it."""
    import json
    cell = {"cell_type": "markdown", "metadata": {},
            "source": ["Text\n", "\n", "$$\n", "a = \\tfrac12 b\n", "$$ (t-nb)\n"]}
    (tmp_path / "chapter.ipynb").write_text(json.dumps({"cells": [cell], "metadata": {},
                                                         "nbformat": 4, "nbformat_minor": 5}))
    assert find_display("t-nb", tmp_path).latex == r"a = \tfrac12 b"
