"""Every worked example of the seed documents, in its own profile, against constants that
were printed by Keras itself (docs/semantics.md, from the Keras sources and runs), not by the reference."""

from __future__ import annotations

import numpy as np
import pytest

import reference
from conformance.registry import evaluate
from reference import tolerance_of

F = np.float32
LOGITS2 = {"y_true": [[0, 1], [0, 0]], "y_pred": [[-18.6, 0.51], [2.94, -12.8]]}
DOC = ([[0, 1], [0, 0]], [[0.6, 0.4], [0.4, 0.6]])
SEED_003_STEPS = [{"op": "update_state", "y_true": F([1, 0, 1, 0]), "y_pred": F([1, 1, 1, 0])}, {"op": "result"}]
SEED_004_STEPS = [
    {"op": "update_state", "y_true": F(DOC[0]), "y_pred": F(DOC[1])},
    {"op": "result"},
    {"op": "reset_state"},
    {"op": "update_state", "y_true": F(DOC[0]), "y_pred": F(DOC[1]), "sample_weight": F([1, 0])},
    {"op": "result"},
]


def values(api, inputs, params, profile, k=0):
    r = evaluate(api, inputs, params, profile)[k]
    return np.asarray(r.value, dtype=float), np.asarray(tolerance_of(r), dtype=float)


def assert_within(got, expected_printed, tol, printed_digits=None):
    """|reference - printed| <= tolerance (+ the printed number's own rounding)."""
    got, exp = np.asarray(got, float), np.asarray(expected_printed, float)
    slack = 0.5 * 10.0 ** (-printed_digits) if printed_digits else 0.0
    assert np.all(np.abs(got - exp) <= np.asarray(tol) + slack), (got, exp, tol)


# --------------------------------------------------------------------------- keras3
@pytest.mark.parametrize(
    "inputs, params, printed",
    [
        ({"y_true": [0, 1, 0, 0], "y_pred": [-18.6, 0.51, 2.94, -12.8]}, {"from_logits": True}, 0.865458),
        (LOGITS2, {"from_logits": True}, 0.865458),
        ({**LOGITS2, "sample_weight": [0.8, 0.2]}, {"from_logits": True}, 0.2436386),
        (LOGITS2, {"from_logits": True, "reduction": "sum"}, 1.730916),
        (LOGITS2, {"from_logits": True, "reduction": None}, [0.23515666, 1.4957594]),
    ],
)
def test_seed_002_keras3_loss_class(inputs, params, printed):
    v, tol = values("BinaryCrossentropy", inputs, params, "keras3")
    assert_within(v, printed, tol, printed_digits=7 if np.ndim(printed) == 0 and printed < 1 else 6)


def test_seed_002_short_numbers_round_to_the_documented_three_digits():
    docs = [0.865, 0.243, 1.730]
    got = [
        values("BinaryCrossentropy", LOGITS2, {"from_logits": True}, "keras3")[0],
        values("BinaryCrossentropy", {**LOGITS2, "sample_weight": [0.8, 0.2]}, {"from_logits": True}, "keras3")[0],
        values("BinaryCrossentropy", LOGITS2, {"from_logits": True, "reduction": "sum"}, "keras3")[0],
    ]
    # the docs truncate: 0.865458 -> 0.865, 0.2436 -> 0.243, 1.7309 -> 1.730
    assert [np.floor(float(g) * 1000) / 1000 for g in got] == docs


def test_seed_003_inputs_keras3_give_3_9855962():
    steps = SEED_003_STEPS
    v, tol = values("metrics.BinaryCrossentropy", {"steps": steps}, {}, "keras3")
    assert_within(v, 3.9855962, tol, 7)


def test_seed_004_keras3_numbers():
    steps = SEED_004_STEPS
    r = evaluate("metrics.BinaryCrossentropy", {"steps": steps}, {}, "keras3")
    assert_within(float(r[0].value), 0.8149245, float(tolerance_of(r[0])), 7)
    assert_within(float(r[1].value), 0.91629076, float(tolerance_of(r[1])), 8)


# --------------------------------------------------------------------------- keras2
def test_seed_003_keras2_stream_gives_3_8333097():
    steps = SEED_003_STEPS
    v, tol = values("metrics.BinaryCrossentropy", {"steps": steps}, {}, "keras2")
    assert_within(v, 3.8333097, tol, 7)
    # the document's arithmetic: (15.33 + 0) / 2 per sample, then 7.665 / 2
    assert round(float(v), 3) == 3.833


def test_seed_004_numbers_are_keras2s():
    steps = SEED_004_STEPS
    r = evaluate("metrics.BinaryCrossentropy", {"steps": steps}, {}, "keras2")
    assert_within(float(r[0].value), 0.81492424, float(tolerance_of(r[0])), 8)
    assert_within(float(r[1].value), 0.9162905, float(tolerance_of(r[1])), 7)
    # and keras3 differs from them in the 8th digit (the double epsilon)
    k3 = evaluate("metrics.BinaryCrossentropy", {"steps": steps}, {}, "keras3")
    assert abs(float(k3[0].value) - float(r[0].value)) > 1e-7


# --------------------------------------------------------------------------- focal (seed 001)
def test_seed_001_focal_on_float32_inputs():
    v, tol = values(
        "categorical_focal_crossentropy",
        {"y_true": [[0, 1, 0], [0, 0, 1]], "y_pred": [[0.05, 0.9, 0.05], [0.1, 0.85, 0.05]]},
        {},
        "keras2",
    )
    assert_within(v, [2.6340148e-04, 6.759121e-01], tol)
    k3, _ = values(
        "categorical_focal_crossentropy",
        {"y_true": [[0, 1, 0], [0, 0, 1]], "y_pred": [[0.05, 0.9, 0.05], [0.1, 0.85, 0.05]]},
        {},
        "keras3",
    )
    np.testing.assert_array_equal(k3, v)  # identical algorithm in both profiles


