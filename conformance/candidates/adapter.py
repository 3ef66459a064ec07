"""Keras 3 steps that non-Keras libraries lack, for the adapters of ``torch`` and ``optax``.

A library's own function computes the per-element losses; these helpers add, in float32
numpy, what a Keras loss class does around it: lining ``y_true`` up with ``y_pred``, lining
``sample_weight`` up with the per-sample values (``squeeze_or_expand_to_same_rank``),
weighting, and the reduction. Each adapter's docstring says which of these it uses.

PYTEST_DONT_REWRITE: pytest loads this package as its plugin; its asserts need no rewriting, and skipping it keeps start-up fast.
"""

from __future__ import annotations

import numpy as np

__all__ = [
    "KERAS3_REDUCTIONS",
    "same_rank",
    "keras3_loss_class",
    "keras3_masked_loss_class",
    "keras3_sparse_labels",
    "keras3_cotangent",
    "keras3_class_gradient",
    "keras3_masked_cotangent",
    "keras3_masked_class_gradient",
]

F = np.float32
KERAS3_REDUCTIONS = ("sum_over_batch_size", "sum", "none", None, "mean", "mean_with_sample_weight")


def same_rank(a: np.ndarray, b: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Keras 3 ``squeeze_or_expand_to_same_rank``: only a trailing 1 is added or squeezed."""
    if a.ndim == b.ndim + 1 and a.shape[-1] == 1:
        b, a = (b[..., None], a) if b.ndim == 1 else (b, a[..., 0])
    if b.ndim == a.ndim + 1 and b.shape[-1] == 1:
        a, b = (a[..., None], b) if a.ndim == 1 else (a, b[..., 0])
    return a, b


def keras3_loss_class(per_sample, reduction="sum_over_batch_size", reductions=KERAS3_REDUCTIONS):
    """A Keras 3 loss object around ``per_sample(y_true, y_pred) -> values``."""
    if reduction not in reductions:
        raise ValueError(f"reduction {reduction!r} is not one of {reductions}")

    def call(y_true, y_pred, sample_weight=None):
        yt, yp = same_rank(np.asarray(y_true, F), np.asarray(y_pred, F))
        values = np.asarray(per_sample(yt, yp), F)
        w = None
        if sample_weight is not None:
            values, w = same_rank(values, np.asarray(sample_weight, F))
            values = values * w  # numpy broadcasting, as Keras 3; a mismatch raises
        if reduction in (None, "none") or values.shape in ((), (0,)):
            return values
        total = np.sum(values, dtype=F)
        if reduction == "sum":
            return total
        divisor = np.sum(w, dtype=F) if reduction == "mean_with_sample_weight" and w is not None else F(values.size)
        return F(0) if divisor == 0 else F(total / divisor)

    return call


def keras3_masked_loss_class(per_sample_and_mask, reduction="sum_over_batch_size", reductions=KERAS3_REDUCTIONS):
    """A Keras 3 loss object around ``per_sample_and_mask(y_true, y_pred) -> (values, mask)``,
    ``mask`` None or boolean (``sparse_categorical_crossentropy``'s ``ignore_class``): Keras 3
    ``apply_mask`` merges the mask into the weight (valid entries weigh ``total / valid`` for
    ``sum_over_batch_size`` and ``mean``, ``divide_no_nan``), then weights and reduces as
    ``keras3_loss_class``; ``mean_with_sample_weight`` divides by the merged weight."""
    if reduction not in reductions:
        raise ValueError(f"reduction {reduction!r} is not one of {reductions}")

    def call(y_true, y_pred, sample_weight=None):
        yt, yp = same_rank(np.asarray(y_true, F), np.asarray(y_pred, F))
        values, mask = per_sample_and_mask(yt, yp)
        values = np.asarray(values, F)
        w = None if sample_weight is None else np.asarray(sample_weight, F)
        if mask is not None:
            m = np.asarray(mask, F)
            if reduction in ("sum_over_batch_size", "mean"):
                valid = np.sum(m, dtype=F)
                m = m * (F(m.size) / valid if valid else F(0))
            if w is not None:
                m, w = same_rank(m, w)
                w = w * m
            else:
                w = m
        if w is not None:
            values, w = same_rank(values, w)
            values = values * w
        if reduction in (None, "none") or values.shape in ((), (0,)):
            return values
        total = np.sum(values, dtype=F)
        if reduction == "sum":
            return total
        divisor = np.sum(w, dtype=F) if reduction == "mean_with_sample_weight" and w is not None else F(values.size)
        return F(0) if divisor == 0 else F(total / divisor)

    return call


def keras3_sparse_labels(y_true, y_pred, axis=-1, ignore_class=None, squeeze_last=False):
    """Keras 3's steps around a cross-entropy kernel that takes integer labels: squeeze a 1
    of the labels at ``axis`` (the loss function; the op squeezes the last axis), require
    the shape of ``y_pred`` without the class axis, mask ``ignore_class`` (compared with the
    float labels) and put class 0 in the ignored places; the cast to int truncates.
    Returns the int64 labels and the valid mask (None without ``ignore_class``)."""
    yt, yp = np.asarray(y_true, F), np.asarray(y_pred, F)
    ax = axis % yp.ndim
    sq = yt.ndim - 1 if squeeze_last else ax
    if yt.ndim == yp.ndim and yt.shape[sq] == 1:
        yt = np.squeeze(yt, axis=sq)
    if yt.shape != yp.shape[:ax] + yp.shape[ax + 1 :]:
        raise ValueError(f"labels {yt.shape} do not match y_pred {yp.shape} without axis {axis}")
    valid = None
    if ignore_class is not None:
        valid = yt != F(ignore_class)
        yt = np.where(valid, yt, F(0))
    return yt.astype(np.int64), valid


def keras3_cotangent(values_shape, sample_weight=None, reduction="sum_over_batch_size") -> np.ndarray:
    """``d S / d v`` of ``keras3_loss_class``'s weighting and reduction (``S`` its reduced
    value, the sum of the weighted values under ``none``) for per-sample values ``v`` of
    ``values_shape``, in float32: linear steps, so an adapter differentiates the library's
    function alone (``sum(cotangent * values)``) and applies the chain rule with this."""
    v, w = np.ones(values_shape, F), None
    if sample_weight is not None:
        v, w = same_rank(v, np.asarray(sample_weight, F))
    c = v if w is None else v * w
    if reduction in (None, "none", "sum") or c.shape in ((), (0,)):
        d = F(1)
    elif reduction == "mean_with_sample_weight" and w is not None:
        d = np.sum(w, dtype=F)
    else:
        d = F(c.size)
    c = np.zeros_like(c) if d == 0 else c / d
    if c.ndim > v.ndim:
        c = np.sum(c, axis=tuple(range(c.ndim - v.ndim)), dtype=F)
    axes = tuple(i for i, s in enumerate(v.shape) if s == 1 and c.shape[i] != 1)
    if axes:
        c = np.sum(c, axis=axes, keepdims=True, dtype=F)
    return c.reshape(values_shape)


def keras3_class_gradient(value_cls, per_sample, per_sample_vjp, reduction="sum_over_batch_size"):
    """The gradient of a Keras 3 loss class (``grad.<Class>``) built by an adapter:
    ``value_cls(y_true, y_pred, sample_weight)`` first (it rejects what the class
    rejects), then, with ``per_sample(y_true, y_pred)``'s shape, ``per_sample_vjp(y_true, y_pred, cot)`` (the library's autodiff of
    ``sum(cot * per_sample(y_true, y_pred))``) with ``keras3_cotangent``."""

    def call(y_true, y_pred, sample_weight=None):
        value_cls(y_true, y_pred, sample_weight=sample_weight)
        yt, yp = same_rank(np.asarray(y_true, F), np.asarray(y_pred, F))
        cot = keras3_cotangent(np.shape(per_sample(yt, yp)), sample_weight, reduction)
        return np.asarray(per_sample_vjp(yt, yp, cot), F).reshape(np.shape(y_pred))

    return call


def keras3_masked_cotangent(values_shape, mask, sample_weight=None, reduction="sum_over_batch_size") -> np.ndarray:
    """``d S / d v`` of ``keras3_masked_loss_class`` (``sparse_categorical_crossentropy``'s
    ``ignore_class``): the mask merged into the weight as Keras 3 ``apply_mask`` does (valid
    entries weigh ``total / valid`` under a mean), over the reduction's divisor (the merged
    weight's sum for ``mean_with_sample_weight``). Without a mask, ``keras3_cotangent``."""
    if mask is None:
        return keras3_cotangent(values_shape, sample_weight, reduction)
    w = np.asarray(mask, F)
    if reduction in ("sum_over_batch_size", "mean"):
        valid = np.sum(w, dtype=F)
        w = w * (F(w.size) / valid if valid else F(0))
    if sample_weight is not None:
        w, sw = same_rank(w, np.asarray(sample_weight, F))
        w = sw * w
    v, w = same_rank(np.ones(values_shape, F), w)
    c = v * w
    if reduction in (None, "none", "sum") or c.shape in ((), (0,)):
        d = F(1)
    elif reduction == "mean_with_sample_weight":
        d = np.sum(w, dtype=F)
    else:
        d = F(c.size)
    c = np.zeros_like(c) if d == 0 else c / d
    if c.ndim > v.ndim:
        c = np.sum(c, axis=tuple(range(c.ndim - v.ndim)), dtype=F)
    axes = tuple(i for i, s in enumerate(v.shape) if s == 1 and c.shape[i] != 1)
    if axes:
        c = np.sum(c, axis=axes, keepdims=True, dtype=F)
    return c.reshape(values_shape)


def keras3_masked_class_gradient(value_cls, per_sample_and_mask, per_sample_vjp, reduction="sum_over_batch_size"):
    """``keras3_class_gradient`` for a class with a mask (``keras3_masked_loss_class``): the
    cotangent is ``keras3_masked_cotangent``'s."""

    def call(y_true, y_pred, sample_weight=None):
        value_cls(y_true, y_pred, sample_weight=sample_weight)
        yt, yp = same_rank(np.asarray(y_true, F), np.asarray(y_pred, F))
        values, mask = per_sample_and_mask(yt, yp)
        cot = keras3_masked_cotangent(np.shape(values), mask, sample_weight, reduction)
        return np.asarray(per_sample_vjp(yt, yp, cot), F).reshape(np.shape(y_pred))

    return call
