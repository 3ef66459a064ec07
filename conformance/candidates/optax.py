"""``optax``: optax's own losses on logits, judged against profile keras3.

* ``binary_crossentropy`` with ``from_logits=True``: ``optax.sigmoid_binary_cross_entropy``
  (elementwise). The adapter adds Keras' label smoothing (``y*(1-ls) + 0.5*ls``; optax's
  ``smooth_labels`` is the categorical rule) and the mean over ``axis``. optax has no
  probability-input BCE, so ``from_logits=False`` is skipped.
* ``categorical_focal_crossentropy`` with ``from_logits=True`` and ``gamma=0``: then Keras'
  focal loss is ``alpha``-weighted softmax cross-entropy, which is
  ``optax.softmax_cross_entropy(logits, labels * alpha, axis)``. The adapter adds the label
  smoothing (K = the last axis, as Keras) and the alpha weighting of the labels. Keras clips
  p to ``[eps, 1-eps]`` and optax does not: saturated cases are listed deviations. optax's
  ``sigmoid_focal_loss`` is the binary loss, so ``gamma != 0`` and probability inputs are
  skipped.
* ``categorical_crossentropy`` with ``from_logits=True``: ``optax.softmax_cross_entropy(logits,
  labels, axis)``; label smoothing by ``optax.smooth_labels`` (toward 1/K with K the last
  axis, as Keras 3.15). optax has no probability-input cross-entropy: ``from_logits=False``
  is skipped.
* ``kl_divergence``: ``optax.kl_divergence(log(p), y)`` (sums over the last axis); the
  adapter adds Keras' clips of both sides to ``[eps, 1]`` and the log optax expects.
* ``sparse_categorical_crossentropy`` / the op / ``SparseCategoricalCrossentropy`` with
  ``from_logits=True``: ``optax.softmax_cross_entropy_with_integer_labels(logits, labels,
  axis)``; the adapter adds Keras 3's label steps (squeeze, shape check, ``ignore_class``
  mask) and, for the class, the masked weighting (``adapter.keras3_masked_loss_class``).
  Probabilities are skipped.
* ``ops_ctc_loss``: ``optax.ctc_loss(logits, logit_paddings, labels, label_paddings,
  blank_id=mask_index)``, which takes the log-softmax itself; the adapter turns Keras'
  lengths into optax's paddings (``index >= length``). ``ctc`` adds ``losses.ctc``'s
  lengths (the non-zero labels, every frame). Like Keras' jax backend (the same algorithm),
  optax gives a finite ~1e5 (``log_epsilon``) where no alignment exists.
* The loss classes: those functions per sample, then the Keras 3 weighting and reduction
  steps from ``conformance.candidates.adapter``. optax has no metric objects, and no
  Poisson loss.
* ``ops.binary_crossentropy`` with ``from_logits=True``: ``optax.sigmoid_binary_cross_entropy``
  as it is (elementwise, nothing to add but Keras 3's equal-shape check); probabilities are
  skipped.
* ``ops.categorical_crossentropy`` with ``from_logits=True``:
  ``optax.softmax_cross_entropy(logits, labels, axis)`` as it is (and the same shape check);
  probabilities are skipped.
* ``binary_focal_crossentropy`` with ``from_logits=True``: ``optax.sigmoid_focal_loss(logits,
  labels, alpha, gamma)`` (elementwise: ``sigmoid_binary_cross_entropy`` times
  ``(1 - p_t) ** gamma``, then ``alpha * z + (1 - alpha) * (1 - z)``), which is Keras' focal
  factor and class weight. The adapter adds Keras' label smoothing (``y*(1-ls) + 0.5*ls``,
  before the loss, so the focal factor sees the smoothed label as in Keras), passes
  ``alpha`` only with ``apply_class_balancing=True`` (``alpha=None`` otherwise), and takes the
  mean over ``axis``. optax's BCE factor is the exact one of the logits, where Keras 3 clips
  ``sigmoid(x)``: saturated logits are listed deviations. Probability inputs are skipped.
  ``BinaryFocalCrossentropy``: that per sample, then the Keras 3 loss-class steps.

PYTEST_DONT_REWRITE: pytest loads this package as its plugin; its asserts need no rewriting, and skipping it keeps start-up fast.
"""

from __future__ import annotations

import numpy as np

from conformance.candidates.adapter import keras3_class_gradient, keras3_loss_class
from conformance.candidates.base import Unsupported

__all__ = ["OptaxCandidate"]


