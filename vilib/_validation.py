"""Input checks shared by every public function of :mod:`vilib`.

Each check raises an error whose message starts with the offending argument's
name, so a bad call fails loudly at the boundary instead of returning NaN or a
silently different answer. A value of the wrong *type* (a string, a boolean, a
complex number, an array where a number belongs) raises :class:`InputTypeError`,
which is both a :class:`TypeError` and a :class:`ValueError`; a value of the
right type outside its range raises :class:`ValueError`.

Internally vilib always works with 2-D arrays: data ``X`` of shape ``(n, d)``
and means ``M`` of shape ``(K, d)``; the public functions convert back to the
shapes the caller used (``(n,)`` data gives ``(K,)`` means).

Units
-----
The model is scale-equivariant: fitting ``c x`` with ``c sigma`` and ``c lam``
gives ``c m``, ``c^2 s2``, the same ``phi`` and every log density shifted by the
change of variables, ``-n d log|c|``. vilib makes its numbers independent of the
data's units by computing in the units of the likelihood scale: every length is
divided by :func:`length_unit` ``(lam)``, a power of two (so the rescaling is
exact), and the results are mapped back. The supported ranges
(:data:`LENGTH_RANGE`, :data:`RATIO_MAX`, :data:`S2_RATIO_RANGE`) keep every
intermediate (squared distances summed over points, ``sigma^2``, ``1/s2``)
finite; outside them the call is refused with a ValueError naming the argument
and the range.
"""

from __future__ import annotations

import math
import numbers

import numpy as np

#: Tolerance on ``sum_k phi_ik = 1`` (the contract of the API).
PHI_ROW_TOL = 1e-6

#: Supported range of the scale parameters ``sigma`` and ``lam`` (and of every
#: length in the data): their squares stay normal floating-point numbers.
LENGTH_RANGE = (1e-153, 1e153)
#: Largest ratio of a length to ``lam`` (``|x|/lam``, ``|m|/lam``, ``sigma/lam``
#: and ``lam/sigma``): squared distances summed over ~1e60 points stay finite.
RATIO_MAX = 1e120
#: Supported range of a variance relative to ``lam^2`` (``s2/lam^2``).
S2_RATIO_RANGE = (1e-240, 1e240)
#: Largest array vilib allocates for one call (bytes); above it a call is refused
#: up front with the estimate in the message instead of a MemoryError or a swap storm.
MAX_BYTES = 2**31
#: Largest number of (point, cluster) updates a sampler that always runs to the end
#: may make (``n K`` iterations for Gibbs): hours of work; refused above it.
MAX_WORK = 10**12


class InputTypeError(TypeError, ValueError):
    """An argument of the wrong type (e.g. a string, a boolean or a complex number).

    A :class:`TypeError` and, for code written against earlier versions of vilib
    that caught ``ValueError`` for every bad argument, also a :class:`ValueError`.
    """


def _type_name(value) -> str:
    return type(value).__name__


def _is_bool(value) -> bool:
    return isinstance(value, (bool, np.bool_))


def check_int(name: str, value, *, minimum: int = 1, maximum: int | None = None) -> int:
    """Return ``value`` as ``int`` if it is an integer ``>= minimum`` (and ``<= maximum``)."""
    if _is_bool(value) or not isinstance(value, numbers.Integral):
        raise InputTypeError(f"{name} must be an integer >= {minimum}, got {_type_name(value)} "
                             f"{_short(value)}")
    if value < minimum:
        raise ValueError(f"{name} must be an integer >= {minimum}, got {_short(value)}")
    if maximum is not None and value > maximum:
        raise ValueError(f"{name} must be an integer <= {maximum}, got {_short(value)}")
    return int(value)


def _short(value) -> str:
    """``repr(value)``, shortened for huge integers and long strings."""
    if isinstance(value, numbers.Integral) and not _is_bool(value) and abs(int(value)) > 10**15:
        return f"~10^{len(str(abs(int(value)))) - 1}" if value > 0 else \
            f"-~10^{len(str(abs(int(value)))) - 1}"
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


