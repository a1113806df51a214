"""Every bad input of the contract, for every public function: a ValueError whose
message names the argument (never a silent NaN result).

Each case starts from a valid call (checked to succeed) and changes one argument.
"""

import re

import numpy as np
import pytest

import vilib

X = np.array([-1.0, 0.0, 2.0])
X2D = np.array([[1.0, 0.0], [0.0, 2.0], [-2.0, -1.0]])
M = np.array([-1.0, 1.5])
S2 = np.array([0.5, 0.25])
PHI = np.array([[0.9, 0.1], [0.5, 0.5], [0.2, 0.8]])
C = np.array([0, 1, 1])

VALID = {
    "simulate": (vilib.simulate, dict(n=5, K=2, sigma=2.0, d=1, lam=1.0, seed=0)),
    "log_joint": (vilib.log_joint, dict(x=X, c=C, mu=M, sigma=2.0, lam=1.0)),
    "update_phi": (vilib.update_phi, dict(x=X, m=M, s2=S2, lam=1.0)),
    "update_mu": (vilib.update_mu, dict(x=X, phi=PHI, sigma=2.0, lam=1.0)),
    "elbo": (vilib.elbo, dict(x=X, phi=PHI, m=M, s2=S2, sigma=2.0, lam=1.0)),
    "elbo_terms": (vilib.elbo_terms, dict(x=X, phi=PHI, m=M, s2=S2, sigma=2.0, lam=1.0)),
    "cavi": (vilib.cavi, dict(x=X, K=2, sigma=2.0, lam=1.0, max_iter=5, tol=1e-8, seed=0,
                              init=None, callback=None)),
    "log_evidence": (vilib.log_evidence, dict(x=X, K=2, sigma=2.0, lam=1.0, max_assignments=2**22)),
}


def call(name, **changes):
    func, kwargs = VALID[name]
    return func(**{**kwargs, **changes})


def names_argument(arg):
    """The messages start with the argument's name: 'sigma must be ...'."""
    return "^" + re.escape(arg) + r"\b"


def cases(arg, bad_values, funcs=None):
    funcs = funcs or [f for f, (_, kw) in VALID.items() if arg in kw]
    return [pytest.param(f, v, id=f"{f}-{arg}={v!r}"[:60]) for f in funcs for v in bad_values]


@pytest.mark.parametrize("name", sorted(VALID))
def test_valid_calls_succeed(name):
    # the baseline of every case below: only the changed argument is wrong
    result = call(name)
    assert result is not None


# ---------------------------------------------------------------- x
BAD_X = [
    np.array([-1.0, np.nan, 2.0]),
    np.array([-1.0, np.inf, 2.0]),
    np.array([-np.inf, 0.0, 2.0]),
    [-1.0, float("nan"), 2.0],
]


@pytest.mark.parametrize("name, bad", cases("x", BAD_X))
def test_non_finite_x(name, bad):
    with pytest.raises(ValueError, match=names_argument("x")):
        call(name, x=bad)


@pytest.mark.parametrize("name, bad", cases("x", [
    np.array([[1.0, np.nan], [0.0, 2.0], [-2.0, -1.0]]),     # NaN in 2-D data
    np.zeros(0),                                              # no points
    np.zeros((3, 0)),                                         # no dimensions
    np.zeros((3, 1, 1)),                                      # 3-D
    ["a", "b", "c"],                                          # not numeric
    [[1.0, 2.0], [3.0]],                                      # ragged
]))
def test_malformed_x(name, bad):
    with pytest.raises(ValueError, match=names_argument("x")):
        call(name, x=bad)


# ---------------------------------------------------------------- integers: K, n, d, max_iter, max_assignments
BAD_INT = [0, -1, 2.5, True, "3", None, 2.0]


@pytest.mark.parametrize("name, bad", cases("K", BAD_INT))
def test_bad_K(name, bad):
    with pytest.raises(ValueError, match=names_argument("K")):
        call(name, K=bad)


