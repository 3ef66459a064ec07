"""Keras' BCE, binary focal CE, categorical CE, sparse categorical CE, categorical focal CE,
generalized CE (Keras 3), KL divergence, Poisson, their loss classes, their metrics, the
backend crossentropy ops and CTC (keras3 ``ops.ctc_loss``, ``losses.ctc``, ``CTC``; keras2
``backend.ctc_batch_cost``), in float32 numpy.

An example third-party candidate for keras-conformance: it implements the candidate
protocol (``conformance.candidates.base``) with nothing but numpy, for both profiles.
Everything is float32 on purpose: it shows that a faithful float32 implementation of the
algorithm meets the suite's tolerances. It depends on neither Keras nor the suite.
"""

from __future__ import annotations

import numpy as np

__all__ = ["NumpyKeras3", "NumpyKeras2", "NumpyKeras"]

F = np.float32


def _same_rank(a, b):
    """Keras 3 squeeze_or_expand_to_same_rank on two arrays."""
    if a.ndim == b.ndim + 1 and a.shape[-1] == 1:
        if b.ndim == 1:
            b = b[..., None]
        else:
            a = a[..., 0]
    if b.ndim == a.ndim + 1 and b.shape[-1] == 1:
        if a.ndim == 1:
            a = a[..., None]
        else:
            b = b[..., 0]
    return a, b


