"""Exact float32 arithmetic helpers for the mpmath reference.

Every input a candidate sees is a float32, and every constant Keras materialises
(epsilon, clip bounds, smoothing coefficients) is a float32 too. These helpers turn
those values into exact mpmath numbers, round mpmath numbers to float32 when the
spec says Keras does, and measure distances in float32 units in the last place.
"""

from __future__ import annotations

import functools
import math

import mpmath
import numpy as np

__all__ = [
    "DEFAULT_DPS",
    "at_reference_precision",
    "UNIT_ROUNDOFF",
    "EPSILON",
    "CLIP_LOW",
    "CLIP_HIGH",
    "mp",
    "to_mpf",
    "mpf_array",
    "object_array",
    "class_rows",
    "elementwise_arrays",
    "round_f32",
    "is_f32",
    "ulp32",
    "f64",
    "f64_form",
    "U64",
    "sigmoid_pair",
    "sigmoid_residual",
    "with_guard_digits",
    "lost_digits",
    "log1p",
]

mp = mpmath.mp
_make_mpf = mp.make_mpf
_mpf_pos = mpmath.libmp.mpf_pos
_from_float = mpmath.libmp.from_float
_MPF = mpmath.mpf
_FNAN = mpmath.libmp.fnan

#: Significant decimal digits the reference works at unless the caller asks for more.
DEFAULT_DPS = 50
#: the binary precision ``mp.workdps(DEFAULT_DPS)`` sets
_REFERENCE_PREC = mpmath.libmp.dps_to_prec(DEFAULT_DPS)


def at_reference_precision(fn):
    """Run ``fn`` at ``DEFAULT_DPS`` digits, or at the caller's precision when higher."""

    @functools.wraps(fn)
    def wrapper(*args, **kwargs):
        if mp.prec == _REFERENCE_PREC:  # already there (a nested call): entering again changes nothing
            return fn(*args, **kwargs)
        with mp.workdps(max(mp.dps, DEFAULT_DPS)):
            return fn(*args, **kwargs)

    return wrapper


_libmp = mpmath.libmp


def log1p(x: mpmath.mpf) -> mpmath.mpf:
    """``mpmath.log1p(x)`` for a real ``x > -1``, the same number, without its dispatch:
    mpmath's own steps on the exact form (10 guard bits, ``1 + x`` at twice the working
    precision, then one log; ``x - x^2/2`` below ``2^-(prec + 10)``; the result rounded to
    the working precision). The hot loops of the reference call it some 30,000 times per
    generation, at a third of ``mpmath.log1p``'s cost (tests/test_reference_exact_form.py
    compares the two)."""
    t = x._mpf_
    if not t[1] or t[0]:
        return mpmath.log1p(x)  # zero, an infinity, NaN or negative: mpmath's own handling
    prec = mp.prec
    wp = prec + 10
    if t[2] + t[3] < -wp:  # mpmath's ``mag(x) < -prec`` at the working precision + 10
        half_sq = _libmp.mpf_mul(_libmp.fhalf, _libmp.mpf_pow_int(t, 2, wp, "n"), wp, "n")
        r = _libmp.mpf_sub(t, half_sq, wp, "n")
    else:
        r = _libmp.mpf_log(_libmp.mpf_add(_libmp.fone, t, 2 * wp, "n"), wp, "n")
    return _make_mpf(_libmp.mpf_pos(r, prec, "n"))


def sigmoid_pair(x) -> tuple[mpmath.mpf, mpmath.mpf]:
    """``(sigmoid(x), 1 - sigmoid(x))``, each to full working precision: the complement is
    ``sigmoid(-x)``, not a subtraction from 1 (at logit 100 that subtraction keeps 6 of 50
    digits; tests/test_reference_precision.py)."""
    # 1 / (1 + exp(-x)) and 1 / (1 + exp(x)), on the exact form (the same roundings)
    prec, t = mp.prec, (x if type(x) is _MPF else mpmath.mpf(x))._mpf_
    lib = _libmp
    e_neg = lib.mpf_exp(lib.mpf_neg(t, prec, "n"), prec, "n")
    e_pos = lib.mpf_exp(t, prec, "n")
    return (
        _make_mpf(lib.mpf_div(lib.fone, lib.mpf_add(e_neg, lib.fone, prec, "n"), prec, "n")),
        _make_mpf(lib.mpf_div(lib.fone, lib.mpf_add(e_pos, lib.fone, prec, "n"), prec, "n")),
    )


