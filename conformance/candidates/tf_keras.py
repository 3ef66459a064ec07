"""``tf_keras``: legacy Keras 2 (the ``tf_keras`` package, = tf.keras 2.13-2.15).

Profile keras2. Inputs are passed as numpy arrays, as a user would; Keras 2 then fixes
ranks only for tensors (SPEC-NOTES §3), which the quirk tier records.
"""

from __future__ import annotations

import numpy as np

from conformance.candidates.keras3 import _Metric

__all__ = ["TfKerasCandidate"]


class TfKerasCandidate:
    name = "tf_keras"
    profile = "keras2"

    def __init__(self):
        import tensorflow as tf
        import tf_keras

        self._tf, self._k = tf, tf_keras

    def describe(self) -> str:
        return f"tf_keras {self._k.__version__} on tensorflow {self._tf.__version__}"

    @staticmethod
    def _np(x):
        return np.asarray(x.numpy() if hasattr(x, "numpy") else x)

    def binary_crossentropy(self, y_true, y_pred, **params):
        return self._np(self._k.losses.binary_crossentropy(y_true, y_pred, **params))

    def categorical_focal_crossentropy(self, y_true, y_pred, **params):
        return self._np(self._k.losses.categorical_focal_crossentropy(y_true, y_pred, **params))

    def _loss(self, cls, params):
        loss = cls(**params)
        return lambda y_true, y_pred, sample_weight=None: self._np(loss(y_true, y_pred, sample_weight=sample_weight))

    def BinaryCrossentropy(self, **params):  # noqa: N802
        return self._loss(self._k.losses.BinaryCrossentropy, params)

    def CategoricalFocalCrossentropy(self, **params):  # noqa: N802
        return self._loss(self._k.losses.CategoricalFocalCrossentropy, params)

    def metrics_BinaryCrossentropy(self, **params):  # noqa: N802
        m = self._k.metrics.BinaryCrossentropy(**params)
        return _Metric(m, self._np)
