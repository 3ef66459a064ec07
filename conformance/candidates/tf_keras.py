"""``tf_keras``: legacy Keras 2 (the ``tf_keras`` package, = tf.keras 2.13-2.15).

Profile keras2. Inputs are passed as numpy arrays, as a user would; Keras 2 then fixes
ranks only for tensors (docs/semantics.md §3), which the quirk tier records.

PYTEST_DONT_REWRITE: pytest loads this package as its plugin; its asserts need no rewriting, and skipping it keeps start-up fast.
"""

from __future__ import annotations

import numpy as np

from conformance.candidates.keras3 import KerasLikeCandidate

__all__ = ["TfKerasCandidate"]


class TfKerasCandidate(KerasLikeCandidate):
    name = "tf_keras"
    profile = "keras2"
    #: shipped known deviations (conformance/deviations/)
    deviations_file = "tf_keras.yaml"

    def __init__(self):
        import tensorflow as tf
        import tf_keras

        super().__init__(tf_keras)
        self._tf = tf

    def describe(self) -> str:
        return f"tf_keras {self.namespace.__version__} on tensorflow {self._tf.__version__}"

    def to_numpy(self, x):
        return np.asarray(x.numpy() if hasattr(x, "numpy") else x)

    def gradient(self, f, y_pred):
        """``d sum(f(y)) / d y`` through ``tf.GradientTape``."""
        from conformance.candidates.base import tf_gradient

        return tf_gradient(f, y_pred)
