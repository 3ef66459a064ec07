"""The backend ops: ``keras.ops.binary_crossentropy`` / ``categorical_crossentropy`` (keras3)
and ``tf_keras.backend.binary_crossentropy`` / ``categorical_crossentropy`` (keras2).

They are the losses without the loss functions' label smoothing and reduction
(docs/semantics.md §2, §11.2):

* ``binary_crossentropy(target, output, from_logits=False)`` is **elementwise** (no mean):
  ``reference.bce.bce_elementwise`` without smoothing, each profile's formula (keras2 adds
  eps again inside both logs). keras3 requires equal shapes on every backend; keras2
  broadcasts on the probability path, but its logits path is
  ``tf.nn.sigmoid_cross_entropy_with_logits``, which requires equal shapes too. A rank-0
  pair is an ordinary (scalar) element in both.
* ``categorical_crossentropy(target, output, from_logits=False, axis=-1)`` sums over
  ``axis``: ``reference.cce.categorical_crossentropy`` without smoothing. Both profiles
  require equal shapes of rank >= 1 and an ``axis`` in range.
"""

from __future__ import annotations

import numpy as np

from reference.bce import bce_elementwise
from reference.cce import categorical_crossentropy
from reference.errors import SpecError
from reference.floats import at_reference_precision
from reference.profiles import Profile
from reference.tracked import Tracked

__all__ = ["binary_crossentropy_op", "categorical_crossentropy_op"]


@at_reference_precision
def binary_crossentropy_op(
    target: np.ndarray, output: np.ndarray, *, from_logits: bool = False, profile: str | Profile = "keras3"
) -> Tracked:
    """``ops.binary_crossentropy`` / keras2 ``backend.binary_crossentropy``: per element."""
    if from_logits and np.shape(target) != np.shape(output):
        raise SpecError(
            "shape_mismatch",
            f"target shape {np.shape(target)} != output shape {np.shape(output)}"
            " (the logits path, tf.nn.sigmoid_cross_entropy_with_logits in keras2, requires equal shapes)",
        )
    return bce_elementwise(target, output, from_logits=from_logits, profile=profile)


@at_reference_precision
def categorical_crossentropy_op(
    target: np.ndarray,
    output: np.ndarray,
    *,
    from_logits: bool = False,
    axis: int = -1,
    profile: str | Profile = "keras3",
) -> Tracked:
    """``ops.categorical_crossentropy`` / keras2 ``backend.categorical_crossentropy``."""
    return categorical_crossentropy(target, output, from_logits=from_logits, axis=axis, profile=profile)
