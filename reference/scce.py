"""``sparse_categorical_crossentropy``: the loss function, its loss class and the backend op,
per profile (docs/semantics.md §12).

Labels are integers stored as float32 (as Keras' loss classes hand them to the backend);
every backend casts them to an integer type, which truncates toward zero. With ``y`` the
label of a row, ``K`` the size of the class axis and ``c = clip(., eps, 1 - eps)``:

* ``from_logits=True`` (every backend, both profiles): ``-log_softmax(x)[y]``, exact
  (``tf.nn.sparse_softmax_cross_entropy_with_logits``, ``jax.nn.log_softmax``,
  ``F.cross_entropy``).
* probabilities, ``Profile.scce_probabilities``:

  - ``"renormalise_then_clip"`` (keras3 on jax, numpy, torch, openvino):
    ``-log(c(p_y / sum(p)))``, exactly ``categorical_crossentropy`` of the one-hot label;
  - ``"clip_then_log_softmax"`` (tf_keras, and keras3's tensorflow backend):
    ``log(c(p))`` is fed to ``sparse_softmax_cross_entropy_with_logits``, so the loss is
    ``-log c(p_y) + log sum_k c(p_k)``: the row is renormalised *after* clipping. The two
    agree unless clipping moves the row sum (an entry >= 1 - eps or well below eps, an
    unnormalised row with entries above 1, a single class).

* ``ignore_class``: an entry whose label equals it has loss 0 and is masked out; the loss
  class averages over the valid entries only (``reference.losses``). keras3 compares the
  float labels with ``float32(ignore_class)`` before the cast to int, keras2 after it
  (``Profile.scce_ignore_compare``).
* labels outside ``[0, K)`` (not ignored) are rejected (``SpecError("label_range")``): the
  tensorflow kernel and torch raise; jax returns 0 (docs/semantics.md §12.5).
* label shapes, ``Profile.scce_label_shape``: keras3 wants ``y_pred``'s shape without the
  class axis, after squeezing a 1 at ``axis`` (the function) or at the last axis (the op);
  keras2 flattens a label tensor of any other rank against the rows of ``y_pred``.
"""

from __future__ import annotations

import math

import mpmath
import numpy as np

from reference.cce import _logits_row, _probability_row
from reference.errors import SpecError
from reference.floats import CLIP_HIGH, CLIP_LOW, U64, at_reference_precision, f64, mpf_array, to_mpf
from reference.memo import profile_memo
from reference.profiles import Profile, get_profile
from reference.tracked import Tracked

__all__ = [
    "sparse_categorical_crossentropy",
    "sparse_categorical_crossentropy_loss",
    "sparse_categorical_crossentropy_op",
]

_LO, _HI = to_mpf(CLIP_LOW), to_mpf(CLIP_HIGH)
_ZERO = mpmath.mpf(0)


def _clip_then_log_softmax_row(y: int, x_row):
    """keras2 / keras3-tensorflow on probabilities: ``l_k = log(c(p_k))`` (each a float32
    intermediate, rounded and computed by a libm log: 2 u |l_k|), then ``-log_softmax(l)[y]``.
    The rounding of ``l_k`` moves the loss by ``|[k == y] - w_k| * 2u|l_k|`` with
    ``w_k = c_k / sum(c)``."""
    logs = [mpmath.log(min(max(p, _LO), _HI)) for p in x_row]
    z = [mpmath.mpf(1) if k == y else _ZERO for k in range(len(x_row))]
    loss, budget, magnitude = _logits_row(z, [0.0] * len(z), logs)
    # the budget in Python floats (reference.floats.f64); |[k == y] - w_k| from the exact
    # sums, so that 1 - w_y of a dominant class keeps its digits
    c = [mpmath.exp(v) for v in logs]
    s = mpmath.fsum(c)
    s64 = f64(s)
    spread = [f64((s - ck) / s) if k == y else f64(ck) / s64 for k, ck in enumerate(c)]
    budget += 2 * U64 * math.fsum(w * abs(f64(v)) for w, v in zip(spread, logs))
    return loss, budget, magnitude


