"""Tests of ``vilib.teaching.checker``: right answers pass in many forms, wrong ones get the right hint.

The right answers are derived again here, independently of the checker (SymPy
solving the coefficient equations of the completed square, Gaussian expectations
by integration), and then also written in several equivalent forms by hand.
"""

import doctest

import pytest
import sympy as sp

import vilib.teaching.checker
from vilib.teaching.checker import (
    QUESTIONS,
    CheckResult,
    check_answer,
    check_elbo_mu_term,
    check_log_q_mu,
    check_m_update,
    check_phi_logit,
    check_s2_update,
    describe,
)

# The student's own symbols, deliberately WITHOUT the book's assumptions: the checker
# must match symbols by name.
x, mu, m, s, sigma, lam, N, S = sp.symbols("x mu m s sigma lam N_k S_k")
p1, p2, p3 = sp.symbols("phi_1:4")
x1, x2, x3 = sp.symbols("x_1:4")


# ---------------------------------------------------------------- independent derivations
def derive_mu_update(L):
    """Complete the square in mu for -mu^2/(2 sigma^2) - N mu^2/(2 L^2) + S mu/L^2.

    Match a(mu - b)^2 + c: solve the coefficient equations for (a, b), then
    s2 = -1/(2a), m = b.
    """
    sg, ld, Ns, Ss, u = sp.symbols("sigma lambda N_k S_k mu", positive=True)
    a, b, c = sp.symbols("a b c")
    log_q = -u**2 / (2 * sg**2) - Ns * u**2 / (2 * L(ld)**2) + Ss * u / L(ld)**2
    eqs = sp.Poly(sp.expand(log_q - (a * (u - b) ** 2 + c)), u).all_coeffs()
    sol = sp.solve(eqs, [a, b, c], dict=True)[0]
    return sp.simplify(-1 / (2 * sol[a])), sp.simplify(sol[b])


def test_independently_derived_updates_are_accepted():
    s2_1, m_1 = derive_mu_update(lambda ld: 1)
    s2_l, m_l = derive_mu_update(lambda ld: ld)
    assert check_s2_update(s2_1).correct
    assert check_m_update(m_1).correct
    assert check_s2_update(s2_l, require_lam=True).correct
    assert check_m_update(m_l, require_lam=True).correct


def test_independently_derived_phi_logit_and_elbo_term_are_accepted():
    from sympy.stats import E, Normal

    xr, mr = sp.symbols("x m", real=True)
    sp_ = sp.Symbol("s", positive=True)
    sg = sp.Symbol("sigma", positive=True)
    mu_q = Normal("mu_q", mr, sp_)
    # E_q[log N(x; mu, 1)] keeps -x^2/2 - log(2 pi)/2: the same for every k
    logit = E(-(xr - mu_q) ** 2 / 2 - sp.log(2 * sp.pi) / 2)
    assert check_phi_logit(logit).correct
    # E_q[log N(mu; 0, sigma^2)] - E_q[log N(mu; m, s^2)], every constant kept
    term = E(-sp.log(2 * sp.pi * sg**2) / 2 - mu_q**2 / (2 * sg**2)) \
        - E(-sp.log(2 * sp.pi * sp_**2) / 2 - (mu_q - mr) ** 2 / (2 * sp_**2))
    result = check_elbo_mu_term(term)
    assert result.correct and "constant" in result.note


