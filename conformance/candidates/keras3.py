"""``keras``: Keras 3 through its public API, on the backend ``KERAS_BACKEND`` selects.

Profile keras3. ``KerasLikeCandidate`` serves both Keras generations and any library that
mirrors Keras' namespaces: every API is found by its path in the registry
(``keras.losses.BinaryCrossentropy``), so it has no method per API.

PYTEST_DONT_REWRITE: pytest loads this package as its plugin; its asserts need no rewriting, and skipping it keeps start-up fast.
"""

from __future__ import annotations

import numpy as np

__all__ = ["KerasLikeCandidate", "Keras3Candidate"]


class KerasLikeCandidate:
    """A candidate over a Keras-shaped namespace (``losses``, ``metrics``, ``ops``).

    ``KerasLikeCandidate(mylib, name="mylib", profile="keras3")`` runs every API the
    registry declares for that profile through ``mylib``; define a method named after an
    API (``BinaryCrossentropy``) to override one."""

    def __init__(self, namespace, name: str | None = None, profile: str | None = None):
        self.namespace = namespace
        if name is not None:
            self.name = name
        if profile is not None:
            self.profile = profile

    def describe(self) -> str:
        ns = self.namespace
        return f"{getattr(ns, '__name__', type(ns).__name__)} {getattr(ns, '__version__', '')}".strip()

    def to_numpy(self, x):
        return np.asarray(x)


class Keras3Candidate(KerasLikeCandidate):
    name = "keras"
    profile = "keras3"

    def __init__(self):
        import keras

        super().__init__(keras)
        #: shipped known deviations, per backend (conformance/deviations/)
        self.deviations_file = f"keras-{keras.backend.backend()}.yaml"
        if keras.backend.backend() == "openvino":
            #: why every case runs in a worker process without being asked (the plugin's --isolate)
            self.isolate = "some CTC inputs crash OpenVINO's CTCLoss-4 (SIGSEGV)"

    def describe(self) -> str:
        return f"keras {self.namespace.__version__} on backend {self.namespace.backend.backend()}"

    def to_numpy(self, x):
        return np.asarray(self.namespace.ops.convert_to_numpy(x))

    def gradient(self, f, y_pred):
        """``d sum(f(y)) / d y`` by the backend's autodiff: ``jax.grad``, ``tf.GradientTape``,
        ``torch.autograd``; the numpy and openvino backends have none (skipped)."""
        backend = self.namespace.backend.backend()
        y_pred = np.asarray(y_pred, np.float32)
        if backend == "jax":
            import jax
            import jax.numpy as jnp

            return np.asarray(jax.grad(lambda y: jnp.sum(f(y)))(jnp.asarray(y_pred)))
        if backend == "tensorflow":
            from conformance.candidates.base import tf_gradient

            return tf_gradient(f, y_pred)
        if backend == "torch":
            import torch

            y = torch.tensor(y_pred, requires_grad=True)
            (g,) = torch.autograd.grad(torch.sum(f(y)), y, allow_unused=True)
            return np.zeros(y_pred.shape, np.float32) if g is None else g.detach().cpu().numpy()
        from conformance.candidates.base import Unsupported

        raise Unsupported(f"the {backend} backend has no autodiff")
