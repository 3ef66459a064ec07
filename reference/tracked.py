"""Values that carry what their float32 tolerance needs, and the tolerance rule.

The reference computes each result exactly (mpmath) on the float32 inputs and the
float32 constants Keras uses. A float32 implementation of the same algorithm cannot
match that exactly: it must round some intermediates, and its elementary functions
and sums round too. The tolerance rule bounds that, and nothing more.

The rule (first-order error analysis, u = 2^-24):

    tol = B + (K_EVAL + ceil(log2(n)) + 2) * u * M,   then at least max(ulp32(v), 2^-126)

* **B, the rounding budget**: for every intermediate that the algorithm itself must hold
  as a float32 and that is *not* exactly a float32 (smoothed labels, ``1 - p``, ``x*z``,
  ``p + eps`` in keras2, the renormalised ``p``, softmax outputs), ``|dF/dv| * r * u * |v|``
  where ``r`` counts the roundings that produce ``v``. This is what gives cancellation
  (a large logit times a smoothed label) the room it really needs. Intermediates that are
  exact in float32 (an unsmoothed 0/1 label, ``10 - 10*1``) contribute nothing, so a
  well-conditioned case gets only a few ulps.
* **M, the magnitude**: the result recomputed with ``|w * l|`` for every per-element loss
  ``l`` and weight ``w`` that it sums. ``K_EVAL * u * M`` allows each per-element loss a few
  ulps for its own log/exp/pow and products (measured spread of real backends: 0-6 ulp,
  docs/semantics.md §10); ``(ceil(log2 n) + 2) * u * M`` allows a pairwise-order sum of ``n`` terms and
  the final division. Because ``M`` is built from the per-element *losses*, not from the
  terms inside them, an implementation that loses digits to cancellation the algorithm
  does not have (sigmoid then log for a logit) is caught.
* **Floors**: a float32 result cannot be closer than its own ulp, and results below the
  smallest normal (2^-126) may be flushed to zero (XLA on CPU and accelerators do). The
  same holds for every intermediate the algorithm keeps: a per-element loss or a per-class
  term below 2^-126 may become 0, so its own size joins the budget B (``ftz``) and is
  weighted, summed and divided with it. A weight of 2 on a flushed loss of 6.05e-39 gives
  a result of 1.21e-38 that a flushing backend returns as 0.

The rule is general: nothing in it depends on a case's id or on a candidate.
"""

from __future__ import annotations

import functools
import math
import operator
from dataclasses import dataclass

import mpmath
import numpy as np

from reference.exact import flushes32
from reference.floats import U64, at_reference_precision, f64, object_array, ulp32

__all__ = ["K_EVAL", "Tracked", "tolerance_of", "ftz"]

#: ulps of each per-element loss allowed for its own elementary functions and products.
K_EVAL = 8
#: float32's smallest normal number; below it accelerators may flush to zero.
FTZ_FLOOR = mpmath.mpf(2) ** -126
_ZERO = mpmath.mpf(0)


def ftz(x) -> mpmath.mpf:
    """What flushing ``x`` to zero may cost: ``|x|`` when it is below the smallest normal.

    On mpmath's exact form ``man * 2^exp`` with ``bc`` bits of mantissa,
    ``2^(exp+bc-1) <= |x| < 2^(exp+bc)``, so ``0 < |x| < 2^-126`` exactly when the
    mantissa is nonzero and ``exp + bc <= -126``."""
    t = getattr(x, "_mpf_", None)
    if t is None:
        ax = abs(mpmath.mpf(x))
        return ax if 0 < ax < FTZ_FLOOR else _ZERO
    if flushes32(t):
        return abs(x)
    return _ZERO


_FTZ_FLOOR64 = 2.0**-126


def _abs64(x) -> float:
    return abs(f64(x))