# ---------------------------------------------------------------- right answers, many forms
RIGHT = [
    ("s2_update", 1 / (1 / sigma**2 + N)),
    ("s2_update", sigma**2 / (1 + N * sigma**2)),
    ("s2_update", "1/(1/sigma^2 + N_k)"),
    ("s2_update", "sigma**2/(sigma**2*N + 1)"),
    ("s2_update", 1 / (1 / sigma**2 + p1 + p2 + p3)),
    ("s2_update", 1 / (1 / sigma**2 + N / lam**2)),
    ("s2_update", sigma**2 * lam**2 / (lam**2 + N * sigma**2)),
    ("m_update", S / (1 / sigma**2 + N)),
    ("m_update", s**2 * S),
    ("m_update", sigma**2 * S / (1 + sigma**2 * N)),
    ("m_update", "s2 * S"),
    ("m_update", (p1 * x1 + p2 * x2 + p3 * x3) / (1 / sigma**2 + p1 + p2 + p3)),
    ("m_update", s**2 * S / lam**2),
    ("m_update", sigma**2 * S / (lam**2 + N * sigma**2)),
    ("phi_logit", x * m - (s**2 + m**2) / 2),
    ("phi_logit", -(x - m) ** 2 / 2 - s**2 / 2),                     # differs by -x^2/2
    ("phi_logit", x * m - (s**2 + m**2) / 2 + sigma + 7),            # free of k
    ("phi_logit", (x * m - (s**2 + m**2) / 2) / lam**2),
    ("log_q_mu", -mu**2 / (2 * sigma**2) - N * mu**2 / 2 + S * mu),
    ("log_q_mu", -mu**2 / (2 * sigma**2) + p1 * (-(x1 - mu) ** 2 / 2)
     + p2 * (-(x2 - mu) ** 2 / 2) + p3 * (-(x3 - mu) ** 2 / 2)),
    ("log_q_mu", -(mu - m) ** 2 / (2 * s**2)),                       # the completed square
    ("log_q_mu", -(1 / sigma**2 + N) / 2 * (mu - S / (1 / sigma**2 + N)) ** 2),
    ("elbo_mu_term", sp.log(s**2) / 2 - (m**2 + s**2) / (2 * sigma**2)),
    ("elbo_mu_term", sp.log(s) - m**2 / (2 * sigma**2) - s**2 / (2 * sigma**2) + 3),
    ("elbo_mu_term", "log(s^2)/2 - (m^2 + s^2)/(2*sigma^2)"),
]


@pytest.mark.parametrize("question, expr", RIGHT)
def test_right_answers_are_accepted(question, expr):
    result = check_answer(question, expr)
    assert isinstance(result, CheckResult)
    assert result.correct, str(result)
    assert bool(result) and result.hint is None
    assert str(result).startswith(f"{question}: correct.")


def test_note_on_a_term_that_does_not_matter():
    result = check_log_q_mu(-(mu - m) ** 2 / (2 * s**2))
    assert result.correct
    assert "Off by a term that does not depend on mu_k" in result.note
    assert "Off by a term" not in (check_log_q_mu(
        -mu**2 / (2 * sigma**2) - N * mu**2 / 2 + S * mu).note or "")


def test_unit_variance_note_and_require_lam():
    assert "lambda = 1" in check_s2_update(1 / (1 / sigma**2 + N)).note
    rejected = check_s2_update(1 / (1 / sigma**2 + N), require_lam=True)
    assert not rejected.correct and "lambda^2" in rejected.hint
    assert check_s2_update(1 / (1 / sigma**2 + N / lam**2), require_lam=True).note is None


