"""``categorical_focal_crossentropy``, identical in keras3 and keras2 but for named details.

With ``z`` the (smoothed) one-hot labels and ``axis`` the class axis:

* label smoothing: ``z = y * (1 - ls) + ls / K`` where K is the size of the **last**
  axis in both released profiles (``Profile.focal_smoothing_classes``; Keras master
  uses the size of ``axis``, keras#23451 / PR #23437);
* ``from_logits=True``: ``y_pred = softmax(y_pred, axis)``;
* always renormalised: ``p = y_pred / sum(y_pred, axis)``, then ``p = clip(p, eps, 1 - eps)``
  (clip only: no extra epsilon in the log, in keras2 too);
* ``l = sum over axis of alpha * (1 - p)^gamma * (-z * log(p))`` (a sum, not a mean),
  with ``alpha`` a scalar or a list broadcast numpy-style against the **last** axis.

Seed 001 prints 2.63401289e-04 for its first row because its decimal inputs were not
float32; on float32 inputs the algorithm gives 2.6340148e-04 (tests show both).
"""

from __future__ import annotations

import math

import mpmath
import numpy as np

from reference.errors import SpecError, UndefinedInput, checked_axis
from reference.exact import FZERO, add, div, exp, make, sub
from reference.floats import (
    CLIP_HIGH,
    CLIP_LOW,
    U64,
    at_reference_precision,
    class_rows,
    f64,
    f64_form,
    is_f32,
    mpf_array,
    object_array,
    to_mpf,
)
from reference.memo import profile_memo
from reference.profiles import Profile, get_profile
from reference.smoothing import smoothed, smoothing_classes
from reference.tracked import Tracked, ftz

__all__ = ["categorical_focal_crossentropy"]

_LO, _HI = to_mpf(CLIP_LOW), to_mpf(CLIP_HIGH)


def _left_sum(terms: list, prec: int) -> tuple:
    """Python's ``sum`` of mpf terms (``0 + t0 + t1 + ...``, each addition rounded) on
    their exact forms."""
    acc = FZERO
    for t in terms:
        acc = add(acc, t, prec, "n")
    return acc


def _row(y_row, dz_row, x_row, alpha_row, gamma, from_logits):
    """Loss and budget of one row of K classes (lists of mpf; the budget and the magnitude
    are Python floats, ``reference.floats.f64``)."""
    u = U64
    k = len(x_row)
    sum_steps = math.ceil(math.log2(k)) + 1 if k > 1 else 0
    # the softmax or the renormalisation on mpmath's exact form: the roundings of
    # ``exp(x - m)``, of Python's ``sum`` (left to right) and of ``e / s`` on mpf
    prec = mpmath.mp.prec
    if from_logits:
        m = max(x_row)._mpf_
        d = [sub(x._mpf_, m, prec, "n") for x in x_row]  # x - m
        e = [exp(di, prec, "n") for di in d]
        s = _left_sum(e, prec)
        probs = [make(div(ei, s, prec, "n")) for ei in e]
        # softmax in float32: x - m (|x - m| u absolute, so relative in exp), exp, the
        # sum and the division; then the renormalisation's sum and division again.
        rel = [(abs(f64_form(di)) + 2 + sum_steps) * u + (sum_steps + 1) * u for di in d]
    else:
        s = _left_sum([x._mpf_ for x in x_row], prec)
        if s == FZERO:
            raise UndefinedInput("a row of y_pred sums to 0: Keras divides 0 by 0 (NaN)")
        probs = [make(div(x._mpf_, s, prec, "n")) for x in x_row]
        rel = [(sum_steps + 1) * u] * k
    loss = mpmath.mpf(0)
    budget = magnitude = 0.0
    gamma = to_mpf(gamma)
    g64 = f64(gamma)
    for z, dz, p_raw, r, a in zip(y_row, dz_row, probs, rel, alpha_row):
        if not z and not dz:  # a zero label, exactly: its term is 0 and moves nothing
            continue
        clipped = not (_LO <= p_raw <= _HI)
        p = min(max(p_raw, _LO), _HI)
        q = 1 - p
        log_p = mpmath.log(p)
        mod = q**gamma if gamma != 0 else mpmath.mpf(1)
        term = a * mod * (-z * log_p)
        loss += term
        a64, mod64, log64, term64 = f64(a), f64(mod), f64(log_p), f64(term)
        magnitude += abs(term64)
        budget += abs(a64 * mod64 * log64) * dz + f64(ftz(term))  # via the smoothed label; a flushed term
        if not clipped:  # via the rounded renormalised p: d term / d p
            p64, q64 = f64(p), f64(q)
            dq = g64 * q64 ** (g64 - 1) if gamma != 0 else 0.0
            dterm = a64 * f64(z) * (dq * log64 - mod64 / p64)
            budget += abs(dterm) * r * p64
        if gamma != 0 and not is_f32(q):  # 1 - p rounded: gamma * u * |term|
            budget += g64 * u * abs(term64)
    return loss, budget, magnitude


@profile_memo
@at_reference_precision
def categorical_focal_crossentropy(
    y_true: np.ndarray,
    y_pred: np.ndarray,
    *,
    alpha: float | list[float] = 0.25,
    gamma: float = 2.0,
    from_logits: bool = False,
    label_smoothing: float = 0.0,
    axis: int = -1,
    profile: str | Profile = "keras3",
) -> Tracked:
    """``keras.losses.categorical_focal_crossentropy``: per-row loss, the class axis summed."""
    prof = get_profile(profile)
    yt, yp = mpf_array(y_true), mpf_array(y_pred)
    if yt.shape != yp.shape:
        raise SpecError("shape_mismatch", f"y_true shape {yt.shape} != y_pred shape {yp.shape}")
    ax = checked_axis("categorical_focal_crossentropy", yp.ndim, axis)
    classes = smoothing_classes(prof, "focal_smoothing_classes", yt.shape, ax, label_smoothing)
    z, dz = smoothed(yt, label_smoothing, mpmath.mpf(1) / classes, prof)
    alpha_arr = mpf_array(np.asarray(alpha, dtype=np.float32))
    try:
        alpha_full = np.broadcast_to(alpha_arr, yp.shape)  # numpy-style: against the last axis
    except ValueError:
        raise SpecError("alpha_shape", f"alpha of shape {alpha_arr.shape} does not broadcast to {yp.shape}") from None
    # Move the class axis last and loop over rows.
    out_shape, (zr, dzr, xr, ar) = class_rows((z, dz, yp, alpha_full), ax)
    results = [_row(*r, gamma, from_logits) for r in zip(zr, dzr, xr, ar)]
    loss, budget, magnitude = (object_array([r[i] for r in results], out_shape) for i in range(3))
    # Each row is a sum of K per-class terms: K summed terms, magnitude sum(|term|).
    return Tracked(loss, budget, magnitude, np.full(out_shape, yp.shape[ax], dtype=int))