class OptaxCandidate:
    name = "optax"
    profile = "keras3"
    deviations_file = "optax.yaml"

    def __init__(self):
        import jax.numpy as jnp
        import optax

        self._optax, self._jnp = optax, jnp

    def describe(self) -> str:
        import jax

        return f"optax {self._optax.__version__} on jax {jax.__version__}"

    def binary_crossentropy(self, y_true, y_pred, from_logits=False, label_smoothing=0.0, axis=-1):
        if not from_logits:
            raise Unsupported(
                "optax has no probability-input binary cross-entropy (only sigmoid_binary_cross_entropy on logits)"
            )
        jnp = self._jnp
        if np.shape(y_true) != np.shape(y_pred):
            raise ValueError(f"shapes differ: {np.shape(y_true)} vs {np.shape(y_pred)}")
        z = jnp.asarray(y_true, jnp.float32)
        if label_smoothing:
            z = z * (1.0 - label_smoothing) + 0.5 * label_smoothing
        elem = self._optax.sigmoid_binary_cross_entropy(jnp.asarray(y_pred, jnp.float32), z)
        return np.asarray(jnp.mean(elem, axis=axis))

    def categorical_focal_crossentropy(
        self, y_true, y_pred, alpha=0.25, gamma=2.0, from_logits=False, label_smoothing=0.0, axis=-1
    ):
        if not from_logits:
            raise Unsupported(
                "optax's softmax_cross_entropy takes logits; it has no probability-input categorical loss"
            )
        if gamma != 0:
            raise Unsupported("optax has no focal modulation for softmax cross-entropy (sigmoid_focal_loss is binary)")
        jnp = self._jnp
        if np.shape(y_true) != np.shape(y_pred):
            raise ValueError(f"shapes differ: {np.shape(y_true)} vs {np.shape(y_pred)}")
        z = jnp.asarray(y_true, jnp.float32)
        if label_smoothing:
            z = z * (1.0 - label_smoothing) + label_smoothing / np.float32(z.shape[-1])
        labels = z * jnp.asarray(alpha, jnp.float32)
        return np.asarray(self._optax.softmax_cross_entropy(jnp.asarray(y_pred, jnp.float32), labels, axis=axis))

    def categorical_crossentropy(self, y_true, y_pred, from_logits=False, label_smoothing=0.0, axis=-1):
        if not from_logits:
            raise Unsupported(
                "optax's softmax_cross_entropy takes logits; it has no probability-input categorical loss"
            )
        jnp = self._jnp
        if np.shape(y_true) != np.shape(y_pred):
            raise ValueError(f"shapes differ: {np.shape(y_true)} vs {np.shape(y_pred)}")
        z = jnp.asarray(y_true, jnp.float32)
        if label_smoothing:
            z = self._optax.smooth_labels(z, label_smoothing)
        return np.asarray(self._optax.softmax_cross_entropy(jnp.asarray(y_pred, jnp.float32), z, axis=axis))

    def kl_divergence(self, y_true, y_pred):
        jnp, eps = self._jnp, np.float32(1e-7)
        yt = jnp.clip(jnp.asarray(y_true, jnp.float32), eps, 1.0)
        yp = jnp.clip(jnp.asarray(y_pred, jnp.float32), eps, 1.0)
        yt, yp = jnp.broadcast_arrays(yt, yp)
        return np.asarray(self._optax.kl_divergence(jnp.log(yp), yt))

    def CategoricalCrossentropy(self, reduction="sum_over_batch_size", **params):  # noqa: N802
        return keras3_loss_class(lambda yt, yp: self.categorical_crossentropy(yt, yp, **params), reduction)

    def KLDivergence(self, reduction="sum_over_batch_size"):  # noqa: N802
        return keras3_loss_class(self.kl_divergence, reduction)

    def BinaryCrossentropy(self, reduction="sum_over_batch_size", **params):  # noqa: N802
        return keras3_loss_class(lambda yt, yp: self.binary_crossentropy(yt, yp, **params), reduction)

    def CategoricalFocalCrossentropy(self, reduction="sum_over_batch_size", alpha=0.25, gamma=2.0, **params):  # noqa: N802
        if gamma != 0 or not params.get("from_logits"):
            raise Unsupported(
                "optax covers categorical focal only as softmax cross-entropy (from_logits=True, gamma=0)"
            )
        return keras3_loss_class(
            lambda yt, yp: self.categorical_focal_crossentropy(yt, yp, alpha=alpha, gamma=gamma, **params), reduction
        )

    def metrics_BinaryCrossentropy(self, **params):  # noqa: N802
        raise Unsupported("optax has no metric objects")

    def ops_binary_crossentropy(self, target, output, from_logits=False):
        if not from_logits:
            raise Unsupported(
                "optax has no probability-input binary cross-entropy (only sigmoid_binary_cross_entropy on logits)"
            )
        if np.shape(target) != np.shape(output):
            raise ValueError(f"shapes differ: {np.shape(target)} vs {np.shape(output)}")
        jnp = self._jnp
        return np.asarray(
            self._optax.sigmoid_binary_cross_entropy(jnp.asarray(output, jnp.float32), jnp.asarray(target, jnp.float32))
        )

    def ops_categorical_crossentropy(self, target, output, from_logits=False, axis=-1):
        if not from_logits:
            raise Unsupported(
                "optax's softmax_cross_entropy takes logits; it has no probability-input categorical loss"
            )
        if np.shape(target) != np.shape(output):
            raise ValueError(f"shapes differ: {np.shape(target)} vs {np.shape(output)}")
        jnp = self._jnp
        x, t = jnp.asarray(output, jnp.float32), jnp.asarray(target, jnp.float32)
        return np.asarray(self._optax.softmax_cross_entropy(x, t, axis=axis))

    def metrics_CategoricalCrossentropy(self, **params):  # noqa: N802
        raise Unsupported("optax has no metric objects")

    def metrics_KLDivergence(self, **params):  # noqa: N802
        raise Unsupported("optax has no metric objects")

    def metrics_Poisson(self, **params):  # noqa: N802
        raise Unsupported("optax has no metric objects")

    def _sparse(self, y_true, y_pred, from_logits, axis, ignore_class, squeeze_last):
        """``sparse_categorical_crossentropy`` with ``from_logits=True``:
        ``optax.softmax_cross_entropy_with_integer_labels(logits, labels, axis)``. The adapter
        adds only Keras 3's label steps (``adapter.keras3_sparse_labels``: squeeze, shape check,
        ``ignore_class`` masked and its loss set to 0). optax does not reject labels outside
        [0, K): listed deviations. Probabilities are skipped (no such optax loss)."""
        if not from_logits:
            raise Unsupported("optax's integer-label cross-entropy takes logits only")
        from conformance.candidates.adapter import keras3_sparse_labels

        jnp = self._jnp
        labels, valid = keras3_sparse_labels(y_true, y_pred, axis, ignore_class, squeeze_last)
        out = self._optax.softmax_cross_entropy_with_integer_labels(
            jnp.asarray(y_pred, jnp.float32), jnp.asarray(labels, jnp.int32), axis=axis
        )
        out = np.asarray(out)
        if valid is not None:
            out = np.where(valid, out, np.float32(0))
        return out, valid

    def sparse_categorical_crossentropy(self, y_true, y_pred, from_logits=False, ignore_class=None, axis=-1):
        return self._sparse(y_true, y_pred, from_logits, axis, ignore_class, False)[0]

    def ops_sparse_categorical_crossentropy(self, target, output, from_logits=False, axis=-1):
        return self._sparse(target, output, from_logits, axis, None, True)[0]

    def SparseCategoricalCrossentropy(  # noqa: N802
        self, from_logits=False, ignore_class=None, reduction="sum_over_batch_size", axis=-1
    ):
        from conformance.candidates.adapter import keras3_masked_loss_class

        if not from_logits:
            raise Unsupported("optax's integer-label cross-entropy takes logits only")
        return keras3_masked_loss_class(
            lambda yt, yp: self._sparse(yt, yp, from_logits, axis, ignore_class, False), reduction
        )

    def binary_focal_crossentropy(
        self,
        y_true,
        y_pred,
        apply_class_balancing=False,
        alpha=0.25,
        gamma=2.0,
        from_logits=False,
        label_smoothing=0.0,
        axis=-1,
    ):
        if not from_logits:
            raise Unsupported("optax's sigmoid_focal_loss takes logits; it has no probability-input focal loss")
        jnp = self._jnp
        if np.shape(y_true) != np.shape(y_pred):
            raise ValueError(f"shapes differ: {np.shape(y_true)} vs {np.shape(y_pred)}")
        z = jnp.asarray(y_true, jnp.float32)
        if label_smoothing:
            z = z * (1.0 - label_smoothing) + 0.5 * label_smoothing
        elem = self._optax.sigmoid_focal_loss(
            jnp.asarray(y_pred, jnp.float32), z, alpha=alpha if apply_class_balancing else None, gamma=gamma
        )
        return np.asarray(jnp.mean(elem, axis=axis))

    def BinaryFocalCrossentropy(self, reduction="sum_over_batch_size", **params):  # noqa: N802
        if not params.get("from_logits"):
            raise Unsupported("optax's sigmoid_focal_loss takes logits; it has no probability-input focal loss")
        return keras3_loss_class(lambda yt, yp: self.binary_focal_crossentropy(yt, yp, **params), reduction)

    def ops_ctc_loss(self, target, output, target_length, output_length, mask_index=0):
        jnp = self._jnp
        target, output = np.asarray(target, np.int32), np.asarray(output, np.float32)
        label_pad = np.arange(target.shape[1])[None, :] >= np.asarray(target_length)[:, None]
        logit_pad = np.arange(output.shape[1])[None, :] >= np.asarray(output_length)[:, None]
        out = self._optax.ctc_loss(
            jnp.asarray(output),
            jnp.asarray(logit_pad, jnp.float32),
            jnp.asarray(target),
            jnp.asarray(label_pad, jnp.float32),
            blank_id=int(mask_index),
        )
        return np.asarray(out)

    def ctc(self, y_true, y_pred):
        yt, yp = np.asarray(y_true), np.asarray(y_pred)
        if yt.ndim != 2 or yp.ndim != 3:
            raise ValueError(f"ctc needs y_true (B, L) and y_pred (B, T, K), got {yt.shape} and {yp.shape}")
        return self.ops_ctc_loss(yt, yp, np.sum(yt != 0, axis=-1), np.full(yp.shape[:1], yp.shape[1]))

    def CTC(self, reduction="sum_over_batch_size"):  # noqa: N802
        return keras3_loss_class(self.ctc, reduction)

    # ------------------------------------------------------------------ gradients
    def _bce_vjp(self, y_true, y_pred, cot, from_logits=False, label_smoothing=0.0, axis=-1):
        """``jax.grad`` of ``sum(cot * mean(optax.sigmoid_binary_cross_entropy(x, z), axis))``
        (logits only, as the function)."""
        import jax

        if not from_logits:
            raise Unsupported("optax has no probability-input binary cross-entropy")
        jnp = self._jnp
        if np.shape(y_true) != np.shape(y_pred):
            raise ValueError(f"shapes differ: {np.shape(y_true)} vs {np.shape(y_pred)}")
        z = jnp.asarray(y_true, jnp.float32)
        if label_smoothing:
            z = z * (1.0 - label_smoothing) + 0.5 * label_smoothing
        c = jnp.asarray(cot, jnp.float32)

        def total(x):
            return jnp.sum(c * jnp.mean(self._optax.sigmoid_binary_cross_entropy(x, z), axis=axis))

        return np.asarray(jax.grad(total)(jnp.asarray(y_pred, jnp.float32)))

    def _grad_function(self, fn, vjp, y_true, y_pred, **params):
        """A function's gradient: its vjp with a cotangent of ones (after the value call,
        which rejects what the function rejects)."""
        values = fn(y_true, y_pred, **params)
        return vjp(y_true, y_pred, np.ones(np.shape(values), np.float32), **params)

    def _grad_class(self, cls, fn, vjp, reduction, params):
        """A loss class's gradient: the vjp with the cotangent of Keras 3's weighting and
        reduction (``adapter.keras3_class_gradient``)."""
        return keras3_class_gradient(
            cls(reduction, **params),
            lambda yt, yp: fn(yt, yp, **params),
            lambda yt, yp, cot: vjp(yt, yp, cot, **params),
            reduction,
        )

    def _cce_vjp(self, y_true, y_pred, cot, from_logits=False, label_smoothing=0.0, axis=-1):
        """``jax.grad`` of ``sum(cot * optax.softmax_cross_entropy(x, smooth_labels(y), axis))``
        (logits only, as the function)."""
        import jax

        self.categorical_crossentropy(y_true, y_pred, from_logits, label_smoothing, axis)  # its checks
        jnp = self._jnp
        z = jnp.asarray(y_true, jnp.float32)
        if label_smoothing:
            z = self._optax.smooth_labels(z, label_smoothing)
        c = jnp.asarray(cot, jnp.float32)

        def total(x):
            return jnp.sum(c * self._optax.softmax_cross_entropy(x, z, axis=axis))

        return np.asarray(jax.grad(total)(jnp.asarray(y_pred, jnp.float32)))

    def _kld_vjp(self, y_true, y_pred, cot):
        """``jax.grad`` of ``sum(cot * optax.kl_divergence(log(clip(p, eps, 1)), clip(y, eps, 1)))``;
        the adapter's clip is ``jnp.clip`` (half the gradient at a bound, as Keras on jax)."""
        import jax

        jnp, eps = self._jnp, np.float32(1e-7)
        yt = jnp.clip(jnp.asarray(y_true, jnp.float32), eps, 1.0)
        c = jnp.asarray(cot, jnp.float32)

        def total(p):
            a, b = jnp.broadcast_arrays(yt, jnp.clip(p, eps, 1.0))
            return jnp.sum(c * self._optax.kl_divergence(jnp.log(b), a))

        return np.asarray(jax.grad(total)(jnp.asarray(y_pred, jnp.float32)))

    def grad_binary_crossentropy(self, y_true, y_pred, **params):
        return self._grad_function(self.binary_crossentropy, self._bce_vjp, y_true, y_pred, **params)

    def grad_BinaryCrossentropy(self, reduction="sum_over_batch_size", **params):  # noqa: N802
        return self._grad_class(self.BinaryCrossentropy, self.binary_crossentropy, self._bce_vjp, reduction, params)

    def grad_categorical_crossentropy(self, y_true, y_pred, **params):
        return self._grad_function(self.categorical_crossentropy, self._cce_vjp, y_true, y_pred, **params)

    def grad_CategoricalCrossentropy(self, reduction="sum_over_batch_size", **params):  # noqa: N802
        return self._grad_class(
            self.CategoricalCrossentropy, self.categorical_crossentropy, self._cce_vjp, reduction, params
        )

    def grad_kl_divergence(self, y_true, y_pred):
        return self._grad_function(self.kl_divergence, self._kld_vjp, y_true, y_pred)

    def grad_KLDivergence(self, reduction="sum_over_batch_size"):  # noqa: N802
        return self._grad_class(lambda r: self.KLDivergence(r), self.kl_divergence, self._kld_vjp, reduction, {})

    def _scce_vjp(self, y_true, y_pred, cot, from_logits=False, ignore_class=None, axis=-1):
        """``jax.grad`` of ``sum(cot * l)`` with ``l`` the function's per-row losses as
        ``_sparse`` computes them (``optax.softmax_cross_entropy_with_integer_labels``, logits
        only), an ignored row's loss selected away (``jnp.where``): its gradient is 0."""
        import jax

        from conformance.candidates.adapter import keras3_sparse_labels

        if not from_logits:
            raise Unsupported("optax's integer-label cross-entropy takes logits only")
        jnp = self._jnp
        labels, valid = keras3_sparse_labels(y_true, y_pred, axis, ignore_class, False)
        t = jnp.asarray(labels, jnp.int32)
        c = jnp.asarray(np.asarray(cot, np.float32).reshape(labels.shape))

        def total(x):
            out = self._optax.softmax_cross_entropy_with_integer_labels(x, t, axis=axis)
            if valid is not None:
                out = jnp.where(jnp.asarray(valid), out, 0.0)
            return jnp.sum(c * out)

        return np.asarray(jax.grad(total)(jnp.asarray(y_pred, jnp.float32)))

    def grad_sparse_categorical_crossentropy(self, y_true, y_pred, **params):
        return self._grad_function(self.sparse_categorical_crossentropy, self._scce_vjp, y_true, y_pred, **params)

    def grad_SparseCategoricalCrossentropy(  # noqa: N802
        self, from_logits=False, ignore_class=None, reduction="sum_over_batch_size", axis=-1
    ):
        from conformance.candidates.adapter import keras3_masked_class_gradient

        params = {"from_logits": from_logits, "ignore_class": ignore_class, "axis": axis}
        return keras3_masked_class_gradient(
            self.SparseCategoricalCrossentropy(reduction=reduction, **params),
            lambda yt, yp: self._sparse(yt, yp, from_logits, axis, ignore_class, False),
            lambda yt, yp, cot: self._scce_vjp(yt, yp, cot, **params),
            reduction,
        )

    def _focal_vjp(self, y_true, y_pred, cot, alpha=0.25, gamma=2.0, from_logits=False, label_smoothing=0.0, axis=-1):
        """``jax.grad`` of ``sum(cot * optax.softmax_cross_entropy(x, alpha * z, axis))``, the
        function's own form (``from_logits=True``, ``gamma=0``; otherwise skipped as the
        function is). optax does not clip the softmax: a class whose probability falls below
        eps keeps its gradient where Keras' clip stops it."""
        import jax

        self.categorical_focal_crossentropy(y_true, y_pred, alpha, gamma, from_logits, label_smoothing, axis)
        jnp = self._jnp
        z = jnp.asarray(y_true, jnp.float32)
        if label_smoothing:
            z = z * (1.0 - label_smoothing) + label_smoothing / np.float32(z.shape[-1])
        labels = z * jnp.asarray(alpha, jnp.float32)
        c = jnp.asarray(cot, jnp.float32)

        def total(x):
            return jnp.sum(c * self._optax.softmax_cross_entropy(x, labels, axis=axis))

        return np.asarray(jax.grad(total)(jnp.asarray(y_pred, jnp.float32)))

    def grad_categorical_focal_crossentropy(self, y_true, y_pred, **params):
        return self._grad_function(self.categorical_focal_crossentropy, self._focal_vjp, y_true, y_pred, **params)

    def grad_CategoricalFocalCrossentropy(self, reduction="sum_over_batch_size", **params):  # noqa: N802
        return self._grad_class(
            self.CategoricalFocalCrossentropy, self.categorical_focal_crossentropy, self._focal_vjp, reduction, params
        )

    def _bfce_vjp(
        self,
        y_true,
        y_pred,
        cot,
        apply_class_balancing=False,
        alpha=0.25,
        gamma=2.0,
        from_logits=False,
        label_smoothing=0.0,
        axis=-1,
    ):
        """``jax.grad`` of ``sum(cot * mean(optax.sigmoid_focal_loss(x, z, alpha, gamma), axis))``
        with the function's label smoothing and alpha (logits only, as the function): optax's
        BCE factor is the exact one of the logits, so saturated logits differ as the values do."""
        import jax

        if not from_logits:
            raise Unsupported("optax's sigmoid_focal_loss takes logits; it has no probability-input focal loss")
        jnp = self._jnp
        if np.shape(y_true) != np.shape(y_pred):
            raise ValueError(f"shapes differ: {np.shape(y_true)} vs {np.shape(y_pred)}")
        z = jnp.asarray(y_true, jnp.float32)
        if label_smoothing:
            z = z * (1.0 - label_smoothing) + 0.5 * label_smoothing
        c = jnp.asarray(cot, jnp.float32)
        a = alpha if apply_class_balancing else None

        def total(x):
            elem = self._optax.sigmoid_focal_loss(x, z, alpha=a, gamma=gamma)
            return jnp.sum(c * jnp.mean(elem, axis=axis))

        return np.asarray(jax.grad(total)(jnp.asarray(y_pred, jnp.float32)))

    def grad_binary_focal_crossentropy(self, y_true, y_pred, **params):
        return self._grad_function(self.binary_focal_crossentropy, self._bfce_vjp, y_true, y_pred, **params)

    def grad_BinaryFocalCrossentropy(self, reduction="sum_over_batch_size", **params):  # noqa: N802
        return self._grad_class(
            self.BinaryFocalCrossentropy, self.binary_focal_crossentropy, self._bfce_vjp, reduction, params
        )

    def _ctc_vjp(self, y_true, y_pred, cot):
        """``jax.grad`` of ``sum(cot * optax.ctc_loss(x, 0, y, label_pad))`` with
        ``losses.ctc``'s lengths (every frame; the non-zero labels), as the function."""
        import jax

        jnp = self._jnp
        yt = np.asarray(y_true)
        target = np.asarray(yt, np.int32)
        label_pad = np.arange(target.shape[1])[None, :] >= np.sum(yt != 0, axis=-1)[:, None]
        logit_pad = jnp.zeros(np.shape(y_pred)[:2], jnp.float32)
        c = jnp.asarray(cot, jnp.float32)

        def total(x):
            out = self._optax.ctc_loss(
                x, logit_pad, jnp.asarray(target), jnp.asarray(label_pad, jnp.float32), blank_id=0
            )
            return jnp.sum(c * out)

        return np.asarray(jax.grad(total)(jnp.asarray(y_pred, jnp.float32)))

    def grad_ctc(self, y_true, y_pred):
        return self._grad_function(self.ctc, self._ctc_vjp, y_true, y_pred)

    def grad_CTC(self, reduction="sum_over_batch_size"):  # noqa: N802
        return self._grad_class(lambda r: self.CTC(r), self.ctc, self._ctc_vjp, reduction, {})
