"""Keras' ``MeanMetricWrapper`` metrics as state machines: ``update_state``, ``result``,
``reset_state``, around any reference loss function.

``MeanMetricWrapper(fn, profile=..., **fn_kwargs)`` is the state machine of both profiles'
``MeanMetricWrapper(fn, **kwargs)`` (keras3 ``metrics/reduction_metrics.py``, keras2
tf_keras ``metrics/base_metric.py``); ``mean_metric(fn)`` makes the class of one metric
(``BinaryCrossentropyMetric = mean_metric(binary_crossentropy)``), called as
``Cls(profile=..., **params)`` with the metric's parameters passed on to ``fn``.

State is ``total`` and ``count``; ``result() = divide_no_nan(total, count)``, so the empty
state's result is 0. Each ``update_state(y_true, y_pred, sample_weight)`` computes the
per-sample values ``v = fn(y_true, y_pred, **fn_kwargs)`` and then, per
``Profile.metric_count``:

* keras2, counts **elements** (``Reduce.update_state``): the weight is rank-fixed like
  the loss's (a (B,) weight against (B,T) values gets a trailing 1) and broadcast to the
  values; ``total += sum(v*w)``, ``count += sum(broadcast w)`` (or ``size(v)``). A scalar
  weight therefore counts every element of every batch.
* keras3, counts **samples** (``Mean.update_state`` / ``reduce_to_samplewise_values``):
  values are mean-reduced down to the weight's rank, the weight is broadcast to them,
  multiplied in, and both are mean-reduced to one per sample; ``total += sum``,
  ``count += sum(per-sample w)`` (or the batch size; 1 for a scalar value). A scalar
  weight counts each *batch* once: batches of 2 and 1 samples with w=1 give keras2
  0.9608008 and keras3 1.2962472 (docs/semantics.md §5).

keras2 also fixes y_true's rank against y_pred's (``squeeze_or_expand_dimensions``: (n,) vs
(n,1) works); keras3 does not (the function then sees the shapes as given). The same
wrapper serves every metric of docs/semantics.md §18: ``BinaryCrossentropy``,
``CategoricalCrossentropy``, ``KLDivergence``, ``Poisson`` (both profiles count the same way
for all of them, verified in keras 3.15.1 ``metrics/probabilistic_metrics.py`` and tf_keras
2.21 ``metrics/probabilistic_metrics.py``: each is a ``MeanMetricWrapper`` of its function).
A function that masks its output (sparse CE with ``ignore_class``; ``_values`` returns the
mask) is read differently by the profiles (§18.1):

* keras3 (``reduce_to_samplewise_values``) reads the values' mask only when a weight is
  given: ``apply_mask(w, mask, reduction="sum")`` makes the weight ``w * mask`` (the two
  lined up by ``squeeze_or_expand_to_same_rank``). Without a weight the ignored entries add
  0 to ``total`` but still count: y = [1, 2, -1, 0] gives 0.71617603 (count 4), with
  ``sample_weight=ones(4)`` 0.9549014 (count 3), the loss's value.
* keras2 (``MeanMetricWrapper.update_state``: ``apply_valid_mask`` with the metric's
  ``WEIGHTED_MEAN``, so no rescaling) always weighs by the mask, ``mask * w`` with ``w``
  lined up by ``squeeze_or_expand_dimensions``: the mean over the valid entries.
"""

from __future__ import annotations

from collections.abc import Callable

import mpmath
import numpy as np

from reference.bce import binary_crossentropy
from reference.cce import categorical_crossentropy
from reference.errors import SpecError
from reference.floats import at_reference_precision, mpf_array
from reference.kld import kl_divergence
from reference.losses import align_weight_keras2, same_rank_shapes
from reference.poisson import poisson
from reference.profiles import Profile, get_profile
from reference.scce import _scce, sparse_categorical_crossentropy
from reference.tracked import Tracked

__all__ = [
    "MeanMetricWrapper",
    "mean_metric",
    "BinaryCrossentropyMetric",
    "CategoricalCrossentropyMetric",
    "KLDivergenceMetric",
    "PoissonMetric",
    "SparseCategoricalCrossentropyMetric",
]