# ---------------------------------------------------------------- wrong answers, right hints
WRONG = [
    ("s2_update", 1 / N, "missing the prior term 1/sigma^2"),
    ("s2_update", 1 / sigma**2 + N, "this is the precision"),
    ("s2_update", sp.sqrt(1 / (1 / sigma**2 + N)), "standard deviation"),
    ("s2_update", sigma**2 + 1 / N, "precisions add, not variances"),
    ("s2_update", 1 / (sigma**2 + N), "its precision 1/sigma^2, not its variance"),
    ("s2_update", 1 / (1 / sigma**2 + N * lam**2), "divide N_k by lambda^2"),
    ("s2_update", 1 / (1 / sigma**2 - N), "Sign error in the data's contribution"),
    ("s2_update", 2 / (1 / sigma**2 + N), "off by a factor 2"),
    ("s2_update", -1 / (1 / sigma**2 + N), "sign error"),
    ("s2_update", 1 / (1 / s**2 + N), "s_k^2 is the unknown here"),
    ("s2_update", 1 / (1 / sigma**2 + N + mu), "contains mu_k"),
    ("m_update", S / N, "missing the prior term 1/sigma^2"),
    ("m_update", sigma**2 * S, "you used sigma^2 where s_k^2 belongs"),
    ("m_update", S, "missing the factor s_k^2"),
    ("m_update", S / s**2, "you divided by s_k^2 instead of multiplying"),
    ("m_update", -s**2 * S, "sign error"),
    ("m_update", (p1 * x1 + p2 * x2 + p3 * x3) / (1 / sigma**2 + p1 + p2),
     "data's contribution to the precision"),
    ("m_update", m * S, "m_k is the unknown here"),
    ("phi_logit", x * m - m**2 / 2, "the variance term -s_k^2/2 is missing"),
    ("phi_logit", -(x - m) ** 2 / 2, "the variance term -s_k^2/2 is missing"),
    ("phi_logit", x * m - (sigma**2 + m**2) / 2, "you used sigma^2 where s_k^2 belongs"),
    ("phi_logit", x * m - (s**2 + m**2), "the factor 1/2"),
    ("phi_logit", x * m - (s + m**2) / 2, "s_k is a standard deviation"),
    ("phi_logit", sp.exp(x * m - (s**2 + m**2) / 2), "asks for the logarithm"),
    ("phi_logit", -x * m - (s**2 + m**2) / 2, "The term in m_k has the wrong sign"),
    ("phi_logit", -x * m + (s**2 + m**2) / 2, "sign error"),
    ("phi_logit", x * mu - mu**2 / 2, "contains mu_k"),
    ("log_q_mu", -N * mu**2 / 2 + S * mu, "missing the prior term -mu_k^2/(2 sigma^2)"),
    ("log_q_mu", -mu**2 / (2 * s**2) - N * mu**2 / 2 + S * mu,
     "you used s_k^2 where sigma^2 belongs"),
    ("log_q_mu", -mu**2 / (2 * sigma**2) - N * mu**2 + S * mu,
     "The coefficient of mu_k^2 is wrong"),
    ("log_q_mu", -mu**2 / (2 * sigma**2) - N * mu**2 / 2 - S * mu,
     "The term in mu_k has the wrong sign"),
    ("log_q_mu", -mu**2 / (2 * sigma**2) - N * mu**2 / 2 + S * mu + mu**3,
     "A term in mu_k^3 that should not be there"),
    ("elbo_mu_term", sp.log(s**2) - m / sigma**2, "widely copied tutorial"),
    ("elbo_mu_term", sp.log(s**2) / 2 - m**2 / (2 * sigma**2), "-s_k^2/(2 sigma^2) is missing"),
    ("elbo_mu_term", sp.log(s**2) - (m**2 + s**2) / (2 * sigma**2), "is 1/2, not 1"),
    ("elbo_mu_term", -sp.log(s**2) / 2 - (m**2 + s**2) / (2 * sigma**2), "instead of subtracting"),
    ("elbo_mu_term", sp.log(s**2) / 2 - (m**2 + s**2) / (2 * s**2),
     "you used s_k^2 where sigma^2 belongs"),
    ("elbo_mu_term", sp.log(sigma**2) / 2 - (m**2 + sigma**2) / (2 * s**2), "you swapped sigma"),
    ("elbo_mu_term", sp.log(s**2) / 2 - (m**2 + s**2) / (2 * sigma**2) + m,
     "A term in m_k that should not be there"),
]


@pytest.mark.parametrize("question, expr, hint", WRONG)
def test_wrong_answers_are_rejected_with_the_right_hint(question, expr, hint):
    result = check_answer(question, expr)
    assert not result.correct and not bool(result)
    assert hint in result.hint, result.hint
    assert str(result).startswith(f"{question}: not right yet. Hint: ")


@pytest.mark.parametrize("question, right", [
    ("s2_update", 1 / (1 / sigma**2 + N)),
    ("m_update", S / (1 / sigma**2 + N)),
    ("phi_logit", x * m - (s**2 + m**2) / 2),
    ("log_q_mu", -mu**2 / (2 * sigma**2) - N * mu**2 / 2 + S * mu),
    ("elbo_mu_term", sp.log(s**2) / 2 - (m**2 + s**2) / (2 * sigma**2)),
])
@pytest.mark.parametrize("perturbation", [
    sp.Rational(1, 1000) * sigma, sp.Rational(1, 1000) * m * s, sp.Rational(1, 1000) * mu**2,
])
def test_small_perturbations_are_rejected(question, right, perturbation):
    # a nearby but different expression must not pass (unless the perturbation is a
    # term the question allows, e.g. sigma/1000 in a logit, which is the same for every k)
    q = QUESTIONS[question]
    names = {str(v) for v in q.free_of} | {str(v) for v, _ in q.forbidden}
    allowed = q.free_of and not ({str(v) for v in perturbation.free_symbols} & names)
    result = check_answer(question, right + perturbation)
    assert result.correct == bool(allowed)