def check_real(name: str, value) -> float:
    """Return ``value`` as a finite ``float``: a real number, not a bool, string, array or complex."""
    if _is_bool(value) or not isinstance(value, numbers.Real):
        what = "a complex number" if isinstance(value, numbers.Complex) else _type_name(value)
        raise InputTypeError(f"{name} must be a real number, got {what} {_short(value)}")
    try:
        out = float(value)
    except OverflowError:
        raise ValueError(f"{name} = {_short(value)} is beyond the floating-point range "
                         f"(|{name}| < 1.8e308)") from None
    if not math.isfinite(out):
        raise ValueError(f"{name} must be finite, got {_short(value)}")
    return out


def check_positive(name: str, value) -> float:
    """Return ``value`` as ``float`` if it is a finite number ``> 0``."""
    value = check_real(name, value)
    if value <= 0:
        raise ValueError(f"{name} must be a finite number > 0, got {value!r}")
    return value


def check_length(name: str, value) -> float:
    """A scale parameter (``sigma``, ``lam``): a number in :data:`LENGTH_RANGE`."""
    value = check_positive(name, value)
    lo, hi = LENGTH_RANGE
    if not lo <= value <= hi:
        raise ValueError(f"{name} = {value:g} is outside the supported range "
                         f"[{lo:g}, {hi:g}] of scale parameters")
    return value


def check_seed(seed, name: str = "seed") -> np.random.Generator:
    """A NumPy Generator from ``seed``: None, an int >= 0, a Generator, a SeedSequence,
    a BitGenerator or a sequence of ints >= 0."""
    if seed is None or isinstance(seed, (np.random.Generator, np.random.SeedSequence,
                                         np.random.BitGenerator)):
        return np.random.default_rng(seed)
    if _is_bool(seed):
        raise InputTypeError(f"{name} must be an int >= 0, a numpy Generator or None, got bool")
    if isinstance(seed, numbers.Integral):
        if seed < 0:
            raise ValueError(f"{name} must be an int >= 0, got {_short(seed)}")
        return np.random.default_rng(int(seed))
    if isinstance(seed, (list, tuple)) and seed and all(
            isinstance(v, numbers.Integral) and not _is_bool(v) and v >= 0 for v in seed):
        return np.random.default_rng([int(v) for v in seed])
    raise InputTypeError(f"{name} must be an int >= 0, a numpy Generator or None, "
                         f"got {_type_name(seed)} {_short(seed)}")


def check_memory(name: str, n_bytes: float, what: str) -> None:
    """Refuse up front when a call would allocate more than :data:`MAX_BYTES`."""
    if n_bytes > MAX_BYTES:
        raise ValueError(f"{name} is too large: {what} would need about {_bytes(n_bytes)}, "
                         f"over vilib's limit of {_bytes(MAX_BYTES)} per array")


def _bytes(n: float) -> str:
    for unit, size in (("TB", 1e12), ("GB", 1e9), ("MB", 1e6), ("kB", 1e3)):
        if n >= size:
            return f"{n / size:.3g} {unit}"
    return f"{n:.0f} bytes"


def as_real_array(value, name: str) -> np.ndarray:
    """``value`` as a float64 array; refuse complex, boolean, string and object values by type."""
    if isinstance(value, (str, bytes)):
        raise InputTypeError(f"{name} must be a numeric array, got a string {_short(value)}")
    try:
        arr = np.asarray(value)
    except (TypeError, ValueError) as err:
        raise ValueError(f"{name} must be a rectangular numeric array: {err}") from None
    kind = arr.dtype.kind
    if kind == "O":
        flat = arr.ravel()
        for v in flat:
            if _is_bool(v) or not isinstance(v, numbers.Real):
                what = "complex" if isinstance(v, numbers.Complex) else _type_name(v)
                raise InputTypeError(f"{name} must hold real numbers, found {what} {_short(v)}")
        try:
            return np.array([float(v) for v in flat], dtype=float).reshape(arr.shape)
        except OverflowError:
            raise ValueError(f"{name} holds a number beyond the floating-point range "
                             f"(|value| < 1.8e308)") from None
    if kind == "c":
        raise InputTypeError(f"{name} must be real, got a complex array (vilib never drops "
                             f"an imaginary part)")
    if kind == "b":
        raise InputTypeError(f"{name} must be numeric, got a boolean array")
    if kind not in "iuf":
        raise InputTypeError(f"{name} must be a numeric array, got dtype {arr.dtype}")
    return arr.astype(float, copy=False)