@dataclass(frozen=True)
class Tracked:
    """An exact result with its rounding budget, magnitude and summed-term count.

    All four are numpy arrays of one shape: ``value`` of mpf; ``budget`` and ``magnitude``
    of Python floats (error bounds need no more than double precision, and the reference
    computes them in it for speed: ``reference.floats.f64``; an mpf there works too); int
    for ``terms``. Linear steps (means, sums, weights, division by a count) act on all of them.
    """

    value: np.ndarray
    budget: np.ndarray
    magnitude: np.ndarray
    terms: np.ndarray

    @staticmethod
    def elementwise(value: np.ndarray, budget: np.ndarray) -> Tracked:
        """Per-element losses: each is its own magnitude, one term each; one below the
        smallest normal may be flushed to zero (its size joins its budget)."""
        value = np.asarray(value, dtype=object)
        budget = np.array(budget, dtype=object)
        flat_b = budget.reshape(-1)  # a view: writes land in ``budget``
        mags = []
        for i, v in enumerate(value.flat):
            m = abs(f64(v))
            mags.append(m)
            if m and m <= _FTZ_FLOOR64:  # near or below the smallest normal: ftz decides exactly
                flushed = ftz(v)
                if flushed:
                    flat_b[i] = flat_b[i] + f64(flushed)
        return Tracked(value, budget, object_array(mags, value.shape), np.ones(value.shape, int))

    @property
    def shape(self) -> tuple[int, ...]:
        return self.value.shape

    def sum(self, axis=None) -> Tracked:
        """Sum over ``axis`` (an int, a tuple, or None for all)."""
        if axis is None and self.value.size:  # np.sum's object loop, without its dispatch
            return Tracked(
                _as_obj(_total(self.value)),
                _as_obj(_total(self.budget)),
                _as_obj(_total(self.magnitude)),
                np.asarray(self.terms.sum()),
            )
        return Tracked(
            _as_obj(np.sum(self.value, axis=axis)),
            _as_obj(np.sum(self.budget, axis=axis)),
            _as_obj(np.sum(self.magnitude, axis=axis)),
            np.asarray(np.sum(self.terms, axis=axis)),
        )

    def mean(self, axis=None) -> Tracked:
        """Mean over ``axis``: a sum, then a division by the exact element count."""
        if axis is None:
            count = self.value.size
        else:
            axes = axis if isinstance(axis, tuple) else (axis,)
            count = math.prod(self.value.shape[a] for a in axes)
        return self.sum(axis).scale(mpmath.mpf(1) / count)

    def scale(self, c) -> Tracked:
        """Multiply by a constant (or an array broadcastable to the shape)."""
        c = np.asarray(c, dtype=object)
        if not c.shape:  # a constant: numpy multiplies by the object itself (a 0-d array is slower)
            cs = c[()]
            absc = _abs64(cs)
            return Tracked(
                _as_obj(self.value * cs),
                _as_obj(self.budget * absc),
                _as_obj(self.magnitude * absc),
                self.terms.copy(),
            )
        absc = object_array([abs(f64(x)) for x in c.flat], c.shape)
        return Tracked(
            _as_obj(self.value * c),
            _as_obj(self.budget * absc),
            _as_obj(self.magnitude * absc),
            np.broadcast_to(self.terms, np.broadcast_shapes(self.shape, c.shape)).copy(),
        )

    def weighted(self, w: np.ndarray) -> Tracked:
        """Multiply elementwise by weights (numpy broadcasting), as ``values * sample_weight``."""
        return self.scale(w)

    def reshape(self, shape) -> Tracked:
        return Tracked(
            self.value.reshape(shape),
            self.budget.reshape(shape),
            self.magnitude.reshape(shape),
            self.terms.reshape(shape),
        )

    def add(self, other: Tracked) -> Tracked:
        """Accumulate another tracked value (a metric's ``total += ...``)."""
        return Tracked(
            _as_obj(self.value + other.value),
            _as_obj(self.budget + other.budget),
            _as_obj(self.magnitude + other.magnitude),
            np.asarray(self.terms + other.terms),
        )

    @staticmethod
    def zero() -> Tracked:
        z = np.empty((), dtype=object)
        z[()] = mpmath.mpf(0)
        return Tracked(z, z.copy(), z.copy(), np.asarray(0))


def _total(a: np.ndarray):
    """``np.sum(a)`` of a non-empty object array: its elements added left to right."""
    return functools.reduce(operator.add, a.flat)


def _as_obj(a) -> np.ndarray:
    arr = np.asarray(a, dtype=object)
    if arr.shape == () and not isinstance(arr[()], mpmath.mpf):
        arr = np.asarray(mpmath.mpf(arr[()]), dtype=object)
    return arr


@at_reference_precision
def tolerance_of(t: Tracked) -> np.ndarray:
    """The absolute float32 tolerance of each element of ``t``, by the module's rule."""
    if not t.budget.shape == t.magnitude.shape == t.value.shape:
        raise ValueError(f"a Tracked of mixed shapes: {t.value.shape}, {t.budget.shape}, {t.magnitude.shape}")
    terms = t.terms if t.terms.shape == t.value.shape else np.broadcast_to(t.terms, t.value.shape)
    tols = []
    for v, n, b, m in zip(t.value.flat, terms.flat, t.budget.flat, t.magnitude.flat):
        n = max(int(n), 1)
        steps = K_EVAL + math.ceil(math.log2(n)) + 2
        tols.append(max(f64(b) + steps * U64 * f64(m), ulp32(v), _FTZ_FLOOR64))
    return object_array(tols, t.value.shape)
