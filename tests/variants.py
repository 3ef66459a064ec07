"""Candidates for testing the suite itself: deliberately broken ones, which must fail, and
correct ones that round differently, which must pass.

Each is the example float32 numpy candidate with one change. ``BROKEN`` maps a name to
(class, a case id that must fail); ``ROUNDS_DIFFERENTLY`` lists classes that must pass.
"""

from __future__ import annotations

import functools

import numpy as np
from kc_numpy_candidate import NumpyKeras2, NumpyKeras3

F = np.float32


class WrongEpsilon(NumpyKeras3):
    eps = F(1e-6)


class SmoothingTowardOne(NumpyKeras3):
    def _smooth_binary(self, y, ls):
        return y * F(1.0 - ls) + F(ls)


class IgnoresSampleWeight(NumpyKeras3):
    def _loss_class(self, fn, reduction, fn_kwargs):
        inner = super()._loss_class(fn, reduction, fn_kwargs)
        return lambda y_true, y_pred, sample_weight=None: inner(y_true, y_pred)


class MetricNoReset(NumpyKeras3):
    def metrics_BinaryCrossentropy(self, **kw):  # noqa: N802
        m = super().metrics_BinaryCrossentropy(**kw)
        m.reset_state = lambda: None
        return m


class RelativeError1e5(NumpyKeras3):
    """Every result 1e-5 too large, relatively."""

    def binary_crossentropy(self, *a, **k):
        return super().binary_crossentropy(*a, **k) * F(1 + 1e-5)

    def categorical_focal_crossentropy(self, *a, **k):
        return super().categorical_focal_crossentropy(*a, **k) * F(1 + 1e-5)


class SumOverBatchDividesByBatch(NumpyKeras3):
    """sum_over_batch_size divided by the batch size, not the element count."""

    def _reduce(self, values, w, reduction):
        if reduction in ("sum_over_batch_size", "mean") and values.ndim > 1:
            return F(np.sum(values, dtype=F) / F(values.shape[0]))
        return super()._reduce(values, w, reduction)


class DoubleEpsilonInKeras3(NumpyKeras3):
    """keras2's double epsilon claimed as keras3."""

    _bce_probs = NumpyKeras2._bce_probs


class FocalMeanOverClasses(NumpyKeras3):
    def categorical_focal_crossentropy(self, y_true, y_pred, axis=-1, **k):
        out = super().categorical_focal_crossentropy(y_true, y_pred, axis=axis, **k)
        return out / F(np.asarray(y_pred).shape[axis])


class FocalNoRenormalisation(NumpyKeras3):
    """Skips ``y_pred / sum(y_pred)``: unnormalised rows go straight to the clip."""

    def categorical_focal_crossentropy(
        self, y_true, y_pred, alpha=0.25, gamma=2.0, from_logits=False, label_smoothing=0.0, axis=-1
    ):
        yt, yp = np.asarray(y_true, F), np.asarray(y_pred, F)
        if label_smoothing:
            yt = yt * F(1.0 - label_smoothing) + F(label_smoothing) / F(yt.shape[-1])
        if from_logits:
            e = np.exp(yp - np.max(yp, axis=axis, keepdims=True))
            yp = e / np.sum(e, axis=axis, keepdims=True)
        p = np.clip(yp, self.eps, F(1.0) - self.eps)
        fl = np.power(F(1) - p, F(gamma)) * np.asarray(alpha, F) * (-yt * np.log(p))
        return np.sum(fl, axis=axis, dtype=F)


class MetricCountsElementsInKeras3(NumpyKeras3):
    _metric_update = NumpyKeras2._metric_update


class SmoothingKFromAxis(NumpyKeras3):
    """Keras master's K = shape[axis] for focal label smoothing, claimed as a release."""

    def categorical_focal_crossentropy(self, y_true, y_pred, label_smoothing=0.0, axis=-1, **k):
        yt = np.asarray(y_true, F)
        if label_smoothing:
            yt = yt * F(1 - label_smoothing) + F(label_smoothing) / F(yt.shape[axis])
        return super().categorical_focal_crossentropy(yt, y_pred, axis=axis, **k)


class MeanWithSampleWeightCountsElements(NumpyKeras3):
    """``mean_with_sample_weight`` divided by the element count, as ``sum_over_batch_size``."""

    def _reduce(self, values, w, reduction):
        return super()._reduce(
            values, w, "sum_over_batch_size" if reduction == "mean_with_sample_weight" else reduction
        )


class CceSmoothingKFromAxis(NumpyKeras3):
    """tf_keras' K = shape[axis] for categorical crossentropy, claimed as Keras 3.15."""

    def _cce_classes(self, shape, axis):
        return shape[axis]


class CceLogitsThroughClippedSoftmax(NumpyKeras3):
    """from_logits as softmax, then the clipped probability path (the numpy backend's BCE mistake)."""

    def categorical_crossentropy(self, y_true, y_pred, from_logits=False, axis=-1, **k):
        if from_logits:
            yp = np.asarray(y_pred, F)
            e = np.exp(yp - np.max(yp, axis=axis, keepdims=True))
            y_pred, from_logits = e / np.sum(e, axis=axis, keepdims=True), False
        return super().categorical_crossentropy(y_true, y_pred, from_logits=from_logits, axis=axis, **k)


