"""``tensorflow``: TensorFlow's own ``tf.nn`` losses, without Keras, judged against profile keras3.

For users who call TensorFlow directly. Each API calls the ``tf.nn`` function that Keras 3's
TensorFlow backend itself calls on logits; the adapter adds only the steps Keras takes around
it, named here:

* ``binary_crossentropy`` with ``from_logits=True``: ``tf.nn.sigmoid_cross_entropy_with_logits``
  (elementwise, ``max(x, 0) - x*z + log1p(exp(-|x|))``). The adapter adds Keras' label
  smoothing (``y*(1-ls) + 0.5*ls``), its same-shape check, and the mean over ``axis``. tf.nn
  has no probability-input binary cross-entropy, so ``from_logits=False`` is skipped.

  ``tf.nn.weighted_cross_entropy_with_logits(labels, logits, pos_weight=1)`` is the same loss
  in exact arithmetic, but it is NOT used: it evaluates ``(1-z)*x + (log1p(exp(-|x|)) +
  relu(-x))``, which cancels for a negative logit with label 0 (a correct-side logit). Logit
  -16 with label 0 gives 0.0 where the loss is 1.1253517e-07; logit -5 gives 6.7152977e-03
  where it is 6.7153485e-03 (7.6e-6 relative). ``sigmoid_cross_entropy_with_logits`` is what
  Keras' TF backend calls and has no such cancellation, so it is the honest mapping of Keras'
  algorithm. The weighted form is offered as a documented alternative candidate,
  ``conformance.candidates.tensorflow:TensorflowWeightedCandidate``, for users who call it,
  with its own known deviations (``tensorflow-weighted.yaml``).
* ``categorical_crossentropy`` with ``from_logits=True``:
  ``tf.nn.softmax_cross_entropy_with_logits(labels, logits, axis)``. The adapter adds Keras'
  ``axis`` type check, its same-shape check, and label smoothing toward ``1/K`` with ``K`` the
  LAST axis (Keras 3.15 uses ``shape(y_true)[-1]`` whatever ``axis`` is), rounded as Keras does
  (``y*(1-ls)`` and ``float32(ls)/float32(K)``). ``from_logits=False`` is skipped (tf.nn has no
  probability-input cross-entropy).
* ``sparse_categorical_crossentropy`` / ``ops.sparse_categorical_crossentropy`` with
  ``from_logits=True``: ``tf.nn.sparse_softmax_cross_entropy_with_logits`` on labels cast to
  int64 (truncation, as Keras). The adapter adds Keras' squeeze of a size-1 label axis, its
  shape checks, and ``ignore_class`` (ignored labels become 0, their logit rows 0, their losses
  0, and the loss class averages over the valid entries only: Keras' ``_keras_mask``). tf.nn
  has no class-axis argument: a class axis other than the last is skipped (Keras' TF backend
  raises there). ``from_logits=False`` is skipped.
* ``ctc`` / ``ops.ctc_loss``: ``tf.nn.ctc_loss(labels, logits, label_length, logit_length,
  blank_index=mask_index, logits_time_major=False)`` on int32 labels. For ``ctc`` the adapter
  adds Keras' rank checks, the lengths Keras derives (every sample has length T; a label's
  length is its count of non-zero entries) and ``mask_index=0``.
* ``poisson`` is NOT offered. ``tf.nn.log_poisson_loss(targets, log_input)`` computes
  ``exp(log_input) - targets*log_input``, Keras ``y_pred - y_true*log(y_pred + eps)``. No
  ``log_input`` makes both terms Keras': with ``log(y_pred + eps)`` the first term is
  ``exp(log(y_pred + eps))`` = ``y_pred + eps`` (plus the rounding of a log/exp round trip, up
  to about ``|log y_pred|`` ulps), not ``y_pred`` (y_pred=0, y_true=0: 1e-7 where Keras gives
  0); with ``log(y_pred)`` the second term has no ``eps`` (y_pred=0: inf where Keras gives
  ``-y*log(1e-7)``). Correcting either in the adapter would compute Keras' loss by hand rather
  than TensorFlow's function, so Poisson cases are skipped.
* The loss classes: those functions per sample, then the Keras 3 weighting and reduction
  steps of ``conformance.candidates.adapter`` (with Keras' mask weighting for
  ``ignore_class``). tf.nn has no categorical focal loss and no metric objects (those are
  ``tf.keras``): those cases are skipped with that reason.

PYTEST_DONT_REWRITE: pytest loads this package as its plugin; its asserts need no rewriting, and skipping it keeps start-up fast.
"""