def _row(prof: Profile, from_logits: bool, y: int, x_row):
    k = len(x_row)
    if from_logits:
        z = [mpmath.mpf(1) if i == y else _ZERO for i in range(k)]
        return _logits_row(z, [0.0] * k, x_row)
    if prof.scce_probabilities == "clip_then_log_softmax":
        return _clip_then_log_softmax_row(y, x_row)
    z = [mpmath.mpf(1) if i == y else _ZERO for i in range(k)]
    return _probability_row(z, [0.0] * k, x_row)


def _labels_for_rows(
    prof: Profile, yt: np.ndarray, yp: np.ndarray, ax: int, squeeze_axis: int, masked: bool
) -> np.ndarray:
    """The float labels, one per row of ``y_pred`` (shape: ``y_pred``'s without ``ax``)."""
    out_shape = yp.shape[:ax] + yp.shape[ax + 1 :]
    if prof.scce_label_shape == "flatten":
        # tf_keras backend: a target of rank != rank(output) - 1 is flattened and the output
        # reshaped to (-1, K); otherwise the TF kernel wants labels.shape == logits.shape[:-1]
        # (the output transposed so that ``axis`` is last)
        if yt.ndim != yp.ndim - 1:
            if yt.size != math.prod(out_shape):
                raise SpecError(
                    "shape_mismatch",
                    f"{yt.size} labels (shape {yt.shape}) for {math.prod(out_shape)} rows of y_pred {yp.shape}",
                )
            # the result is reshaped back to the rows' shape only for an output of rank >= 3,
            # or with ignore_class (scatter_nd into output_shape[:-1])
            return yt.reshape(out_shape if yp.ndim >= 3 or masked else (yt.size,))
        if yt.shape != out_shape:
            raise SpecError("shape_mismatch", f"labels {yt.shape} vs y_pred {yp.shape} without axis {ax}")
        return yt
    if yt.ndim == yp.ndim and yt.shape[squeeze_axis] == 1:
        yt = np.squeeze(yt, axis=squeeze_axis)
    if yt.shape != out_shape:
        raise SpecError(
            "shape_mismatch",
            f"labels {yt.shape} must have y_pred's shape {yp.shape} without the class axis {ax}",
        )
    return yt


@at_reference_precision
def _scce(y_true, y_pred, *, from_logits, ignore_class, axis, prof: Profile, squeeze: str):
    """The per-row losses and the Keras mask (``None`` without ``ignore_class``)."""
    yt = np.asarray(y_true, dtype=np.float32)
    yp = np.asarray(y_pred, dtype=np.float32)
    ndim = yp.ndim
    if ndim == 0:
        raise SpecError("rank", "sparse_categorical_crossentropy needs y_pred of rank >= 1")
    if not -ndim <= axis < ndim:
        raise SpecError("axis", f"axis {axis} is out of range for rank {ndim}")
    if ignore_class is not None and ndim < prof.scce_ignore_class_min_rank:
        raise SpecError("rank", f"{prof.name}'s ignore_class needs y_pred of rank >= {prof.scce_ignore_class_min_rank}")
    ax = axis % ndim
    squeeze_axis = ax if squeeze == "axis" else -1
    labels = _labels_for_rows(prof, yt, yp, ax, squeeze_axis, ignore_class is not None)
    k = yp.shape[ax]
    ints = np.trunc(labels.astype(np.float64))  # every backend casts toward zero
    if ignore_class is None:
        valid = np.ones(labels.shape, dtype=bool)
    elif prof.scce_ignore_compare == "float":
        valid = labels != np.float32(ignore_class)
    else:
        valid = ints != int(ignore_class)
    bad = valid & ((ints < 0) | (ints >= k))
    if bad.any():
        idx = tuple(int(i) for i in np.argwhere(bad)[0])
        raise SpecError("label_range", f"label {labels[idx]!r} at {list(idx)} is outside [0, {k})")
    exact = y_pred if np.asarray(y_pred).dtype.kind == "O" else yp  # exact inputs (tests/test_gradients.py)
    rows = np.moveaxis(exact, ax, -1).reshape(labels.shape + (k,))
    values = _scce_rows(rows, ints.astype(np.int64), valid, from_logits=from_logits, prof=prof)
    return values, (None if ignore_class is None else valid)