@pytest.mark.parametrize("arg, name, bad", [
    pytest.param(arg, name, bad, id=f"{name}-{arg}={bad!r}")
    for arg, name in [("n", "simulate"), ("d", "simulate"), ("max_iter", "cavi"),
                      ("max_assignments", "log_evidence")]
    for bad in BAD_INT
])
def test_bad_other_integers(arg, name, bad):
    with pytest.raises(ValueError, match=names_argument(arg)):
        call(name, **{arg: bad})


def test_numpy_integers_are_integers():
    assert vilib.simulate(np.int64(4), np.int32(2), 1.0, d=np.int64(1), seed=0).x.shape == (4,)
    assert np.isfinite(vilib.log_evidence(X, np.int64(2), 1.0))
    assert vilib.cavi(X, np.int64(2), 1.0, max_iter=np.int64(3), seed=0).n_iter <= 3


# ---------------------------------------------------------------- positive reals: sigma, lam
BAD_POSITIVE = [0, 0.0, -1.0, -1e-300, float("nan"), float("inf"), "2", None, True]


@pytest.mark.parametrize("name, bad", cases("sigma", BAD_POSITIVE))
def test_bad_sigma(name, bad):
    with pytest.raises(ValueError, match=names_argument("sigma")):
        call(name, sigma=bad)


@pytest.mark.parametrize("name, bad", cases("lam", BAD_POSITIVE))
def test_bad_lam(name, bad):
    with pytest.raises(ValueError, match=names_argument("lam")):
        call(name, lam=bad)


def test_every_function_with_sigma_or_lam_is_covered():
    with_sigma = {f for f, (_, kw) in VALID.items() if "sigma" in kw}
    with_lam = {f for f, (_, kw) in VALID.items() if "lam" in kw}
    assert with_sigma == {"simulate", "log_joint", "update_mu", "elbo", "elbo_terms", "cavi", "log_evidence"}
    assert with_lam == set(VALID)


# ---------------------------------------------------------------- s2
@pytest.mark.parametrize("name, bad", cases("s2", [
    np.array([0.0, 0.25]),
    np.array([-0.5, 0.25]),
    np.array([np.nan, 0.25]),
    np.array([np.inf, 0.25]),
    np.array([0.5, 0.25, 1.0]),        # one more than m has clusters
    np.array([0.5]),
    np.array([[0.5, 0.25]]),           # 2-D
]))
def test_bad_s2(name, bad):
    with pytest.raises(ValueError, match=names_argument("s2")):
        call(name, s2=bad)


# ---------------------------------------------------------------- phi
@pytest.mark.parametrize("name, bad", cases("phi", [
    PHI + np.array([[2e-6, 0.0], [0.0, 0.0], [0.0, 0.0]]),       # a row sums to 1 + 2e-6
    PHI - np.array([[0.0, 0.0], [0.0, 2e-6], [0.0, 0.0]]),       # a row sums to 1 - 2e-6
    np.array([[1.5, -0.5], [0.5, 0.5], [0.2, 0.8]]),             # sums to 1, entries outside [0, 1]
    np.array([[np.nan, 0.1], [0.5, 0.5], [0.2, 0.8]]),
    np.array([[0.5, 0.5], [0.5, 0.5]]),                          # n - 1 rows
    np.vstack([PHI, [[0.5, 0.5]]]),                              # n + 1 rows
    np.array([0.9, 0.5, 0.2]),                                   # 1-D
    np.zeros((3, 0)),                                            # no clusters
]))
def test_bad_phi(name, bad):
    with pytest.raises(ValueError, match=names_argument("phi")):
        call(name, phi=bad)


@pytest.mark.parametrize("name", ["update_mu", "elbo", "elbo_terms"])
def test_phi_rows_within_tolerance_are_accepted(name):
    # the contract's tolerance is 1e-6: a row off by 5e-7 is fine
    nearly = PHI + np.array([[5e-7, 0.0], [0.0, -5e-7], [0.0, 0.0]])
    result = call(name, phi=nearly)
    assert result is not None


@pytest.mark.parametrize("name", ["elbo", "elbo_terms"])
def test_phi_columns_must_match_m(name):
    bad = np.array([[0.8, 0.1, 0.1], [0.4, 0.3, 0.3], [0.2, 0.2, 0.6]])
    with pytest.raises(ValueError, match=names_argument("phi")):
        call(name, phi=bad)


