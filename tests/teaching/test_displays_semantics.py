"""Semantics of the display checker that chapters 5-7 rely on (each test can fail).

* ``wrt=`` with a free index follows the index loop: for ``k = 1, 2, 3`` the difference is
  differentiated by ``mu_k`` at that value of ``k`` (with ``k`` left symbolic, SymPy gave
  ``KroneckerDelta(1, k)`` at a random ``k``: a slip could pass and another mean could fail);
* ``given=`` names are substituted again after ``E_q[.]``, whose weights ``varphi_ik`` appear only
  when it is evaluated (``given={varphi[1, 3]: 1 - ...}`` puts the comparison on the simplex);
* ``varphi_k`` with one index (a Lagrangian's variable) is not put on the simplex, so a dropped
  multiplier term ``gamma (sum_k varphi_k - 1)`` is seen;
* ``x_i^\\top E[\\mu_k]`` reads as ``E[x_i^\\top \\mu_k]``.
"""

from __future__ import annotations

import sympy as sp

from vilib.teaching import notation as nt
from vilib.teaching.displays import CONST, Expect, compare, parse_display
from vilib.teaching.notation import K, j, k

gamma = sp.Symbol("gamma", real=True)


def test_wrt_with_a_free_index_follows_the_index():
    derived = -nt.mu[k] ** 2 / 2 + nt.x[1] * nt.mu[k]
    # another cluster's mean is a constant for mu_k: the check must not differentiate by it
    ok, why = compare(derived + nt.mu[k + 1] ** 2 + CONST, derived, wrt=nt.mu[k])
    assert ok, why
    for wrong_cluster in (1, 2, 3):          # a slip in one cluster's term only
        wrong = derived + sp.KroneckerDelta(k, wrong_cluster) * nt.mu[k] ** 3
        ok, why = compare(wrong + CONST, derived, wrt=nt.mu[k])
        assert not ok and "depends on the variables wrt" in why, wrong_cluster


def test_given_names_apply_inside_evaluated_expectations():
    # E over q(c_1) of log(varphi_{1 c_1}) is sum_k varphi_1k log varphi_1k; on the simplex
    # (varphi_13 = 1 - varphi_11 - varphi_12) it differs from the same sum by no function of phi
    entropy_like = Expect(sp.Sum(nt.c[1, j] * sp.log(nt.varphi[1, j]), (j, 1, K)))
    written = sp.Sum(nt.varphi[1, j] * sp.log(nt.varphi[1, j]), (j, 1, K))
    simplex = {nt.varphi[1, 3]: 1 - nt.varphi[1, 1] - nt.varphi[1, 2]}
    free = [nt.varphi[1, 1], nt.varphi[1, 2]]
    ok, why = compare(written + CONST, entropy_like, given=simplex, wrt=free, sizes={"n": 1})
    assert ok, why
    ok, _ = compare(-written + CONST, entropy_like, given=simplex, wrt=free, sizes={"n": 1})
    assert not ok


def test_a_dropped_multiplier_term_is_seen():
    objective = sp.Sum(nt.varphi[j] * nt.a[j], (j, 1, K)) - sp.Sum(nt.varphi[j] * sp.log(nt.varphi[j]), (j, 1, K))
    lagrangian = objective + gamma * (sp.Sum(nt.varphi[j], (j, 1, K)) - 1)
    rearranged = objective + gamma * sp.Sum(nt.varphi[j], (j, 1, K)) - gamma
    ok, why = compare(rearranged, lagrangian)
    assert ok, why
    ok, why = compare(objective, lagrangian)
    assert not ok and "differs" in why


def test_x_transpose_of_an_expectation_is_the_expectation_of_the_inner_product():
    (statement,) = parse_display(r"y = x_i^\top E[\mu_k]")
    (direct,) = parse_display(r"y = E[x_i^\top \mu_k]")
    assert statement.exprs[1] == direct.exprs[1]
    assert isinstance(statement.exprs[1], Expect)