@profile_memo
@at_reference_precision
def _scce_rows(rows, ints, valid, *, from_logits, prof: Profile) -> Tracked:
    """The losses of the rows ``rows[..., :]`` with labels ``ints``, 0 where not ``valid``:
    apart from ``_scce``'s label handling, so that profiles that handle labels differently
    but compute rows alike share the evaluation (``reference.memo``)."""
    k = rows.shape[-1]
    xm = mpf_array(rows)
    loss, budget, magnitude = (np.empty(ints.shape, dtype=object) for _ in range(3))
    for idx in np.ndindex(*ints.shape):
        if valid[idx]:
            loss[idx], budget[idx], magnitude[idx] = _row(prof, from_logits, int(ints[idx]), list(xm[idx]))
        else:
            loss[idx] = budget[idx] = magnitude[idx] = _ZERO
    return Tracked(loss, budget, magnitude, np.full(ints.shape, k, dtype=int))


def sparse_categorical_crossentropy(
    y_true: np.ndarray,
    y_pred: np.ndarray,
    *,
    from_logits: bool = False,
    ignore_class: int | None = None,
    axis: int = -1,
    profile: str | Profile = "keras3",
) -> Tracked:
    """``keras.losses.sparse_categorical_crossentropy``: one loss per row, 0 where ignored."""
    prof = get_profile(profile)
    values, _ = _scce(
        y_true, y_pred, from_logits=from_logits, ignore_class=ignore_class, axis=axis, prof=prof, squeeze="axis"
    )
    return values


def _loss_with_mask(y_true, y_pred, *, from_logits=False, ignore_class=None, axis=None, profile="keras3"):
    prof = get_profile(profile)
    if axis is not None and not prof.scce_class_axis:
        raise SpecError("unknown_argument", f"{prof.name}'s SparseCategoricalCrossentropy takes no axis")
    return _scce(
        y_true,
        y_pred,
        from_logits=from_logits,
        ignore_class=ignore_class,
        axis=-1 if axis is None else axis,
        prof=prof,
        squeeze="axis",
    )


def sparse_categorical_crossentropy_loss(y_true, y_pred, **kwargs) -> Tracked:
    """What ``SparseCategoricalCrossentropy(**kwargs)`` computes per entry before reducing;
    ``with_mask`` also returns the Keras mask the loss class reduces with
    (``reference.losses.loss_class``). keras2's class takes no ``axis``."""
    return _loss_with_mask(y_true, y_pred, **kwargs)[0]


sparse_categorical_crossentropy_loss.with_mask = _loss_with_mask


def sparse_categorical_crossentropy_op(
    target: np.ndarray,
    output: np.ndarray,
    *,
    from_logits: bool = False,
    axis: int = -1,
    ignore_class: int | None = None,
    profile: str | Profile = "keras3",
) -> Tracked:
    """keras3 ``ops.sparse_categorical_crossentropy`` (no ``ignore_class``; a trailing 1 of
    the target is squeezed at the last axis, as the op's shape inference does) and keras2
    ``backend.sparse_categorical_crossentropy`` (the function is this op)."""
    prof = get_profile(profile)
    if ignore_class is not None and not prof.scce_op_ignore_class:
        raise SpecError("unknown_argument", f"{prof.name}'s sparse_categorical_crossentropy op takes no ignore_class")
    values, _ = _scce(
        target, output, from_logits=from_logits, ignore_class=ignore_class, axis=axis, prof=prof, squeeze="last"
    )
    return values
