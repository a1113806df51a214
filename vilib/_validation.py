"""Input checks shared by every public function of :mod:`vilib`.

Each check raises a :class:`ValueError` whose message names the offending
argument, so a bad call fails loudly at the boundary instead of returning NaN.
Internally vilib always works with 2-D arrays: data ``X`` of shape ``(n, d)``
and means ``M`` of shape ``(K, d)``; the public functions convert back to the
shapes the caller used (``(n,)`` data gives ``(K,)`` means).
"""

from __future__ import annotations

import numbers

import numpy as np

#: Tolerance on ``sum_k phi_ik = 1`` (the contract of the API).
PHI_ROW_TOL = 1e-6


def check_int(name: str, value, *, minimum: int = 1) -> int:
    """Return ``value`` as ``int`` if it is an integer ``>= minimum``."""
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, numbers.Integral):
        raise ValueError(f"{name} must be an integer >= {minimum}, got {value!r}")
    if value < minimum:
        raise ValueError(f"{name} must be an integer >= {minimum}, got {value!r}")
    return int(value)


def check_positive(name: str, value) -> float:
    """Return ``value`` as ``float`` if it is a finite number ``> 0``."""
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, numbers.Real):
        raise ValueError(f"{name} must be a positive number, got {value!r}")
    value = float(value)
    if not np.isfinite(value) or value <= 0:
        raise ValueError(f"{name} must be a finite number > 0, got {value!r}")
    return value


def check_data(x) -> tuple[np.ndarray, bool]:
    """Validate data ``x``; return ``(X, one_d)`` with ``X`` of shape ``(n, d)``.

    ``one_d`` is True when ``x`` was a 1-D array of shape ``(n,)``; then means
    are returned with shape ``(K,)``. An ``(n, 1)`` array is d = 1 data whose
    means keep shape ``(K, 1)``.
    """
    try:
        X = np.asarray(x, dtype=float)
    except (TypeError, ValueError) as err:
        raise ValueError(f"x must be a numeric array, got {type(x).__name__}") from err
    if X.ndim not in (1, 2):
        raise ValueError(f"x must have shape (n,) or (n, d), got shape {X.shape}")
    if X.shape[0] == 0 or (X.ndim == 2 and X.shape[1] == 0):
        raise ValueError(f"x must hold at least one point of dimension >= 1, got shape {X.shape}")
    if not np.all(np.isfinite(X)):
        raise ValueError("x must be finite (it contains NaN or inf)")
    one_d = X.ndim == 1
    return (X[:, None] if one_d else X), one_d


def check_means(m, *, d: int, one_d: bool, name: str = "m", K: int | None = None) -> np.ndarray:
    """Validate means ``m`` against data of dimension ``d``; return ``(K, d)``."""
    try:
        M = np.asarray(m, dtype=float)
    except (TypeError, ValueError) as err:
        raise ValueError(f"{name} must be a numeric array") from err
    if one_d:
        if M.ndim != 1:
            raise ValueError(f"{name} must have shape (K,) for 1-D x, got shape {M.shape}")
        M = M[:, None]
    elif M.ndim != 2 or M.shape[1] != d:
        raise ValueError(f"{name} must have shape (K, {d}) to match x, got shape {M.shape}")
    if M.shape[0] == 0:
        raise ValueError(f"{name} must hold at least one cluster mean")
    if K is not None and M.shape[0] != K:
        raise ValueError(f"{name} must have K = {K} rows, got {M.shape[0]}")
    if not np.all(np.isfinite(M)):
        raise ValueError(f"{name} must be finite (it contains NaN or inf)")
    return M


def check_s2(s2, K: int, name: str = "s2") -> np.ndarray:
    """Validate variances ``s2``: shape ``(K,)``, finite, every entry ``> 0``."""
    try:
        s2 = np.asarray(s2, dtype=float)
    except (TypeError, ValueError) as err:
        raise ValueError(f"{name} must be a numeric array") from err
    if s2.shape != (K,):
        raise ValueError(f"{name} must have shape ({K},) to match m, got shape {s2.shape}")
    if not np.all(np.isfinite(s2)) or np.any(s2 <= 0):
        raise ValueError(f"{name} must be finite and > 0 in every entry")
    return s2


def check_phi(phi, n: int, K: int | None = None) -> np.ndarray:
    """Validate responsibilities ``phi``: shape ``(n, K)``, entries in [0, 1], rows summing to 1."""
    try:
        phi = np.asarray(phi, dtype=float)
    except (TypeError, ValueError) as err:
        raise ValueError("phi must be a numeric array") from err
    if phi.ndim != 2 or phi.shape[0] != n or phi.shape[1] == 0:
        want = f"({n}, K)" if K is None else f"({n}, {K})"
        raise ValueError(f"phi must have shape {want} to match x, got shape {phi.shape}")
    if K is not None and phi.shape[1] != K:
        raise ValueError(f"phi must have shape ({n}, {K}) to match m, got shape {phi.shape}")
    if not np.all(np.isfinite(phi)):
        raise ValueError("phi must be finite (it contains NaN or inf)")
    if np.any(phi < -PHI_ROW_TOL) or np.any(phi > 1 + PHI_ROW_TOL):
        raise ValueError("phi must have entries in [0, 1]")
    if np.any(np.abs(phi.sum(axis=1) - 1.0) > PHI_ROW_TOL):
        raise ValueError(f"phi rows must sum to 1 (within {PHI_ROW_TOL:g})")
    return phi


def check_init(init, *, K: int, d: int, one_d: bool) -> tuple[np.ndarray, np.ndarray]:
    """Validate a starting point ``init = (m0, s2_0)``; return copies ``(M (K, d), s2 (K,))``."""
    try:
        m0, s2_0 = init
    except (TypeError, ValueError) as err:
        raise ValueError("init must be a pair (m0, s2_0)") from err
    M = check_means(m0, d=d, one_d=one_d, name="init m0", K=K).copy()
    return M, check_s2(s2_0, K, name="init s2_0").copy()


def output_means(M: np.ndarray, one_d: bool) -> np.ndarray:
    """Return internal ``(K, d)`` means in the caller's shape."""
    return M[:, 0].copy() if one_d else M
