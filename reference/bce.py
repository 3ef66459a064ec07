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
from reference.exact import FONE, FZERO, absolute, add, exp, inexact32, log, lt, make, mul, neg, sub
from reference.floats import (
    CLIP_HIGH,
    CLIP_LOW,
    EPSILON,
    U64,
    at_reference_precision,
    elementwise_arrays,
    f64_form,
    log1p,
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


# The two per-element kernels below run some 50,000 times per generation, so they work on
# mpmath's exact form ``(sign, man, exp, bc)`` with libmp's functions (``reference.exact``): the same
# operations, roundings (to the working precision, to nearest) and results as the mpf
# operators spelled in each comment, at a fraction of the cost (``mpf`` dispatch and
# conversion dominate at 50 digits).
def _logits_term(x, z, dz):
    """Exact loss for one logit, and the budget of the roundings its algorithm needs (a
    Python float: ``reference.floats.f64``)."""
    u = U64
    prec = mpmath.mp.prec
    xt, zt = x._mpf_, z._mpf_
    neg_abs = neg(absolute(xt, prec, "n"), prec, "n")  # -abs(x)
    softplus_tail = log1p(make(exp(neg_abs, prec, "n")))._mpf_  # log1p(exp(-|x|))
    relu = xt if not xt[0] else FZERO  # max(x, 0)
    xz = mul(xt, zt, prec, "n")  # x * z
    loss = add(sub(relu, xz, prec, "n"), softplus_tail, prec, "n")  # relu - xz + tail
    budget = dz * abs(f64_form(xt))  # dl/dz = -x
    if inexact32(xz):
        budget += u * abs(f64_form(xz))
    one_minus_z = sub(FONE, zt, prec, "n")  # 1 - z
    if inexact32(one_minus_z):  # JAX form: (1 - z) * softplus(x)
        budget += u * abs(f64_form(one_minus_z)) * (f64_form(relu) + f64_form(softplus_tail))
    return make(loss), budget


_LO_T, _HI_T, _EPS_T = _LO._mpf_, _HI._mpf_, _EPS._mpf_


def _probability_term(p_in, z, dz, double_epsilon: bool):
    """Exact clipped-probability loss for one element, and its rounding budget (a Python
    float: ``reference.floats.f64``)."""
    u = U64
    prec = mpmath.mp.prec
    p, zt = p_in._mpf_, z._mpf_
    if lt(p, _LO_T):  # min(max(p, eps), 1 - eps)
        p = _LO_T
    elif lt(_HI_T, p):
        p = _HI_T
    q = sub(FONE, p, prec, "n")  # 1 - p
    one_minus_z = sub(FONE, zt, prec, "n")  # 1 - z
    if double_epsilon:
        a, b = add(p, _EPS_T, prec, "n"), add(q, _EPS_T, prec, "n")
    else:
        a, b = p, q
    # a hard label with no smoothing budget needs one of the two logs: the other's term is
    # exactly 0 and nothing below reads it (every use is scaled by dz, or by 1 - z, or by z)
    hard = not dz
    log_a = log(a, prec, "n") if zt != FZERO or not hard else FZERO
    log_b = log(b, prec, "n") if one_minus_z != FZERO or not hard else FZERO
    # -(z * log_a + one_minus_z * log_b)
    loss = neg(add(mul(zt, log_a, prec, "n"), mul(one_minus_z, log_b, prec, "n"), prec, "n"), prec, "n")
    abs_log_b, abs_omz = abs(f64_form(log_b)), abs(f64_form(one_minus_z))
    budget = dz * (abs(f64_form(log_a)) + abs_log_b)
    if inexact32(one_minus_z):
        budget += u * abs_omz * abs_log_b
    if inexact32(q):  # 1 - p rounded: |d l / d q| * u * q
        budget += u * abs_omz * f64_form(q) / f64_form(b)
    if double_epsilon:
        if inexact32(a):
            budget += u * abs(f64_form(zt))
        if inexact32(b):
            budget += u * abs_omz
    return make(loss), budget


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
    if from_logits:
        terms = [_logits_term(x, zi, dzi) for x, zi, dzi in zip(yp.flat, z.flat, dz.flat)]
    else:
        double = prof.bce_double_epsilon
        terms = [_probability_term(p, zi, dzi, double) for p, zi, dzi in zip(yp.flat, z.flat, dz.flat)]
    return Tracked.elementwise(*elementwise_arrays(terms, yp.shape))


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
