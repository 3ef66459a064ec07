"""The loss classes (``LossFunctionWrapper`` around a loss function) called with
``sample_weight`` and a ``reduction``.

``loss(y_true, y_pred, sample_weight)`` computes the per-sample values with the function,
lines the weight up with them, multiplies, and reduces:

* ``sum``: ``sum(l*w)``;
* ``sum_over_batch_size`` (keras2 ``auto`` too; keras3 ``mean`` since 3.7):
  ``sum(l*w) / size(l*w)``, the **element count**, not the weight sum (keras#19740);
* keras3 ``mean_with_sample_weight`` (3.7+): ``sum(l*w) / sum(w)`` with ``w`` as passed
  (after the rank fix, not broadcast), or ``sum_over_batch_size`` without weights;
* ``none`` (and keras3's ``None``): ``l*w`` unreduced.
Both skip the reduction when the weighted values are a scalar; ``divide_no_nan``
makes 0/0 a 0.

Where the profiles differ (``Profile.loss_weight_alignment``): keras2 expands a weight of
rank one less than the values with a trailing 1 (so a (B,) weight weights rows of (B,T)
values); keras3 only squeezes or adds a trailing *1* dim and otherwise broadcasts numpy
style, aligning a (B,) weight with the **last** axis of (B,T) values (a shape error when
B != T, column weights when B == T; docs/semantics.md §3). keras2 rejects ``None`` and keras3
rejects ``auto``.
"""

from __future__ import annotations

import math
from collections.abc import Callable

import mpmath
import numpy as np

from reference.errors import SpecError, UndefinedInput
from reference.floats import at_reference_precision, mpf_array, round_f32
from reference.profiles import Profile, get_profile
from reference.tracked import Tracked

__all__ = ["loss_class", "same_rank_shapes", "align_weight_keras3", "align_weight_keras2"]


def _squeeze_last(a: np.ndarray) -> np.ndarray:
    return a.reshape(a.shape[:-1])


def _expand_last(a: np.ndarray) -> np.ndarray:
    return a.reshape(a.shape + (1,))


def same_rank_shapes(s1: tuple, s2: tuple) -> tuple[tuple, tuple]:
    """keras3 ``squeeze_or_expand_to_same_rank(x1, x2)`` on shapes (keras/src/losses/loss.py).

    Acts only when the ranks differ by one and the larger one ends in a 1: a rank-1 side
    gets a trailing 1, otherwise the trailing 1 is squeezed.
    """
    r1, r2 = len(s1), len(s2)
    if r1 == r2 + 1 and s1[-1] == 1:
        if r2 == 1:
            s2 = s2 + (1,)
        else:
            s1 = s1[:-1]
    if r2 == r1 + 1 and s2[-1] == 1:
        if r1 == 1:
            s1 = s1 + (1,)
        else:
            s2 = s2[:-1]
    return s1, s2


def align_weight_keras3(values_shape: tuple, w: np.ndarray) -> tuple[tuple, np.ndarray]:
    """keras3 ``squeeze_or_expand_to_same_rank(values, w)``: new values shape and weight."""
    values_shape, wshape = same_rank_shapes(values_shape, w.shape)
    return values_shape, w.reshape(wshape)


def align_weight_keras2(values_shape: tuple, w: np.ndarray) -> tuple[tuple, np.ndarray]:
    """keras2 ``losses_utils.squeeze_or_expand_dimensions(values, None, w)``."""
    vr, wr = len(values_shape), w.ndim
    if wr == 0:
        return values_shape, w
    if wr - vr == 1:
        if w.shape[-1] != 1:
            raise SpecError(
                "weight_shape",
                f"keras2 squeezes the last dim of a weight of shape {w.shape} against values "
                f"of shape {values_shape}, and it is not 1",
            )
        w = _squeeze_last(w)
    elif vr - wr == 1:
        w = _expand_last(w)
    return values_shape, w


_ALIGN = {"right_aligned": align_weight_keras3, "expand_trailing": align_weight_keras2}


