"""The spec's profiles: where Keras 2 and Keras 3 compute differently, as data.

Each difference is a named, versioned detail (see ``docs/semantics.md`` and the
Keras sources cited there); the reference's functions read these fields instead of
branching on a profile's name.
"""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["Profile", "KERAS3", "KERAS2", "PROFILES", "get_profile"]


@dataclass(frozen=True)
class Profile:
    """One generation of Keras' semantics for the seed functions."""

    name: str
    describes: str
    #: Keras 2 ``backend.binary_crossentropy`` adds epsilon again inside both logs after
    #: clipping: ``-(t*log(p + eps) + (1-t)*log(1 - p + eps))`` (keras/backend.py@v2.15.0).
    #: Keras 3 only clips (keras/src/backend/*/nn.py@v3.15.1).
    bce_double_epsilon: bool
    #: Keras 2 converts ``label_smoothing`` to a float32 tensor before ``1 - ls``
    #: (``tf.convert_to_tensor(label_smoothing, dtype=y_pred.dtype)``); Keras 3 computes
    #: ``1.0 - label_smoothing`` in Python (float64) and rounds the result once.
    label_smoothing_as_tensor: bool
    #: The bare ``binary_crossentropy`` function: Keras 3 requires equal shapes (every
    #: backend raises); Keras 2 has no check and broadcasts.
    bce_broadcasts_shapes: bool
    #: Categorical focal label smoothing divides by K = the size of this axis:
    #: "last" in Keras 2 and Keras 3 <= 3.15.1; "axis" on Keras master (PR #23437).
    focal_smoothing_classes: str
    #: ``categorical_crossentropy`` label smoothing divides by K = the size of this axis:
    #: "last" in Keras 3 <= 3.15.1 (``shape(y_true)[-1]``), "axis" in Keras 2 >= 2.14 and
    #: tf_keras (``tf.shape(y_true)[axis]``, tf_keras/losses.py@v2.21.0; docs/semantics.md §11).
    cce_smoothing_classes: str
    #: Reductions the loss classes accept (``None`` is the Python None).
    reductions: tuple[str | None, ...]
    #: The loss classes' default reduction.
    default_reduction: str
    #: How a loss class lines a sample_weight up with the per-sample loss values:
    #: "expand_trailing" (Keras 2 ``losses_utils.squeeze_or_expand_dimensions``: a weight
    #: of lower rank gets trailing 1s, so it weights leading indices) or "right_aligned"
    #: (Keras 3 ``squeeze_or_expand_to_same_rank``: only a trailing 1 is squeezed or added,
    #: otherwise numpy broadcasting aligns the weight with the *last* axes).
    loss_weight_alignment: str
    #: The BinaryCrossentropy metric's count: "elements" (Keras 2 ``Reduce``: the count is
    #: the sum of the weights broadcast over every element) or "samples" (Keras 3
    #: ``Mean``: values and weights are reduced to one per sample first).
    metric_count: str
    #: ``binary_focal_crossentropy(from_logits=True)``: the BCE factor is computed from
    #: "probabilities" (Keras 3: ``ops.sigmoid`` then ``ops.binary_crossentropy(from_logits=False)``,
    #: so the clipped probability path; keras/src/losses/losses.py@v3.15.1) or from the
    #: "logits" (Keras 2: ``backend.binary_crossentropy(target, output, from_logits)``, the
    #: exact ``sigmoid_cross_entropy_with_logits``; tf_keras/backend.py@v2.21.0). Both take the
    #: focal factor from ``sigmoid(x)``.
    binary_focal_logits_bce: str


KERAS3 = Profile(
    name="keras3",
    describes="Keras 3 (3.7 and later, current 3.15.1) on any backend",
    bce_double_epsilon=False,
    label_smoothing_as_tensor=False,
    bce_broadcasts_shapes=False,
    focal_smoothing_classes="last",
    cce_smoothing_classes="last",
    reductions=("sum_over_batch_size", "sum", "none", None, "mean", "mean_with_sample_weight"),
    default_reduction="sum_over_batch_size",
    loss_weight_alignment="right_aligned",
    metric_count="samples",
    binary_focal_logits_bce="probabilities",
)

KERAS2 = Profile(
    name="keras2",
    describes="tf.keras 2.13-2.15 and tf_keras up to 2.21 (legacy Keras 2)",
    bce_double_epsilon=True,
    label_smoothing_as_tensor=True,
    bce_broadcasts_shapes=True,
    focal_smoothing_classes="last",
    cce_smoothing_classes="axis",
    reductions=("auto", "sum_over_batch_size", "sum", "none"),
    default_reduction="auto",
    loss_weight_alignment="expand_trailing",
    metric_count="elements",
    binary_focal_logits_bce="logits",
)

PROFILES: dict[str, Profile] = {p.name: p for p in (KERAS3, KERAS2)}


def get_profile(profile: str | Profile) -> Profile:
    """Look a profile up by name; a Profile passes through."""
    if isinstance(profile, Profile):
        return profile
    try:
        return PROFILES[profile]
    except KeyError:
        raise ValueError(f"unknown profile {profile!r}; known: {sorted(PROFILES)}") from None