class CceNoRenormalisation(NumpyKeras3):
    """Skips ``y_pred / sum(y_pred)``."""

    def categorical_crossentropy(self, y_true, y_pred, from_logits=False, axis=-1, **k):
        if not from_logits:
            p = np.clip(np.asarray(y_pred, F), self.eps, F(1) - self.eps)
            return super().categorical_crossentropy(y_true, np.log(p), from_logits=True, axis=axis, **k)
        return super().categorical_crossentropy(y_true, y_pred, from_logits=from_logits, axis=axis, **k)


class CceMeanOverClasses(NumpyKeras3):
    def categorical_crossentropy(self, y_true, y_pred, axis=-1, **k):
        out = super().categorical_crossentropy(y_true, y_pred, axis=axis, **k)
        return out / F(np.asarray(y_pred).shape[axis])


class KldNoClipOfYTrue(NumpyKeras3):
    """KL divergence that clips only y_pred: zero labels contribute nothing."""

    def kl_divergence(self, y_true, y_pred):
        yt = np.asarray(y_true, F)
        yp = np.clip(np.asarray(y_pred, F), self.eps, F(1))
        with np.errstate(divide="ignore", invalid="ignore"):
            terms = np.where(yt > 0, yt * np.log(yt / yp), F(0))
        return np.sum(terms, axis=-1, dtype=F)


class KldMeanOverClasses(NumpyKeras3):
    def kl_divergence(self, y_true, y_pred):
        out = super().kl_divergence(y_true, y_pred)
        return out / F(np.shape(y_pred)[-1])


class PoissonClipInsteadOfEps(NumpyKeras3):
    """Poisson with the crossentropies' clip of y_pred instead of its added epsilon."""

    def poisson(self, y_true, y_pred):
        yp = np.asarray(y_pred, F)
        return np.mean(yp - np.asarray(y_true, F) * np.log(np.maximum(yp, self.eps)), axis=-1, dtype=F)


class PoissonSumOverLastAxis(NumpyKeras3):
    def poisson(self, y_true, y_pred):
        return super().poisson(y_true, y_pred) * F(np.shape(y_pred)[-1])


class BfceAlphaOnTheWrongClass(NumpyKeras3):
    """Class balancing with alpha for class 0 and 1 - alpha for class 1."""

    def binary_focal_crossentropy(self, y_true, y_pred, alpha=0.25, **k):
        return super().binary_focal_crossentropy(y_true, y_pred, alpha=1 - alpha, **k)


class BfceFocalFactorFromUnsmoothedLabel(NumpyKeras3):
    """The focal factor's p_t from the raw label; Keras uses the smoothed one."""

    def binary_focal_crossentropy(self, y_true, y_pred, gamma=2.0, label_smoothing=0.0, axis=-1, **k):
        yt, yp = np.asarray(y_true, F), np.asarray(y_pred, F)
        z = self._smooth_binary(yt, label_smoothing) if label_smoothing else yt
        bce = self._bce_probs(z, yp)
        p_t = yt * yp + (F(1) - yt) * (F(1) - yp)
        return np.mean(np.power(F(1) - p_t, F(gamma)) * bce, axis=axis, dtype=F)


class BfceExactLogitsInKeras3(NumpyKeras3):
    """keras2's (and Keras 3 on tensorflow's) exact BCE of the logits, claimed as keras3."""

    _bfce_bce = NumpyKeras2._bfce_bce


class GceMultipliesByQ(NumpyKeras3):
    """``(1 - p ** q) * q`` instead of ``/ q``."""

    def categorical_generalized_cross_entropy(self, y_true, y_pred, q):
        return super().categorical_generalized_cross_entropy(y_true, y_pred, q) * F(q) * F(q)


class GceRenormalises(NumpyKeras3):
    """Renormalises ``y_pred`` along the last axis first; Keras takes the entry as it is."""

    def categorical_generalized_cross_entropy(self, y_true, y_pred, q):
        yp = np.asarray(y_pred, F)
        return super().categorical_generalized_cross_entropy(y_true, yp / np.sum(yp, axis=-1, keepdims=True), q)


