"""Golden gradients: ``d S / d y_pred`` of a loss function or loss class, analytically.

``S`` is the sum of the API's output: for a function the sum of its per-sample values, for
a loss class its reduced value (under ``reduction="none"`` the sum of the weighted values).
``S`` is linear in the function's per-sample values ``v``: ``S = sum_j c_j v_j`` where the
cotangent ``c`` comes from the loss class's weighting and reduction alone (``_cotangent``:
``w_j / size``, ``w_j / sum(w)``, ``w_j``; all ones for a function). So each family needs
one vector-Jacobian product ``<name>_vjp(y_true, y_pred, cot, profile, **params)``: the
derivative of ``sum_j cot_j v_j`` with respect to ``y_pred``, as a ``Tracked`` whose budget
and magnitude follow the tolerance rule (``reference.tracked``) applied to the float32
algorithm that autodiff runs backwards through Keras' forward algorithm:

* **B**: each intermediate of the backward pass that the forward pass already rounded (a
  smoothed label, ``1 - p``, keras2's ``p + eps``), ``|d g / d v| * u * |v|``; a smoothed
  label's own budget ``dz`` as for the value;
* **M**: the sum of the absolute values of the terms autodiff adds for one element (for BCE
  on probabilities ``|c/n| * (|z|/p + |1-z|/(1-p))``, on logits ``|c/n| * (sigmoid(x) + |z|)``):
  a gradient that cancels (``p == z``) gets the room its terms need, nothing more;
* the number of summed terms is that of the divisor (``sum(w)`` of
  ``mean_with_sample_weight``), 1 otherwise.

Where the algorithm is not differentiable the derivative is implementation-defined: a
probability exactly at a clip bound (``eps`` or ``1 - eps``) gets the reference's
convention, the clip passing the gradient on the closed interval (``tf.clip_by_value``'s
and ``torch.clamp``'s); such cases belong in the quirk tier.
"""

from __future__ import annotations

import math
from collections.abc import Callable

import mpmath
import numpy as np

from reference.cce import _sum_steps
from reference.floats import (
    CLIP_HIGH,
    CLIP_LOW,
    EPSILON,
    UNIT_ROUNDOFF,
    at_reference_precision,
    is_f32,
    mpf_array,
    sigmoid_pair,
    sigmoid_residual,
    to_mpf,
)
from reference.losses import _ALIGN, loss_class, same_rank_shapes
from reference.profiles import get_profile
from reference.smoothing import smooth_labels, smoothing_classes
from reference.tracked import Tracked, ftz

__all__ = ["gradient", "bce_vjp", "cce_vjp", "kld_vjp", "poisson_vjp", "cotangent"]

_LO, _HI, _EPS = to_mpf(CLIP_LOW), to_mpf(CLIP_HIGH), to_mpf(EPSILON)
_ZERO, _ONE = mpmath.mpf(0), mpmath.mpf(1)


def _obj(shape, fill=_ZERO) -> np.ndarray:
    out = np.empty(shape, dtype=object)
    out[...] = fill
    return out


def _sum_to(a: np.ndarray, shape: tuple) -> np.ndarray:
    """Sum an array over the axes that broadcasting ``shape`` to ``a.shape`` added or stretched."""
    lead = a.ndim - len(shape)
    if lead:
        a = np.sum(a, axis=tuple(range(lead)))
    axes = tuple(i for i, s in enumerate(shape) if s == 1 and a.shape[i] != 1)
    if axes:
        a = np.sum(a, axis=axes, keepdims=True)
    return np.asarray(a, dtype=object).reshape(shape)


def cotangent(values_shape: tuple, sample_weight, reduction, prof) -> tuple[np.ndarray, int]:
    """``d S / d v`` for a loss class's per-sample values ``v`` of ``values_shape``, and the
    number of terms its divisor sums: the weighting and reduction of ``reference.losses.
    loss_class`` (which has already accepted the call), differentiated."""
    vshape = tuple(values_shape)
    w = None
    if sample_weight is not None:
        w = mpf_array(np.asarray(sample_weight, dtype=np.float32))
        vshape, w = _ALIGN[prof.loss_weight_alignment](vshape, w)
    wshape = np.broadcast_shapes(vshape, w.shape) if w is not None else vshape
    terms = 1
    if reduction in (None, "none", "sum") or wshape in ((), (0,)):
        divisor = _ONE
    elif reduction == "mean_with_sample_weight" and w is not None:
        divisor, terms = mpmath.fsum(w.ravel()), w.size
    else:
        divisor = mpmath.mpf(math.prod(wshape))
    full = np.broadcast_to(np.asarray(w if w is not None else _ONE, dtype=object), wshape)
    if divisor == 0:  # divide_no_nan: S is 0 whatever v is
        full = _obj(wshape)
    else:
        full = np.asarray(full * (1 / divisor), dtype=object)
    return _sum_to(full, vshape).reshape(values_shape), terms