def _masked(prof: Profile, values: Tracked, mask: np.ndarray, sample_weight, reduction) -> tuple[Tracked, np.ndarray]:
    """A mask on the loss values (``sparse_categorical_crossentropy``'s ``ignore_class``)
    merged into the sample weight, as keras3 ``apply_mask`` and keras2 ``apply_valid_mask``
    do: a 0/1 weight; for ``sum_over_batch_size`` (keras2 ``auto``, keras3 ``mean``) the
    valid entries weigh ``float32(total / valid)``, so the mean is over valid entries. The
    weight is lined up against the mask as against the values, and the merged weight is
    what keras3's ``mean_with_sample_weight`` divides by. Every entry ignored: keras3's
    ``divide_no_nan`` gives weight 0, keras2's ``total / 0`` NaN (``UndefinedInput``)."""
    m = np.where(mask, mpmath.mpf(1), mpmath.mpf(0)).astype(object)
    rel = mpmath.mpf(0)  # relative rounding of the mask weight
    if reduction in ("sum_over_batch_size", "mean", "auto"):
        total, valid = mask.size, int(np.count_nonzero(mask))
        if valid == 0:
            if not prof.masked_mean_divide_no_nan:
                raise UndefinedInput(f"{prof.name}: every entry is ignored and total / valid is 0 / 0 (NaN)")
            scale = mpmath.mpf(0)
        else:
            exact = mpmath.mpf(total) / valid
            scale = round_f32(exact)
            rel = abs(scale - exact) / scale
        m = m * scale
    vshape = values.shape
    merged = m
    if sample_weight is not None:
        w = mpf_array(np.asarray(sample_weight, dtype=np.float32))
        vshape, w = _ALIGN[prof.loss_weight_alignment](vshape, w)
        try:
            np.broadcast_shapes(vshape, w.shape)
        except ValueError:
            raise SpecError(
                "weight_shape",
                f"sample_weight of shape {w.shape} does not broadcast against loss values of shape {vshape}",
            ) from None
        merged = w * m.reshape(vshape)
    weighted = values.reshape(vshape).weighted(merged)
    if rel:
        extra = np.vectorize(lambda v: abs(v) * rel, otypes=[object])(weighted.value)
        weighted = Tracked(weighted.value, weighted.budget + extra, weighted.magnitude, weighted.terms)
    return weighted, np.asarray(merged, dtype=object)


@at_reference_precision
def loss_class(
    function: Callable[..., Tracked],
    y_true: np.ndarray,
    y_pred: np.ndarray,
    sample_weight: np.ndarray | None = None,
    *,
    reduction: str | None = "default",
    profile: str | Profile = "keras3",
    **fn_kwargs,
) -> Tracked:
    """``LossClass(reduction=..., **fn_kwargs)(y_true, y_pred, sample_weight)`` for the loss
    class that wraps the reference function ``function`` (``LossFunctionWrapper``)."""
    prof = get_profile(profile)
    if reduction == "default":
        reduction = prof.default_reduction
    if reduction not in prof.reductions:
        raise SpecError(
            "unknown_reduction", f"{prof.name} rejects reduction={reduction!r}; it accepts {prof.reductions}"
        )
    fn = function
    yt, yp = np.asarray(y_true), np.asarray(y_pred)
    if prof.loss_weight_alignment == "right_aligned":
        # keras3 LossFunctionWrapper.call fixes y_true against y_pred the same way; keras2
        # does so only for tf tensors, and candidates are handed numpy arrays.
        st, sp = same_rank_shapes(yt.shape, yp.shape)
        yt, yp = yt.reshape(st), yp.reshape(sp)
    with_mask = getattr(fn, "with_mask", None)
    if with_mask is not None:  # a function that also returns Keras' mask (ignore_class)
        values, keras_mask = with_mask(yt, yp, profile=prof, **fn_kwargs)
    else:
        values, keras_mask = fn(yt, yp, profile=prof, **fn_kwargs), None
    wdiv = None
    if keras_mask is not None:
        values, wdiv = _masked(prof, values, keras_mask, sample_weight, reduction)
    elif sample_weight is not None:
        w = mpf_array(np.asarray(sample_weight, dtype=np.float32))
        vshape, w = _ALIGN[prof.loss_weight_alignment](values.shape, w)
        values = values.reshape(vshape)
        try:
            np.broadcast_shapes(vshape, w.shape)
        except ValueError:
            raise SpecError(
                "weight_shape",
                f"sample_weight of shape {w.shape} does not broadcast against loss values of shape {vshape}",
            ) from None
        values = values.weighted(w)
        wdiv = w
    if reduction in (None, "none") or values.shape == () or values.shape == (0,):
        return values
    total = values.sum()
    if reduction == "sum":
        return total
    if reduction == "mean_with_sample_weight" and wdiv is not None:
        divisor = mpmath.fsum(wdiv.ravel())
        # the weight sum is rounded too: count it with the summed terms
        total = Tracked(total.value, total.budget, total.magnitude, total.terms + wdiv.size)
    else:
        divisor = mpmath.mpf(math.prod(values.shape))
    if divisor == 0:
        return Tracked.zero()  # divide_no_nan
    return total.scale(1 / divisor)
