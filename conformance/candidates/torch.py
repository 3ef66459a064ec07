"""``torch``: PyTorch's own binary cross-entropy functions, judged against profile keras3.

* ``binary_crossentropy``: ``torch.nn.functional.binary_cross_entropy`` (probabilities) or
  ``binary_cross_entropy_with_logits`` (logits) with ``reduction="none"``. The adapter adds
  Keras' label smoothing (``y*(1-ls) + 0.5*ls``) and the mean over ``axis``. PyTorch does not
  clip probabilities to ``[eps, 1-eps]``; it clamps each log at -100. A saturated term is
  therefore 100 where Keras 3 gives 16.118095: that is a listed deviation, not a tolerance.
* ``BinaryCrossentropy``: the function above per sample, then the Keras 3 weighting and
  reduction steps from ``conformance.candidates.adapter``.
* PyTorch has no categorical focal loss (torchvision's ``sigmoid_focal_loss`` is the binary,
  alpha/(1-alpha) one) and no metric objects: those cases are skipped with that reason.
"""

from __future__ import annotations

import numpy as np

from conformance.candidates.adapter import keras3_loss_class
from conformance.candidates.base import Unsupported

__all__ = ["TorchCandidate"]


class TorchCandidate:
    name = "torch"
    profile = "keras3"
    deviations_file = "torch.yaml"

    def __init__(self):
        import torch

        self._torch = torch

    def describe(self) -> str:
        return f"torch {self._torch.__version__} (torch.nn.functional)"

    def binary_crossentropy(self, y_true, y_pred, from_logits=False, label_smoothing=0.0, axis=-1):
        torch, fn = self._torch, self._torch.nn.functional
        t = torch.from_numpy(np.ascontiguousarray(y_true, np.float32))
        p = torch.from_numpy(np.ascontiguousarray(y_pred, np.float32))
        if label_smoothing:
            t = t * (1.0 - label_smoothing) + 0.5 * label_smoothing
        elem = (
            fn.binary_cross_entropy_with_logits(p, t, reduction="none")
            if from_logits
            else fn.binary_cross_entropy(p, t, reduction="none")
        )
        return elem.mean(dim=axis).numpy()

    def BinaryCrossentropy(self, reduction="sum_over_batch_size", **params):  # noqa: N802
        return keras3_loss_class(lambda yt, yp: self.binary_crossentropy(yt, yp, **params), reduction)

    def categorical_focal_crossentropy(self, *a, **k):
        raise Unsupported("PyTorch has no categorical focal loss (torchvision's sigmoid_focal_loss is binary)")

    def CategoricalFocalCrossentropy(self, **params):  # noqa: N802
        raise Unsupported("PyTorch has no categorical focal loss (torchvision's sigmoid_focal_loss is binary)")

    def metrics_BinaryCrossentropy(self, **params):  # noqa: N802
        raise Unsupported("PyTorch has no metric objects (torchmetrics is a separate library)")
