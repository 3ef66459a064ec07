"""Golden gradients of the categorical families with one label per row or a focal factor:
``sparse_categorical_crossentropy``, ``categorical_focal_crossentropy``,
``categorical_generalized_cross_entropy`` (functions and loss classes).

The convention and the tolerance rule are those of ``reference.gradients`` (its module
docstring): each family has one vector-Jacobian product ``<name>_vjp(y_true, y_pred, cot,
*, profile, **params) -> Tracked``, the derivative of ``sum_j cot_j v_j`` with respect to
``y_pred``, whose budget B and magnitude M follow the rule applied to the float32 algorithm
that autodiff runs backwards through Keras' forward algorithm.

``SparseCategoricalCrossentropy(ignore_class=...)`` reduces with a mask merged into the
weight (``reference.losses._masked``: valid entries weigh ``float32(total / valid)`` under
a mean, ``mean_with_sample_weight`` divides by the merged weight), so its cotangent is not
``reference.gradients.cotangent``'s: ``scce_vjp.loss_gradient`` computes the class's whole
gradient, and ``reference.gradients.gradient`` defers to it.
"""

from __future__ import annotations

import math

import mpmath
import numpy as np

from reference.floats import CLIP_HIGH, CLIP_LOW, UNIT_ROUNDOFF, at_reference_precision, is_f32, mpf_array, to_mpf
from reference.gradients import _cce_logits_row, _cce_probability_row, _obj, _sum_to
from reference.losses import _ALIGN, _masked, loss_class, same_rank_shapes
from reference.profiles import get_profile
from reference.scce import _labels_for_rows
from reference.tracked import Tracked, ftz

__all__ = ["scce_vjp", "focal_vjp", "gce_vjp"]

_LO, _HI = to_mpf(CLIP_LOW), to_mpf(CLIP_HIGH)
_ZERO, _ONE = mpmath.mpf(0), mpmath.mpf(1)


def _steps(k: int) -> int:
    return math.ceil(math.log2(k)) + 1 if k > 1 else 0


# --------------------------------------------------------------------------- SCCE
def _clip_log_softmax_row(y: int, x, c):
    """keras2 and keras3-tensorflow on probabilities: ``-log_softmax(log(clip(p)))[y]``.
    With ``c_k = clip(p_k)``, ``S = sum c`` and ``in_k`` where the clip passes the gradient
    (the closed interval): ``d/dp_k = in_k (c_k / S - [k == y]) / p_k``, the softmax cross-
    entropy's ``softmax - onehot`` through the log. M: ``in_k (c_k / S + [k == y]) / p_k``;
    B: the float32 softmax of the rounded logs ``l`` (``2 u |l_k|`` each, as for the value)
    ``u softmax_k (|l_k - max l| + sum_steps + 2 + 2 |l_k| + 2 sum_i softmax_i |l_i|) / p_k``."""
    u = UNIT_ROUNDOFF
    k = len(x)
    clipped = [min(max(p, _LO), _HI) for p in x]
    logs = [mpmath.log(v) for v in clipped]
    s = mpmath.fsum(clipped)
    sm = [v / s for v in clipped]
    lmax = max(logs)
    spread = 2 * mpmath.fsum(w * abs(v) for w, v in zip(sm, logs))
    steps = _steps(k)
    out = []
    for j, (p, smj, lj) in enumerate(zip(x, sm, logs)):
        if not (_LO <= p <= _HI):
            out.append((_ZERO, _ZERO, _ZERO))
            continue
        onehot = _ONE if j == y else _ZERO
        g = (smj - onehot) / p
        mag = (smj + onehot) / p
        budget = u * smj * (abs(lj - lmax) + steps + 2 + 2 * abs(lj) + spread) / p
        out.append((c * g, abs(c) * budget, abs(c) * mag))
    return out


def _scce_row(prof, from_logits: bool, y: int, x, c):
    k = len(x)
    if from_logits:
        z = [_ONE if i == y else _ZERO for i in range(k)]
        return _cce_logits_row(z, [_ZERO] * k, x, c)
    if prof.scce_probabilities == "clip_then_log_softmax":
        return _clip_log_softmax_row(y, x, c)
    z = [_ONE if i == y else _ZERO for i in range(k)]
    return _cce_probability_row(z, [_ZERO] * k, x, c)


def _scce_rows(prof, y_true, y_pred, ignore_class, axis):
    """The integer labels, the valid mask and ``y_pred`` as rows (class axis last), as
    ``reference.scce._scce`` sees them (the value call has accepted the inputs)."""
    yt = np.asarray(y_true, dtype=np.float32)
    yp = np.asarray(y_pred, dtype=np.float32)
    ax = axis % yp.ndim
    labels = _labels_for_rows(prof, yt, yp, ax, ax, ignore_class is not None)
    ints = np.trunc(labels.astype(np.float64))
    if ignore_class is None:
        valid = np.ones(labels.shape, dtype=bool)
    elif prof.scce_ignore_compare == "float":
        valid = labels != np.float32(ignore_class)
    else:
        valid = ints != int(ignore_class)
    return ints, valid, ax


