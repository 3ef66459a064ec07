"""Deliberately broken variants of real Keras 3 (for tests/test_keras_e2e.py)."""

from __future__ import annotations

import numpy as np

from conformance.candidates.keras3 import Keras3Candidate


class WrongEpsilon(Keras3Candidate):
    """Keras with epsilon 1e-6 (``keras.config.set_epsilon``)."""

    def binary_crossentropy(self, *a, **k):
        old = self._keras.config.epsilon()
        self._keras.config.set_epsilon(1e-6)
        try:
            return super().binary_crossentropy(*a, **k)
        finally:
            self._keras.config.set_epsilon(old)


class SmoothingDoubled(Keras3Candidate):
    """Label smoothing applied twice as strongly."""

    def binary_crossentropy(self, y_true, y_pred, label_smoothing=0.0, **k):
        return super().binary_crossentropy(y_true, y_pred, label_smoothing=min(1.0, 2 * label_smoothing), **k)


class SumInsteadOfMean(Keras3Candidate):
    """The loss class reduces sum_over_batch_size as a sum."""

    def BinaryCrossentropy(self, reduction="sum_over_batch_size", **params):  # noqa: N802
        return super().BinaryCrossentropy(
            reduction="sum" if reduction == "sum_over_batch_size" else reduction, **params
        )


class MetricNoReset(Keras3Candidate):
    def metrics_BinaryCrossentropy(self, **params):  # noqa: N802
        m = super().metrics_BinaryCrossentropy(**params)
        m.reset_state = lambda: None
        return m


class RelativeError1e5(Keras3Candidate):
    def categorical_focal_crossentropy(self, *a, **k):
        return np.float32(1 + 1e-5) * super().categorical_focal_crossentropy(*a, **k)


BROKEN = {
    WrongEpsilon: "bce-edge-prob-0-y1-ls0",
    SmoothingDoubled: "bce-edge-logit-16-y1-ls0p1",
    SumInsteadOfMean: "seed-002-ex2",
    MetricNoReset: "metric-reset-restores-empty",
    RelativeError1e5: "seed-001-focal-doc",
}
