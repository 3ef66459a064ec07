"""``categorical_crossentropy``: the loss function, per profile (docs/semantics.md §11).

With ``z`` the (smoothed) labels and ``axis`` the class axis, keras3 and keras2 alike:

* label smoothing: ``z = y * (1 - ls) + ls / K``. K is the size of the **last** axis in
  keras3 <= 3.15.1 and the size of ``axis`` in keras2 >= 2.14 (tf_keras
  ``tf.shape(y_true)[axis]``; Keras master has the same since PR #23437):
  ``Profile.cce_smoothing_classes``. The constants round as for the other losses
  (``reference.smoothing``).
* ``from_logits=True``: ``-sum(z * log_softmax(x, axis), axis)``, exact: no clip, no
  renormalisation (``tf.nn.softmax_cross_entropy_with_logits``, ``jax.nn.log_softmax``,
  ``F.log_softmax``; the numpy backend's own log-softmax too).
* probabilities: ``p = y_pred / sum(y_pred, axis)``, then ``p = clip(p, eps, 1 - eps)``,
  ``-sum(z * log(p), axis)``: clip only, no extra epsilon in the log, in keras2 too.

Labels need not be one-hot (soft targets are a cross-entropy too). Both profiles reject
``y_true`` and ``y_pred`` of different shapes. A row of ``y_pred`` that sums to 0 is 0/0 in
Keras (NaN): the spec leaves it undefined.
"""

from __future__ import annotations

import math

import mpmath
import numpy as np

from reference.errors import SpecError, UndefinedInput, checked_axis
from reference.exact import FONE, FZERO, add, exp, from_int, fsum, ftz64, make, mul, sub
from reference.floats import (
    CLIP_HIGH,
    CLIP_LOW,
    U64,
    at_reference_precision,
    class_rows,
    f64,
    f64_form,
    log1p,
    mpf_array,
    object_array,
    to_mpf,
)
from reference.memo import profile_memo
from reference.profiles import Profile, get_profile
from reference.smoothing import smoothed, smoothing_classes
from reference.tracked import Tracked, ftz

__all__ = ["categorical_crossentropy"]

_LO, _HI = to_mpf(CLIP_LOW), to_mpf(CLIP_HIGH)


def _sum_steps(k: int) -> int:
    """Roundings a float32 sum of k terms may add, in units of u (pairwise: ceil(log2 k) + 1)."""
    return math.ceil(math.log2(k)) + 1 if k > 1 else 0


def _logits_row(z_row, dz_row, x_row):
    """Loss, budget and magnitude of one row from logits: ``sum z_i (L - d_i)`` with
    ``d_i = x_i - max(x)`` and ``L = log(sum exp(d_j))``.

    A float32 log-softmax rounds each ``d_i`` (``u |d_i|``), and so each ``exp(d_i)``
    relatively; the sum of the exponentials rounds again, a relative
    ``(sum_steps + 1) u`` of ``s`` but never more than the terms other than the largest
    (``s - 1``: a sum that loses them all returns exactly 1). So ``L`` is off by up to
    ``u sum_j w_j (|d_j| + 2) + min((sum_steps + 1) u, (s - 1) / s)`` with
    ``w_j = exp(d_j) / s``, the sum over the ``j`` with ``d_j != 0`` (``exp(0) = 1`` exactly)."""
    u = U64  # budgets and magnitudes are Python floats (reference.floats.f64)
    # on mpmath's exact form (the same roundings as the mpf expressions in the comments)
    prec = mpmath.mp.prec
    m = max(x_row)._mpf_
    d = [sub(x._mpf_, m, prec, "n") for x in x_row]  # x - m
    e = [exp(di, prec, "n") for di in d]  # exp(d)
    s = fsum(e, prec, "n")  # fsum(e)
    # L = log(s) = log1p(s - 1), with s - 1 summed from the terms other than the largest
    # logits' exp(0) = 1: log(s) of an s within 1e-17 of 1 would lose 17 of the 50 digits
    others = [ei for ei, di in zip(e, d) if di != FZERO]
    rest = add(fsum(others, prec, "n"), from_int(len(d) - len(others) - 1), prec, "n")
    big_l = log1p(make(rest))._mpf_
    s64 = f64_form(s)
    sum_rounding = min((_sum_steps(len(d)) + 1) * u, f64_form(sub(s, FONE, prec, "n")) / s64)
    # exp(0) of the largest logit is exactly 1 in every libm: only the others round
    err_l = (
        u * math.fsum(f64_form(ei) / s64 * (abs(f64_form(di)) + 2) for ei, di in zip(e, d) if di != FZERO)
        + sum_rounding
    )
    loss = FZERO
    budget = magnitude = 0.0
    for z, dz, di in zip(z_row, dz_row, d):
        if not z and not dz:  # a zero label, exactly: its term is 0 and moves nothing
            continue
        nll = sub(big_l, di, prec, "n")  # -log_softmax, >= 0
        term = mul(z._mpf_, nll, prec, "n")
        loss = add(loss, term, prec, "n")
        term64 = f64_form(term)
        magnitude += abs(term64)
        budget += abs(f64(z)) * (u * abs(f64_form(di)) + err_l) + dz * f64_form(nll) + ftz64(term)
    return make(loss), budget, magnitude


def _probability_row(z_row, dz_row, x_row):
    """Loss, budget and magnitude of one row of probabilities, renormalised and clipped.

    The renormalised ``p_i`` is rounded twice (the row sum, the division), a relative
    ``r = (sum_steps + 1) u``; ``-z log p`` moves by ``|z| r`` for it."""
    k = len(x_row)
    s = mpmath.fsum(x_row)
    if s == 0:
        raise UndefinedInput("a row of y_pred sums to 0: Keras divides 0 by 0 (NaN)")
    r = (_sum_steps(k) + 1) * U64
    loss = mpmath.mpf(0)
    budget = magnitude = 0.0
    for z, dz, x in zip(z_row, dz_row, x_row):
        if not z and not dz:  # a zero label, exactly: its term is 0 and moves nothing
            continue
        p = min(max(x / s, _LO), _HI)
        nll = -mpmath.log(p)
        term = z * nll
        loss += term
        magnitude += abs(f64(term))
        budget += abs(f64(z)) * r + dz * f64(nll) + f64(ftz(term))
    return loss, budget, magnitude


@profile_memo
@at_reference_precision
def categorical_crossentropy(
    y_true: np.ndarray,
    y_pred: np.ndarray,
    *,
    from_logits: bool = False,
    label_smoothing: float = 0.0,
    axis: int = -1,
    profile: str | Profile = "keras3",
) -> Tracked:
    """``keras.losses.categorical_crossentropy``: per-row loss, the class axis summed."""
    prof = get_profile(profile)
    yt, yp = mpf_array(y_true), mpf_array(y_pred)
    if yt.shape != yp.shape:
        raise SpecError("shape_mismatch", f"y_true shape {yt.shape} != y_pred shape {yp.shape}")
    ax = checked_axis("categorical_crossentropy", yp.ndim, axis)
    classes = smoothing_classes(prof, "cce_smoothing_classes", yt.shape, ax, label_smoothing)
    z, dz = smoothed(yt, label_smoothing, mpmath.mpf(1) / classes, prof)
    out_shape, (zr, dzr, xr) = class_rows((z, dz, yp), ax)
    row = _logits_row if from_logits else _probability_row
    results = [row(*r) for r in zip(zr, dzr, xr)]
    loss, budget, magnitude = (object_array([r[i] for r in results], out_shape) for i in range(3))
    return Tracked(loss, budget, magnitude, np.full(out_shape, yp.shape[ax], dtype=int))