def check_data_extent(x, name: str = "x") -> tuple[np.ndarray, bool, float]:
    """Validate data ``x``; return ``(X, one_d, max|x|)`` with ``X`` of shape ``(n, d)``."""
    X = as_real_array(x, name)
    if X.ndim not in (1, 2):
        raise ValueError(f"{name} must have shape (n,) or (n, d), got shape {X.shape}")
    if X.shape[0] == 0 or (X.ndim == 2 and X.shape[1] == 0):
        raise ValueError(f"{name} must hold at least one point of dimension >= 1, "
                         f"got shape {X.shape}")
    # min and max propagate NaN: one check for NaN, inf and the data's extent
    lo, hi = float(X.min()), float(X.max())
    if not (math.isfinite(lo) and math.isfinite(hi)):
        raise ValueError(f"{name} must be finite (it contains NaN or inf)")
    one_d = X.ndim == 1
    return (X[:, None] if one_d else X), one_d, max(-lo, hi)


def check_data(x, name: str = "x") -> tuple[np.ndarray, bool]:
    """Validate data ``x``; return ``(X, one_d)`` with ``X`` of shape ``(n, d)``.

    ``one_d`` is True when ``x`` was a 1-D array of shape ``(n,)``; then means
    are returned with shape ``(K,)``. An ``(n, 1)`` array is d = 1 data whose
    means keep shape ``(K, 1)``.
    """
    X, one_d, _ = check_data_extent(x, name)
    return X, one_d


def check_means(m, *, d: int, one_d: bool, name: str = "m", K: int | None = None) -> np.ndarray:
    """Validate means ``m`` against data of dimension ``d``; return ``(K, d)``."""
    M = as_real_array(m, name)
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
    s2 = as_real_array(s2, name)
    if s2.shape != (K,):
        raise ValueError(f"{name} must have shape ({K},) to match m, got shape {s2.shape}")
    if not np.all(np.isfinite(s2)) or np.any(s2 <= 0):
        raise ValueError(f"{name} must be finite and > 0 in every entry")
    return s2


def check_phi(phi, n: int, K: int | None = None) -> np.ndarray:
    """Validate responsibilities ``phi``: shape ``(n, K)``, entries in [0, 1], rows summing to 1.

    Entries and row sums may miss by :data:`PHI_ROW_TOL` (round-off); such a
    ``phi`` is clipped to [0, 1] and its rows renormalised, so that no negative
    responsibility ever reaches a formula (it would make ``s2`` negative).
    """
    phi = as_real_array(phi, "phi")
    if phi.ndim != 2 or phi.shape[0] != n or phi.shape[1] == 0:
        want = f"({n}, K)" if K is None else f"({n}, {K})"
        raise ValueError(f"phi must have shape {want} to match x, got shape {phi.shape}")
    if K is not None and phi.shape[1] != K:
        raise ValueError(f"phi must have shape ({n}, {K}) to match m, got shape {phi.shape}")
    if not np.all(np.isfinite(phi)):
        raise ValueError("phi must be finite (it contains NaN or inf)")
    lo, hi = phi.min(), phi.max()
    if lo < -PHI_ROW_TOL or hi > 1 + PHI_ROW_TOL:
        raise ValueError("phi must have entries in [0, 1]")
    rows = phi.sum(axis=1)
    if np.any(np.abs(rows - 1.0) > PHI_ROW_TOL):
        raise ValueError(f"phi rows must sum to 1 (within {PHI_ROW_TOL:g})")
    if lo < 0 or hi > 1:
        phi = np.clip(phi, 0.0, 1.0)
        phi /= phi.sum(axis=1, keepdims=True)
    return phi


