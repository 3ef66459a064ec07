"""``binary_crossentropy``: the function both profiles share, per profile.

Per element, with ``z`` the (smoothed) label, keras3 and keras2 alike:

* label smoothing squeezes toward 0.5: ``z = y * (1 - ls) + 0.5 * ls``.
* ``from_logits=True`` (``tf.nn.sigmoid_cross_entropy_with_logits``; JAX's ``log_sigmoid``
  form is the same function): ``l = max(x, 0) - x*z + log1p(exp(-|x|))``, exact, no clip.
* probabilities, ``p = clip(y_pred, eps, 1 - eps)`` with eps = float32(1e-7) and
  ``1 - eps`` = 1 - 2^-23:
    - keras3: ``l = -(z*log(p) + (1 - z)*log(1 - p))``;
    - keras2: ``l = -(z*log(p + eps) + (1 - z)*log(1 - p + eps))`` (the double epsilon of
      keras/backend.py@v2.15.0: y=1, p=0 gives 15.424949, not keras3's 16.118095).

The result is the mean of ``l`` over ``axis``; a 1-D input gives a scalar. keras3's
bare function rejects unequal shapes; keras2's broadcasts them (docs/semantics.md §2-3).
The Keras 3 numpy backend computes ``from_logits`` as sigmoid-then-clip: that is a
deviation of that backend, not of the spec.
"""

from __future__ import annotations

import mpmath
import numpy as np

from reference.errors import SpecError, checked_axis
from reference.floats import (
    CLIP_HIGH,
    CLIP_LOW,
    EPSILON,
    U64,
    at_reference_precision,
    f64,
    is_f32,
    mpf_array,
    to_mpf,
)
from reference.memo import profile_memo
from reference.profiles import Profile, get_profile
from reference.smoothing import smoothed
from reference.tracked import Tracked

__all__ = ["binary_crossentropy", "bce_elementwise"]

_LO, _HI, _EPS = to_mpf(CLIP_LOW), to_mpf(CLIP_HIGH), to_mpf(EPSILON)
_ZERO = mpmath.mpf(0)


def binary_inputs(y_true: np.ndarray, y_pred: np.ndarray, prof: Profile) -> tuple[np.ndarray, np.ndarray]:
    """The inputs of an elementwise binary loss as exact mpf arrays: equal shapes, or (where
    the profile's bare function broadcasts, keras2) broadcast ones."""
    yt, yp = mpf_array(y_true), mpf_array(y_pred)
    if yt.shape != yp.shape:
        if not prof.bce_broadcasts_shapes:
            raise SpecError(
                "shape_mismatch",
                f"y_true shape {yt.shape} != y_pred shape {yp.shape} ({prof.name} requires equal shapes)",
            )
        try:
            yt, yp = np.broadcast_arrays(yt, yp)
        except ValueError:
            raise SpecError(
                "shape_mismatch", f"y_true shape {yt.shape} and y_pred shape {yp.shape} do not broadcast"
            ) from None
    return yt, yp


def _logits_term(x, z, dz):
    """Exact loss for one logit, and the budget of the roundings its algorithm needs (a
    Python float: ``reference.floats.f64``)."""
    u = U64
    softplus_tail = mpmath.log1p(mpmath.exp(-abs(x)))
    relu = max(x, 0)
    xz = x * z
    loss = relu - xz + softplus_tail
    budget = dz * abs(f64(x))  # dl/dz = -x
    if not is_f32(xz):
        budget += u * abs(f64(xz))
    one_minus_z = 1 - z
    if not is_f32(one_minus_z):  # JAX form: (1 - z) * softplus(x)
        budget += u * abs(f64(one_minus_z)) * (f64(relu) + f64(softplus_tail))
    return loss, budget


def _probability_term(p_in, z, dz, double_epsilon: bool):
    """Exact clipped-probability loss for one element, and its rounding budget (a Python
    float: ``reference.floats.f64``)."""
    u = U64
    p = min(max(p_in, _LO), _HI)
    q = 1 - p
    one_minus_z = 1 - z
    if double_epsilon:
        a, b = p + _EPS, q + _EPS
    else:
        a, b = p, q
    # a hard label with no smoothing budget needs one of the two logs: the other's term is
    # exactly 0 and nothing below reads it (every use is scaled by dz, or by 1 - z, or by z)
    hard = not dz
    log_a = mpmath.log(a) if z or not hard else _ZERO
    log_b = mpmath.log(b) if one_minus_z or not hard else _ZERO
    loss = -(z * log_a + one_minus_z * log_b)
    abs_log_b, abs_omz = abs(f64(log_b)), abs(f64(one_minus_z))
    budget = dz * (abs(f64(log_a)) + abs_log_b)
    if not is_f32(one_minus_z):
        budget += u * abs_omz * abs_log_b
    if not is_f32(q):  # 1 - p rounded: |d l / d q| * u * q
        budget += u * abs_omz * f64(q) / f64(b)
    if double_epsilon:
        if not is_f32(a):
            budget += u * abs(f64(z))
        if not is_f32(b):
            budget += u * abs_omz
    return loss, budget


@profile_memo
@at_reference_precision
def bce_elementwise(
    y_true: np.ndarray,
    y_pred: np.ndarray,
    *,
    from_logits: bool = False,
    label_smoothing: float = 0.0,
    profile: str | Profile = "keras3",
) -> Tracked:
    """The backend op ``binary_crossentropy`` elementwise (after label smoothing)."""
    prof = get_profile(profile)
    yt, yp = binary_inputs(y_true, y_pred, prof)
    z, dz = smoothed(yt, label_smoothing, mpmath.mpf(1) / 2, prof)
    loss = np.empty(yp.shape, dtype=object)
    budget = np.empty(yp.shape, dtype=object)
    for idx in np.ndindex(*yp.shape):
        if from_logits:
            loss[idx], budget[idx] = _logits_term(yp[idx], z[idx], dz[idx])
        else:
            loss[idx], budget[idx] = _probability_term(yp[idx], z[idx], dz[idx], prof.bce_double_epsilon)
    return Tracked.elementwise(loss, budget)


@profile_memo
@at_reference_precision
def binary_crossentropy(
    y_true: np.ndarray,
    y_pred: np.ndarray,
    *,
    from_logits: bool = False,
    label_smoothing: float = 0.0,
    axis: int = -1,
    profile: str | Profile = "keras3",
) -> Tracked:
    """``keras.losses.binary_crossentropy``: the elementwise loss, mean over ``axis``."""
    elem = bce_elementwise(y_true, y_pred, from_logits=from_logits, label_smoothing=label_smoothing, profile=profile)
    return elem.mean(axis=checked_axis("binary_crossentropy", len(elem.shape), axis))
