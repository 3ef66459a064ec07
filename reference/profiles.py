"""The spec's profiles: where Keras 2 and Keras 3 compute differently, as data.

Each difference is a named, versioned detail (see ``docs/semantics.md`` and the
Keras sources cited there); the reference's functions read these fields instead of
branching on a profile's name.
"""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["Profile", "KERAS3", "KERAS2", "PROFILES", "get_profile"]


#: The fields read while a ``reference.memo.profile_memo`` function runs (a stack: one set
#: per call in progress). Reading a field is how a reference function depends on a profile.
READS: list[set[str]] = []


@dataclass(frozen=True)
class Profile:
    """One generation of Keras' semantics for the seed functions."""

    def __getattribute__(self, name):
        if READS and not name.startswith("_"):
            for fields in READS:
                fields.add(name)
        return object.__getattribute__(self, name)

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
    #: ``sparse_categorical_crossentropy`` on probabilities: "renormalise_then_clip"
    #: (keras3 on jax, numpy, torch and openvino: ``-log(clip(p_y / sum(p)))``) or
    #: "clip_then_log_softmax" (tf_keras, and keras3's tensorflow backend, the minority:
    #: ``log(clip(p))`` fed to ``sparse_softmax_cross_entropy_with_logits``; docs/semantics.md §12.2).
    scce_probabilities: str
    #: ``ignore_class`` is compared with the labels "float" (keras3: ``y_true != float32(ignore_class)``
    #: before the backend casts labels to int) or "int" (keras2: after the cast to int64).
    scce_ignore_compare: str
    #: Labels of another shape than ``y_pred`` without the class axis: "exact" (keras3: only a 1
    #: at ``axis`` is squeezed, anything else is rejected) or "flatten" (keras2 backend: a
    #: target of rank != rank(y_pred) - 1 is flattened against the rows of y_pred).
    scce_label_shape: str
    #: Whether the ``SparseCategoricalCrossentropy`` loss class takes ``axis`` (keras3 >= 3.10).
    scce_class_axis: bool
    #: Whether the backend op (keras3 ``ops.``, keras2 ``backend.``) takes ``ignore_class``.
    scce_op_ignore_class: bool
    #: A masked ``sum_over_batch_size`` with no valid entry (every label ignored): True gives 0
    #: (keras3 ``divide_no_nan(total, valid)``), False NaN (keras2 ``mask *= total / valid``).
    masked_mean_divide_no_nan: bool
    #: The smallest rank of ``y_pred`` that ``ignore_class`` works with: keras3 1; keras2 2 (its
    #: boolean mask of a scalar label raises "mask cannot be scalar").
    scce_ignore_class_min_rank: int
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
    scce_probabilities="renormalise_then_clip",
    scce_ignore_compare="float",
    scce_label_shape="exact",
    scce_class_axis=True,
    scce_op_ignore_class=False,
    masked_mean_divide_no_nan=True,
    scce_ignore_class_min_rank=1,
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
    scce_probabilities="clip_then_log_softmax",
    scce_ignore_compare="int",
    scce_label_shape="flatten",
    scce_class_axis=False,
    scce_op_ignore_class=True,
    masked_mean_divide_no_nan=False,
    scce_ignore_class_min_rank=2,
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