@at_reference_precision
def gradient(
    vjp: Callable[..., Tracked],
    value_fn: Callable[..., Tracked],
    y_true: np.ndarray,
    y_pred: np.ndarray,
    sample_weight: np.ndarray | None = None,
    *,
    kind: str,
    reduction="default",
    profile,
    **params,
) -> Tracked:
    """``d S / d y_pred`` of one call of a function (``kind="function"``) or loss class
    (``kind="loss"``) whose reference is ``value_fn``, by its ``vjp``. Raises the
    value reference's ``SpecError`` exactly where the value call is rejected."""
    prof = get_profile(profile)
    yt, yp = np.asarray(y_true), np.asarray(y_pred)
    terms = 1
    if kind == "loss" and getattr(vjp, "loss_gradient", None) is not None:
        # a class that reduces with more than a weight (a mask): its own whole gradient
        return vjp.loss_gradient(value_fn, yt, yp, sample_weight, reduction=reduction, profile=prof, **params)
    if kind == "loss":
        # the value call first: it rejects what the class rejects (and memoises the values)
        loss_class(value_fn, yt, yp, sample_weight, reduction=reduction, profile=prof, **params)
        if reduction == "default":
            reduction = prof.default_reduction
        yt2, yp2 = yt, yp
        if prof.loss_weight_alignment == "right_aligned":
            st, sp = same_rank_shapes(yt.shape, yp.shape)
            yt2, yp2 = yt.reshape(st), yp.reshape(sp)
        values = value_fn(yt2, yp2, profile=prof, **params)
        cot, terms = cotangent(values.shape, sample_weight, reduction, prof)
    elif kind == "function":
        yt2, yp2 = yt, yp
        values = value_fn(yt, yp, profile=prof, **params)
        cot = _obj(values.shape, _ONE)
    else:
        raise ValueError(f"no gradient of call shape {kind!r}")
    g = vjp(yt2, yp2, cot, profile=prof, **params)
    g = g.reshape(yp.shape)
    budget = np.array(g.budget, dtype=object)
    for idx, v in np.ndenumerate(g.value):
        budget[idx] = budget[idx] + ftz(v)
    return Tracked(g.value, budget, g.magnitude, np.maximum(np.asarray(g.terms, int), terms))


# --------------------------------------------------------------------------- BCE
def _bce_logit_grad(x, z, dz):
    """d l / d x of ``max(x,0) - x z + log1p(exp(-|x|))``: ``sigmoid(x) - z``. Autodiff
    adds ``sigmoid(x)`` (or jax's ``(1-z) sigmoid(x) - z sigmoid(-x)``) and ``-z``."""
    u = UNIT_ROUNDOFF
    s, sc = sigmoid_pair(x)
    g = sigmoid_residual(z, s, sc)
    mag = s + abs(z)
    budget = dz  # |d g / d z| = 1
    if not is_f32(1 - z):  # jax: (1 - z) * sigmoid(x) holds 1 - z rounded
        budget += u * abs(1 - z) * s
    return g, budget, mag


def _bce_prob_grad(p_in, z, dz, double_epsilon: bool):
    """d l / d y_pred of ``l = -(z log a + (1-z) log b)``, ``p = clip(y_pred, eps, 1-eps)``,
    ``a, b = p, 1 - p`` (keras2 ``p + eps, 1 - p + eps``): ``-z/a + (1-z)/b`` where the clip
    passes the gradient (the closed interval, see the module), 0 outside."""
    u = UNIT_ROUNDOFF
    if p_in < _LO or p_in > _HI:
        return _ZERO, _ZERO, _ZERO
    p = p_in
    q = 1 - p
    one_minus_z = 1 - z
    a, b = (p + _EPS, q + _EPS) if double_epsilon else (p, q)
    g = -z / a + one_minus_z / b
    mag = abs(z) / a + abs(one_minus_z) / b
    budget = dz * (1 / a + 1 / b)
    if not is_f32(one_minus_z):
        budget += u * abs(one_minus_z) / b
    if not is_f32(q):  # 1 - p rounded: |d g / d q| * u * q
        budget += u * abs(one_minus_z) * q / (b * b)
    if double_epsilon:
        if not is_f32(a):
            budget += u * abs(z) / a
        if not is_f32(b):
            budget += u * abs(one_minus_z) / b
    return g, budget, mag