BROKEN = {
    "wrong-epsilon": (WrongEpsilon, "bce-edge-prob-0-y1-ls0"),
    "smoothing-toward-one": (SmoothingTowardOne, "bce-edge-logit-16-y1-ls0p1"),
    "ignores-sample-weight": (IgnoresSampleWeight, "seed-002-ex2-weighted"),
    "metric-no-reset": (MetricNoReset, "metric-reset-restores-empty"),
    "relative-error-1e-5": (RelativeError1e5, "seed-004-function"),
    "sum-over-batch-divides-by-batch": (
        SumOverBatchDividesByBatch,
        "bce-loss-sum_over_batch_size-wnone-shape2x3x4-probs",
    ),
    "double-epsilon-in-keras3": (DoubleEpsilonInKeras3, "bce-edge-prob-0-y1-ls0"),
    "focal-mean-over-classes": (
        FocalMeanOverClasses,
        ("seed-001-focal-doc", "focal-loss-default-wnone-shape4x3-probs"),
    ),
    "focal-no-renormalisation": (FocalNoRenormalisation, "focal-edge-unnormalised-ls0-g0"),
    "metric-counts-elements-in-keras3": (MetricCountsElementsInKeras3, "metric-scalar-weight-unequal-batches-w1"),
    "mean-with-sample-weight-counts-elements": (
        MeanWithSampleWeightCountsElements,
        "bce-loss-mean_with_sample_weight-wper-sample-shape4x3-probs",
    ),
    "cce-smoothing-k-from-axis": (CceSmoothingKFromAxis, "cce-axis1-ls-classes-differ"),
    "cce-logits-through-clipped-softmax": (CceLogitsThroughClippedSoftmax, "cce-edge-logits-40-wrong-ls0"),
    "cce-no-renormalisation": (CceNoRenormalisation, "cce-edge-unnormalised-ls0"),
    "cce-mean-over-classes": (CceMeanOverClasses, ("doc-cce-function", "doc-cce-class")),
    "kld-no-clip-of-y-true": (KldNoClipOfYTrue, "kld-edge-all-zero-labels"),
    "kld-mean-over-classes": (KldMeanOverClasses, ("doc-kld-function", "doc-kld-class")),
    "poisson-clip-instead-of-eps": (PoissonClipInsteadOfEps, "poisson-edge-pred-eps"),
    "poisson-sum-over-last-axis": (PoissonSumOverLastAxis, ("doc-poisson-function", "doc-poisson-class")),
    "smoothing-k-from-axis": (SmoothingKFromAxis, "focal-sweep-logits-ls0p1-g0-shape2x3x4-axis1-alphascalar"),
    "bfce-alpha-on-the-wrong-class": (BfceAlphaOnTheWrongClass, "doc-bfce-class-ex1-balanced"),
    "bfce-focal-factor-from-unsmoothed-label": (BfceFocalFactorFromUnsmoothedLabel, "bfce-edge-prob-1em4-y1-ls0p1-g2"),
    "bfce-exact-logits-in-keras3": (BfceExactLogitsInKeras3, "bfce-edge-logit-40-y0-ls0-g2"),
    "gce-multiplies-by-q": (GceMultipliesByQ, ("doc-gce-function", "doc-gce-class")),
    "gce-renormalises": (GceRenormalises, "gce-edge-unnormalised"),
}


# --------------------------------------------------------------------------- metrics and ops (broken)
class CceMetricCountsElementsInKeras3(NumpyKeras3):
    """The CategoricalCrossentropy metric counting elements (keras2's Reduce) as keras3."""

    def metrics_CategoricalCrossentropy(self, **kw):  # noqa: N802
        m = super().metrics_CategoricalCrossentropy(**kw)
        m.impl = NumpyKeras2()
        return m


class KldMetricNoClipOfYTrue(NumpyKeras3):
    """The KLDivergence metric over a KL divergence that does not clip y_true."""

    def metrics_KLDivergence(self):  # noqa: N802
        m = super().metrics_KLDivergence()
        m.fn = KldNoClipOfYTrue().kl_divergence
        return m


class PoissonMetricNoEpsilon(NumpyKeras3):
    """The Poisson metric over ``y_pred - y_true * log(y_pred)``: no epsilon."""

    def metrics_Poisson(self):  # noqa: N802
        m = super().metrics_Poisson()

        def poisson(y_true, y_pred):
            yt, yp = np.broadcast_arrays(np.asarray(y_true, F), np.asarray(y_pred, F))
            with np.errstate(divide="ignore", invalid="ignore"):
                return np.mean(yp - yt * np.log(yp), axis=-1, dtype=F)

        m.fn = poisson
        return m


class BceOpTakesMean(NumpyKeras3):
    """``ops.binary_crossentropy`` as the loss function: a mean over the last axis."""

    def ops_binary_crossentropy(self, target, output, from_logits=False):
        return np.mean(super().ops_binary_crossentropy(target, output, from_logits), axis=-1, dtype=F)


class CceOpTakesMean(NumpyKeras3):
    """``ops.categorical_crossentropy`` averaging over the classes instead of summing."""

    def ops_categorical_crossentropy(self, target, output, from_logits=False, axis=-1):
        out = super().ops_categorical_crossentropy(target, output, from_logits, axis)
        return out / F(np.shape(output)[axis])


BROKEN.update(
    {
        "cce-metric-counts-elements-in-keras3": (
            CceMetricCountsElementsInKeras3,
            "cce-metric-scalar-weight-unequal-batches-w1",
        ),
        "kld-metric-no-clip-of-y-true": (KldMetricNoClipOfYTrue, "kld-metric-edge-saturated-zero-labels"),
        "poisson-metric-no-epsilon": (PoissonMetricNoEpsilon, "poisson-metric-edge-saturated-pred-zero"),
        "bce-op-takes-mean": (BceOpTakesMean, "doc-bce-op"),
        "cce-op-takes-mean": (CceOpTakesMean, "doc-cce-op"),
    }
)


# --------------------------------------------------------------------------- correct, rounded differently
class Float64Inside(NumpyKeras3):
    """Computes in float64 with the same float32 constants; rounds the result once."""

    def binary_crossentropy(self, y_true, y_pred, from_logits=False, label_smoothing=0.0, axis=-1):
        yt = np.asarray(y_true, np.float64)
        yp = np.asarray(y_pred, np.float64)
        if yt.shape != yp.shape:
            raise ValueError("shapes differ")
        if label_smoothing:
            yt = yt * (1.0 - label_smoothing) + 0.5 * label_smoothing
        if from_logits:
            elem = np.maximum(yp, 0) - yp * yt + np.log1p(np.exp(-np.abs(yp)))
        else:
            p = np.clip(yp, float(self.eps), float(F(1) - self.eps))
            elem = -(yt * np.log(p) + (1 - yt) * np.log1p(-p))
        return np.mean(elem, axis=axis).astype(F)