class NumpyKeras:
    """The Keras 3 algorithm; ``NumpyKeras2`` overrides the few keras2 details."""

    name = "numpy-example"
    profile = "keras3"
    eps = F(1e-7)

    def describe(self) -> str:
        return f"kc-numpy-candidate (float32 numpy {np.__version__})"

    # ------------------------------------------------------------------ elementwise
    def _smooth_binary(self, y, ls):
        return y * F(1.0 - ls) + F(0.5 * ls)

    def _bce_probs(self, z, p):
        p = np.clip(p, self.eps, F(1.0) - self.eps)
        return -(z * np.log(p) + (F(1) - z) * np.log(F(1) - p))

    def _bce_logits(self, z, x):
        return np.maximum(x, F(0)) - x * z + np.log1p(np.exp(-np.abs(x)))

    def _check_shapes(self, yt, yp):
        if yt.shape != yp.shape:
            raise ValueError(f"shapes differ: {yt.shape} vs {yp.shape}")
        return yt, yp

    def binary_crossentropy(self, y_true, y_pred, from_logits=False, label_smoothing=0.0, axis=-1):
        yp = np.asarray(y_pred, F)
        yt = np.asarray(y_true, F)
        yt, yp = self._check_shapes(yt, yp)
        if label_smoothing:
            yt = self._smooth_binary(yt, label_smoothing)
        elem = self._bce_logits(yt, yp) if from_logits else self._bce_probs(yt, yp)
        return np.mean(elem, axis=axis, dtype=F)

    def _bfce_bce(self, z, x, s, from_logits):
        """Keras 3's binary focal BCE: sigmoid first, then the clipped probability path."""
        return self._bce_probs(z, s)

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
        yt, yp = self._check_shapes(np.asarray(y_true, F), np.asarray(y_pred, F))
        if label_smoothing:
            yt = self._smooth_binary(yt, label_smoothing)
        if from_logits:
            with np.errstate(over="ignore"):
                s = F(1) / (F(1) + np.exp(-yp))
        else:
            s = yp
        bce = self._bfce_bce(yt, yp, s, from_logits)
        p_t = yt * s + (F(1) - yt) * (F(1) - s)
        loss = np.power(F(1) - p_t, F(gamma)) * bce
        if apply_class_balancing:
            loss = (yt * F(alpha) + (F(1) - yt) * F(1 - alpha)) * loss
        return np.mean(loss, axis=axis, dtype=F)

    def categorical_generalized_cross_entropy(self, y_true, y_pred, q):
        yp = np.asarray(y_pred, F)
        labels = np.trunc(np.asarray(y_true, F)).astype(np.int64)  # cast to int: toward zero
        one_hot = (labels[..., None] == np.arange(yp.shape[-1])).astype(F)  # a negative label: zeros
        p = np.sum(yp * one_hot, axis=-1, dtype=F)
        return (F(1) - np.power(p, F(q))) / F(q)

    def categorical_focal_crossentropy(
        self, y_true, y_pred, alpha=0.25, gamma=2.0, from_logits=False, label_smoothing=0.0, axis=-1
    ):
        yp = np.asarray(y_pred, F)
        yt = np.asarray(y_true, F)
        if yt.shape != yp.shape:
            raise ValueError(f"shapes differ: {yt.shape} vs {yp.shape}")
        if label_smoothing:
            yt = yt * F(1.0 - label_smoothing) + F(label_smoothing) / F(yt.shape[-1])
        if from_logits:
            e = np.exp(yp - np.max(yp, axis=axis, keepdims=True))
            yp = e / np.sum(e, axis=axis, keepdims=True)
        p = yp / np.sum(yp, axis=axis, keepdims=True)
        p = np.clip(p, self.eps, F(1.0) - self.eps)
        ce = -yt * np.log(p)
        fl = np.power(F(1) - p, F(gamma)) * np.asarray(alpha, F) * ce
        return np.sum(fl, axis=axis, dtype=F)

    def _cce_classes(self, shape, axis):
        """K of categorical crossentropy's label smoothing: Keras 3 counts the last axis."""
        return shape[-1]

    def categorical_crossentropy(self, y_true, y_pred, from_logits=False, label_smoothing=0.0, axis=-1):
        yp = np.asarray(y_pred, F)
        yt = np.asarray(y_true, F)
        if yt.shape != yp.shape:
            raise ValueError(f"shapes differ: {yt.shape} vs {yp.shape}")
        if label_smoothing:
            yt = yt * F(1.0 - label_smoothing) + F(label_smoothing) / F(self._cce_classes(yt.shape, axis))
        if from_logits:
            d = yp - np.max(yp, axis=axis, keepdims=True)
            log_p = d - np.log(np.sum(np.exp(d), axis=axis, keepdims=True))
        else:
            p = yp / np.sum(yp, axis=axis, keepdims=True)
            log_p = np.log(np.clip(p, self.eps, F(1.0) - self.eps))
        return -np.sum(yt * log_p, axis=axis, dtype=F)

    def kl_divergence(self, y_true, y_pred):
        yt = np.clip(np.asarray(y_true, F), self.eps, F(1))
        yp = np.clip(np.asarray(y_pred, F), self.eps, F(1))
        yt, yp = np.broadcast_arrays(yt, yp)
        return np.sum(yt * np.log(yt / yp), axis=-1, dtype=F)

    def poisson(self, y_true, y_pred):
        yt, yp = np.broadcast_arrays(np.asarray(y_true, F), np.asarray(y_pred, F))
        return np.mean(yp - yt * np.log(yp + self.eps), axis=-1, dtype=F)

    # ------------------------------------------------------------------ loss classes
    reductions = ("sum_over_batch_size", "sum", "none", None, "mean", "mean_with_sample_weight")

    def _align_inputs(self, yt, yp):
        return _same_rank(yt, yp)

    def _align_weight(self, values, w):
        return _same_rank(values, w)

    def _reduce(self, values, w, reduction):
        if reduction in (None, "none") or values.shape in ((), (0,)):
            return values
        total = np.sum(values, dtype=F)
        if reduction == "sum":
            return total
        if reduction == "mean_with_sample_weight" and w is not None:
            d = np.sum(w, dtype=F)
        else:
            d = F(values.size)
        return F(0) if d == 0 else F(total / d)

    def _loss_class(self, fn, reduction, fn_kwargs):
        if reduction not in self.reductions:
            raise ValueError(f"reduction {reduction!r} is not accepted")

        def call(y_true, y_pred, sample_weight=None):
            yt, yp = self._align_inputs(np.asarray(y_true, F), np.asarray(y_pred, F))
            values = np.asarray(fn(yt, yp, **fn_kwargs), F)
            w = None
            if sample_weight is not None:
                w = np.asarray(sample_weight, F)
                values, w = self._align_weight(values, w)
                values = values * w
            return self._reduce(values, w, reduction)

        return call

    def BinaryCrossentropy(self, reduction="sum_over_batch_size", **kw):  # noqa: N802
        return self._loss_class(self.binary_crossentropy, reduction, kw)

    def CategoricalFocalCrossentropy(self, reduction="sum_over_batch_size", **kw):  # noqa: N802
        return self._loss_class(self.categorical_focal_crossentropy, reduction, kw)

    def BinaryFocalCrossentropy(self, reduction="sum_over_batch_size", **kw):  # noqa: N802
        return self._loss_class(self.binary_focal_crossentropy, reduction, kw)

    def CategoricalGeneralizedCrossEntropy(self, q=0.5, reduction="sum_over_batch_size"):  # noqa: N802
        if not 0 < q < 1:
            raise ValueError("q must be in the interval (0, 1)")
        return self._loss_class(self.categorical_generalized_cross_entropy, reduction, {"q": q})

    def CategoricalCrossentropy(self, reduction="sum_over_batch_size", **kw):  # noqa: N802
        return self._loss_class(self.categorical_crossentropy, reduction, kw)

    def KLDivergence(self, reduction="sum_over_batch_size", **kw):  # noqa: N802
        return self._loss_class(self.kl_divergence, reduction, kw)

    def Poisson(self, reduction="sum_over_batch_size", **kw):  # noqa: N802
        return self._loss_class(self.poisson, reduction, kw)

    # ------------------------------------------------------------------ backend ops
    def _op_check_shapes(self, yt, yp, from_logits):
        return self._check_shapes(yt, yp)

    def ops_binary_crossentropy(self, target, output, from_logits=False):
        """Elementwise: no smoothing, no mean."""
        yt, yp = self._op_check_shapes(np.asarray(target, F), np.asarray(output, F), from_logits)
        return self._bce_logits(yt, yp) if from_logits else self._bce_probs(yt, yp)

    def ops_categorical_crossentropy(self, target, output, from_logits=False, axis=-1):
        yt, yp = np.asarray(target, F), np.asarray(output, F)
        if yt.ndim == 0 or yp.ndim == 0:
            raise ValueError("categorical_crossentropy needs rank >= 1")
        return NumpyKeras.categorical_crossentropy(self, yt, yp, from_logits=from_logits, axis=axis)

    # ------------------------------------------------------------------ metrics
    # ------------------------------------------------------------------ sparse categorical
    def _scce_rows(self, y_true, y_pred, axis, ignore_class, squeeze_last):
        """Integer labels, valid mask and y_pred with the class axis last, one row per label."""
        yt, yp = np.asarray(y_true, F), np.asarray(y_pred, F)
        ax = axis % yp.ndim
        rows = yp.shape[:ax] + yp.shape[ax + 1 :]
        if self.profile == "keras3":
            sq = yt.ndim - 1 if squeeze_last else ax
            if yt.ndim == yp.ndim and yt.shape[sq] == 1:
                yt = np.squeeze(yt, axis=sq)
            if yt.shape != rows:
                raise ValueError(f"labels {yt.shape} do not match y_pred {yp.shape}")
        elif yt.ndim != yp.ndim - 1:  # Keras 2 flattens the labels against the rows
            if yt.size != int(np.prod(rows)):
                raise ValueError(f"labels {yt.shape} do not match y_pred {yp.shape}")
            yt = yt.reshape(rows if yp.ndim >= 3 or ignore_class is not None else (yt.size,))
        elif yt.shape != rows:
            raise ValueError(f"labels {yt.shape} do not match y_pred {yp.shape}")
        ints = np.trunc(yt).astype(np.int64)
        if ignore_class is None:
            valid = np.ones(yt.shape, bool)
        elif self.profile == "keras3":
            valid = yt != F(ignore_class)  # compared as floats, before the cast
        else:
            valid = ints != int(ignore_class)
        k = yp.shape[ax]
        if np.any(valid & ((ints < 0) | (ints >= k))):
            raise ValueError(f"a label is outside [0, {k})")
        x = np.moveaxis(yp, ax, -1).reshape(yt.shape + (k,))
        return np.where(valid, ints, 0), valid, x

    def _scce_log_probs(self, x, from_logits):
        """Log-probabilities along the last axis: Keras 3 renormalises, then clips."""
        if from_logits:
            d = x - np.max(x, axis=-1, keepdims=True)
            return d - np.log(np.sum(np.exp(d), axis=-1, keepdims=True))
        p = x / np.sum(x, axis=-1, keepdims=True)
        return np.log(np.clip(p, self.eps, F(1.0) - self.eps))

    def _scce(self, y_true, y_pred, from_logits, axis, ignore_class, squeeze_last=False):
        ints, valid, x = self._scce_rows(y_true, y_pred, axis, ignore_class, squeeze_last)
        with np.errstate(divide="ignore", invalid="ignore"):
            lp = self._scce_log_probs(x, from_logits)
        loss = -np.take_along_axis(lp, ints[..., None], axis=-1)[..., 0]
        return np.where(valid, loss, F(0)).astype(F), (None if ignore_class is None else valid)

    def sparse_categorical_crossentropy(self, y_true, y_pred, from_logits=False, ignore_class=None, axis=-1):
        return self._scce(y_true, y_pred, from_logits, axis, ignore_class)[0]

    def ops_sparse_categorical_crossentropy(self, target, output, from_logits=False, axis=-1):
        return self._scce(target, output, from_logits, axis, None, squeeze_last=True)[0]

    def _mask_weight(self, mask, reduction):
        """Keras 3 apply_mask: valid entries weigh total / valid under a mean (divide_no_nan)."""
        m = mask.astype(F)
        if reduction in ("sum_over_batch_size", "mean"):
            valid = np.sum(m, dtype=F)
            m = m * (F(m.size) / valid if valid else F(0))
        return m

    def SparseCategoricalCrossentropy(  # noqa: N802
        self, from_logits=False, ignore_class=None, reduction="sum_over_batch_size", axis=-1
    ):
        if reduction not in self.reductions:
            raise ValueError(f"reduction {reduction!r} is not accepted")

        def call(y_true, y_pred, sample_weight=None):
            yt, yp = self._align_inputs(np.asarray(y_true, F), np.asarray(y_pred, F))
            values, mask = self._scce(yt, yp, from_logits, axis, ignore_class)
            w = None if sample_weight is None else np.asarray(sample_weight, F)
            if mask is not None:
                m = self._mask_weight(mask, reduction)
                if w is not None:
                    m, w = self._align_weight(m, w)
                    w = w * m
                else:
                    w = m
            if w is not None:
                values, w = self._align_weight(values, w)
                values = values * w
            return self._reduce(values, w, reduction)

        return call

    # ------------------------------------------------------------------ metric
    def metrics_BinaryCrossentropy(self, from_logits=False, label_smoothing=0.0):  # noqa: N802
        return _Metric(self, self.binary_crossentropy, {"from_logits": from_logits, "label_smoothing": label_smoothing})

    def metrics_CategoricalCrossentropy(self, from_logits=False, label_smoothing=0.0, axis=-1):  # noqa: N802
        kw = {"from_logits": from_logits, "label_smoothing": label_smoothing, "axis": axis}
        return _Metric(self, self.categorical_crossentropy, kw)

    def metrics_KLDivergence(self):  # noqa: N802
        return _Metric(self, self.kl_divergence, {})

    def metrics_Poisson(self):  # noqa: N802
        return _Metric(self, self.poisson, {})

    def metrics_SparseCategoricalCrossentropy(self, from_logits=False, ignore_class=None, axis=-1):  # noqa: N802
        def values_and_mask(y_true, y_pred):
            return self._scce(y_true, y_pred, from_logits, axis, ignore_class)

        return _Metric(self, values_and_mask, {}, masked=True)

    def _metric_mask_weight(self, mask, w):
        """Keras 3 reads the values' mask only with a weight: ``w * mask``."""
        if w is None:
            return None
        m, w = _same_rank(mask.astype(F), w)
        return w * m

    def _metric_update(self, values, w):
        """(total, count) of one batch: Keras 3 counts samples."""
        if w is None:  # one mean value per sample, then count samples
            if values.ndim > 1:
                values = np.mean(values, axis=tuple(range(1, values.ndim)), dtype=F)
            return np.sum(values, dtype=F), F(values.shape[0] if values.ndim else 1)
        values, w = _same_rank(values, w)
        if values.ndim > w.ndim:
            values = np.mean(values, axis=tuple(range(w.ndim, values.ndim)), dtype=F)
        w = np.broadcast_to(w, values.shape)
        values = values * w
        if w.ndim > 1:
            w = np.mean(w, axis=tuple(range(1, w.ndim)), dtype=F)
        if values.ndim > 1:
            values = np.mean(values, axis=tuple(range(1, values.ndim)), dtype=F)
        return np.sum(values, dtype=F), np.sum(w, dtype=F)

    def _metric_inputs(self, yt, yp):
        return yt, yp

    # ------------------------------------------------------------------ gradients
    # The suite's optional gradient APIs (``grad.<api>``): numpy has no autodiff, so each is
    # a hand-written float32 derivative, a method named after the gradient API, called as
    # the value API is and returning d sum(output) / d y_pred, shaped like y_pred.
    def _bce_grad_denominators(self, p):
        return p, F(1) - p

    def _bce_grad(self, z, yp, from_logits):
        """d l / d y_pred of the elementwise BCE: sigmoid(x) - z for logits; for
        probabilities -z/p + (1-z)/(1-p) where the clip passes it (the closed interval)."""
        if from_logits:
            with np.errstate(over="ignore"):
                return F(1) / (F(1) + np.exp(-yp)) - z
        inside = (yp >= self.eps) & (yp <= F(1) - self.eps)
        a, b = self._bce_grad_denominators(np.clip(yp, self.eps, F(1) - self.eps))
        return np.where(inside, -z / a + (F(1) - z) / b, F(0)).astype(F)

    def _vjp_binary_crossentropy(self, y_true, y_pred, cot, from_logits=False, label_smoothing=0.0, axis=-1):
        yp0 = np.asarray(y_pred, F)
        yt, yp = self._check_shapes(np.asarray(y_true, F), yp0)
        if label_smoothing:
            yt = self._smooth_binary(yt, label_smoothing)
        scale = np.expand_dims(np.asarray(cot, F), axis) / F(yp.shape[axis])
        return _sum_to(self._bce_grad(yt, yp, from_logits) * scale, yp0.shape)

    def _cotangent(self, values_shape, sample_weight, reduction):
        """d reduce(v * w) / d v: the loss class's weighting and reduction, differentiated."""
        v, w = np.ones(values_shape, F), None
        if sample_weight is not None:
            v, w = self._align_weight(v, np.asarray(sample_weight, F))
        c = v if w is None else v * w
        if reduction in (None, "none", "sum") or c.shape in ((), (0,)):
            d = F(1)
        elif reduction == "mean_with_sample_weight" and w is not None:
            d = np.sum(w, dtype=F)
        else:
            d = F(c.size)
        c = np.zeros_like(c) if d == 0 else c / d
        return _sum_to(c, v.shape).reshape(values_shape)

    def _grad_loss_class(self, vjp, fn, value_cls, kw):
        value = value_cls(**kw)  # rejects what the class rejects
        fn_kwargs = {k: v for k, v in kw.items() if k != "reduction"}
        reduction = kw.get("reduction", "sum_over_batch_size")

        def call(y_true, y_pred, sample_weight=None):
            value(y_true, y_pred, sample_weight=sample_weight)  # the same checks
            yt, yp = self._align_inputs(np.asarray(y_true, F), np.asarray(y_pred, F))
            cot = self._cotangent(np.shape(fn(yt, yp, **fn_kwargs)), sample_weight, reduction)
            return vjp(yt, yp, cot, **fn_kwargs).reshape(np.shape(y_pred))

        return call

    def grad_binary_crossentropy(self, y_true, y_pred, **kw):
        values = self.binary_crossentropy(y_true, y_pred, **kw)
        return self._vjp_binary_crossentropy(y_true, y_pred, np.ones(np.shape(values), F), **kw)

    def grad_BinaryCrossentropy(self, **kw):  # noqa: N802
        return self._grad_loss_class(
            self._vjp_binary_crossentropy, self.binary_crossentropy, self.BinaryCrossentropy, kw
        )

    def _vjp_categorical_crossentropy(self, y_true, y_pred, cot, from_logits=False, label_smoothing=0.0, axis=-1):
        """Logits: Z softmax - z (Z the row's label sum); probabilities, p = y / s clipped:
        (sum of the unclipped z - z / p) / s, the normalisation's derivative included."""
        yt, yp = np.asarray(y_true, F), np.asarray(y_pred, F)
        if label_smoothing:
            yt = yt * F(1.0 - label_smoothing) + F(label_smoothing) / F(self._cce_classes(yt.shape, axis))
        c = np.expand_dims(np.asarray(cot, F), axis)
        if from_logits:
            e = np.exp(yp - np.max(yp, axis=axis, keepdims=True))
            g = self._cce_label_sum(yt, axis) * (e / np.sum(e, axis=axis, keepdims=True)) - yt
        else:
            s = np.sum(yp, axis=axis, keepdims=True)
            p = yp / s
            inside = (p >= self.eps) & (p <= F(1) - self.eps)
            own = np.where(inside, yt / np.where(inside, p, F(1)), F(0))
            g = (np.sum(np.where(inside, yt, F(0)), axis=axis, keepdims=True) - own) / s
        return (g * c).astype(F)

    def _cce_label_sum(self, z, axis):
        return np.sum(z, axis=axis, keepdims=True)

    def _vjp_kl_divergence(self, y_true, y_pred, cot):
        """-y / p, both clipped to [eps, 1], where the clip of y_pred passes it."""
        yp0 = np.asarray(y_pred, F)
        yt, yp = np.broadcast_arrays(np.clip(np.asarray(y_true, F), self.eps, F(1)), yp0)
        inside = (yp >= self.eps) & (yp <= F(1))
        g = np.where(inside, -yt / np.where(inside, yp, F(1)), F(0)) * np.expand_dims(np.asarray(cot, F), -1)
        return _sum_to(g, yp0.shape)

    def _vjp_poisson(self, y_true, y_pred, cot):
        """(1 - y / (p + eps)) / n."""
        yp0 = np.asarray(y_pred, F)
        yt, yp = np.broadcast_arrays(np.asarray(y_true, F), yp0)
        g = (F(1) - yt / (yp + self.eps)) * (np.expand_dims(np.asarray(cot, F), -1) / F(yp.shape[-1]))
        return _sum_to(g, yp0.shape)

    def grad_categorical_crossentropy(self, y_true, y_pred, **kw):
        values = self.categorical_crossentropy(y_true, y_pred, **kw)
        return self._vjp_categorical_crossentropy(y_true, y_pred, np.ones(np.shape(values), F), **kw)

    def grad_CategoricalCrossentropy(self, **kw):  # noqa: N802
        return self._grad_loss_class(
            self._vjp_categorical_crossentropy, self.categorical_crossentropy, self.CategoricalCrossentropy, kw
        )

    def grad_kl_divergence(self, y_true, y_pred):
        values = self.kl_divergence(y_true, y_pred)
        return self._vjp_kl_divergence(y_true, y_pred, np.ones(np.shape(values), F))

    def grad_KLDivergence(self, **kw):  # noqa: N802
        return self._grad_loss_class(self._vjp_kl_divergence, self.kl_divergence, self.KLDivergence, kw)

    def grad_poisson(self, y_true, y_pred):
        values = self.poisson(y_true, y_pred)
        return self._vjp_poisson(y_true, y_pred, np.ones(np.shape(values), F))

    def grad_Poisson(self, **kw):  # noqa: N802
        return self._grad_loss_class(self._vjp_poisson, self.poisson, self.Poisson, kw)

    # sparse categorical crossentropy (issue #14 phase 2)
    def _scce_prob_grad(self, onehot, x):
        """Keras 3 (renormalise, then clip): with p = x / s, (in_y - onehot in / p) / s,
        in_y whether the label's p is inside [eps, 1 - eps] (the closed interval)."""
        s = np.sum(x, axis=-1, keepdims=True)
        p = x / s
        inside = (p >= self.eps) & (p <= F(1) - self.eps)
        own = np.where(inside, onehot / np.where(inside, p, F(1)), F(0))
        return (np.sum(onehot * inside, axis=-1, keepdims=True, dtype=F) - own) / s

    def _scce_row_grad(self, ints, x, from_logits):
        """d l / d x of each row (class axis last): softmax - onehot for logits."""
        onehot = (ints[..., None] == np.arange(x.shape[-1])).astype(F)
        if from_logits:
            e = np.exp(x - np.max(x, axis=-1, keepdims=True))
            return e / np.sum(e, axis=-1, keepdims=True) - onehot
        with np.errstate(divide="ignore", invalid="ignore"):
            return self._scce_prob_grad(onehot, x)

    def _vjp_sparse_categorical_crossentropy(self, y_true, y_pred, cot, from_logits=False, ignore_class=None, axis=-1):
        """Each valid row's derivative times its cotangent; an ignored row gets 0."""
        yp = np.asarray(y_pred, F)
        ints, valid, x = self._scce_rows(y_true, yp, axis, ignore_class, False)
        c = np.where(valid, np.asarray(cot, F).reshape(valid.shape), F(0))[..., None]
        g = np.where(c != 0, self._scce_row_grad(ints, x, from_logits) * c, F(0)).astype(F)
        ax = axis % yp.ndim
        return np.moveaxis(g.reshape(np.moveaxis(yp, ax, -1).shape), -1, ax)

    def grad_sparse_categorical_crossentropy(self, y_true, y_pred, **kw):
        values = self.sparse_categorical_crossentropy(y_true, y_pred, **kw)
        return self._vjp_sparse_categorical_crossentropy(y_true, y_pred, np.ones(np.shape(values), F), **kw)

    def grad_SparseCategoricalCrossentropy(self, **kw):  # noqa: N802
        """The mask merged into the weight (``_mask_weight``) is the cotangent's weight."""
        value = self.SparseCategoricalCrossentropy(**kw)
        reduction = kw.get("reduction", "sum_over_batch_size")
        fn_kw = {k: v for k, v in kw.items() if k != "reduction"}

        def call(y_true, y_pred, sample_weight=None):
            value(y_true, y_pred, sample_weight=sample_weight)
            yt, yp = self._align_inputs(np.asarray(y_true, F), np.asarray(y_pred, F))
            values, mask = self._scce(
                yt, yp, fn_kw.get("from_logits", False), fn_kw.get("axis", -1), fn_kw.get("ignore_class")
            )
            w = None if sample_weight is None else np.asarray(sample_weight, F)
            if mask is not None:
                m = self._mask_weight(mask, reduction)
                if w is not None:
                    m, w = self._align_weight(m, w)
                    w = w * m
                else:
                    w = m
            cot = self._cotangent(values.shape, w, reduction)
            return self._vjp_sparse_categorical_crossentropy(yt, yp, cot, **fn_kw).reshape(np.shape(y_pred))

        return call

    # categorical focal crossentropy (issue #14 phase 2)
    def _focal_factor_grad(self, q, log_p, gamma):
        """d (1 - p)^gamma / d p times -1/log p's partner: gamma (1 - p)^(gamma - 1) log p."""
        return F(gamma) * np.power(q, F(gamma - 1)) * log_p if gamma else np.zeros_like(q)

    def _vjp_categorical_focal_crossentropy(
        self, y_true, y_pred, cot, alpha=0.25, gamma=2.0, from_logits=False, label_smoothing=0.0, axis=-1
    ):
        """f'(p) = alpha z (gamma (1-p)^(gamma-1) log p - (1-p)^gamma / p) where the clip passes
        it, through the renormalisation ((gp - sum(gp r)) / s) or the softmax (r (gp - sum(gp r)))."""
        yt, yp = np.asarray(y_true, F), np.asarray(y_pred, F)
        if yt.shape != yp.shape:
            raise ValueError(f"shapes differ: {yt.shape} vs {yp.shape}")
        if label_smoothing:
            yt = yt * F(1.0 - label_smoothing) + F(label_smoothing) / F(yt.shape[-1])
        if from_logits:
            e = np.exp(yp - np.max(yp, axis=axis, keepdims=True))
            r, s = e / np.sum(e, axis=axis, keepdims=True), F(1)
        else:
            s = np.sum(yp, axis=axis, keepdims=True)
            r = yp / s
        inside = (r >= self.eps) & (r <= F(1) - self.eps)
        p = np.clip(r, self.eps, F(1) - self.eps)
        q = F(1) - p
        log_p = np.log(p)
        a = np.asarray(alpha, F)
        gp = np.where(inside, a * yt * (self._focal_factor_grad(q, log_p, gamma) - np.power(q, F(gamma)) / p), F(0))
        dot = np.sum(gp * r, axis=axis, keepdims=True, dtype=F)
        g = r * (gp - dot) if from_logits else (gp - dot) / s
        return (g * np.expand_dims(np.asarray(cot, F), axis)).astype(F)

    def grad_categorical_focal_crossentropy(self, y_true, y_pred, **kw):
        values = self.categorical_focal_crossentropy(y_true, y_pred, **kw)
        return self._vjp_categorical_focal_crossentropy(y_true, y_pred, np.ones(np.shape(values), F), **kw)

    def grad_CategoricalFocalCrossentropy(self, **kw):  # noqa: N802
        return self._grad_loss_class(
            self._vjp_categorical_focal_crossentropy,
            self.categorical_focal_crossentropy,
            self.CategoricalFocalCrossentropy,
            kw,
        )

    # categorical generalized cross entropy (issue #14 phase 2)
    def _vjp_categorical_generalized_cross_entropy(self, y_true, y_pred, cot, q):
        """-p^(q - 1) at the label's entry (one_hot's broadcast summed back), 0 elsewhere."""
        yp = np.asarray(y_pred, F)
        labels = np.trunc(np.asarray(y_true, F)).astype(np.int64)
        one_hot = (labels[..., None] == np.arange(yp.shape[-1])).astype(F)
        p = np.sum(yp * one_hot, axis=-1, dtype=F)
        d = -np.power(p, F(q) - F(1)) * np.asarray(cot, F)
        return _sum_to(one_hot * d[..., None], yp.shape)

    def grad_categorical_generalized_cross_entropy(self, y_true, y_pred, q):
        values = self.categorical_generalized_cross_entropy(y_true, y_pred, q)
        return self._vjp_categorical_generalized_cross_entropy(y_true, y_pred, np.ones(np.shape(values), F), q)

    def grad_CategoricalGeneralizedCrossEntropy(self, **kw):  # noqa: N802
        return self._grad_loss_class(
            self._vjp_categorical_generalized_cross_entropy,
            self.categorical_generalized_cross_entropy,
            self.CategoricalGeneralizedCrossEntropy,
            {"q": 0.5, **kw},
        )

    def _bfce_dbce(self, z, x, s, from_logits):
        """d bce / d y_pred of Keras 3's BCE factor: the clipped probability path's, times
        sigmoid's s (1 - s) for logits."""
        g = self._bce_grad(z, s, False)
        return g * (s * (F(1) - s)) if from_logits else g

    def _bfce_focal_slope(self, f, g):
        """d (f ** g) / d f = g f ** (g - 1), for g != 0."""
        return g * np.power(f, g - F(1))

    def _vjp_binary_focal_crossentropy(
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
        """W (F' (1 - 2z) bce ds/dy + F dbce/dy), F = (1 - p_t) ** gamma, F' its slope."""
        yp0 = np.asarray(y_pred, F)
        yt, yp = self._check_shapes(np.asarray(y_true, F), yp0)
        if label_smoothing:
            yt = self._smooth_binary(yt, label_smoothing)
        if from_logits:
            with np.errstate(over="ignore"):
                s = F(1) / (F(1) + np.exp(-yp))
            chain = s * (F(1) - s)
        else:
            s, chain = yp, F(1)
        bce = self._bfce_bce(yt, yp, s, from_logits)
        f = F(1) - (yt * s + (F(1) - yt) * (F(1) - s))
        g = F(gamma)
        if g == 0:
            fac, slope = np.ones_like(f), np.zeros_like(f)
        else:
            fac, slope = np.power(f, g), self._bfce_focal_slope(f, g)
        d = slope * (F(1) - F(2) * yt) * bce * chain + fac * self._bfce_dbce(yt, yp, s, from_logits)
        if apply_class_balancing:
            d = (yt * F(alpha) + (F(1) - yt) * F(1 - alpha)) * d
        scale = np.expand_dims(np.asarray(cot, F), axis) / F(yp.shape[axis])
        return _sum_to(d * scale, yp0.shape)

    def grad_binary_focal_crossentropy(self, y_true, y_pred, **kw):
        values = self.binary_focal_crossentropy(y_true, y_pred, **kw)
        return self._vjp_binary_focal_crossentropy(y_true, y_pred, np.ones(np.shape(values), F), **kw)

    def grad_BinaryFocalCrossentropy(self, **kw):  # noqa: N802
        return self._grad_loss_class(
            self._vjp_binary_focal_crossentropy, self.binary_focal_crossentropy, self.BinaryFocalCrossentropy, kw
        )


def _sum_to(a, shape):
    """Sum a broadcast array back to ``shape`` (a gradient through a broadcast)."""
    a = np.asarray(a, F)
    if a.ndim > len(shape):
        a = np.sum(a, axis=tuple(range(a.ndim - len(shape))), dtype=F)
    axes = tuple(i for i, s in enumerate(shape) if s == 1 and a.shape[i] != 1)
    return (np.sum(a, axis=axes, keepdims=True, dtype=F) if axes else a).reshape(shape)


class _Metric:
    """``MeanMetricWrapper(fn, **kw)``: ``impl`` says how inputs are lined up and counted."""

    def __init__(self, impl, fn, kw, masked=False):
        self.impl, self.fn, self.kw, self.masked = impl, fn, kw, masked
        self.reset_state()

    def reset_state(self):
        self.total, self.count = F(0), F(0)

    def update_state(self, y_true, y_pred, sample_weight=None):
        yt, yp = self.impl._metric_inputs(np.asarray(y_true, F), np.asarray(y_pred, F))
        out = self.fn(yt, yp, **self.kw)
        values, mask = out if self.masked else (out, None)  # ``masked``: fn gives (values, mask)
        values = np.asarray(values, F)
        w = None if sample_weight is None else np.asarray(sample_weight, F)
        if mask is not None:
            w = self.impl._metric_mask_weight(mask, w)
        t, c = self.impl._metric_update(values, w)
        self.total, self.count = F(self.total + t), F(self.count + c)

    def result(self):
        return F(0) if self.count == 0 else F(self.total / self.count)


def _log_softmax(x):
    x = np.asarray(x, F)
    m = np.max(x, axis=-1, keepdims=True)
    return (x - m - np.log(np.sum(np.exp(x - m), axis=-1, keepdims=True))).astype(F)


def _ctc_nll(logp, label, blank):
    """CTC's -log P of one sample from float32 log-probabilities (T, K): the forward
    recursion in log space over [blank, l1, blank, ..., lL, blank]; +inf without alignment."""
    ext = [blank]
    for c in label:
        ext += [int(c), blank]
    n, ninf = len(ext), F(-np.inf)
    if logp.shape[0] == 0:
        return F(np.inf) if len(label) else F(0)
    a = np.full(n, ninf, F)
    a[: min(n, 2)] = logp[0, ext[: min(n, 2)]]
    for t in range(1, logp.shape[0]):
        new = np.full(n, ninf, F)
        for s in range(n):
            terms = a[max(s - 1, 0) : s + 1]
            if s % 2 == 1 and s >= 2 and ext[s] != ext[s - 2]:  # a label may skip the blank before it
                terms = a[s - 2 : s + 1]
            m = np.max(terms)
            if m != ninf:
                new[s] = m + np.log(np.sum(np.exp(terms - m), dtype=F)) + logp[t, ext[s]]
        a = new
    last = a[-2:]
    m = np.max(last)
    return F(np.inf) if m == ninf else F(-(m + np.log(np.sum(np.exp(last - m), dtype=F))))


def _ctc_posterior(logp, label, blank):
    """(T, K) posterior probability that each frame emits each class, by forward-backward in
    log space (float64); None without alignment."""
    ext = [blank]
    for c in label:
        ext += [int(c), blank]
    t_len, k = logp.shape
    n = len(ext)
    lp = logp[:, ext]
    skip = np.array([s % 2 == 1 and s >= 2 and ext[s] != ext[s - 2] for s in range(n)])
    a = np.full((t_len, n), -np.inf)
    a[0, : min(n, 2)] = lp[0, : min(n, 2)]
    for t in range(1, t_len):
        one = np.concatenate(([-np.inf], a[t - 1, :-1]))
        two = np.where(skip, np.concatenate(([-np.inf, -np.inf], a[t - 1, :-2]))[:n], -np.inf)
        a[t] = np.logaddexp(np.logaddexp(a[t - 1], one), two) + lp[t]
    b = np.full((t_len, n), -np.inf)
    b[t_len - 1, max(n - 2, 0) :] = 0.0
    skip2 = np.concatenate((skip[2:], [False, False]))[:n]
    for t in range(t_len - 2, -1, -1):
        nx = b[t + 1] + lp[t + 1]
        one = np.concatenate((nx[1:], [-np.inf]))
        two = np.where(skip2, np.concatenate((nx[2:], [-np.inf, -np.inf]))[:n], -np.inf)
        b[t] = np.logaddexp(np.logaddexp(nx, one), two)
    log_p = np.logaddexp(a[t_len - 1, n - 1], a[t_len - 1, n - 2] if n > 1 else -np.inf)
    if log_p == -np.inf:
        return None
    occ = np.exp(a + b - log_p)
    gamma = np.zeros((t_len, k))
    for s in range(n):
        gamma[:, ext[s]] += occ[:, s]
    return gamma


class NumpyKeras3(NumpyKeras):
    def ops_ctc_loss(self, target, output, target_length, output_length, mask_index=0):
        target, logp = np.asarray(target), _log_softmax(output)
        if not target.shape[0] == logp.shape[0] == len(target_length) == len(output_length):
            raise ValueError("batch sizes differ")
        return np.asarray(
            [
                _ctc_nll(logp[b, : int(output_length[b])], target[b, : int(target_length[b])], int(mask_index))
                for b in range(target.shape[0])
            ],
            F,
        )

    def ctc(self, y_true, y_pred):
        yt, yp = np.asarray(y_true), np.asarray(y_pred, F)
        if yt.ndim != 2 or yp.ndim != 3:
            raise ValueError("ctc needs y_true (B, L) and y_pred (B, T, K)")
        return self.ops_ctc_loss(yt, yp, np.sum(yt != 0, axis=-1), np.full(yp.shape[:1], yp.shape[1]))

    def CTC(self, reduction="sum_over_batch_size"):  # noqa: N802
        return self._loss_class(self.ctc, reduction, {})

    # ------------------------------------------------------------------ gradients (keras3 only)
    def _ctc_grad_logp(self, p, gamma):
        """d(-log P) / d x of one frame from its softmax p and its posterior gamma."""
        return p - gamma

    def _vjp_ctc(self, y_true, y_pred, cot):
        """softmax - posterior per frame (forward-backward in log space); 0 without alignment."""
        yt, yp = np.asarray(y_true), np.asarray(y_pred, F)
        logp = _log_softmax(yp)
        out = np.zeros(yp.shape, F)
        for b in range(yp.shape[0]):
            label = [int(v) for v in yt[b, : int(np.sum(yt[b] != 0))]]
            gamma = _ctc_posterior(logp[b].astype(np.float64), label, 0)
            if gamma is not None:
                g = self._ctc_grad_logp(np.exp(logp[b]), gamma.astype(F))
                out[b] = g * F(np.asarray(cot, F).reshape(-1)[b])
        return out

    def grad_ctc(self, y_true, y_pred):
        values = self.ctc(y_true, y_pred)
        return self._vjp_ctc(y_true, y_pred, np.ones(np.shape(values), F))

    def grad_CTC(self, **kw):  # noqa: N802
        return self._grad_loss_class(self._vjp_ctc, self.ctc, self.CTC, kw)


class NumpyKeras2(NumpyKeras):
    """The keras2 details: double epsilon, 'auto', trailing-1 weights, element counts."""

    name = "numpy-example-keras2"
    profile = "keras2"
    reductions = ("auto", "sum_over_batch_size", "sum", "none")

    def _smooth_binary(self, y, ls):
        ls = F(ls)
        return y * (F(1) - ls) + F(0.5) * ls

    def _bce_probs(self, z, p):
        p = np.clip(p, self.eps, F(1.0) - self.eps)
        return -(z * np.log(p + self.eps) + (F(1) - z) * np.log(F(1) - p + self.eps))

    def _check_shapes(self, yt, yp):
        return np.broadcast_arrays(yt, yp)

    def _op_check_shapes(self, yt, yp, from_logits):
        """tf.nn.sigmoid_cross_entropy_with_logits requires equal shapes; the rest broadcasts."""
        if from_logits and yt.shape != yp.shape:
            raise ValueError(f"shapes differ: {yt.shape} vs {yp.shape}")
        return self._check_shapes(yt, yp)

    def categorical_focal_crossentropy(self, y_true, y_pred, label_smoothing=0.0, **kw):
        if label_smoothing:
            ls = F(label_smoothing)
            y_true = np.asarray(y_true, F)
            y_true = y_true * (F(1) - ls) + ls / F(y_true.shape[-1])
        return super().categorical_focal_crossentropy(y_true, y_pred, **kw)

    def _align_inputs(self, yt, yp):
        return yt, yp  # Keras 2 fixes ranks only for tf tensors

    def _align_weight(self, values, w):
        if w.ndim == 0:
            return values, w
        if w.ndim - values.ndim == 1:
            if w.shape[-1] != 1:
                raise ValueError("cannot squeeze a last dim that is not 1")
            w = w[..., 0]
        elif values.ndim - w.ndim == 1:
            w = w[..., None]
        np.broadcast_shapes(values.shape, w.shape)
        return values, w

    def _reduce(self, values, w, reduction):
        return super()._reduce(values, w, "sum_over_batch_size" if reduction == "auto" else reduction)

    def BinaryCrossentropy(self, reduction="auto", **kw):  # noqa: N802
        return self._loss_class(self.binary_crossentropy, reduction, kw)

    def CategoricalFocalCrossentropy(self, reduction="auto", **kw):  # noqa: N802
        return self._loss_class(self.categorical_focal_crossentropy, reduction, kw)

    def BinaryFocalCrossentropy(self, reduction="auto", **kw):  # noqa: N802
        return self._loss_class(self.binary_focal_crossentropy, reduction, kw)

    def _bfce_bce(self, z, x, s, from_logits):
        """tf_keras hands the logits themselves to its BCE: the exact logits path."""
        return self._bce_logits(z, x) if from_logits else self._bce_probs(z, s)

    def _bfce_dbce(self, z, x, s, from_logits):
        """tf_keras differentiates the exact BCE of the logits: sigmoid(x) - z."""
        return s - z if from_logits else self._bce_grad(z, s, False)

    def CategoricalCrossentropy(self, reduction="auto", **kw):  # noqa: N802
        return self._loss_class(self.categorical_crossentropy, reduction, kw)

    def KLDivergence(self, reduction="auto", **kw):  # noqa: N802
        return self._loss_class(self.kl_divergence, reduction, kw)

    def Poisson(self, reduction="auto", **kw):  # noqa: N802
        return self._loss_class(self.poisson, reduction, kw)

    def _cce_classes(self, shape, axis):
        """tf_keras counts the classes along ``axis`` (``tf.shape(y_true)[axis]``)."""
        return shape[axis]

    def categorical_crossentropy(self, y_true, y_pred, label_smoothing=0.0, axis=-1, **kw):
        if label_smoothing:  # the smoothing constants are float32 tensors in Keras 2
            ls = F(label_smoothing)
            y_true = np.asarray(y_true, F)
            y_true = y_true * (F(1) - ls) + ls / F(self._cce_classes(y_true.shape, axis))
        return super().categorical_crossentropy(y_true, y_pred, axis=axis, **kw)

    def _metric_inputs(self, yt, yp):
        if yp.ndim == yt.ndim + 1 and yp.shape[-1] == 1:
            yp = yp[..., 0]
        elif yt.ndim == yp.ndim + 1 and yt.shape[-1] == 1:
            yt = yt[..., 0]
        return yt, yp

    def _metric_mask_weight(self, mask, w):
        """tf_keras always weighs by the mask (apply_valid_mask, no rescaling for a metric)."""
        m = mask.astype(F)
        if w is None:
            return m
        m, w = self._align_weight(m, w)
        return w * m

    def _metric_update(self, values, w):
        """Keras 2 counts elements: the weight broadcast over every value."""
        if w is None:
            return np.sum(values, dtype=F), F(values.size)
        values, w = self._align_weight(values, w)
        try:
            w = np.broadcast_to(w, values.shape)
        except ValueError:
            values = np.mean(values, axis=tuple(range(w.ndim, values.ndim)), dtype=F)
            w = np.broadcast_to(w, values.shape)
        return np.sum(values * w, dtype=F), np.sum(w, dtype=F)

    def _scce_log_probs(self, x, from_logits):
        """tf_keras: log(clip(p)) goes to the softmax cross-entropy: renormalised after the clip."""
        if not from_logits:
            x = np.log(np.clip(x, self.eps, F(1.0) - self.eps))
        return super()._scce_log_probs(x, True)

    def ops_sparse_categorical_crossentropy(self, target, output, from_logits=False, axis=-1, ignore_class=None):
        return self._scce(target, output, from_logits, axis, ignore_class)[0]

    def _mask_weight(self, mask, reduction):
        """tf_keras apply_valid_mask: total / valid, NaN when nothing is valid."""
        m = mask.astype(F)
        if reduction in ("auto", "sum_over_batch_size"):
            with np.errstate(divide="ignore", invalid="ignore"):
                m = m * (F(m.size) / np.sum(m, dtype=F))
        return m

    def SparseCategoricalCrossentropy(self, from_logits=False, ignore_class=None, reduction="auto"):  # noqa: N802
        return super().SparseCategoricalCrossentropy(from_logits, ignore_class, reduction)

    def _scce_rows(self, y_true, y_pred, axis, ignore_class, squeeze_last):
        if ignore_class is not None and np.ndim(y_pred) < 2:
            raise ValueError("tf_keras' ignore_class cannot mask a scalar label (y_pred of rank 1)")
        return super()._scce_rows(y_true, y_pred, axis, ignore_class, squeeze_last)

    def backend_ctc_batch_cost(self, y_true, y_pred, input_length, label_length):
        """softmax(log(y_pred + eps)) per frame, blank = the last class; (B, 1)."""
        yt, yp = np.asarray(y_true), np.asarray(y_pred, F)
        il, ll = np.asarray(input_length), np.asarray(label_length)
        if il.ndim != 2 or ll.ndim != 2:
            raise ValueError("the lengths must be (B, 1)")
        if np.any(ll == 0) or np.any(ll > il) or np.any(il > yp.shape[1]):
            raise ValueError("tf.compat.v1.nn.ctc_loss rejects these lengths")
        logp = _log_softmax(np.log(yp + self.eps))
        blank = yp.shape[-1] - 1
        out = [_ctc_nll(logp[b, : int(il[b, 0])], yt[b, : int(ll[b, 0])], blank) for b in range(yt.shape[0])]
        return np.asarray(out, F)[:, None]

    def _vjp_categorical_focal_crossentropy(self, y_true, y_pred, cot, label_smoothing=0.0, **kw):
        """keras2 smooths with float32 constants (as its value does)."""
        if label_smoothing:
            ls = F(label_smoothing)
            y_true = np.asarray(y_true, F)
            y_true = y_true * (F(1) - ls) + ls / F(y_true.shape[-1])
        return super()._vjp_categorical_focal_crossentropy(y_true, y_pred, cot, **kw)

    def _scce_prob_grad(self, onehot, x):
        """keras2 (clip, then log-softmax): (clip(x) / sum(clip(x)) - onehot) / x where the
        clip passes the gradient, 0 elsewhere."""
        c = np.clip(x, self.eps, F(1) - self.eps)
        inside = (x >= self.eps) & (x <= F(1) - self.eps)
        g = (c / np.sum(c, axis=-1, keepdims=True) - onehot) / np.where(inside, x, F(1))
        return np.where(inside, g, F(0))

    def _bce_grad_denominators(self, p):
        """keras2's double epsilon: d/dp of -(z log(p + eps) + (1-z) log(1 - p + eps))."""
        return p + self.eps, F(1) - p + self.eps
