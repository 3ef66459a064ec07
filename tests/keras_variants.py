"""Deliberately broken variants of real Keras 3 (for tests/test_keras_e2e.py).

Each overrides one API with a method of that API's name (``conformance.candidates.resolve``
prefers it over the Keras namespace) and breaks it in one way."""

from __future__ import annotations

import numpy as np

from conformance.candidates.keras3 import Keras3Candidate


class WrongEpsilon(Keras3Candidate):
    """Keras with epsilon 1e-6 (``keras.config.set_epsilon``)."""

    def binary_crossentropy(self, *a, **k):
        keras = self.namespace
        old = keras.config.epsilon()
        keras.config.set_epsilon(1e-6)
        try:
            return self.to_numpy(keras.losses.binary_crossentropy(*a, **k))
        finally:
            keras.config.set_epsilon(old)


class SmoothingDoubled(Keras3Candidate):
    """Label smoothing applied twice as strongly."""

    def binary_crossentropy(self, y_true, y_pred, label_smoothing=0.0, **k):
        return self.namespace.losses.binary_crossentropy(
            y_true, y_pred, label_smoothing=min(1.0, 2 * label_smoothing), **k
        )


class SumInsteadOfMean(Keras3Candidate):
    """The loss class reduces sum_over_batch_size as a sum."""

    def BinaryCrossentropy(self, reduction="sum_over_batch_size", **params):  # noqa: N802
        return self.namespace.losses.BinaryCrossentropy(
            reduction="sum" if reduction == "sum_over_batch_size" else reduction, **params
        )


class MetricNoReset(Keras3Candidate):
    def metrics_BinaryCrossentropy(self, **params):  # noqa: N802
        m = self.namespace.metrics.BinaryCrossentropy(**params)
        m.reset_state = lambda: None
        return m


class MeanWithSampleWeightCountsElements(Keras3Candidate):
    """``mean_with_sample_weight`` divided by the element count (a Keras 3 that mixes it up
    with ``sum_over_batch_size``): the default run must catch it."""

    def BinaryCrossentropy(self, reduction="sum_over_batch_size", **params):  # noqa: N802
        if reduction == "mean_with_sample_weight":
            reduction = "sum_over_batch_size"
        return self.namespace.losses.BinaryCrossentropy(reduction=reduction, **params)


class RelativeError1e5(Keras3Candidate):
    def categorical_focal_crossentropy(self, *a, **k):
        return np.float32(1 + 1e-5) * self.to_numpy(self.namespace.losses.categorical_focal_crossentropy(*a, **k))


BROKEN = {
    WrongEpsilon: "bce-edge-prob-0-y1-ls0",
    SmoothingDoubled: "bce-edge-logit-16-y1-ls0p1",
    SumInsteadOfMean: "seed-002-ex2",
    MetricNoReset: "metric-reset-restores-empty",
    MeanWithSampleWeightCountsElements: "bce-loss-mean_with_sample_weight-wper-sample-shape4x3-probs",
    RelativeError1e5: "seed-001-focal-doc",
}