# ---------------------------------------------------------------- m and mu
@pytest.mark.parametrize("name, bad", cases("m", [
    np.array([[-1.0, 0.0], [1.5, 0.0]]),       # (K, 2) means for 1-D x
    np.array([[-1.0], [1.5]])[:, :, None],     # 3-D
    np.array([-1.0, np.nan]),
    np.array([-1.0, np.inf]),
    np.zeros(0),
]))
def test_bad_m_for_1d_x(name, bad):
    with pytest.raises(ValueError, match=names_argument("m")):
        call(name, m=bad)


@pytest.mark.parametrize("name, bad", cases("m", [
    np.array([[1.0, 1.0, 0.0], [-1.0, 0.0, 0.0]]),  # (K, 3) for (n, 2) data
    np.array([1.0, -1.0]),                          # 1-D means for 2-D data
    np.array([[1.0], [-1.0]]),                      # (K, 1) for (n, 2) data
]))
def test_bad_m_for_2d_x(name, bad):
    with pytest.raises(ValueError, match=names_argument("m")):
        call(name, x=X2D, m=bad)


@pytest.mark.parametrize("bad", [
    np.array([[-1.0, 0.0], [1.5, 0.0]]),
    np.array([-1.0, np.nan]),
    np.zeros(0),
])
def test_log_joint_bad_mu(bad):
    with pytest.raises(ValueError, match=names_argument("mu")):
        call("log_joint", mu=bad)


@pytest.mark.parametrize("bad", [
    np.array([0, 2, 1]),           # label K
    np.array([0, -1, 1]),          # negative label
    np.array([0.0, 1.0, 1.0]),     # float labels
    np.array([0, 1]),              # one label short
    np.array([[0, 1, 1]]),         # 2-D
])
def test_log_joint_bad_c(bad):
    with pytest.raises(ValueError, match=names_argument("c")):
        call("log_joint", c=bad)


# ---------------------------------------------------------------- cavi's own arguments
@pytest.mark.parametrize("bad, arg", [
    ((np.array([-1.0, 0.0, 1.0]), np.ones(2)), "init m0"),           # K + 1 means
    ((np.array([[-1.0, 0.0], [1.0, 0.0]]), np.ones(2)), "init m0"),  # (K, 2) for 1-D x
    ((np.array([-1.0, np.nan]), np.ones(2)), "init m0"),
    ((np.array([-1.0, 1.0]), np.ones(3)), "init s2_0"),
    ((np.array([-1.0, 1.0]), np.array([1.0, 0.0])), "init s2_0"),
    ((np.array([-1.0, 1.0]), np.array([1.0, -2.0])), "init s2_0"),
    ((np.array([-1.0, 1.0]),), "init"),                               # not a pair
    (5, "init"),
])
def test_cavi_bad_init(bad, arg):
    with pytest.raises(ValueError, match=names_argument(arg)):
        call("cavi", init=bad)


def test_cavi_bad_init_for_2d_data():
    with pytest.raises(ValueError, match=names_argument("init m0")):
        call("cavi", x=X2D, init=(np.array([1.0, -1.0]), np.ones(2)))
    with pytest.raises(ValueError, match=names_argument("init m0")):
        call("cavi", x=X2D, init=(np.zeros((2, 3)), np.ones(2)))


@pytest.mark.parametrize("bad", [-1e-8, float("nan"), float("inf"), "small"])
def test_cavi_bad_tol(bad):
    with pytest.raises(ValueError, match=names_argument("tol")):
        call("cavi", tol=bad)


@pytest.mark.parametrize("bad", [5, "print", [print]])
def test_cavi_bad_callback(bad):
    with pytest.raises(ValueError, match=names_argument("callback")):
        call("cavi", callback=bad)


# ---------------------------------------------------------------- log_evidence's limit
def test_log_evidence_limit_names_the_limit():
    with pytest.raises(ValueError, match="max_assignments"):
        call("log_evidence", x=np.linspace(0, 1, 12), max_assignments=2**11)