@at_reference_precision
def bce_vjp(
    y_true: np.ndarray,
    y_pred: np.ndarray,
    cot: np.ndarray,
    *,
    from_logits: bool = False,
    label_smoothing: float = 0.0,
    axis: int = -1,
    profile,
) -> Tracked:
    """``d sum(cot * binary_crossentropy(y_true, y_pred)) / d y_pred`` (``reference.bce``):
    each element's derivative times its sample's cotangent over the mean's count."""
    prof = get_profile(profile)
    yt, yp = mpf_array(y_true), mpf_array(y_pred)
    pred_shape = yp.shape
    if yt.shape != yp.shape:  # keras2's bare function broadcasts (the value call accepted it)
        yt, yp = np.broadcast_arrays(yt, yp)
    if label_smoothing:
        z, dz = smooth_labels(yt, label_smoothing, mpmath.mpf(1) / 2, prof)
    else:
        z, dz = yt, _obj(yt.shape)
    ax = axis % yp.ndim
    n = yp.shape[ax]
    c = np.broadcast_to(np.expand_dims(np.asarray(cot, dtype=object), ax), yp.shape)
    value, budget, mag = _obj(yp.shape), _obj(yp.shape), _obj(yp.shape)
    for idx in np.ndindex(*yp.shape):
        if from_logits:
            g, b, m = _bce_logit_grad(yp[idx], z[idx], dz[idx])
        else:
            g, b, m = _bce_prob_grad(yp[idx], z[idx], dz[idx], prof.bce_double_epsilon)
        k = c[idx] / n
        value[idx], budget[idx], mag[idx] = g * k, b * abs(k), m * abs(k)
    if yp.shape != pred_shape:
        value, budget, mag = (_sum_to(a, pred_shape) for a in (value, budget, mag))
    return Tracked(value, budget, mag, np.ones(pred_shape, int))


# --------------------------------------------------------------------------- CCE
def _cce_logits_row(z, dz, x, c):
    """d/dx_j of ``c * sum_i z_i (LSE(x) - x_i)``: ``c (Z softmax_j - z_j)``, ``Z = sum z``
    (the row's label sum: a kernel that assumes ``Z = 1`` is off on unnormalised rows).
    Autodiff of a log-softmax adds ``-z_j`` and ``softmax_j * Z``; the float32 softmax is
    off by ``u (|d_j| + sum_steps + 2)`` relatively (``d_j = x_j - max x`` rounded, the sum,
    the division), as for the value (``reference.cce``)."""
    u = UNIT_ROUNDOFF
    m = max(x)
    d = [xi - m for xi in x]
    e = [mpmath.exp(di) for di in d]
    s = mpmath.fsum(e)
    big_z, abs_z, sum_dz = mpmath.fsum(z), mpmath.fsum(abs(zi) for zi in z), mpmath.fsum(dz)
    steps = _sum_steps(len(x))
    out = []
    for j, (zj, dzj, dj, ej) in enumerate(zip(z, dz, d, e)):
        sm = ej / s
        # Z sm - z_j = (e_j (Z - z_j) - z_j (s - e_j)) / s: no cancellation where the class
        # dominates (s - e_j summed from the other classes) and its label is 1
        rest = mpmath.fsum(e[:j] + e[j + 1 :]) if 2 * ej > s else s - ej
        g = (ej * (big_z - zj) - zj * rest) / s
        mag = abs(zj) + sm * abs_z
        budget = dzj + sm * sum_dz + u * sm * abs_z * (abs(dj) + steps + 2)
        out.append((c * g, abs(c) * budget, abs(c) * mag))
    return out


def _cce_probability_row(z, dz, y, c):
    """d/dy_j of ``-c sum_i z_i log(clip(y_i / s))``, ``s = sum y``: with ``p = y / s`` and
    ``in_i`` where the clip passes the gradient (the closed interval),
    ``c / s * (-z_j in_j / p_j + sum_i z_i in_i)``: the normalisation's derivative
    (``-y_i / s^2`` to every ``y_j``) adds the row's unclipped label mass. Each ``p_i``
    is rounded twice (the sum, the division): a relative ``(sum_steps + 1) u`` of each term."""
    k = len(y)
    s = mpmath.fsum(y)
    r = (_sum_steps(k) + 1) * UNIT_ROUNDOFF
    p = [yi / s for yi in y]
    inside = [_LO <= pi <= _HI for pi in p]
    mass = mpmath.fsum(zi for zi, ii in zip(z, inside) if ii)
    abs_mass = mpmath.fsum(abs(zi) for zi, ii in zip(z, inside) if ii)
    dz_mass = mpmath.fsum(dzi for dzi, ii in zip(dz, inside) if ii)
    out = []
    for zj, dzj, pj, ij in zip(z, dz, p, inside):
        own = zj / pj if ij else _ZERO
        g = (-own + mass) / s
        mag = (abs(own) + abs_mass) / s
        budget = (r * (abs(own) + abs_mass) + (dzj / pj if ij else _ZERO) + dz_mass) / s
        out.append((c * g, abs(c) * budget, abs(c) * mag))
    return out