def sigmoid_residual(z, s, sc) -> mpmath.mpf:
    """``s - z`` for a sigmoid ``s = sigmoid(x)``, ``sc = sigmoid(-x)`` (``sigmoid_pair``) and a
    label ``z`` in [0, 1], formed as ``(1 - z) s - z sc``: the same number, without the
    cancellation of ``s - z`` where ``s`` is near a label of 0 or 1 (the BCE gradient with
    respect to a logit, and its focal form)."""
    return (1 - z) * s - z * sc


#: Guard digits of ``with_guard_digits``' first try, and the digits a result keeps beyond the
#: working precision after its cancellation.
_GUARD, _SPARE = 15, 10


def with_guard_digits(fn, *args):
    """``fn(*args)`` returns ``(result, lost)``, ``lost`` the most decimal digits its final
    subtraction cancelled. Run it at ``dps + guard`` digits, with ``guard`` raised to
    ``lost + _SPARE + 5`` and rerun while the result would keep fewer than ``dps + _SPARE``
    digits, so the result holds the working precision's digits, not what is left after the
    cancellation (a saturated CTC frame loses 27 of 50). The caller rounds the result back
    to the working precision (``+v``). A difference that is exactly zero loses every digit
    at any precision, so the reruns stop after three tries (it is then rounding noise)."""
    guard = _GUARD
    for _ in range(3):
        with mp.workdps(mp.dps + guard):
            result, lost = fn(*args)
        if lost + _SPARE <= guard:
            break
        guard = math.ceil(lost) + _SPARE + 5
    return result


def lost_digits(a, b, scale=0) -> float:
    """Decimal digits ``a - b`` loses: ``log10(max(|a|, |b|, scale) / |a - b|)``, 0 when it is
    0. ``scale``: the absolute error of ``a`` and ``b`` in units of the working precision
    when it exceeds their size (1 for logs: ``log`` of a number near 1 is near 0, but off by
    that number's relative error)."""
    diff = a - b
    if not diff or not mpmath.isfinite(diff):
        return 0.0
    ratio = f64(max(abs(a), abs(b), scale) / abs(diff))
    if not 0.0 < ratio < math.inf:  # beyond a double's range: take the log in mpmath
        return max(0.0, float(mpmath.log10(max(abs(a), abs(b), scale) / abs(diff))))
    return max(0.0, math.log10(ratio))


#: u = 2^-24: one float32 rounding to nearest moves a value by at most u times itself.
UNIT_ROUNDOFF = mpmath.mpf(2) ** -24

#: Keras' epsilon (``backend.epsilon() == 1e-7``) as the float32 tensors hold it:
#: 1.00000001168609742e-07 (bits 0x33D6BF95).
EPSILON = float(np.float32(1e-7))
#: The clip bounds ``clip(p, eps, 1 - eps)``: ``1 - 1e-7`` is not a float32; the nearest
#: float32 is ``1 - 2^-23`` (docs/semantics.md §1), whether the subtraction happens in float64
#: (Keras 3) or in float32 (Keras 2).
CLIP_LOW = EPSILON
CLIP_HIGH = float(np.float32(1.0 - 1e-7))
assert CLIP_HIGH == 1.0 - 2.0**-23


def to_mpf(x: float | np.floating) -> mpmath.mpf:
    """The exact value of a float (float32 or float64) as an mpmath number."""
    return mpmath.mpf(float(x))


#: exact mpmath values of the floats already seen (an mpf is immutable, so one object
#: serves every array that holds the value); cleared when it grows large
_MPF_OF: dict[float, mpmath.mpf] = {}


#: the latest float arrays converted (by dtype, shape and bytes): generation converts each
#: case's inputs once per profile and per layer (function, loss class, metric)
_ARRAY_OF: dict[tuple, np.ndarray] = {}


def mpf_array(values: np.ndarray) -> np.ndarray:
    """An object array of exact mpmath numbers with the shape of ``values`` (a new array
    each call: the caller may write into it)."""
    if type(values) is np.ndarray and values.dtype.kind == "f":
        key = (values.dtype.char, values.shape, values.tobytes())
        hit = _ARRAY_OF.get(key)
        if hit is None:
            if len(_ARRAY_OF) > 512:
                _ARRAY_OF.clear()
            hit = _ARRAY_OF[key] = _mpf_array(values)
        return hit.copy()
    return _mpf_array(values)