from __future__ import annotations

import numpy as np

from conformance.candidates.adapter import KERAS3_REDUCTIONS, keras3_loss_class, same_rank
from conformance.candidates.base import Unsupported

__all__ = ["TensorflowCandidate", "TensorflowWeightedCandidate"]

F = np.float32


def _same_shape(y_true, y_pred):
    """Keras' TF backend check for the binary and categorical ops: same rank, same shape."""
    if np.ndim(y_true) != np.ndim(y_pred) or np.shape(y_true) != np.shape(y_pred):
        raise ValueError(
            f"Arguments `target` and `output` must have the same shape: {np.shape(y_true)} vs {np.shape(y_pred)}"
        )


def _masked_loss_class(per_sample, reduction="sum_over_batch_size"):
    """A Keras 3 loss object around ``per_sample(y_true, y_pred) -> (values, mask)``, where
    ``mask`` is ``None`` or the boolean ``_keras_mask`` Keras attaches to the values: Keras'
    ``apply_mask`` turns it into weights ``total/valid`` (``sum_over_batch_size``, ``mean``) or
    0/1 (others), merged into ``sample_weight``, then weights and reduces as without a mask."""
    if reduction not in KERAS3_REDUCTIONS:
        raise ValueError(f"reduction {reduction!r} is not one of {KERAS3_REDUCTIONS}")

    def call(y_true, y_pred, sample_weight=None):
        yt, yp = same_rank(np.asarray(y_true, F), np.asarray(y_pred, F))
        values, mask = per_sample(yt, yp)
        values = np.asarray(values, F)
        if mask is None:
            return keras3_loss_class(lambda a, b: values, reduction)(yt, yp, sample_weight)
        if reduction in ("mean", "sum_over_batch_size"):
            total, valid = F(mask.size), np.sum(mask, dtype=F)
            weight = F(0) if valid == 0 else F(total / valid)
            w = np.where(mask, weight, F(0)).astype(F)
        else:
            w = mask.astype(F)
        if sample_weight is not None:
            w, sw = same_rank(w, np.asarray(sample_weight, F))
            w = (sw * w).astype(F)
        values, w = same_rank(values, w)
        values = (values * w).astype(F)
        if reduction in (None, "none") or values.shape in ((), (0,)):
            return values
        total = np.sum(values, dtype=F)
        if reduction == "sum":
            return total
        divisor = np.sum(w, dtype=F) if reduction == "mean_with_sample_weight" else F(values.size)
        return F(0) if divisor == 0 else F(total / divisor)

    return call