@at_reference_precision
def scce_vjp(
    y_true: np.ndarray,
    y_pred: np.ndarray,
    cot: np.ndarray,
    *,
    from_logits: bool = False,
    ignore_class: int | None = None,
    axis: int | None = -1,
    profile,
) -> Tracked:
    """``d sum(cot * sparse_categorical_crossentropy(y_true, y_pred)) / d y_pred``
    (``reference.scce``), row by row: logits ``c (softmax - onehot)``; probabilities by
    ``Profile.scce_probabilities``: renormalise then clip (``categorical_crossentropy``'s
    one-hot row, ``reference.gradients``), or clip then log-softmax (``_clip_log_softmax_row``).
    An ignored row gets 0: Keras 3 selects (``where``) its loss and its ``y_pred`` away,
    keras2 gathers the valid rows only. ``terms`` = K (the row's sums)."""
    prof = get_profile(profile)
    ax_in = -1 if axis is None else axis
    ints, valid, ax = _scce_rows(prof, y_true, y_pred, ignore_class, ax_in)
    yp = mpf_array(y_pred)
    k = yp.shape[ax]
    moved = np.moveaxis(yp, ax, -1)
    xm = moved.reshape(ints.shape + (k,))
    cot = np.asarray(cot, dtype=object).reshape(ints.shape)
    value, budget, mag = _obj(xm.shape), _obj(xm.shape), _obj(xm.shape)
    for idx in np.ndindex(*ints.shape):
        if not valid[idx]:
            continue
        for j, (g, b, m) in enumerate(_scce_row(prof, from_logits, int(ints[idx]), list(xm[idx]), cot[idx])):
            value[idx + (j,)], budget[idx + (j,)], mag[idx + (j,)] = g, b, m
    back = (np.moveaxis(a.reshape(moved.shape), -1, ax) for a in (value, budget, mag))
    return Tracked(*back, np.full(yp.shape, k, int))


@at_reference_precision
def _scce_loss_gradient(value_fn, y_true, y_pred, sample_weight=None, *, reduction, profile, **params) -> Tracked:
    """``d S / d y_pred`` of ``SparseCategoricalCrossentropy(**params, reduction)``: with
    ``ignore_class`` the cotangent is the merged weight (``reference.losses._masked``) over
    the reduction's divisor (``sum(merged)`` for ``mean_with_sample_weight``, the count
    otherwise), summed back to the values' shape; ``float32(total / valid)``'s rounding
    joins the budget as it does the value's. Without it, ``reference.gradients.cotangent``."""
    from reference.gradients import cotangent

    prof = get_profile(profile)
    loss_class(value_fn, y_true, y_pred, sample_weight, reduction=reduction, profile=prof, **params)
    if reduction == "default":
        reduction = prof.default_reduction
    yt, yp = np.asarray(y_true), np.asarray(y_pred)
    if prof.loss_weight_alignment == "right_aligned":
        st, sp = same_rank_shapes(yt.shape, yp.shape)
        yt, yp = yt.reshape(st), yp.reshape(sp)
    values, mask = value_fn.with_mask(yt, yp, profile=prof, **params)
    rel = _ZERO
    if mask is None:
        cot, terms = cotangent(values.shape, sample_weight, reduction, prof)
    else:
        weighted, merged = _masked(prof, values, mask, sample_weight, reduction)
        terms = 1
        if reduction in (None, "none", "sum") or weighted.shape in ((), (0,)):
            divisor = _ONE
        elif reduction == "mean_with_sample_weight":
            divisor, terms = mpmath.fsum(np.asarray(merged).ravel()), np.asarray(merged).size
        else:
            divisor = mpmath.mpf(math.prod(weighted.shape))
        vshape = values.shape
        if sample_weight is not None:
            vshape, _ = _ALIGN[prof.loss_weight_alignment](vshape, mpf_array(np.asarray(sample_weight, np.float32)))
        full = np.broadcast_to(np.asarray(merged, dtype=object), weighted.shape)
        full = _obj(weighted.shape) if divisor == 0 else np.asarray(full * (1 / divisor), dtype=object)
        cot = _sum_to(full, vshape).reshape(values.shape)
        if reduction in ("sum_over_batch_size", "mean", "auto") and mask.any():
            exact = mpmath.mpf(mask.size) / int(np.count_nonzero(mask))
            scale = mpmath.mpf(float(np.float32(float(exact))))
            rel = abs(scale - exact) / scale
    g = scce_vjp(yt, yp, cot, profile=prof, **params)
    budget = np.array(g.budget, dtype=object)
    for idx, v in np.ndenumerate(g.value):
        budget[idx] = budget[idx] + ftz(v) + abs(v) * rel
    g = Tracked(g.value, budget, g.magnitude, np.maximum(np.asarray(g.terms, int), terms))
    return g.reshape(np.shape(y_pred))