class Float64InsideCce(NumpyKeras3):
    """Categorical crossentropy in float64 (scipy-style logsumexp), rounded once."""

    def categorical_crossentropy(self, y_true, y_pred, from_logits=False, label_smoothing=0.0, axis=-1):
        yt = np.asarray(y_true, np.float64)
        yp = np.asarray(y_pred, np.float64)
        if yt.shape != yp.shape:
            raise ValueError("shapes differ")
        if label_smoothing:
            yt = yt * (1.0 - label_smoothing) + label_smoothing / yt.shape[-1]
        if from_logits:
            m = np.max(yp, axis=axis, keepdims=True)
            log_p = yp - m - np.log(np.sum(np.exp(yp - m), axis=axis, keepdims=True))
        else:
            p = np.clip(yp / np.sum(yp, axis=axis, keepdims=True), float(self.eps), float(F(1) - self.eps))
            log_p = np.log(p)
        return (-np.sum(yt * log_p, axis=axis)).astype(F)


class Log1pVariant(NumpyKeras3):
    """log1p(-p) for log(1 - p): more accurate than Keras, still conformant."""

    def _bce_probs(self, z, p):
        p = np.clip(p, self.eps, F(1.0) - self.eps)
        return -(z * np.log(p) + (F(1) - z) * np.log1p(-p))


class SequentialSums(NumpyKeras3):
    """Left-to-right float32 accumulation instead of numpy's pairwise sums."""

    def _reduce(self, values, w, reduction):
        if reduction in (None, "none") or values.shape in ((), (0,)):
            return values
        total = F(0)
        for v in np.asarray(values, F).ravel()[::-1]:
            total = F(total + v)
        if reduction == "sum":
            return total
        d = np.sum(w, dtype=F) if reduction == "mean_with_sample_weight" and w is not None else F(values.size)
        return F(0) if d == 0 else F(total / d)


ROUNDS_DIFFERENTLY = (Float64Inside, Float64InsideCce, Log1pVariant, SequentialSums)


# --------------------------------------------------------------------------- metrics and ops (rounds differently)
class Float64InsideOps(NumpyKeras3):
    """The crossentropy ops in float64 (log1p for log(1 - p), a float64 log-sum-exp), rounded once."""

    def ops_binary_crossentropy(self, target, output, from_logits=False):
        yt, yp = np.asarray(target, np.float64), np.asarray(output, np.float64)
        if yt.shape != yp.shape:
            raise ValueError("shapes differ")
        if from_logits:
            return (np.maximum(yp, 0) - yp * yt + np.log1p(np.exp(-np.abs(yp)))).astype(F)
        p = np.clip(yp, float(self.eps), float(F(1) - self.eps))
        return (-(yt * np.log(p) + (1 - yt) * np.log1p(-p))).astype(F)

    def ops_categorical_crossentropy(self, target, output, from_logits=False, axis=-1):
        if np.ndim(target) == 0:
            raise ValueError("rank 0")
        return Float64InsideCce.categorical_crossentropy(self, target, output, from_logits=from_logits, axis=axis)


ROUNDS_DIFFERENTLY = ROUNDS_DIFFERENTLY + (Float64InsideOps,)


# --------------------------------------------------------------------------- sparse categorical crossentropy
class ScceIgnoredLossKept(NumpyKeras3):
    """ignore_class masks the entries for the reduction but leaves their loss in the function's output."""

    def _scce(self, y_true, y_pred, from_logits, axis, ignore_class, squeeze_last=False):
        if ignore_class is None:
            return super()._scce(y_true, y_pred, from_logits, axis, None, squeeze_last)
        yt = np.asarray(y_true, F)
        valid = yt != F(ignore_class)
        loss, _ = super()._scce(np.where(valid, yt, F(0)), y_pred, from_logits, axis, None, squeeze_last)
        return loss, valid.reshape(loss.shape)


class ScceMeanOverAllEntries(NumpyKeras3):
    """The loss class zeroes ignored entries but still divides by every entry."""

    def _mask_weight(self, mask, reduction):
        return mask.astype(F)


class ScceOpNoRenormalisation(NumpyKeras3):
    """The op clips and logs y_pred without dividing by its row sum first."""

    def _scce_log_probs(self, x, from_logits):
        if from_logits:
            return super()._scce_log_probs(x, True)
        return np.log(np.clip(x, self.eps, F(1.0) - self.eps))

    def sparse_categorical_crossentropy(self, *a, **k):
        return NumpyKeras3().sparse_categorical_crossentropy(*a, **k)


# --------------------------------------------------------------------------- CTC
def _ctc_forward(logp, label, blank, dtype, skip_repeats=False):
    """-log P of one sample from float log-probabilities ``logp`` (T, K): the forward
    recursion in log space over ``[blank, l1, blank, ..., lL, blank]``, in ``dtype``."""
    ext = [blank]
    for c in label:
        ext += [int(c), blank]
    n, t_len = len(ext), logp.shape[0]
    if t_len == 0:
        return dtype(np.inf) if label else dtype(0)
    ninf = dtype(-np.inf)
    a = np.full(n, ninf, dtype)
    a[0] = logp[0, ext[0]]
    if n > 1:
        a[1] = logp[0, ext[1]]
    for t in range(1, t_len):
        new = np.full(n, ninf, dtype)
        for s in range(n):
            terms = [a[s]] + ([a[s - 1]] if s >= 1 else [])
            if s % 2 == 1 and s >= 2 and (skip_repeats or ext[s] != ext[s - 2]):
                terms.append(a[s - 2])
            m = max(terms)
            if m != ninf:
                new[s] = dtype(m + np.log(np.sum(np.exp(np.asarray(terms, dtype) - m), dtype=dtype)) + logp[t, ext[s]])
        a = new
    last = a[-2:] if n > 1 else a[-1:]
    m = np.max(last)
    if m == ninf:
        return dtype(np.inf)
    return dtype(-(m + np.log(np.sum(np.exp(last - m), dtype=dtype))))


