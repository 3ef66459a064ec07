"""``poisson``: the loss function, identical in both profiles (docs/semantics.md §14).

    loss = mean(y_pred - y_true * log(y_pred + eps), axis=-1)

Epsilon is **added** inside the log, with no clip (unlike every crossentropy): ``y_pred = 0``
gives ``-y log(eps)``, a negative ``y_pred`` gives NaN (outside the spec), and the float32
sum ``y_pred + eps`` is rounded to ``y_pred``'s grid (``1 + eps`` is ``1 + 2^-23``; at 2 and
above eps vanishes). A **mean** over the last axis; no ``axis`` argument. Shapes broadcast
numpy-style in both profiles.
"""

from __future__ import annotations

import mpmath
import numpy as np

from reference.errors import SpecError, UndefinedInput
from reference.floats import (
    EPSILON,
    UNIT_ROUNDOFF,
    at_reference_precision,
    elementwise_arrays,
    is_f32,
    mpf_array,
    to_mpf,
)
from reference.memo import profile_memo
from reference.profiles import Profile, get_profile
from reference.tracked import Tracked

__all__ = ["poisson"]

_EPS = to_mpf(EPSILON)


@profile_memo
@at_reference_precision
def poisson(y_true: np.ndarray, y_pred: np.ndarray, *, profile: str | Profile = "keras3") -> Tracked:
    """``keras.losses.poisson``: per-element ``p - y log(p + eps)``, mean over the last axis.

    Budget: ``p + eps`` is rounded to float32 (a relative ``u``, so ``u`` in its log, times
    ``|y|``), and the product ``y log(p + eps)`` and the log itself round relatively to
    their own size (``2 u |y log(p + eps)|``): the subtraction from ``p`` can cancel, so
    these cannot be left to the per-element allowance of the result."""
    get_profile(profile)  # both profiles compute it alike
    try:
        yt, yp = np.broadcast_arrays(mpf_array(y_true), mpf_array(y_pred))
    except ValueError:
        raise SpecError(
            "shape_mismatch", f"shapes {np.shape(y_true)} and {np.shape(y_pred)} do not broadcast"
        ) from None
    if yt.ndim == 0:
        raise SpecError("rank", "poisson needs inputs of rank >= 1")
    u = UNIT_ROUNDOFF
    terms = []
    for y, p in zip(yt.flat, yp.flat):
        a = p + _EPS
        if a <= 0:
            raise UndefinedInput("y_pred + eps <= 0: Keras takes the log of a non-positive number (NaN)")
        ylog = y * mpmath.log(a)
        terms.append((p - ylog, 2 * u * abs(ylog) + (mpmath.mpf(0) if is_f32(a) else u * abs(y))))
    return Tracked.elementwise(*elementwise_arrays(terms, yt.shape)).mean(axis=yt.ndim - 1)