scce_vjp.loss_gradient = _scce_loss_gradient


# --------------------------------------------------------------------------- categorical focal
def _focal_grad_row(z, dz, x, a, gamma, from_logits: bool, c):
    """d/dx_j of ``c sum_i f_i(p_i)``, ``f_i(p) = -a_i z_i (1 - p)^gamma log p``, with
    ``r = y / sum(y)`` (``y = softmax(x)`` for logits) and ``p = clip(r)``:
    ``f_i'(p) = a_i z_i (gamma (1 - p)^(gamma - 1) log p - (1 - p)^gamma / p)`` where the clip
    passes it (the closed interval), 0 outside; then the normalisation's derivative,
    ``(gp_j - sum_i gp_i r_i) / s`` on probabilities, and ``r_j (gp_j - sum_i gp_i r_i)`` on
    logits (softmax and renormalisation together: the softmax's derivative).

    M: the same with each ``|f_i'|`` term taken absolutely (``t_i``). B: per class, the
    error of ``gp_i``: a smoothed label's ``dz_i`` (``t_i`` with ``dz_i`` for ``|z_i|``); the
    rounded ``r_i`` (relatively ``(sum_steps + 1) u``, on logits the softmax's
    ``(|x_i - max x| + 2 + sum_steps) u`` too, as for the value) times each term's relative
    sensitivity to ``p`` (``|gamma - 1| p / (1 - p) + 1 / |log p|`` and ``1 + gamma p / (1 - p)``); ``1 - p``
    rounded (``u`` relatively: ``gamma`` and ``|gamma - 1|`` times its two terms); carried
    through the normalisation as ``gp`` is. On logits the outer ``r_j`` is rounded too."""
    u = UNIT_ROUNDOFF
    k = len(x)
    steps = _steps(k)
    gamma = to_mpf(gamma)
    if from_logits:
        m = max(x)
        e = [mpmath.exp(xi - m) for xi in x]
        s_e = mpmath.fsum(e)
        r = [ei / s_e for ei in e]
        rel = [(abs(xi - m) + 2 + steps) * u + (steps + 1) * u for xi in x]
        s = _ONE
    else:
        s = mpmath.fsum(x)
        r = [xi / s for xi in x]
        rel = [(steps + 1) * u] * k
    gp, t, err = [], [], []
    for zi, dzi, ri, reli, ai in zip(z, dz, r, rel, a):
        if not (_LO <= ri <= _HI) or (not zi and not dzi):
            gp.append(_ZERO), t.append(_ZERO), err.append(_ZERO)
            continue
        q = 1 - ri
        log_p = mpmath.log(ri)
        mod = q**gamma if gamma != 0 else _ONE
        first = gamma * q ** (gamma - 1) * log_p if gamma != 0 else _ZERO
        second = mod / ri
        gp.append(ai * zi * (first - second))
        ti = abs(ai) * (abs(first) + second)
        t.append(abs(zi) * ti)
        # relative sensitivities to p of the two terms: gamma (1-p)^(gamma-1) log p moves by
        # |gamma - 1| p / (1 - p) + 1 / |log p|, (1-p)^gamma / p by 1 + gamma p / (1 - p)
        k_first = abs(gamma - 1) * ri / q + (1 / abs(log_p) if log_p else _ZERO)
        k_second = 1 + gamma * ri / q
        e_i = ti * dzi + abs(ai * zi) * (abs(first) * k_first + second * k_second) * reli
        if gamma != 0 and not is_f32(q):
            e_i += u * abs(ai * zi) * (abs(gamma - 1) * abs(first) + gamma * second)
        err.append(e_i)
    dot = mpmath.fsum(g * ri for g, ri in zip(gp, r))
    tdot = mpmath.fsum(ti * ri for ti, ri in zip(t, r))
    edot = mpmath.fsum(ei * ri for ei, ri in zip(err, r))
    out = []
    for j in range(k):
        if from_logits:
            g = r[j] * (gp[j] - dot)
            mag = r[j] * (t[j] + tdot)
            budget = r[j] * (err[j] + edot) + r[j] * rel[j] * (t[j] + tdot)
        else:
            g = (gp[j] - dot) / s
            mag = (t[j] + tdot) / abs(s)
            budget = (err[j] + edot) / abs(s)
        out.append((c * g, abs(c) * budget, abs(c) * mag))
    return out