class CtcFloat32(NumpyKeras3):
    """CTC in float32: log_softmax, then a 3-term log-sum-exp forward recursion per state
    (another grouping than any Keras backend's): correct, so it must pass."""

    ctc_dtype = F
    skip_repeats = False

    def _logp(self, x):
        d = self.ctc_dtype
        x = np.asarray(x, d)
        m = np.max(x, axis=-1, keepdims=True)
        return (x - m - np.log(np.sum(np.exp(x - m), axis=-1, keepdims=True))).astype(d)

    def _blank(self, mask_index, k):
        return int(mask_index)

    def ops_ctc_loss(self, target, output, target_length, output_length, mask_index=0):
        target, output = np.asarray(target), np.asarray(output, F)
        if not target.shape[0] == output.shape[0] == len(target_length) == len(output_length):
            raise ValueError("batch sizes differ")
        logp = self._logp(output)
        blank = self._blank(mask_index, output.shape[-1])
        out = [
            _ctc_forward(logp[b, : int(output_length[b])], list(target[b, : int(target_length[b])]), blank,
                         self.ctc_dtype, self.skip_repeats)
            for b in range(target.shape[0])
        ]  # fmt: skip
        return np.asarray(out, F)

    def ctc(self, y_true, y_pred):
        yt, yp = np.asarray(y_true), np.asarray(y_pred, F)
        if yt.ndim != 2 or yp.ndim != 3:
            raise ValueError("ctc needs y_true (B, L) and y_pred (B, T, K)")
        return self.ops_ctc_loss(yt, yp, np.sum(yt != 0, axis=-1), np.full(yp.shape[:1], yp.shape[1]))

    def CTC(self, reduction="sum_over_batch_size"):  # noqa: N802
        return self._loss_class(self.ctc, reduction, {})


class CtcFloat64(CtcFloat32):
    """The same in float64, rounded once."""

    ctc_dtype = np.float64


class CtcNoBlankBetweenRepeats(CtcFloat32):
    """Lets a repeated label skip the blank between its copies (more paths, a lower loss)."""

    skip_repeats = True


class CtcBlankLast(CtcFloat32):
    """keras2's blank (the last class) in ``losses.ctc``."""

    def ctc(self, y_true, y_pred):
        yt, yp = np.asarray(y_true), np.asarray(y_pred, F)
        return self.ops_ctc_loss(yt, yp, np.sum(yt != 0, axis=-1), np.full(yp.shape[:1], yp.shape[1]),
                                 mask_index=yp.shape[-1] - 1)  # fmt: skip


class CtcClassWithoutLogSoftmax(CtcFloat32):
    """The loss class reads the logits as log-probabilities (no log_softmax)."""

    def CTC(self, reduction="sum_over_batch_size"):  # noqa: N802
        def fn(yt, yp):
            yt, yp = np.asarray(yt), np.asarray(yp, F)
            return np.asarray(
                [_ctc_forward(yp[b], list(yt[b, : int(np.sum(yt[b] != 0))]), 0, F) for b in range(yt.shape[0])], F
            )

        return self._loss_class(fn, reduction, {})


class CtcBatchCostFloat32(NumpyKeras2):
    """keras2 ``backend.ctc_batch_cost`` in float32: softmax(log(y + eps)), blank K - 1."""

    blank_last = True

    def backend_ctc_batch_cost(self, y_true, y_pred, input_length, label_length):
        yt, yp = np.asarray(y_true), np.asarray(y_pred, F)
        il, ll = np.asarray(input_length), np.asarray(label_length)
        if il.ndim != 2 or ll.ndim != 2:
            raise ValueError("lengths must be (B, 1)")
        if np.any(ll == 0) or np.any(ll > il) or np.any(il > yp.shape[1]):
            raise ValueError("tf.compat.v1.nn.ctc_loss rejects these lengths")
        logp = CtcFloat32._logp(CtcFloat32(), np.log(yp + self.eps))
        blank = yp.shape[-1] - 1 if self.blank_last else 0
        out = [
            _ctc_forward(logp[b, : int(il[b, 0])], list(yt[b, : int(ll[b, 0])]), blank, F) for b in range(yt.shape[0])
        ]
        return np.asarray(out, F)[:, None]


class CtcBatchCostBlankFirst(CtcBatchCostFloat32):
    """keras3's blank (class 0) in keras2's ``ctc_batch_cost``."""

    blank_last = False


BROKEN.update(
    {
        "scce-ignored-loss-kept": (ScceIgnoredLossKept, "scce-ignore-all-but-one"),
        "scce-mean-over-all-entries": (ScceMeanOverAllEntries, "scce-loss-ignore-default-wnone-one"),
        "scce-op-no-renormalisation": (ScceOpNoRenormalisation, "scceop-edge-unnormalised-small"),
    }
)


class Float64InsideScce(NumpyKeras3):
    """Sparse categorical crossentropy's log-probabilities in float64, rounded once."""

    def _scce_log_probs(self, x, from_logits):
        x = np.asarray(x, np.float64)
        if from_logits:
            m = np.max(x, axis=-1, keepdims=True)
            return x - m - np.log(np.sum(np.exp(x - m), axis=-1, keepdims=True))
        p = np.clip(x / np.sum(x, axis=-1, keepdims=True), float(self.eps), float(F(1) - self.eps))
        return np.log(p)


