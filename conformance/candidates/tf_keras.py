"""``tf_keras``: legacy Keras 2 (the ``tf_keras`` package, = tf.keras 2.13-2.15).

Where ``tf_keras`` is not installed and ``tensorflow.keras`` is Keras 2 (TensorFlow 2.15 and
older, whose tf.keras is the ``keras`` 2.x package), the candidate runs on ``tf.keras``.

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

        try:
            import tf_keras as namespace

            self._label, version = "tf_keras", namespace.__version__
        except ImportError:
            namespace, version = tf.keras, _tf_keras_version(tf)
            if not version.startswith("2."):
                raise ImportError(
                    f"the tf_keras candidate needs the tf_keras package, or a tensorflow whose tf.keras is "
                    f"Keras 2 (2.15 and older); tensorflow {tf.__version__} has tf.keras {version}: pip install tf_keras"
                ) from None
            self._label = "tf.keras"
        super().__init__(namespace)
        self._tf = tf
        self._version = version

    def describe(self) -> str:
        return f"{self._label} {self._version} on tensorflow {self._tf.__version__}"

    def to_numpy(self, x):
        return np.asarray(x.numpy() if hasattr(x, "numpy") else x)

    def gradient(self, f, y_pred):
        """``d sum(f(y)) / d y`` through ``tf.GradientTape``."""
        from conformance.candidates.base import tf_gradient

        return tf_gradient(f, y_pred)


def _tf_keras_version(tf) -> str:
    """The Keras version behind ``tf.keras`` (the ``keras`` package TensorFlow loads)."""
    version = getattr(tf.keras, "__version__", None)
    if version:
        return str(version)
    from importlib.metadata import PackageNotFoundError
    from importlib.metadata import version as dist_version

    try:
        return dist_version("keras")
    except PackageNotFoundError:
        return "unknown"
