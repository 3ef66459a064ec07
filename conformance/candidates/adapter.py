"""Keras 3 steps that non-Keras libraries lack, for the adapters of ``torch`` and ``optax``.

A library's own function computes the per-element losses; these helpers add, in float32
numpy, what a Keras loss class does around it: lining ``y_true`` up with ``y_pred``, lining
``sample_weight`` up with the per-sample values (``squeeze_or_expand_to_same_rank``),
weighting, and the reduction. Each adapter's docstring says which of these it uses.

PYTEST_DONT_REWRITE: pytest loads this package as its plugin; its asserts need no rewriting, and skipping it keeps start-up fast.
"""

from __future__ import annotations

import numpy as np

__all__ = ["KERAS3_REDUCTIONS", "same_rank", "keras3_loss_class"]

F = np.float32
KERAS3_REDUCTIONS = ("sum_over_batch_size", "sum", "none", None, "mean", "mean_with_sample_weight")


def same_rank(a: np.ndarray, b: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Keras 3 ``squeeze_or_expand_to_same_rank``: only a trailing 1 is added or squeezed."""
    if a.ndim == b.ndim + 1 and a.shape[-1] == 1:
        b, a = (b[..., None], a) if b.ndim == 1 else (b, a[..., 0])
    if b.ndim == a.ndim + 1 and b.shape[-1] == 1:
        a, b = (a[..., None], b) if a.ndim == 1 else (a, b[..., 0])
    return a, b


def keras3_loss_class(per_sample, reduction="sum_over_batch_size", reductions=KERAS3_REDUCTIONS):
    """A Keras 3 loss object around ``per_sample(y_true, y_pred) -> values``."""
    if reduction not in reductions:
        raise ValueError(f"reduction {reduction!r} is not one of {reductions}")

    def call(y_true, y_pred, sample_weight=None):
        yt, yp = same_rank(np.asarray(y_true, F), np.asarray(y_pred, F))
        values = np.asarray(per_sample(yt, yp), F)
        w = None
        if sample_weight is not None:
            values, w = same_rank(values, np.asarray(sample_weight, F))
            values = values * w  # numpy broadcasting, as Keras 3; a mismatch raises
        if reduction in (None, "none") or values.shape in ((), (0,)):
            return values
        total = np.sum(values, dtype=F)
        if reduction == "sum":
            return total
        divisor = np.sum(w, dtype=F) if reduction == "mean_with_sample_weight" and w is not None else F(values.size)
        return F(0) if divisor == 0 else F(total / divisor)

    return call