def test_unknown_symbols_get_a_hint_listing_the_names():
    result = check_s2_update(1 / (1 / sigma**2 + sp.Symbol("n_k")))
    assert not result.correct
    assert "unknown symbol(s) n_k" in result.hint and "N_k" in result.hint


def test_greek_and_latex_names_are_understood():
    assert check_s2_update(1 / (1 / sp.Symbol("σ") ** 2 + N)).correct
    assert check_s2_update(1 / (1 / sp.Symbol(r"\sigma") ** 2 + N / sp.Symbol("λ") ** 2)).correct


# ---------------------------------------------------------------- the API
def test_describe_and_questions():
    assert set(QUESTIONS) == {"phi_logit", "s2_update", "m_update", "log_q_mu", "elbo_mu_term"}
    for name in QUESTIONS:
        assert describe(name).startswith("Expected: ")


@pytest.mark.parametrize("call, match", [
    (lambda: check_answer("no_such_question", sigma), "question"),
    (lambda: describe("nope"), "question"),
    (lambda: check_answer("s2_update", [1, 2]), "expr"),
    (lambda: check_answer("s2_update", None), "expr"),
    (lambda: check_answer("s2_update", sp.Eq(s, 1)), "expr"),
    (lambda: check_answer("m_update", sp.Sum(sp.Symbol("phi"), (sp.Symbol("i"), 1, 3))), "Sum"),
])
def test_bad_input_raises_value_error(call, match):
    with pytest.raises(ValueError, match=match):
        call()


def test_doctests_in_the_module():
    failures, tried = doctest.testmod(vilib.teaching.checker)
    assert tried >= 3 and failures == 0


def test_bad_question_type_is_a_type_error():
    for bad in (["s2_update"], None, 3, ("s2_update",)):
        with pytest.raises(TypeError, match="^question"):
            check_answer(bad, "1/(1/sigma**2 + N_k)")
        with pytest.raises(TypeError, match="^question"):
            describe(bad)
    with pytest.raises(TypeError, match="^require_lam"):
        check_answer("s2_update", "1/(1/sigma**2 + N_k)", require_lam="yes")


# ---------------------------------------------------------------- untrusted input (issue 11)
def test_student_strings_are_never_run(tmp_path):
    target = tmp_path / "pwned"
    attacks = [
        f"__import__('os').system('touch {target}')*0 + 1/(1/sigma**2+N_k)",
        f"(lambda: __import__('os').system('touch {target}'))()",
        f"open('{target}', 'w').write('x')",
        "().__class__.__bases__[0].__subclasses__()",
        "sigma.__class__",
        "[c for c in ().__class__.__base__.__subclasses__()]",
        "eval('1')",
        "exec('import os')",
    ]
    for text in attacks:
        result = check_answer("s2_update", text)
        assert not result.correct
        assert result.hint
    assert not target.exists()


def test_lambda_is_the_likelihood_scale_in_strings():
    for text in ("1/(1/sigma**2 + N_k/lambda**2)", "1/(1/sigma^2 + N_k/lambda^2)",
                 "sigma^2*lambda^2/(lambda^2 + N_k*sigma^2)", "1/(1/σ**2 + N_k/λ**2)"):
        result = check_answer("s2_update", text, require_lam=True)
        assert result.correct, (text, str(result))
    assert check_answer("m_update", "s2 * S_k / lambda^2").correct


@pytest.mark.parametrize("text", [
    "1/(1/sigma^2 +", "", "   ", "2sigma", "sigma +* N_k", "1/(1/sigma**2 + N_k",
    "s2_update = 1", "'abc'", "b'x'", "None", "True", "1j + sigma", "sigma if N_k else 1",
    "sigma[0]", "{sigma: 1}", "N_k == 1", "not sigma", "sigma and N_k", "sigma @ N_k",
    "sigma // 2", "sigma % 2", "sigma << 2", "log", "log(sigma, 2)", "foo(sigma)",
    "x" * 3000, "(" * 200 + "sigma" + ")" * 200,
])
def test_unreadable_strings_get_a_hint_not_an_exception(text):
    result = check_answer("s2_update", text)
    assert not result.correct
    assert isinstance(result.hint, str) and len(result.hint) > 10


