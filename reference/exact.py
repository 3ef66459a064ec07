"""mpmath's exact form ``(sign, man, exp, bc)``: the operations and tests the hot kernels use.

An mpf's ``_mpf_`` is ``(-1)^sign * man * 2^exp`` with ``man`` odd and ``bc`` its bit
count. The kernels (BCE's terms, smoothing, the categorical and focal rows, CTC's
recursion) work on these tuples with libmp's functions, called with the working precision
and ``"n"`` (to nearest), which are the operations and roundings the mpf operators apply,
without their dispatch and conversions. Each kernel spells the mpf expression it computes
in a comment; ``tests/test_reference_exact_form.py`` checks them against it.

The names are libmp's without the ``mpf_`` prefix, imported from here and not re-aliased
in each module.
"""

from __future__ import annotations

import mpmath

from reference.floats import U64, f64_form

__all__ = [
    "FONE",
    "FZERO",
    "absolute",
    "add",
    "div",
    "exp",
    "from_int",
    "fsum",
    "log",
    "lt",
    "make",
    "mul",
    "neg",
    "sub",
    "inexact32",
    "rounding32",
    "flushes32",
    "ftz64",
]

_lib = mpmath.libmp
add, sub, mul, div, exp, log = _lib.mpf_add, _lib.mpf_sub, _lib.mpf_mul, _lib.mpf_div, _lib.mpf_exp, _lib.mpf_log
neg, absolute, lt, fsum, from_int = _lib.mpf_neg, _lib.mpf_abs, _lib.mpf_lt, _lib.mpf_sum, _lib.from_int
FONE, FZERO = _lib.fone, _lib.fzero
#: an mpf of an exact form, at no cost (no rounding, no checks)
make = mpmath.mp.make_mpf


def inexact32(t: tuple) -> bool:
    """Storing the value as a float32 rounds it: finite, nonzero and more than 24
    significant bits (``not floats.is_f32`` of a finite value; ``bc`` counts exactly the
    significant bits, the mantissa being odd)."""
    return bool(t[1]) and t[3] > 24


def rounding32(t: tuple) -> float:
    """What storing the value as a float32 may cost, ``u |x|``, where it rounds; else 0
    (a budget: a Python float, ``floats.f64``)."""
    return U64 * abs(f64_form(t)) if inexact32(t) else 0.0


def flushes32(t: tuple) -> bool:
    """``0 < |x| < 2^-126``: below float32's smallest normal, where an accelerator may flush
    to zero. With ``bc`` bits of mantissa, ``2^(exp+bc-1) <= |x| < 2^(exp+bc)``."""
    return bool(t[1]) and t[2] + t[3] <= -126


def ftz64(t: tuple) -> float:
    """``f64(tracked.ftz(x))`` of an exact form: ``|x|`` where it may flush to zero, else 0."""
    return abs(f64_form(t)) if flushes32(t) else 0.0