@at_reference_precision
def cce_vjp(
    y_true: np.ndarray,
    y_pred: np.ndarray,
    cot: np.ndarray,
    *,
    from_logits: bool = False,
    label_smoothing: float = 0.0,
    axis: int = -1,
    profile,
) -> Tracked:
    """``d sum(cot * categorical_crossentropy(y_true, y_pred)) / d y_pred`` (``reference.cce``),
    row by row along ``axis``; each element's gradient sums the row (``terms`` = K)."""
    prof = get_profile(profile)
    yt, yp = mpf_array(y_true), mpf_array(y_pred)
    ax = axis % yp.ndim
    if label_smoothing:
        classes = smoothing_classes(prof, "cce_smoothing_classes", yt.shape, ax, label_smoothing)
        z, dz = smooth_labels(yt, label_smoothing, mpmath.mpf(1) / classes, prof)
    else:
        z, dz = yt, _obj(yt.shape)
    zm, dzm, xm = (np.moveaxis(a, ax, -1) for a in (z, dz, yp))
    value, budget, mag = _obj(xm.shape), _obj(xm.shape), _obj(xm.shape)
    row = _cce_logits_row if from_logits else _cce_probability_row
    cot = np.asarray(cot, dtype=object)
    for idx in np.ndindex(*xm.shape[:-1]):
        for j, (g, b, m) in enumerate(row(list(zm[idx]), list(dzm[idx]), list(xm[idx]), cot[idx])):
            value[idx + (j,)], budget[idx + (j,)], mag[idx + (j,)] = g, b, m
    back = (np.moveaxis(a, -1, ax) for a in (value, budget, mag))
    return Tracked(*back, np.full(yp.shape, yp.shape[ax], int))


# --------------------------------------------------------------------------- KLD
@at_reference_precision
def kld_vjp(y_true: np.ndarray, y_pred: np.ndarray, cot: np.ndarray, *, profile) -> Tracked:
    """``d sum(cot * kl_divergence(y_true, y_pred)) / d y_pred`` (``reference.kld``):
    ``-c y / p`` with both clipped to ``[eps, 1]`` where the clip of ``y_pred`` passes the
    gradient (the closed interval; 1 is a bound), 0 outside. Autodiff goes through
    ``log(y / p)``: the rounded quotient moves it by ``u`` relatively."""
    get_profile(profile)
    yt, yp = mpf_array(y_true), mpf_array(y_pred)
    pred_shape = yp.shape
    yt, yp = np.broadcast_arrays(yt, yp)
    c = np.broadcast_to(np.expand_dims(np.asarray(cot, dtype=object), -1), yp.shape)
    value, budget, mag = _obj(yp.shape), _obj(yp.shape), _obj(yp.shape)
    for idx in np.ndindex(*yp.shape):
        p_in = yp[idx]
        if p_in < _LO or p_in > _ONE:
            continue
        y = min(max(yt[idx], _LO), _ONE)
        g = -y / p_in
        k = c[idx]
        q = y / p_in
        value[idx] = k * g
        mag[idx] = abs(k * g)
        budget[idx] = _ZERO if is_f32(q) else abs(k * g) * UNIT_ROUNDOFF
    if yp.shape != pred_shape:
        value, budget, mag = (_sum_to(a, pred_shape) for a in (value, budget, mag))
    return Tracked(value, budget, mag, np.ones(pred_shape, int))


# --------------------------------------------------------------------------- Poisson
@at_reference_precision
def poisson_vjp(y_true: np.ndarray, y_pred: np.ndarray, cot: np.ndarray, *, profile) -> Tracked:
    """``d sum(cot * poisson(y_true, y_pred)) / d y_pred`` (``reference.poisson``):
    ``c / n * (1 - y / (p + eps))``, no clip; ``p + eps`` is rounded (``u |y| / (p + eps)``)."""
    get_profile(profile)
    yt, yp = mpf_array(y_true), mpf_array(y_pred)
    pred_shape = yp.shape
    yt, yp = np.broadcast_arrays(yt, yp)
    n = yp.shape[-1]
    c = np.broadcast_to(np.expand_dims(np.asarray(cot, dtype=object), -1), yp.shape)
    value, budget, mag = _obj(yp.shape), _obj(yp.shape), _obj(yp.shape)
    for idx in np.ndindex(*yp.shape):
        y, a = yt[idx], yp[idx] + _EPS
        k = c[idx] / n
        ratio = y / a
        value[idx] = k * (1 - ratio)
        mag[idx] = abs(k) * (1 + abs(ratio))
        budget[idx] = _ZERO if is_f32(a) else abs(k) * abs(ratio) * UNIT_ROUNDOFF
    if yp.shape != pred_shape:
        value, budget, mag = (_sum_to(a, pred_shape) for a in (value, budget, mag))
    return Tracked(value, budget, mag, np.ones(pred_shape, int))