class TensorflowCandidate:
    name = "tensorflow"
    profile = "keras3"
    deviations_file = "tensorflow.yaml"

    def __init__(self):
        import tensorflow as tf

        self._tf = tf

    def describe(self) -> str:
        return f"tensorflow {self._tf.__version__} (tf.nn)"

    def _t(self, x, dtype=np.float32):
        return self._tf.convert_to_tensor(np.asarray(x, dtype))

    # -- binary ---------------------------------------------------------------------------

    def _sigmoid_ce(self, labels, logits):
        return self._tf.nn.sigmoid_cross_entropy_with_logits(labels=labels, logits=logits)

    def binary_crossentropy(self, y_true, y_pred, from_logits=False, label_smoothing=0.0, axis=-1):
        if not from_logits:
            raise Unsupported("tf.nn has no probability-input binary cross-entropy (only ..._with_logits)")
        tf = self._tf
        z, x = self._t(y_true), self._t(y_pred)
        if label_smoothing:
            z = z * (1.0 - label_smoothing) + 0.5 * label_smoothing
        _same_shape(y_true, y_pred)
        return tf.reduce_mean(self._sigmoid_ce(z, x), axis=axis).numpy()

    def BinaryCrossentropy(self, reduction="sum_over_batch_size", **params):  # noqa: N802
        return keras3_loss_class(lambda yt, yp: self.binary_crossentropy(yt, yp, **params), reduction)

    # -- categorical ----------------------------------------------------------------------

    def categorical_crossentropy(self, y_true, y_pred, from_logits=False, label_smoothing=0.0, axis=-1):
        if isinstance(axis, bool):
            raise ValueError(f"`axis` must be of type `int`. Received: axis={axis}")
        if not from_logits:
            raise Unsupported("tf.nn has no probability-input categorical cross-entropy (only ..._with_logits)")
        tf = self._tf
        z, x = self._t(y_true), self._t(y_pred)
        if label_smoothing:
            k = tf.cast(tf.shape(z)[-1], tf.float32)
            z = z * (1.0 - label_smoothing) + (label_smoothing / k)
        if np.ndim(y_true) < 1:
            raise ValueError("Arguments `target` and `output` must be at least rank 1")
        _same_shape(y_true, y_pred)
        return tf.nn.softmax_cross_entropy_with_logits(labels=z, logits=x, axis=axis).numpy()

    def CategoricalCrossentropy(self, reduction="sum_over_batch_size", **params):  # noqa: N802
        return keras3_loss_class(lambda yt, yp: self.categorical_crossentropy(yt, yp, **params), reduction)

    # -- sparse categorical ---------------------------------------------------------------

    def ops_sparse_categorical_crossentropy(self, target, output, from_logits=False, axis=-1):
        """``keras.ops.sparse_categorical_crossentropy`` as
        ``tf.nn.sparse_softmax_cross_entropy_with_logits(labels=int64(target), logits=output)``.

        Keras' steps added: the cast of the labels to int64 (truncation toward zero), the squeeze
        of a trailing size-1 label axis, and the shape checks (``output`` has rank
        ``target.ndim + 1`` and the same leading shape). Probabilities (``from_logits=False``) and
        a class axis other than the last (tf.nn has no ``axis``) are skipped."""
        if not from_logits:
            raise Unsupported("tf.nn has no probability-input sparse cross-entropy (only ..._with_logits)")
        output = np.asarray(output, F)
        if output.ndim < 1:
            raise ValueError(f"Argument `output` must be at least rank 1. Received: output.shape={output.shape}")
        if axis not in (-1, output.ndim - 1):
            raise Unsupported("tf.nn.sparse_softmax_cross_entropy_with_logits takes the classes on the last axis only")
        labels = np.asarray(target, F).astype(np.int64)
        if labels.ndim == output.ndim and labels.shape[-1] == 1:
            labels = labels[..., 0]
        if labels.shape != output.shape[:-1]:
            raise ValueError(
                "Arguments `target` and `output` must have the same shape up until the last dimension: "
                f"target.shape={labels.shape}, output.shape={output.shape}"
            )
        out = self._tf.nn.sparse_softmax_cross_entropy_with_logits(labels=labels, logits=output)
        return out.numpy()

    def _sparse(self, y_true, y_pred, from_logits=False, ignore_class=None, axis=-1):
        """Keras 3's ``sparse_categorical_crossentropy`` around the op: (values, mask or None)."""
        y_true, y_pred = np.asarray(y_true, F), np.asarray(y_pred, F)
        if y_true.ndim == y_pred.ndim and y_true.shape[axis] == 1:
            y_true = np.squeeze(y_true, axis=axis)
        valid = None
        if ignore_class is not None:
            class_axis = axis % y_pred.ndim
            res_shape = tuple(d for i, d in enumerate(y_pred.shape) if i != class_axis)
            valid = y_true != F(ignore_class)
            y_true = np.where(valid, y_true, F(0))
            y_pred = np.where(np.expand_dims(valid, axis), y_pred, F(0))
        res = self.ops_sparse_categorical_crossentropy(y_true, y_pred, from_logits=from_logits, axis=axis)
        if valid is not None:
            valid = np.reshape(valid, res_shape)
            res = np.where(valid, res, F(0)).astype(F)
        return res, valid

    def sparse_categorical_crossentropy(self, y_true, y_pred, from_logits=False, ignore_class=None, axis=-1):
        """``keras.losses.sparse_categorical_crossentropy`` on
        ``ops_sparse_categorical_crossentropy``. Keras' steps added: the squeeze of a size-1
        label axis at ``axis``, and ``ignore_class`` (ignored labels become class 0, their logit
        rows all zeros, and their losses 0)."""
        return self._sparse(y_true, y_pred, from_logits, ignore_class, axis)[0]

    def SparseCategoricalCrossentropy(self, reduction="sum_over_batch_size", **params):  # noqa: N802
        """The function per sample, then Keras 3's reduction, in which ``ignore_class``'s mask
        weights the valid entries by ``total/valid`` (a mean over the valid entries)."""
        return _masked_loss_class(lambda yt, yp: self._sparse(yt, yp, **params), reduction)

    # -- CTC ------------------------------------------------------------------------------

    def ops_ctc_loss(self, target, output, target_length, output_length, mask_index=0):
        """``keras.ops.ctc_loss`` as ``tf.nn.ctc_loss(labels=int32(target), logits=output,
        label_length, logit_length, blank_index=mask_index, logits_time_major=False)``: logits of
        shape (batch, T, classes), dense labels (batch, max_label_length). Keras' step added: the
        cast of the labels to int32. The result is each sample's negative log-likelihood."""
        tf = self._tf
        out = tf.nn.ctc_loss(
            labels=np.asarray(target, F).astype(np.int32),
            logits=self._t(output),
            label_length=np.asarray(target_length, np.int32),
            logit_length=np.asarray(output_length, np.int32),
            blank_index=int(mask_index),
            logits_time_major=False,
        )
        return out.numpy()

    def ctc(self, y_true, y_pred):
        """``keras.losses.ctc`` on ``ops_ctc_loss``. Keras' steps added: the rank checks (labels
        rank 2, logits rank 3), the lengths it derives (every sample's length is T, a label's
        length is its count of non-zero entries: an interior 0 truncates the label, as in Keras)
        and ``mask_index=0``."""
        y_true, y_pred = np.asarray(y_true, F), np.asarray(y_pred, F)
        if y_true.ndim != 2:
            raise ValueError(f"Targets `y_true` are expected to be of shape (batch_size, max_length): {y_true.shape}")
        if y_pred.ndim != 3:
            raise ValueError(
                f"Logits `y_pred` are expected to be of shape (batch, max_length, classes): {y_pred.shape}"
            )
        batch, steps = y_pred.shape[:2]
        input_length = np.full((batch,), steps, np.int32)
        label_length = np.sum(y_true != 0, axis=-1).astype(np.int32)
        return self.ops_ctc_loss(y_true, y_pred, label_length, input_length, mask_index=0)

    def CTC(self, reduction="sum_over_batch_size"):  # noqa: N802
        """``ctc`` per sample, then the Keras 3 weighting and reduction."""
        return keras3_loss_class(self.ctc, reduction)

    # -- what tf.nn does not have ---------------------------------------------------------

    def poisson(self, *a, **k):
        raise Unsupported(
            "tf.nn.log_poisson_loss computes exp(log_input) - y*log_input: no log_input gives Keras' "
            "y_pred - y*log(y_pred + eps) (see conformance.candidates.tensorflow)"
        )

    def Poisson(self, **params):  # noqa: N802
        self.poisson()

    def kl_divergence(self, *a, **k):
        raise Unsupported("tf.nn has no KL divergence (tf.keras.losses and tfp are other libraries)")

    def KLDivergence(self, **params):  # noqa: N802
        self.kl_divergence()

    def categorical_focal_crossentropy(self, *a, **k):
        raise Unsupported("tf.nn has no categorical focal loss")

    def CategoricalFocalCrossentropy(self, **params):  # noqa: N802
        self.categorical_focal_crossentropy()

    def metrics_BinaryCrossentropy(self, **params):  # noqa: N802
        raise Unsupported("tf.nn has no metric objects (those are tf.keras')")


class TensorflowWeightedCandidate(TensorflowCandidate):
    """The documented alternative for binary cross-entropy:
    ``tf.nn.weighted_cross_entropy_with_logits(labels, logits, pos_weight=1)``, the same loss as
    ``sigmoid_cross_entropy_with_logits`` in exact arithmetic, evaluated as ``(1-z)*x +
    (log1p(exp(-|x|)) + relu(-x))``. Everything else is ``TensorflowCandidate``'s. Run it with
    ``pytest --candidate conformance.candidates.tensorflow:TensorflowWeightedCandidate``."""

    name = "tensorflow-weighted"
    deviations_file = "tensorflow-weighted.yaml"

    def describe(self) -> str:
        return f"tensorflow {self._tf.__version__} (tf.nn, BCE by weighted_cross_entropy_with_logits, pos_weight=1)"

    def _sigmoid_ce(self, labels, logits):
        return self._tf.nn.weighted_cross_entropy_with_logits(labels=labels, logits=logits, pos_weight=1.0)