def _mpf_array(values) -> np.ndarray:
    arr = np.asarray(values, dtype=np.float64)
    if len(_MPF_OF) > 200_000:
        _MPF_OF.clear()
    seen = _MPF_OF
    flat = arr.ravel().tolist()
    vals = list(map(seen.get, flat))
    for i in [i for i, m in enumerate(vals) if m is None]:  # values not seen before
        v = flat[i]
        m = seen.get(v)
        vals[i] = m if m is not None else seen.setdefault(v, _make_mpf(_from_float(v)))  # exact: mpf(v)
    return object_array(vals, arr.shape)


def elementwise_arrays(results: list[tuple], shape: tuple) -> tuple[np.ndarray, np.ndarray]:
    """Per-element ``(value, budget)`` pairs, in C order, as two object arrays of ``shape``."""
    return object_array([r[0] for r in results], shape), object_array([r[1] for r in results], shape)


def class_rows(arrays, ax: int) -> tuple[tuple, list[list]]:
    """The rows along axis ``ax`` of arrays of one shape, as Python lists: ``(out_shape,
    rows)``, ``rows[i][r]`` the r-th row (C order over the other axes) of ``arrays[i]``.
    A row loop over lists costs a fraction of one over ``np.ndindex`` and array views."""
    moved = [np.moveaxis(a, ax, -1) for a in arrays]
    out_shape, k = moved[0].shape[:-1], moved[0].shape[-1]
    n = math.prod(out_shape)
    return out_shape, [m.reshape(n, k).tolist() for m in moved]


def object_array(items: list, shape: tuple) -> np.ndarray:
    """An object array of ``shape`` holding ``items`` in C order, as they are. Built with
    ``np.fromiter``: assigning a list into an object array (``out[:] = items``) makes numpy
    probe every element for the sequence protocol, three times slower at this size."""
    return np.fromiter(items, dtype=object, count=len(items)).reshape(shape)


def round_f32(x: mpmath.mpf) -> mpmath.mpf:
    """Round to the nearest float32 (ties to even), as a float32 operation would.

    The exponent range is not clamped: every value the reference rounds this way is a
    normal float32 (constants and labels in [1e-7, 1]). Works on mpmath's exact
    ``(sign, man, exp, bc)`` form: a value of at most 24 significant bits is already a
    float32 and comes back as it is.
    """
    x = x if isinstance(x, mpmath.mpf) else mpmath.mpf(x)
    t = x._mpf_
    if t[1] and t[3] > 24:  # finite, nonzero and more than 24 bits: round to 24
        return _make_mpf(_mpf_pos(t, 24, "n"))
    return x


def is_f32(x: mpmath.mpf) -> bool:
    """True when ``x`` is exactly a float32, so storing it as one rounds nothing: a finite
    value of at most 24 significant bits (mpmath keeps its mantissa odd, so ``bc`` counts
    exactly those bits), zero or an infinity; never NaN."""
    t = x._mpf_ if type(x) is _MPF else mpmath.mpf(x)._mpf_
    if t[1]:
        return t[3] <= 24
    return t != _FNAN  # zero or an infinity


def ulp32(x: float | mpmath.mpf) -> float:
    """The float32 unit in the last place at ``|x|`` (2^-149 at zero and below the normals)."""
    ax = abs(float(x))
    if ax == 0.0 or not math.isfinite(ax):
        return 2.0**-149
    e = math.frexp(ax)[1] - 1  # ax = m * 2^e with 1 <= m < 2
    return 2.0 ** max(e - 23, -149)


#: u = 2^-24 as a Python float, for budgets computed in double precision (``f64``).
U64 = 2.0**-24


def f64(x) -> float:
    """The double nearest ``x`` (an mpf or a number), read from mpmath's exact form.

    For rounding budgets only: a budget is an error bound that the fixtures round up to
    three significant digits, so double precision (relative error 2^-53 per operation) is
    far more than it needs, and Python floats cost a fraction of an mpf operation. Values,
    the numbers a candidate must reproduce, stay mpmath numbers at the reference precision."""
    t = getattr(x, "_mpf_", None)
    if t is None:
        return float(x)
    sign, man, exp, _ = t
    if man:  # f64_form's common case, inlined (1.26M calls per generation)
        try:
            v = math.ldexp(float(man), exp)
        except OverflowError:
            return f64_form(t)
        return -v if sign else v
    return f64_form(t)


def f64_form(t: tuple) -> float:
    """``f64`` of mpmath's exact form ``(sign, man, exp, bc)`` (an mpf's ``_mpf_``)."""
    sign, man, exp, _ = t
    if not man:  # zero, an infinity or NaN
        return float(_make_mpf(t))
    try:
        v = math.ldexp(float(man), exp)
    except OverflowError:
        return float(_make_mpf(t))
    return -v if sign else v