@pytest.mark.parametrize("answer", [
    sp.oo, -sp.oo, sp.zoo, sp.nan, "oo", "1/0", "log(0)", "1/(1/sigma**2 + N_k) + 1/0",
    1 / (1 / sigma**2 + N) + sp.zoo, float("inf"), float("nan"), "sqrt(-1)",
])
def test_non_finite_or_complex_answers_are_refused(answer):
    result = check_answer("s2_update", answer)
    assert not result.correct


S2_RIGHT = 1 / (1 / sigma**2 + N)


@pytest.mark.parametrize("answer", [
    S2_RIGHT + sp.floor(N / 4),                       # wrong only for N_k >= 4
    S2_RIGHT + sp.Heaviside(N - 4),
    sp.Piecewise((S2_RIGHT, N < 4), (S2_RIGHT + 1, True)),
    S2_RIGHT + sp.Max(0, sigma - 4),
    S2_RIGHT + sp.Max(0, N - 1000),                   # wrong only for large N_k
    S2_RIGHT + sp.Rational(1, 10**13),                # off by 1e-13 absolute
    S2_RIGHT * (1 + sp.Rational(1, 10**13)),          # off by 1e-13 relative
    S2_RIGHT + sp.Float(1e-13),
    "1/(1/sigma**2 + N_k) + 1e-13",
    "1/(1/sigma**2 + N_k) * (1 + 1e-13)",
    "1/(1/sigma**2 + N_k) + floor(N_k/4)",
    "1/(1/sigma**2 + N_k) + Heaviside(N_k - 4)",
    "1/(1/sigma**2 + N_k) + Max(0, sigma - 4)",
    "1/(1/sigma**2 + N_k) + Min(0, 5 - N_k)",
    "1/(1/sigma**2 + N_k) + floor(sigma/1000)",
])
def test_answers_wrong_only_far_away_or_by_a_hair_are_rejected(answer):
    assert not check_answer("s2_update", answer).correct


@pytest.mark.parametrize("answer", [
    "1/(1/sigma**2 + N_k) + floor(N_k/4) - floor(N_k/4)",
    "Abs(sigma)**2/(1 + N_k*sigma**2)",
    "1/(1/sigma**2 + N_k) + Max(0, -sigma)",          # sigma > 0: the Max is 0
    "0.5*2/(1/sigma**2 + N_k)",
    "exp(log(1/(1/sigma**2 + N_k)))",
    "sqrt(sigma**4)/(1 + N_k*sigma^2)",
])
def test_right_answers_in_unusual_forms_are_accepted(answer):
    assert check_answer("s2_update", answer).correct


@pytest.mark.parametrize("text", [
    "9**9**9", "factorial(10**7)", "mu**10**9", "(m+s+x+sigma+1)**40", "10**10**10",
    "2**(2**(2**(2**(2**2))))", "exp(10**9)", "factorial(factorial(20))",
    "x**x**x**x", "(sigma+N_k)**1000000",
])
def test_huge_answers_are_refused_quickly(text):
    import time

    start = time.perf_counter()
    result = check_answer("s2_update", text)
    assert not result.correct and result.hint
    assert time.perf_counter() - start < 3.0


def test_huge_sympy_answers_are_refused():
    a, b = sp.symbols("sigma N_k")
    result = check_answer("s2_update", sp.Pow(a + b + 1, 40, evaluate=False))
    assert not result.correct and "power" in result.hint
    result = check_answer("s2_update", sp.Integer(10) ** 500 + a)
    assert not result.correct and "digits" in result.hint


def test_the_hint_cascade_is_a_table_of_rules():
    # every rule has a name, a description and a callable; the first that fits wins
    assert len(vilib.teaching.checker.HINT_RULES) >= 10
    names = [name for name, _, _ in vilib.teaching.checker.HINT_RULES]
    assert len(set(names)) == len(names)
    assert all(callable(rule) and text for _, text, rule in vilib.teaching.checker.HINT_RULES)