def _mean_trailing(t: Tracked, keep: int) -> Tracked:
    """Mean over every axis from ``keep`` on (``reduce_fn(values, axis=range(keep, ndim))``)."""
    axes = tuple(range(keep, len(t.shape)))
    return t.mean(axis=axes) if axes else t


class MeanMetricWrapper:
    """``MeanMetricWrapper(fn, **fn_kwargs)`` in one profile. ``fn`` is a reference loss
    function ``fn(y_true, y_pred, *, profile, **fn_kwargs) -> Tracked`` (per-sample values)."""

    #: the wrapped reference function, when a subclass fixes it (``mean_metric``)
    fn: Callable[..., Tracked] | None = None

    def __init__(self, fn: Callable[..., Tracked] | None = None, *, profile: str | Profile = "keras3", **fn_kwargs):
        if fn is not None:
            self.fn = fn
        if self.fn is None:
            raise TypeError("MeanMetricWrapper needs the function it wraps")
        self.profile = get_profile(profile)
        self.fn_kwargs = fn_kwargs
        self.reset_state()

    def reset_state(self) -> None:
        """Zero ``total`` and ``count``."""
        self.total = Tracked.zero()
        self.count = mpmath.mpf(0)
        self.count_terms = 0

    @at_reference_precision
    def update_state(self, y_true, y_pred, sample_weight=None) -> None:
        """Accumulate one batch; a rejected batch leaves the state as it was."""
        yt, yp = np.asarray(y_true, dtype=np.float32), np.asarray(y_pred, dtype=np.float32)
        count_elements = self.profile.metric_count == "elements"
        if count_elements:  # keras2 remove_squeezable_dimensions: squeeze a trailing 1
            if yp.ndim == yt.ndim + 1 and yp.shape[-1] == 1:
                yp = yp.reshape(yp.shape[:-1])
            elif yt.ndim == yp.ndim + 1 and yt.shape[-1] == 1:
                yt = yt.reshape(yt.shape[:-1])
        values, mask = self._values(yt, yp)
        if mask is not None and (sample_weight is not None or count_elements):
            sample_weight = self._masked_weight(mask, sample_weight, count_elements)
        if sample_weight is None:
            if count_elements:
                n = values.value.size
            else:  # reduce_to_samplewise_values: one mean value per sample, then count samples
                values = _mean_trailing(values, 1)
                n = values.shape[0] if values.shape else 1
            self._accumulate(values.sum(), mpmath.mpf(n), 0)
            return
        w = mpf_array(np.asarray(sample_weight, dtype=np.float32))
        if count_elements:
            vshape, w = align_weight_keras2(values.shape, w)
            values = values.reshape(vshape)
            try:
                wb = np.broadcast_to(w, vshape)
            except ValueError:  # Reduce: mean-reduce the values down to the weight's rank
                values = _mean_trailing(values, w.ndim)
                try:
                    wb = np.broadcast_to(w, values.shape)
                except ValueError:
                    raise SpecError(
                        "weight_shape", f"sample_weight of shape {w.shape} does not broadcast to {values.shape}"
                    ) from None
            self._accumulate(values.weighted(wb).sum(), mpmath.fsum(wb.ravel()), wb.size)
            return
        vshape, wshape = same_rank_shapes(values.shape, w.shape)
        values, w = values.reshape(vshape), w.reshape(wshape)
        if values.value.ndim > w.ndim:
            values = _mean_trailing(values, w.ndim)
        try:
            wb = np.broadcast_to(w, values.shape)
        except ValueError:
            raise SpecError(
                "weight_shape", f"sample_weight of shape {w.shape} does not broadcast to {values.shape}"
            ) from None
        weighted = values.weighted(wb)
        per_sample_w = wb
        if w.ndim > 1:
            per_sample_w = np.asarray(
                [mpmath.fsum(row.ravel()) / row.size for row in wb.reshape(wb.shape[0], -1)], dtype=object
            )
        weighted = _mean_trailing(weighted, 1)
        self._accumulate(weighted.sum(), mpmath.fsum(np.asarray(per_sample_w).ravel()), wb.size)

    def _values(self, yt: np.ndarray, yp: np.ndarray) -> tuple[Tracked, np.ndarray | None]:
        """The per-sample values of one batch, and the Keras mask the function attaches to
        them (None: the functions other than sparse CE with ``ignore_class`` attach none)."""
        return self.fn(yt, yp, profile=self.profile, **self.fn_kwargs), None

    @staticmethod
    def _masked_weight(mask: np.ndarray, sample_weight, count_elements: bool) -> np.ndarray:
        """The weight the profile's wrapper makes of a mask and ``sample_weight`` (the
        module): float32 ``w * mask``, exact (the mask is 0 or 1)."""
        m = np.asarray(mask, dtype=np.float32)
        if sample_weight is None:  # keras2 only: the mask is the weight
            return m
        w = np.asarray(sample_weight, dtype=np.float32)
        if count_elements:  # squeeze_or_expand_dimensions(mask, sample_weight=w)
            _, w = align_weight_keras2(m.shape, w)
        else:  # squeeze_or_expand_to_same_rank(mask, w)
            ms, ws = same_rank_shapes(m.shape, w.shape)
            m, w = m.reshape(ms), w.reshape(ws)
        try:
            return w * m
        except ValueError:
            raise SpecError(
                "weight_shape", f"sample_weight of shape {w.shape} does not broadcast to the mask's {m.shape}"
            ) from None

    def _accumulate(self, batch_total: Tracked, batch_count, count_terms: int) -> None:
        self.total = self.total.add(batch_total)
        self.count += batch_count
        self.count_terms += count_terms

    @at_reference_precision
    def result(self) -> Tracked:
        """``divide_no_nan(total, count)``."""
        if self.count == 0:
            return Tracked.zero()
        t = self.total.scale(1 / self.count)
        return Tracked(t.value, t.budget, t.magnitude, t.terms + self.count_terms)