ROUNDS_DIFFERENTLY = ROUNDS_DIFFERENTLY + (Float64InsideScce,)


class Float64InsideBfce(NumpyKeras3):
    """Binary focal crossentropy in float64 (exact sigmoid, log1p), the float32 constants
    and the clip of Keras 3, rounded once."""

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
        yt, yp = np.asarray(y_true, np.float64), np.asarray(y_pred, np.float64)
        if yt.shape != yp.shape:
            raise ValueError("shapes differ")
        if label_smoothing:
            yt = yt * (1.0 - label_smoothing) + 0.5 * label_smoothing
        with np.errstate(over="ignore"):
            s = 1 / (1 + np.exp(-yp)) if from_logits else yp
        p = np.clip(s, float(self.eps), float(F(1) - self.eps))
        bce = -(yt * np.log(p) + (1 - yt) * np.log1p(-p))
        loss = (1 - (yt * s + (1 - yt) * (1 - s))) ** float(gamma) * bce
        if apply_class_balancing:
            loss = (yt * alpha + (1 - yt) * (1 - alpha)) * loss
        return np.mean(loss, axis=axis).astype(F)


class Float64InsideGce(NumpyKeras3):
    """Generalized cross entropy in float64 (``-expm1(q log p) / q``), rounded once."""

    def categorical_generalized_cross_entropy(self, y_true, y_pred, q):
        yp = np.asarray(y_pred, np.float64)
        labels = np.trunc(np.asarray(y_true, np.float64)).astype(np.int64)
        p = np.sum(yp * (labels[..., None] == np.arange(yp.shape[-1])), axis=-1)
        with np.errstate(divide="ignore"):
            return (-np.expm1(q * np.log(p)) / q).astype(F)


ROUNDS_DIFFERENTLY = ROUNDS_DIFFERENTLY + (Float64InsideBfce, Float64InsideGce)

BROKEN.update(
    {
        "ctc-op-no-blank-between-repeats": (CtcNoBlankBetweenRepeats, "ctc-op-limit-repeat-needs-the-blank-exactly"),
        "ctc-function-blank-last": (CtcBlankLast, "keras-test-ctc-function"),
        "ctc-class-without-log-softmax": (CtcClassWithoutLogSoftmax, "keras-test-ctc-class"),
    }
)
#: broken keras2 candidates: (class, a keras2 case id that must fail)
BROKEN_KERAS2 = {"ctc-batch-cost-blank-first": (CtcBatchCostBlankFirst, "ctc-k2-limit-repeat-needs-the-blank-exactly")}
ROUNDS_DIFFERENTLY = ROUNDS_DIFFERENTLY + (CtcFloat32, CtcFloat64)
#: correct keras2 candidates that round differently: they must pass
ROUNDS_DIFFERENTLY_KERAS2 = (CtcBatchCostFloat32,)


# --------------------------------------------------------------------------- the SCCE metric (broken)
class ScceMetricCountsElementsInKeras3(NumpyKeras3):
    """The SparseCategoricalCrossentropy metric counting elements (keras2's Reduce) as keras3."""

    def metrics_SparseCategoricalCrossentropy(self, **kw):  # noqa: N802
        m = super().metrics_SparseCategoricalCrossentropy(**kw)
        m.impl = NumpyKeras2()
        return m


BROKEN["scce-metric-counts-elements-in-keras3"] = (ScceMetricCountsElementsInKeras3, "scce-metric-stream-004")


class ScceMetricDropsMaskWithWeight(NumpyKeras3):
    """The SparseCategoricalCrossentropy metric with ``ignore_class`` ignoring the mask when a
    ``sample_weight`` is given: the ignored entries still count in ``count``."""

    def _metric_mask_weight(self, mask, w):
        return w


BROKEN["scce-metric-drops-mask-with-weight"] = (ScceMetricDropsMaskWithWeight, "scce-metric-ignore-weighted-ones")


# --------------------------------------------------------------------------- gradients (issue #14)
class GradNaiveLogits(NumpyKeras3):
    """The logits gradient through the probability path: sigmoid, then the clipped
    probability derivative ``-z/s + (1-z)/(1-s)`` times ``s (1 - s)``: a saturated sigmoid
    is clipped and its gradient stopped, where ``sigmoid(x) - z`` is exact."""

    def _bce_grad(self, z, yp, from_logits):
        if not from_logits:
            return super()._bce_grad(z, yp, False)
        with np.errstate(over="ignore"):
            s = F(1) / (F(1) + np.exp(-yp))
        return super()._bce_grad(z, s, False) * s * (F(1) - s)


class GradClipStopsInside(NumpyKeras3):
    """A clip whose gradient is stopped inside the bounds (and passed outside)."""

    def _bce_grad(self, z, yp, from_logits):
        if from_logits:
            return super()._bce_grad(z, yp, True)
        inside = (yp >= self.eps) & (yp <= F(1) - self.eps)
        p = np.clip(yp, self.eps, F(1) - self.eps)
        return np.where(inside, F(0), -z / p + (F(1) - z) / (F(1) - p)).astype(F)


class GradReductionWrongCount(NumpyKeras3):
    """sum_over_batch_size's gradient scaled by 1 / batch size, not 1 / the values' count."""

    def _cotangent(self, values_shape, sample_weight, reduction):
        c = super()._cotangent(values_shape, sample_weight, reduction)
        if reduction in ("sum_over_batch_size", "mean") and len(values_shape) > 1:
            c = c * F(np.prod(values_shape)) / F(values_shape[0])
        return c