def check_init(init, *, K: int, d: int, one_d: bool) -> tuple[np.ndarray, np.ndarray]:
    """Validate a starting point ``init = (m0, s2_0)``; return copies ``(M (K, d), s2 (K,))``."""
    if isinstance(init, (str, bytes)) or not hasattr(init, "__len__"):
        raise InputTypeError(f"init must be a pair (m0, s2_0), got {_type_name(init)}")
    try:
        m0, s2_0 = init
    except (TypeError, ValueError):
        raise ValueError("init must be a pair (m0, s2_0)") from None
    M = check_means(m0, d=d, one_d=one_d, name="init m0", K=K).copy()
    return M, check_s2(s2_0, K, name="init s2_0").copy()


def output_means(M: np.ndarray, one_d: bool) -> np.ndarray:
    """Return internal ``(K, d)`` means in the caller's shape."""
    return M[:, 0].copy() if one_d else M


# ---------------------------------------------------------------- units
def length_unit(lam: float) -> float:
    """The power of two ``u`` with ``1 <= lam / u < 2``: vilib computes in units of ``u``.

    Dividing by a power of two is exact in floating point, so a problem and the
    same problem in other units (by a power of two) give bit-identical results.
    """
    return math.ldexp(1.0, math.frexp(lam)[1] - 1)


def check_scales(lam: float, *, sigma: float | None = None, x_extent: float | None = None,
                 M: np.ndarray | None = None, s2: np.ndarray | None = None,
                 x_name: str = "x", m_name: str = "m", s2_name: str = "s2") -> float:
    """Check every length against ``lam`` (the supported ratios); return :func:`length_unit`.

    ``lam`` and ``sigma`` must already have passed :func:`check_length`.
    """
    if sigma is not None and not 1 / RATIO_MAX <= sigma / lam <= RATIO_MAX:
        raise ValueError(f"sigma/lam = {sigma / lam:.3g} is outside the supported range "
                         f"[{1 / RATIO_MAX:g}, {RATIO_MAX:g}] (sigma = {sigma:g}, lam = {lam:g})")
    if x_extent is not None and x_extent / lam > RATIO_MAX:
        raise ValueError(f"{x_name} is too large for lam = {lam:g}: max|{x_name}|/lam = "
                         f"{x_extent / lam:.3g} exceeds the supported {RATIO_MAX:g}; "
                         f"use larger lam or rescale the data")
    if M is not None:
        extent = float(np.max(np.abs(M)))
        if extent / lam > RATIO_MAX:
            raise ValueError(f"{m_name} is too large for lam = {lam:g}: max|{m_name}|/lam = "
                             f"{extent / lam:.3g} exceeds the supported {RATIO_MAX:g}")
    if s2 is not None:
        lo, hi = S2_RATIO_RANGE
        r_lo, r_hi = float(np.min(s2)) / lam**2, float(np.max(s2)) / lam**2
        if r_lo < lo or r_hi > hi:
            bad = r_lo if r_lo < lo else r_hi
            raise ValueError(f"{s2_name}/lam^2 = {bad:.3g} is outside the supported range "
                             f"[{lo:g}, {hi:g}] (lam = {lam:g})")
    return length_unit(lam)


def scaled(A: np.ndarray, factor: float) -> np.ndarray:
    """``A * factor`` (a new array), or ``A`` itself when ``factor == 1`` (no copy)."""
    return A if factor == 1.0 else A * factor


def check_work(K: int, n: int, iterations: int, name: str = "max_iter") -> None:
    """Refuse a run whose ``n K iterations`` (point, cluster) updates exceed ``MAX_WORK``."""
    work = float(K) * n * iterations
    if work > MAX_WORK:
        raise ValueError(f"{name} = {_short(iterations)} iterations with K = {_short(K)} and "
                         f"n = {n}: n K iterations = {work:.3g} updates exceed vilib's limit "
                         f"of {MAX_WORK:.0e} (many hours of work)")