def mean_metric(fn: Callable[..., Tracked], name: str | None = None) -> type[MeanMetricWrapper]:
    """The metric class ``Cls(profile=..., **params)`` that wraps the reference function
    ``fn``: ``Cls(**params)`` is ``MeanMetricWrapper(fn, **params)``."""
    cls_name = name or f"{fn.__name__}_metric"
    doc = f"``MeanMetricWrapper({fn.__module__}.{fn.__name__})``: a metric over that reference function."
    return type(cls_name, (MeanMetricWrapper,), {"fn": staticmethod(fn), "__doc__": doc, "__module__": __name__})


#: ``keras.metrics.BinaryCrossentropy(from_logits, label_smoothing)`` (docs/semantics.md §5)
BinaryCrossentropyMetric = mean_metric(binary_crossentropy, "BinaryCrossentropyMetric")
#: ``keras.metrics.CategoricalCrossentropy(from_logits, label_smoothing, axis)`` (§18)
CategoricalCrossentropyMetric = mean_metric(categorical_crossentropy, "CategoricalCrossentropyMetric")
#: ``keras.metrics.KLDivergence()`` (§18; keras2's default name differs, not its values)
KLDivergenceMetric = mean_metric(kl_divergence, "KLDivergenceMetric")
#: ``keras.metrics.Poisson()`` (§18)
PoissonMetric = mean_metric(poisson, "PoissonMetric")


class SparseCategoricalCrossentropyMetric(MeanMetricWrapper):
    """``keras.metrics.SparseCategoricalCrossentropy(from_logits, ignore_class, axis)``: a
    ``MeanMetricWrapper`` of ``sparse_categorical_crossentropy`` that reads the mask the
    function attaches with ``ignore_class`` (the module; docs/semantics.md §18.1)."""

    fn = staticmethod(sparse_categorical_crossentropy)

    def _values(self, yt, yp):
        kw = {"from_logits": False, "ignore_class": None, "axis": -1, **self.fn_kwargs}
        return _scce(yt, yp, prof=self.profile, squeeze="axis", **kw)