def test_seed_001_document_printed_decimal_inputs():
    """The document's 2.63401289e-04 is the exact algorithm on *decimal* (float64) inputs."""
    with reference.floats.mp.workdps(50):
        r = reference.categorical_focal_crossentropy(
            np.array([[0, 1, 0], [0, 0, 1]], float), np.array([[0.05, 0.9, 0.05], [0.1, 0.85, 0.05]], float)
        )
        decimal = [float(x) for x in r.value]
    assert abs(decimal[0] - 2.63401289e-04) < 5e-13
    assert abs(decimal[1] - 6.75912094e-01) < 5e-10
    # while float32 inputs move the first row by about 5 float32 ulps
    f32_first = float(
        values("categorical_focal_crossentropy", {"y_true": [[0, 1, 0]], "y_pred": [[0.05, 0.9, 0.05]]}, {}, "keras3")[
            0
        ][0]
    )
    assert abs(f32_first - 2.63401289e-04) > 1e-11


# --------------------------------------------------------------------------- docs/semantics.md constants
@pytest.mark.parametrize(
    "profile, y, p, printed",
    [
        ("keras3", 1, 0.0, 16.118095),
        ("keras3", 0, 1.0, 15.942385),
        ("keras2", 1, 0.0, 15.424949),
        ("keras2", 0, 1.0, 15.333239),
        ("keras2", 1, 1e-4, 9.209341),
        ("keras3", 1, 1e-4, 9.2103405),
    ],
)
def test_saturation_constants(profile, y, p, printed):
    v, tol = values("binary_crossentropy", {"y_true": [y], "y_pred": [p]}, {}, profile)
    assert_within(v, printed, tol, 6)


def test_focal_spec_notes_examples():
    inputs = {"y_true": [[0, 1, 0], [0, 0, 1]], "y_pred": [[0.05, 0.95, 0], [0.1, 0.8, 0.1]]}
    v, tol = values("categorical_focal_crossentropy", inputs, {}, "keras3")
    assert_within(v, [3.2058331e-05, 0.46627346], tol)
    v, tol = values("categorical_focal_crossentropy", inputs, {"alpha": [0.1, 0.2, 0.7]}, "keras3")
    assert_within(v, [2.5646666e-05, 1.3055657], tol)
    v, tol = values("categorical_focal_crossentropy", inputs, {"label_smoothing": 0.1}, "keras3")
    assert_within(v, [0.15687777, 0.45080543], tol)
    v, tol = values("CategoricalFocalCrossentropy", {**inputs, "sample_weight": [0.3, 0.7]}, {}, "keras3")
    assert_within(v, 0.16320053, tol)


def test_metric_scalar_weight_over_unequal_batches_differs_by_profile():
    """Mean of [1,3] and [5] with w=1: keras2 counts elements (3.0), keras3 batches (3.5);
    reproduced here through the BCE metric's count rules with the same structure."""
    steps = [
        {"op": "update_state", "y_true": F([[0, 1], [0, 0]]), "y_pred": F(DOC[1]), "sample_weight": F(1.0)},
        {"op": "update_state", "y_true": F([[1, 1]]), "y_pred": F([[0.3, 0.9]]), "sample_weight": F(1.0)},
        {"op": "result"},
    ]
    k2 = float(evaluate("metrics.BinaryCrossentropy", {"steps": steps}, {}, "keras2")[0].value)
    k3 = float(evaluate("metrics.BinaryCrossentropy", {"steps": steps}, {}, "keras3")[0].value)
    per_sample_k3 = [0.9162907542, 0.7135582126, (-np.log(0.3) - np.log(0.9)) / 2]
    assert abs(k3 - ((per_sample_k3[0] + per_sample_k3[1]) / 2 + per_sample_k3[2]) / 2) < 1e-6
    assert abs(k2 - np.mean(per_sample_k3)) < 1e-6


def test_scce_metric_ignore_class_reads_the_mask_as_docs_semantics_records():
    """docs/semantics.md §18.1, run on keras3 (jax and numpy): y = [1, 2, -1, 0] with
    ignore_class=-1 gives 0.71617603 (count 4) unweighted and 0.9549014 (count 3) with
    sample_weight=ones(4). keras2 weighs by the mask either way: the mean over valid entries."""
    y = [1, 2, -1, 0]
    p = [[0.05, 0.95, 0], [0.1, 0.8, 0.1], [0.3, 0.3, 0.4], [0.6, 0.2, 0.2]]

    def run(profile, w=None):
        step = {"op": "update_state", "y_true": F(y), "y_pred": F(p)}
        if w is not None:
            step["sample_weight"] = F(w)
        return evaluate(
            "metrics.SparseCategoricalCrossentropy", {"steps": [step, {"op": "result"}]}, {"ignore_class": -1}, profile
        )[0]

    for r, printed in ((run("keras3"), 0.71617603), (run("keras3", [1, 1, 1, 1]), 0.9549014)):
        assert abs(float(r.value) - printed) <= float(tolerance_of(r)) + 1e-7
    k2, k3w = float(run("keras2").value), float(run("keras3", [1, 1, 1, 1]).value)
    assert abs(k2 - k3w) < 1e-6 and abs(k2 - 0.71617603) > 0.2