class GradFloat64Inside(NumpyKeras3):
    """Correct: the elementwise BCE derivative in float64, rounded once to float32."""

    def _bce_grad(self, z, yp, from_logits):
        z64, x = np.asarray(z, np.float64), np.asarray(yp, np.float64)
        if from_logits:
            return (1 / (1 + np.exp(-x)) - z64).astype(F)
        eps = np.float64(self.eps)
        hi = np.float64(F(1) - self.eps)
        p = np.clip(x, eps, hi)
        return np.where((x >= eps) & (x <= hi), -z64 / p + (1 - z64) / (1 - p), 0).astype(F)


BROKEN.update(
    {
        "grad-naive-logits": (GradNaiveLogits, "grad-bce-edge-logit-m40-ls0"),
        "grad-clip-stops-inside": (GradClipStopsInside, "grad-bce-sweep-probs-ls0-shape5x-axism1-hard"),
        "grad-reduction-wrong-count": (
            GradReductionWrongCount,
            (
                "grad-bce-loss-sum_over_batch_size-wnone-shape2x3x4-probs",
                "grad-cce-loss-sum_over_batch_size-wnone-shape2x3x4-probs",
            ),
        ),
    }
)
ROUNDS_DIFFERENTLY = ROUNDS_DIFFERENTLY + (GradFloat64Inside,)


class GradCceAssumesNormalisedLabels(NumpyKeras3):
    """The logits gradient softmax - z, which assumes each row's labels sum to 1 (the
    kernel gradient of tf.nn.softmax_cross_entropy_with_logits)."""

    def _cce_label_sum(self, z, axis):
        return F(1)


class GradKldClipPassesEverywhere(NumpyKeras3):
    """The clip of y_pred passing the gradient outside [eps, 1] too (a straight-through clip)."""

    def _vjp_kl_divergence(self, y_true, y_pred, cot):
        yp0 = np.asarray(y_pred, F)
        yt, yp = np.broadcast_arrays(np.clip(np.asarray(y_true, F), self.eps, F(1)), yp0)
        g = -yt / np.clip(yp, self.eps, F(1)) * np.expand_dims(np.asarray(cot, F), -1)
        return np.sum(g, axis=tuple(range(g.ndim - yp0.ndim)), dtype=F).reshape(yp0.shape)


class GradPoissonWithoutEps(NumpyKeras3):
    """1 - y / p: the gradient of a log without Keras' epsilon."""

    def _vjp_poisson(self, y_true, y_pred, cot):
        yp = np.asarray(y_pred, F)
        with np.errstate(divide="ignore", invalid="ignore"):
            g = (F(1) - np.asarray(y_true, F) / yp) * (np.expand_dims(np.asarray(cot, F), -1) / F(yp.shape[-1]))
        return g.astype(F)


BROKEN.update(
    {
        "grad-cce-assumes-normalised-labels": (GradCceAssumesNormalisedLabels, "grad-cce-edge-logits-labels-sum-2"),
        "grad-kld-clip-passes-everywhere": (
            GradKldClipPassesEverywhere,
            ("grad-kld-edge-pred-2", "grad-kld-loss-edge-clipped"),
        ),
        "grad-poisson-without-eps": (GradPoissonWithoutEps, ("grad-poisson-edge-pred-0", "grad-doc-poisson-class")),
    }
)


# --------------------------------------------------------------------------- gradients, phase 2 (issue #14)
class GradScceIgnoredRowsGetGradient(NumpyKeras3):
    """ignore_class masking the loss value only: an ignored row's y_pred still gets the
    gradient of its (label 0) loss."""

    def _vjp_sparse_categorical_crossentropy(self, y_true, y_pred, cot, from_logits=False, ignore_class=None, axis=-1):
        yp = np.asarray(y_pred, F)
        ints, valid, x = self._scce_rows(y_true, yp, axis, ignore_class, False)
        c = np.asarray(cot, F).reshape(valid.shape)
        c = np.where(valid, c, F(1))[..., None]
        g = (self._scce_row_grad(ints, x, from_logits) * c).astype(F)
        ax = axis % yp.ndim
        return np.moveaxis(g.reshape(np.moveaxis(yp, ax, -1).shape), -1, ax)


class GradFocalFactorConstant(NumpyKeras3):
    """The focal factor (1 - p)^gamma treated as a constant (a stop-gradient on it)."""

    def _focal_factor_grad(self, q, log_p, gamma):
        return np.zeros_like(q)


class GradGceWrongExponent(NumpyKeras3):
    """-p^q for d/dp (1 - p^q) / q = -p^(q - 1): the exponent one too high."""

    def _vjp_categorical_generalized_cross_entropy(self, y_true, y_pred, cot, q):
        yp = np.asarray(y_pred, F)
        labels = np.trunc(np.asarray(y_true, F)).astype(np.int64)
        one_hot = (labels[..., None] == np.arange(yp.shape[-1])).astype(F)
        p = np.sum(yp * one_hot, axis=-1, dtype=F)
        d = -np.power(p, F(q)) * np.asarray(cot, F)
        return (one_hot * d[..., None]).astype(F).reshape(yp.shape)


class GradBfceFocalFactorConstant(NumpyKeras3):
    """Binary focal crossentropy's focal factor (1 - p_t) ** gamma treated as a constant (a
    stop-gradient on it): only F * dbce is left, the F' (1 - 2z) bce term is dropped."""

    def _bfce_focal_slope(self, f, g):
        return np.zeros_like(f)


