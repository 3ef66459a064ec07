"""``keras``: Keras 3 through its public API, on the backend ``KERAS_BACKEND`` selects.

Profile keras3. ``KerasAPICandidate`` is the adapter both Keras generations share: it
calls ``losses.<name>`` and ``metrics.BinaryCrossentropy`` of whichever Keras it is given.
"""

from __future__ import annotations

import numpy as np

__all__ = ["KerasAPICandidate", "Keras3Candidate"]


class KerasAPICandidate:
    """The five APIs through a Keras package's ``losses`` and ``metrics`` modules."""

    def __init__(self, losses, metrics):
        self._losses, self._metrics = losses, metrics

    def _np(self, x):
        return np.asarray(x)

    def binary_crossentropy(self, y_true, y_pred, **params):
        return self._np(self._losses.binary_crossentropy(y_true, y_pred, **params))

    def categorical_focal_crossentropy(self, y_true, y_pred, **params):
        return self._np(self._losses.categorical_focal_crossentropy(y_true, y_pred, **params))

    def _loss(self, cls, params):
        loss = cls(**params)
        return lambda y_true, y_pred, sample_weight=None: self._np(loss(y_true, y_pred, sample_weight=sample_weight))

    def BinaryCrossentropy(self, **params):  # noqa: N802 (Keras' own name)
        return self._loss(self._losses.BinaryCrossentropy, params)

    def CategoricalFocalCrossentropy(self, **params):  # noqa: N802
        return self._loss(self._losses.CategoricalFocalCrossentropy, params)

    def metrics_BinaryCrossentropy(self, **params):  # noqa: N802
        return _Metric(self._metrics.BinaryCrossentropy(**params), self._np)


class _Metric:
    def __init__(self, metric, to_np):
        self._m, self._np = metric, to_np

    def update_state(self, y_true, y_pred, sample_weight=None):
        self._m.update_state(y_true, y_pred, sample_weight=sample_weight)

    def result(self):
        return self._np(self._m.result())

    def reset_state(self):
        self._m.reset_state()


class Keras3Candidate(KerasAPICandidate):
    name = "keras"
    profile = "keras3"

    def __init__(self):
        import keras

        super().__init__(keras.losses, keras.metrics)
        self._keras = keras
        #: shipped known deviations, per backend (conformance/deviations/)
        self.deviations_file = f"keras-{keras.backend.backend()}.yaml"

    def describe(self) -> str:
        return f"keras {self._keras.__version__} on backend {self._keras.backend.backend()}"

    def _np(self, x):
        return np.asarray(self._keras.ops.convert_to_numpy(x))
