"""``kl_divergence``: the loss function, identical in both profiles (docs/semantics.md §13).

    y_true = clip(y_true, eps, 1);  y_pred = clip(y_pred, eps, 1)
    loss = sum(y_true * log(y_true / y_pred), axis=-1)

The log of a quotient (not a difference of logs), a **sum** over the last axis (there is no
``axis`` argument), both sides clipped to ``[eps, 1]`` (the upper bound is 1, not 1 - eps).
A zero label still contributes ``eps * log(eps / p)``, so the loss can be negative. Shapes
broadcast numpy-style in both profiles (no shape check).
"""

from __future__ import annotations

import mpmath
import numpy as np

from reference.errors import SpecError
from reference.floats import (
    CLIP_LOW,
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

__all__ = ["kl_divergence"]

_LO, _ONE = to_mpf(CLIP_LOW), mpmath.mpf(1)


def _broadcast(yt: np.ndarray, yp: np.ndarray):
    try:
        return np.broadcast_arrays(yt, yp)
    except ValueError:
        raise SpecError(
            "shape_mismatch", f"y_true shape {yt.shape} and y_pred shape {yp.shape} do not broadcast"
        ) from None


@profile_memo
@at_reference_precision
def kl_divergence(y_true: np.ndarray, y_pred: np.ndarray, *, profile: str | Profile = "keras3") -> Tracked:
    """``keras.losses.kl_divergence``: per-element ``y log(y / p)`` after the clips, summed
    over the last axis. Budget: the float32 quotient ``y / p`` is rounded (``u``
    relatively, so ``u`` absolutely in its log), which moves each term by ``y u``."""
    get_profile(profile)  # both profiles compute it alike
    yt, yp = _broadcast(mpf_array(y_true), mpf_array(y_pred))
    if yt.ndim == 0:
        raise SpecError("rank", "kl_divergence needs inputs of rank >= 1")
    terms = []
    for y, p in zip(yt.flat, yp.flat):
        y, p = min(max(y, _LO), _ONE), min(max(p, _LO), _ONE)
        q = y / p
        terms.append((y * mpmath.log(q), mpmath.mpf(0) if is_f32(q) else y * UNIT_ROUNDOFF))
    return Tracked.elementwise(*elementwise_arrays(terms, yt.shape)).sum(axis=yt.ndim - 1)