@at_reference_precision
def focal_vjp(
    y_true: np.ndarray,
    y_pred: np.ndarray,
    cot: np.ndarray,
    *,
    alpha=0.25,
    gamma: float = 2.0,
    from_logits: bool = False,
    label_smoothing: float = 0.0,
    axis: int = -1,
    profile,
) -> Tracked:
    """``d sum(cot * categorical_focal_crossentropy(y_true, y_pred)) / d y_pred``
    (``reference.focal``), row by row along ``axis`` (``_focal_grad_row``); the focal
    factor ``(1 - p)^gamma`` is differentiated (its ``gamma (1 - p)^(gamma - 1) log p``
    term). ``terms`` = K (the row's sums)."""
    from reference.smoothing import smoothed, smoothing_classes

    prof = get_profile(profile)
    yt, yp = mpf_array(y_true), mpf_array(y_pred)
    ax = axis % yp.ndim
    classes = smoothing_classes(prof, "focal_smoothing_classes", yt.shape, ax, label_smoothing)
    z, dz = smoothed(yt, label_smoothing, mpmath.mpf(1) / classes, prof)
    a_full = np.broadcast_to(mpf_array(np.asarray(alpha, dtype=np.float32)), yp.shape)
    zm, dzm, xm, am = (np.moveaxis(np.asarray(v, dtype=object), ax, -1) for v in (z, dz, yp, a_full))
    value, budget, mag = _obj(xm.shape), _obj(xm.shape), _obj(xm.shape)
    cot = np.asarray(cot, dtype=object)
    for idx in np.ndindex(*xm.shape[:-1]):
        row = _focal_grad_row(list(zm[idx]), list(dzm[idx]), list(xm[idx]), list(am[idx]), gamma, from_logits, cot[idx])
        for j, (g, b, m) in enumerate(row):
            value[idx + (j,)], budget[idx + (j,)], mag[idx + (j,)] = g, b, m
    back = (np.moveaxis(a, -1, ax) for a in (value, budget, mag))
    return Tracked(*back, np.full(yp.shape, yp.shape[ax], int))


# --------------------------------------------------------------------------- categorical GCE
@at_reference_precision
def gce_vjp(y_true: np.ndarray, y_pred: np.ndarray, cot: np.ndarray, *, q: float = 0.5, profile) -> Tracked:
    """``d sum(cot * categorical_generalized_cross_entropy(y_true, y_pred, q)) / d y_pred``
    (``reference.gce``): ``l = (1 - p^q) / q`` with ``p = sum(y_pred * one_hot)``, so the
    label's entry gets ``-c p^(q - 1)`` and every other entry 0 (summed back over
    ``one_hot``'s broadcast). ``p = 0`` (a zero prediction or a negative label) has an
    infinite derivative (``UndefinedInput``): autodiff gives inf at the label and
    ``0 * inf = NaN`` elsewhere. M: ``|c| p^(q - 1)``; B: the float32 pow
    (``POW_ROUNDINGS u``) and, for a float64 implementation with the exact Python ``q``,
    ``|d/dq p^(q - 1)| |q32 - q| = p^(q - 1) |log p| |q32 - q|``."""
    from reference.errors import UndefinedInput
    from reference.floats import round_f32
    from reference.gce import POW_ROUNDINGS

    get_profile(profile)
    labels = np.asarray(y_true, dtype=np.float64)
    yp = mpf_array(y_pred)
    k = yp.shape[-1]
    q_exact = to_mpf(q)
    q32 = round_f32(q_exact)
    full = np.broadcast_shapes(labels.shape + (k,), yp.shape)
    lab = np.broadcast_to(np.trunc(labels)[..., None], full)[..., 0]
    pred = np.broadcast_to(yp, full)
    cot = np.broadcast_to(np.asarray(cot, dtype=object), full[:-1])
    value, budget, mag = _obj(full), _obj(full), _obj(full)
    u = UNIT_ROUNDOFF
    for i in np.ndindex(*full[:-1]):
        c = int(lab[i])
        p = pred[i][c] if c >= 0 else _ZERO
        if p == 0:
            raise UndefinedInput("p = 0 for the true class: d p^q / d p is infinite (NaN through one_hot)")
        d = p ** (q32 - 1)
        ci = cot[i]
        value[i + (c,)] = -ci * d
        mag[i + (c,)] = abs(ci) * d
        budget[i + (c,)] = abs(ci) * d * (POW_ROUNDINGS * u + abs(mpmath.log(p)) * abs(q32 - q_exact))
    value, budget, mag = (_sum_to(a, yp.shape) for a in (value, budget, mag))
    return Tracked(value, budget, mag, np.ones(yp.shape, int))