BROKEN.update(
    {
        "grad-scce-ignored-rows-get-gradient": (
            GradScceIgnoredRowsGetGradient,
            ("grad-scce-sweep-probs-shape2x4-ignorem1", "grad-scce-loss-ignore-sum-wnone"),
        ),
        "grad-focal-factor-constant": (
            GradFocalFactorConstant,
            ("grad-focal-sweep-probs-g2-shape2x4-axism1", "grad-focal-loss-sum-wnone-shape4x3-logits"),
        ),
        "grad-gce-wrong-exponent": (GradGceWrongExponent, ("grad-doc-gce-function", "grad-doc-gce-class")),
        "grad-bfce-focal-factor-constant": (
            GradBfceFocalFactorConstant,
            ("grad-bfce-sweep-probs-ls0p1-g2-shape3x4-axis0-hard", "grad-doc-bfce-class-ex1"),
        ),
    }
)


class GradCtcWithoutSoftmaxJacobian(NumpyKeras3):
    """CTC's gradient with respect to the log-probabilities (-posterior) handed back as the
    gradient of the logits: the log-softmax's Jacobian (the + softmax term) forgotten."""

    def _ctc_grad_logp(self, p, gamma):
        return -gamma


BROKEN.update(
    {
        "grad-ctc-without-softmax-jacobian": (
            GradCtcWithoutSoftmaxJacobian,
            ("grad-ctc-sweep-b1-t4-k3-random", "grad-ctc-loss-sum-wnone-shape4x3-probs"),
        ),
    }
)


# --------------------------------------------------------------------------- the whole candidate in float64
@functools.cache
def _float64_module():
    """The example candidate's module re-executed with ``F = float64``: every array, product,
    log and sum in double precision, while the constants stay the float32 values Keras
    uses (epsilon and the upper clip bound ``1 - 2^-23``). Each substitution must match,
    so a change to the example's spelling fails loudly here instead of testing less."""
    import re
    import types
    from pathlib import Path

    import kc_numpy_candidate

    src = Path(kc_numpy_candidate.__file__).read_text(encoding="utf-8")
    subs = (
        (r"^F = np\.float32$", "F = np.float64"),
        (r"eps = F\(1e-7\)", "eps = np.float64(np.float32(1e-7))"),
        (r"F\(1(\.0)?\) - self\.eps", "np.float64(np.float32(1 - 1e-7))"),
    )
    for pattern, repl in subs:
        src, n = re.subn(pattern, repl, src, flags=re.M)
        assert n, f"the example candidate no longer spells {pattern!r}"
    mod = types.ModuleType("kc_numpy_candidate_float64")
    exec(compile(src, "kc_numpy_candidate_float64", "exec"), mod.__dict__)  # noqa: S102 - our own example
    return mod


def _widen(v):
    if isinstance(v, np.ndarray) and v.dtype == np.float32:
        return v.astype(np.float64)
    return np.float64(v) if isinstance(v, np.float32) else v


class _Wrapped:
    """``inner`` with every argument mapped through ``arg`` and every array it returns
    through ``out``; what it returns that is neither (a loss object, a metric) is wrapped
    the same way, so its calls and ``result()`` are mapped too."""

    def __init__(self, inner, arg=lambda v: v, out=lambda v: v):
        self._inner, self._arg, self._out = inner, arg, out

    def __call__(self, *args, **kwargs):
        return self._call(self._inner, args, kwargs)

    def __getattr__(self, name):
        attr = getattr(self._inner, name)
        if name.startswith("_") or not callable(attr) or isinstance(attr, type):
            return attr
        return lambda *args, **kwargs: self._call(attr, args, kwargs)

    def _call(self, fn, args, kwargs):
        out = fn(*[self._arg(a) for a in args], **{k: self._arg(v) for k, v in kwargs.items()})
        if isinstance(out, tuple | list):
            return type(out)(self._out(o) for o in out)
        if out is None or isinstance(out, np.ndarray | np.generic | float | int | dict):
            return self._out(out)
        return _Wrapped(out, self._arg, self._out)


class WholeCandidateFloat64(_Wrapped):
    """Correct: every API (values, metrics, ops, gradients) computed in float64 with Keras'
    float32 constants, the results handed back unrounded. More accurate than any float32
    backend, so the tolerance rule must let it through everywhere."""

    def __init__(self):
        super().__init__(_float64_module().NumpyKeras3(), arg=_widen)


class WholeCandidateFloat64Keras2(_Wrapped):
    """``WholeCandidateFloat64`` for the keras2 profile."""

    def __init__(self):
        super().__init__(_float64_module().NumpyKeras2(), arg=_widen)


def uniform_relative_error(r: float, profile: str = "keras3") -> _Wrapped:
    """Broken: the example candidate with every floating result ``(1 + r)`` times too large
    (in float64, so the error is exactly ``r`` and not rounded away)."""

    def out(v):
        if isinstance(v, np.ndarray | np.floating) and np.asarray(v).dtype.kind == "f":
            return np.asarray(v, np.float64) * (1 + r)
        return v

    return _Wrapped(NumpyKeras3() if profile == "keras3" else NumpyKeras2(), out=out)


ROUNDS_DIFFERENTLY = ROUNDS_DIFFERENTLY + (WholeCandidateFloat64,)
ROUNDS_DIFFERENTLY_KERAS2 = ROUNDS_DIFFERENTLY_KERAS2 + (WholeCandidateFloat64Keras2,)
