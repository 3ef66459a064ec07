"""The case catalog: every conformance case by a stable id, tier and inputs.

Tiers:
* ``core``: documented behaviour: the seed documents' worked examples (``seed-*``),
  parameter sweeps, every reduction and weight rank, metric streams, seeded random cases.
* ``edge``: saturation and clipping: probabilities at and around the clip bounds, large
  logits, smoothing on saturated inputs, unnormalised rows.
* ``quirk``: real but implementation-defined behaviour, recorded per profile and kept out of
  the default verdict (keras3 weighting the last axis with a (B,) weight).
* ``error``: input a profile must reject. A case declares the tier it has where it is
  accepted; generation puts it in ``error`` for exactly the profiles that reject it
  (``conformance.generate.case_text``). A case every profile rejects declares ``error``.

The sections below are the case generators that the API declarations in
``conformance/apis/`` name; ``cases()`` runs each declared generator once.

Inputs are float32 (numpy arrays). Random cases draw from ``numpy.random.default_rng``
with a fixed seed per section, so the catalog is the same on every machine. The catalog
knows nothing of expected values: the reference computes those.

PYTEST_DONT_REWRITE: pytest loads this package as its plugin; its asserts need no rewriting, and skipping it keeps start-up fast.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from conformance import registry
from conformance.fixture_format import TIERS

__all__ = ["Case", "TIERS", "cases"]

F32 = np.float32
EPS = F32(1e-7)
HI = F32(1 - 1e-7)


@dataclass(frozen=True)
class Case:
    """One call (or metric stream) and where it comes from."""

    id: str
    api: str
    tier: str
    params: dict[str, Any]
    inputs: dict[str, Any]
    note: str = ""
    tags: tuple[str, ...] = field(default=())


def f32(x) -> np.ndarray:
    return np.asarray(x, dtype=F32)


# --------------------------------------------------------------------------- seeds
def seed_cases() -> Iterator[Case]:
    yield Case(
        "seed-001-focal-doc",
        "categorical_focal_crossentropy",
        "core",
        {},
        {"y_true": f32([[0, 1, 0], [0, 0, 1]]), "y_pred": f32([[0.05, 0.9, 0.05], [0.1, 0.85, 0.05]])},
        "seed 001 (tf.keras 2.15 docs): prints [2.63401289e-04, 6.75912094e-01] from decimal inputs",
    )
    logits1 = {"y_true": f32([0, 1, 0, 0]), "y_pred": f32([-18.6, 0.51, 2.94, -12.8])}
    logits2 = {"y_true": f32([[0, 1], [0, 0]]), "y_pred": f32([[-18.6, 0.51], [2.94, -12.8]])}
    yield Case("seed-002-ex1", "BinaryCrossentropy", "core", {"from_logits": True}, logits1, "seed 002: 0.865")
    yield Case("seed-002-ex2", "BinaryCrossentropy", "core", {"from_logits": True}, logits2, "seed 002: 0.865")
    yield Case(
        "seed-002-ex2-weighted",
        "BinaryCrossentropy",
        "core",
        {"from_logits": True},
        {**logits2, "sample_weight": f32([0.8, 0.2])},
        "seed 002: 0.243",
    )
    yield Case(
        "seed-002-ex2-sum",
        "BinaryCrossentropy",
        "core",
        {"from_logits": True, "reduction": "sum"},
        logits2,
        "seed 002: 1.730",
    )
    yield Case(
        "seed-002-ex2-none",
        "BinaryCrossentropy",
        "core",
        {"from_logits": True, "reduction": "none"},
        logits2,
        "seed 002: [0.235, 1.496]",
    )
    probs = {"y_true": f32([0, 1, 0, 0]), "y_pred": f32([0.6, 0.3, 0.2, 0.8])}
    yield Case("seed-002-default-usage", "BinaryCrossentropy", "core", {}, probs, "seed 002, from_logits=False")
    upd = lambda yt, yp, sw=None: {
        "op": "update_state",
        "y_true": f32(yt),
        "y_pred": f32(yp),
        **({} if sw is None else {"sample_weight": f32(sw)}),
    }  # noqa: E731
    R, RESET = {"op": "result"}, {"op": "reset_state"}
    yield Case(
        "seed-003-epsilon",
        "metrics.BinaryCrossentropy",
        "core",
        {},
        {"steps": [upd([1.0, 0.0, 1.0, 0.0], [1.0, 1.0, 1.0, 0.0]), R]},
        "seed 003 (tf.keras 2.x): 3.833; keras3 gives 3.9855962",
    )
    doc = ([[0, 1], [0, 0]], [[0.6, 0.4], [0.4, 0.6]])
    yield Case(
        "seed-004-doc",
        "metrics.BinaryCrossentropy",
        "core",
        {},
        {"steps": [upd(*doc), R, RESET, upd(*doc, [1, 0]), R]},
        "seed 004: 0.81492424 then 0.9162905 (keras2's numbers; keras3 0.8149245, 0.91629076)",
    )
    yield Case("seed-004-function", "binary_crossentropy", "core", {}, {"y_true": f32(doc[0]), "y_pred": f32(doc[1])})


# --------------------------------------------------------------------------- helpers
LABEL_SMOOTHING = (0.0, 0.1, 0.5, 1.0)
#: shapes and the axes to reduce on: rank 1 to 4, a batch of 1, rank 3 with distinct sizes
SHAPES_AXES = (((5,), (-1,)), ((1, 4), (-1,)), ((3, 4), (-1, 0)), ((2, 3, 4), (-1, 0, 1)), ((2, 1, 3, 2), (-1, 2)))


def _probs(rng, shape) -> np.ndarray:
    return f32(rng.uniform(0.001, 0.999, size=shape))


def _logits(rng, shape, scale=4.0) -> np.ndarray:
    return f32(rng.normal(0.0, scale, size=shape))


def _labels(rng, shape) -> np.ndarray:
    return f32(rng.integers(0, 2, size=shape))


def _onehot(rng, shape, axis=-1) -> np.ndarray:
    k = shape[axis]
    idx = rng.integers(0, k, size=tuple(s for i, s in enumerate(shape) if i != axis % len(shape)))
    return f32(np.moveaxis(np.eye(k, dtype=F32)[idx], -1, axis))


def _simplex(rng, shape, axis=-1) -> np.ndarray:
    raw = rng.gamma(0.7, size=shape) + 1e-3
    return f32(raw / raw.sum(axis=axis, keepdims=True))


def _tag(x) -> str:
    if isinstance(x, float) and x.is_integer():
        x = int(x)
    return str(x).replace(".", "p").replace("-", "m").replace(" ", "").replace(",", "x").strip("()[]")


# --------------------------------------------------------------------------- BCE function
def bce_function_cases() -> Iterator[Case]:
    rng = np.random.default_rng(20261101)
    for from_logits, ls, (shape, axes) in itertools.product((False, True), LABEL_SMOOTHING, SHAPES_AXES):
        for axis in axes:
            for rep in range(2):
                yt = _labels(rng, shape) if rep == 0 else f32(rng.uniform(0, 1, size=shape))  # soft labels
                yp = _logits(rng, shape) if from_logits else _probs(rng, shape)
                yield Case(
                    f"bce-sweep-{'logits' if from_logits else 'probs'}-ls{_tag(ls)}-shape{_tag(shape)}-axis{_tag(axis)}-{'hard' if rep == 0 else 'soft'}",
                    "binary_crossentropy",
                    "core",
                    {"from_logits": from_logits, "label_smoothing": ls, "axis": axis},
                    {"y_true": yt, "y_pred": yp},
                )
    # seeded random cases over wide value ranges
    for i in range(300):
        from_logits = bool(i % 2)
        shape = (int(rng.integers(1, 5)), int(rng.integers(1, 9)))
        if from_logits:
            yp = f32(rng.uniform(-30, 30, size=shape))
        else:
            yp = f32(10.0 ** rng.uniform(-9, 0, size=shape))
            yp = np.where(rng.random(shape) < 0.5, yp, f32(1) - yp).astype(F32)
        ls = float(rng.choice([0.0, 0.0, 0.05, 0.2]))
        yield Case(
            f"bce-random-{i:03d}",
            "binary_crossentropy",
            "core",
            {"from_logits": from_logits, "label_smoothing": ls, "axis": -1},
            {"y_true": _labels(rng, shape), "y_pred": yp},
        )
    # edge: the clip region, element by element
    below_lo, above_lo = np.nextafter(EPS, F32(0)), np.nextafter(EPS, F32(1))
    below_hi, above_hi = np.nextafter(HI, F32(0)), np.nextafter(HI, F32(2))
    edge_probs = {
        "0": F32(0),
        "1em30": F32(1e-30),
        "1em10": F32(1e-10),
        "halfeps": F32(5e-8),
        "below-eps": below_lo,
        "eps": EPS,
        "above-eps": above_lo,
        "1em4": F32(1e-4),
        "0p5": F32(0.5),
        "below-clip-hi": below_hi,
        "clip-hi": HI,
        "above-clip-hi": above_hi,
        "1": F32(1),
    }
    for (name, p), y, ls in itertools.product(edge_probs.items(), (0.0, 1.0), (0.0, 0.1)):
        yield Case(
            f"bce-edge-prob-{name}-y{int(y)}-ls{_tag(ls)}",
            "binary_crossentropy",
            "edge",
            {"label_smoothing": ls},
            {"y_true": f32([y]), "y_pred": f32([p])},
        )
    for x, y, ls in itertools.product(
        (0, 16, -16, 17, -17, 40, -40, 88, -88, 100, -100, 1e4, -1e4), (0.0, 1.0), (0.0, 0.1)
    ):
        yield Case(
            f"bce-edge-logit-{_tag(x)}-y{int(y)}-ls{_tag(ls)}",
            "binary_crossentropy",
            "edge",
            {"from_logits": True, "label_smoothing": ls},
            {"y_true": f32([y]), "y_pred": f32([x])},
        )
    # whole saturated rows, mixed with ordinary ones
    for ls in (0.0, 0.1, 0.5):
        yield Case(
            f"bce-edge-saturated-rows-ls{_tag(ls)}",
            "binary_crossentropy",
            "edge",
            {"label_smoothing": ls},
            {"y_true": f32([[1, 0, 1, 0], [0, 1, 1, 0]]), "y_pred": f32([[0, 1, 1, 0], [0.3, 1e-9, 1 - 1e-9, 0.7]])},
        )
    # error: shapes the profiles treat differently
    yield Case(
        "bce-error-shape-2x3-vs-2x4",
        "binary_crossentropy",
        "error",
        {},
        {"y_true": _labels(rng, (2, 3)), "y_pred": _probs(rng, (2, 4))},
        "no broadcast exists: both reject",
    )
    yield Case(
        "bce-error-shape-n-vs-n1",
        "binary_crossentropy",
        "quirk",
        {},
        {"y_true": f32([0, 1]), "y_pred": f32([[0.3], [0.6]])},
        "keras3 rejects unequal shapes; keras2 broadcasts (2,) and (2,1) to (2,2)",
    )


# --------------------------------------------------------------------------- focal function
FOCAL_SHAPES_AXES = (
    ((3,), (-1,)),
    ((1, 4), (-1,)),
    ((4, 3), (-1, 0)),
    ((2, 3, 4), (-1, 0, 1)),
    ((2, 2, 2, 3), (-1, 1)),
)


def focal_function_cases() -> Iterator[Case]:
    rng = np.random.default_rng(20261102)
    for from_logits, ls, gamma, (shape, axes) in itertools.product(
        (False, True), LABEL_SMOOTHING, (0.0, 0.5, 2.0, 5.0), FOCAL_SHAPES_AXES
    ):
        for axis in axes:
            alpha_list = rng.choice([False, True])
            alpha = [float(a) for a in f32(rng.uniform(0.05, 1.0, size=shape[-1]))] if alpha_list else 0.25
            yt = _onehot(rng, shape, axis)
            yp = _logits(rng, shape, 2.0) if from_logits else _simplex(rng, shape, axis)
            yield Case(
                f"focal-sweep-{'logits' if from_logits else 'probs'}-ls{_tag(ls)}-g{_tag(gamma)}-shape{_tag(shape)}-axis{_tag(axis)}-alpha{'list' if alpha_list else 'scalar'}",
                "categorical_focal_crossentropy",
                "core",
                {"alpha": alpha, "gamma": gamma, "from_logits": from_logits, "label_smoothing": ls, "axis": axis},
                {"y_true": yt, "y_pred": yp},
            )
    for i in range(300):
        from_logits = bool(i % 2)
        k = int(rng.integers(2, 8))
        shape = (int(rng.integers(1, 5)), k)
        if from_logits:
            yp = f32(rng.uniform(-20, 20, size=shape))
        else:
            yp = f32(rng.uniform(0, 1, size=shape) ** 3 + 1e-6)  # unnormalised rows
        params = {
            "alpha": float(F32(rng.uniform(0.1, 1.0))),
            "gamma": float(rng.choice([0.0, 1.0, 2.0, 3.5])),
            "from_logits": from_logits,
            "label_smoothing": float(rng.choice([0.0, 0.0, 0.1, 0.3])),
        }
        yield Case(
            f"focal-random-{i:03d}",
            "categorical_focal_crossentropy",
            "core",
            params,
            {"y_true": _onehot(rng, shape), "y_pred": yp},
        )
    edge_rows = {
        "onehot-right": ([0, 1, 0], [0, 1, 0]),
        "onehot-wrong": ([0, 1, 0], [1, 0, 0]),
        "zeros-in-row": ([0, 0, 1], [0.5, 0, 0.5]),
        "tiny": ([1, 0, 0], [1e-9, 0.5, 0.5]),
        "near-one": ([1, 0, 0], [1 - 1e-8, 1e-9, 1e-9]),
        "unnormalised": ([0, 1, 0], [1, 2, 1]),
        "unnormalised-large": ([0, 0, 1], [200, 300, 500]),
        "eps-exact": ([0, 1, 0], [float(EPS), 1 - 2 * float(EPS), float(EPS)]),
    }
    for (name, (yt, yp)), ls, gamma in itertools.product(edge_rows.items(), (0.0, 0.1), (0.0, 2.0)):
        yield Case(
            f"focal-edge-{name}-ls{_tag(ls)}-g{_tag(gamma)}",
            "categorical_focal_crossentropy",
            "edge",
            {"label_smoothing": ls, "gamma": gamma},
            {"y_true": f32([yt]), "y_pred": f32([yp])},
        )
    for x, ls in itertools.product((16.0, 40.0, 88.0, 100.0, 1e4), (0.0, 0.1)):
        for name, row in (("right", [0, x, 0]), ("wrong", [x, 0, -x])):
            yield Case(
                f"focal-edge-logits-{_tag(x)}-{name}-ls{_tag(ls)}",
                "categorical_focal_crossentropy",
                "edge",
                {"from_logits": True, "label_smoothing": ls},
                {"y_true": f32([[0, 1, 0]]), "y_pred": f32([row])},
            )
    yield Case(
        "focal-error-shape-2x3-vs-2x4",
        "categorical_focal_crossentropy",
        "error",
        {},
        {"y_true": _onehot(rng, (2, 3)), "y_pred": _simplex(rng, (2, 4))},
        "no broadcast exists: both reject",
    )


# --------------------------------------------------------------------------- loss classes
REDUCTIONS = ("default", "sum_over_batch_size", "sum", "none", None, "mean", "mean_with_sample_weight", "auto")


def _weights(rng, kind, values_shape, y_shape):
    b = y_shape[0]
    return {
        "none": None,
        "scalar": f32(rng.uniform(0.2, 2.0)),
        "per-sample": f32(rng.uniform(0, 2, size=(b,))),
        "per-sample-col": f32(rng.uniform(0, 2, size=(b, 1))),
        "values-shape": f32(rng.uniform(0, 2, size=values_shape)),
        "zeros": np.zeros(values_shape, F32),
    }[kind]


def loss_class_sweep(
    rng, api: str, short: str, labels, probs, extra=None, *, logits: bool = True, smoothing: bool = True
) -> Iterator[Case]:
    """A loss class's cases: every reduction string, weight kind, shape and input kind,
    60 seeded random calls, the quirk of a (B,) weight on (B,T) values and two errors.

    ``labels(rng, shape)`` and ``probs(rng, shape)`` draw the inputs of the function the
    class wraps; ``extra(rng)`` draws its own parameters (focal's gamma). ``logits`` and
    ``smoothing``: whether the class has ``from_logits`` and ``label_smoothing``."""
    weight_kinds = ("none", "scalar", "per-sample", "per-sample-col", "values-shape", "zeros")
    for reduction, wkind, shape, from_logits in itertools.product(
        REDUCTIONS, weight_kinds, ((4, 3), (1, 5), (2, 3, 4)), (False, True) if logits else (False,)
    ):
        values_shape = shape[:-1]
        if wkind == "per-sample-col" and len(shape) != 2:
            continue
        yt = labels(rng, shape)
        yp = _logits(rng, shape) if from_logits else probs(rng, shape)
        params = {"from_logits": from_logits} if logits else {}
        params.update(extra(rng) if extra else {})
        if smoothing and rng.random() < 0.3:
            params["label_smoothing"] = 0.1
        if reduction != "default":
            params["reduction"] = reduction
        sw = _weights(rng, wkind, values_shape, shape)
        tier = "core"  # generation moves it to "error" in a profile that rejects the reduction
        if wkind == "per-sample" and len(shape) == 3:
            tier = "quirk"  # (B,T) values with a (B,) weight: profiles align it differently
        yield Case(
            f"{short}-loss-{_tag(reduction)}-w{wkind}-shape{_tag(shape)}-{'logits' if from_logits else 'probs'}",
            api,
            tier,
            params,
            {"y_true": yt, "y_pred": yp, **({} if sw is None else {"sample_weight": sw})},
            {
                None: "keras3 only (keras2 rejects None)",
                "mean": "keras3 3.7+ only (keras2 rejects it)",
                "mean_with_sample_weight": "keras3 3.7+ only (keras2 rejects it)",
                "auto": "keras2 only (keras3 rejects auto)",
            }.get(reduction, ""),
        )
    # seeded random loss cases with any reduction both profiles share
    for i in range(60):
        shape = (int(rng.integers(1, 6)), int(rng.integers(2, 6)))
        from_logits = bool(i % 2) and logits
        yt = labels(rng, shape)
        yp = f32(rng.uniform(-25, 25, size=shape)) if from_logits else probs(rng, shape)
        reduction = str(rng.choice(["sum_over_batch_size", "sum", "none"]))
        yield Case(
            f"{short}-loss-random-{i:03d}",
            api,
            "core",
            {"from_logits": from_logits, "reduction": reduction} if logits else {"reduction": reduction},
            {"y_true": yt, "y_pred": yp, "sample_weight": f32(rng.uniform(0, 3, size=shape[:1]))},
        )
    # quirk: a (B,) weight on (B,T) values with B == T: keras3 weights columns, keras2 rows
    yt, yp = labels(rng, (2, 2, 3)), probs(rng, (2, 2, 3))
    yield Case(
        f"{short}-loss-quirk-rank3-weight-b-equals-t",
        api,
        "quirk",
        {},
        {"y_true": yt, "y_pred": yp, "sample_weight": f32([1, 0])},
        "keras3 aligns a (B,) weight with the last axis of (B,T) values (column weights); keras2 with the first",
    )
    yield Case(
        f"{short}-loss-error-unknown-reduction",
        api,
        "error",
        {"reduction": "mean_of_squares"},
        {"y_true": f32([[0, 1], [1, 0]]), "y_pred": f32([[0.3, 0.7], [0.6, 0.4]])},
        "both reject an unknown reduction",
    )
    yield Case(
        f"{short}-loss-error-weight-shape",
        api,
        "error",
        {},
        {"y_true": f32([[0, 1], [1, 0]]), "y_pred": f32([[0.3, 0.7], [0.6, 0.4]]), "sample_weight": f32([1, 2, 3])},
        "a (3,) weight does not broadcast to (2,) values",
    )


def class_doc_cases(api: str, prefix: str, inputs: dict, sample_weight, printed: dict, source: str) -> Iterator[Case]:
    """The calls a loss class's docstring makes: the default reduction, a ``sample_weight``,
    ``sum`` and ``none``; ``printed`` holds what the docstring prints for each."""
    for key, params, extra in (
        ("default", {}, {}),
        ("weighted", {}, {"sample_weight": f32(sample_weight)}),
        ("sum", {"reduction": "sum"}, {}),
        ("none", {"reduction": "none"}, {}),
    ):
        cid = prefix if key == "default" else f"{prefix}-{key}"
        yield Case(cid, api, "core", params, {**inputs, **extra}, f"{source}: {printed[key]}")


def loss_class_cases() -> Iterator[Case]:
    """The seed loss classes, BinaryCrossentropy then CategoricalFocalCrossentropy, from one
    random stream."""
    rng = np.random.default_rng(20261103)
    yield from loss_class_sweep(rng, "BinaryCrossentropy", "bce", _labels, _probs)
    yield from loss_class_sweep(
        rng,
        "CategoricalFocalCrossentropy",
        "focal",
        _onehot,
        _simplex,
        lambda r: {"gamma": float(r.choice([0.0, 2.0]))},
    )


# --------------------------------------------------------------------------- metric
def _update_step(rng, labels, preds, shape, weight=None, logits=False) -> dict:
    step = {
        "op": "update_state",
        "y_true": labels(rng, shape),
        "y_pred": _logits(rng, shape) if logits else preds(rng, shape),
    }
    if weight is not None:
        step["sample_weight"] = weight
    return step


def metric_stream_cases(
    rng,
    api: str,
    prefix: str,
    labels,
    preds,
    *,
    logits: bool = True,
    smoothing: bool = True,
    streams: int = 250,
    classes: tuple[int, int] = (1, 5),
    edge: dict | None = None,
    mismatch_tier: str | None = "core",
    mismatch_note: str = "keras2 squeezes y_pred's trailing 1; keras3 rejects unequal shapes",
    rank3_logit_values: bool = False,
) -> Iterator[Case]:
    """A ``MeanMetricWrapper`` metric's cases (ids ``{prefix}-...``): the empty and reset
    state, ``streams`` seeded random streams of update/result/reset with every weight kind,
    the counting cases (a scalar weight over batches of unequal size, rank-3 inputs, a
    per-sample and a per-step weight on rank 3, all-zero weights), saturated batches and a
    (n,) vs (n,1) batch.

    ``labels(rng, shape)`` and ``preds(rng, shape)`` draw a batch of the wrapped function's
    inputs; ``logits`` and ``smoothing``: whether the metric has ``from_logits`` and
    ``label_smoothing``; ``classes``: the range ``rng.integers`` draws the last axis from;
    ``edge``: name -> (y_true, y_pred[, params]) of the saturated batches (tier edge);
    ``mismatch_tier``: the tier of the (n,) vs (n,1) batch where both profiles take it (None:
    no such batch, as for integer labels, where it is a label out of range);
    ``rank3_logit_values``: the rank-3 cases' second batch draws logit-scaled values even
    though the case does not set ``from_logits`` (the BinaryCrossentropy metric's cases have
    always done so, and keep it so that their fixtures stay as they are)."""

    def update(shape, weight=None, from_logits=False):
        return _update_step(rng, labels, preds, shape, weight, from_logits)

    R, RESET = {"op": "result"}, {"op": "reset_state"}
    yield Case(f"{prefix}-empty-result", api, "core", {}, {"steps": [R]}, "the empty state's result is 0")
    yield Case(
        f"{prefix}-reset-restores-empty",
        api,
        "core",
        {},
        {"steps": [update((3, 2)), R, RESET, R]},
        "a metric that forgets to reset fails the second result",
    )
    for i in range(streams):
        from_logits = bool(i % 3 == 0) and logits
        ls = float(rng.choice([0.0, 0.0, 0.1]))
        steps = []
        for _ in range(int(rng.integers(1, 5))):
            b, k = int(rng.integers(1, 5)), int(rng.integers(*classes))
            kind = rng.choice(["none", "none", "per-sample", "scalar", "values-shape", "zeros"])
            weight = {
                "none": None,
                "per-sample": f32(rng.uniform(0, 2, size=(b,))),
                "scalar": f32(rng.uniform(0.5, 2)),
                "values-shape": f32(rng.uniform(0, 2, size=(b,))),
                "zeros": np.zeros((b,), F32),
            }[str(kind)]
            steps.append(update((b, k), weight, from_logits))
            steps.append(R)
            if rng.random() < 0.2:
                steps += [RESET, R]
        params = {"from_logits": from_logits} if logits else {}
        if smoothing:
            params["label_smoothing"] = ls
        yield Case(f"{prefix}-stream-{i:03d}", api, "core", params, {"steps": steps})
    for w in (1.0, 0.5, 2.0):
        steps = [update((2, 3), f32(w)), R, update((1, 3), f32(w)), R]
        yield Case(
            f"{prefix}-scalar-weight-unequal-batches-w{_tag(w)}",
            api,
            "core",
            {},
            {"steps": steps},
            "keras2 counts elements (a scalar weight per sample), keras3 counts each batch once",
        )
    yield Case(
        f"{prefix}-all-zero-weights",
        api,
        "core",
        {},
        {"steps": [update((3, 2), np.zeros((3,), F32)), R]},
        "count 0: divide_no_nan gives 0",
    )
    for i, shape in enumerate(((2, 3, 2), (1, 3, 1), (3, 2, 4))):
        steps = [update(shape), R, update((2, 2, 3), None, rank3_logit_values), R]
        yield Case(
            f"{prefix}-rank3-unweighted-{i}",
            api,
            "core",
            {},
            {"steps": steps},
            "keras3 averages each sample's values before counting samples; keras2 counts every element",
        )
    yield Case(
        f"{prefix}-rank3-per-sample-weight",
        api,
        "core",
        {},
        {"steps": [update((2, 2, 3), f32([1, 0])), R]},
        "both weight per sample (unlike the keras3 loss)",
    )
    yield Case(
        f"{prefix}-rank3-per-step-weight",
        api,
        "core",
        {},
        {
            "steps": [
                update((2, 3, 4), f32(rng.uniform(0, 2, size=(2, 3)))),
                R,
                update((1, 2, 3), f32([[0.5, 2.0]])),
                R,
            ]
        },
        "a (batch, steps) weight on rank-3 inputs, as a sequence model's mask: how the weight is "
        "reduced over the steps decides the count",
    )
    for name, (yt, yp, *params) in (edge or {}).items():
        yield Case(
            f"{prefix}-edge-saturated-{name}",
            api,
            "edge",
            dict(params[0]) if params else {},
            {"steps": [{"op": "update_state", "y_true": f32(yt), "y_pred": f32(yp)}, R]},
        )
    if mismatch_tier is None:  # no (n,) vs (n,1) batch for this metric
        return
    yield Case(
        f"{prefix}-error-shape-n-vs-n1",
        api,
        mismatch_tier,
        {},
        {"steps": [{"op": "update_state", "y_true": f32([0, 1]), "y_pred": f32([[0.3], [0.6]])}, R]},
        mismatch_note,
    )


def metric_cases() -> Iterator[Case]:
    """The ``BinaryCrossentropy`` metric's cases."""
    yield from metric_stream_cases(
        np.random.default_rng(20261104),
        "metrics.BinaryCrossentropy",
        "metric",
        _labels,
        _probs,
        rank3_logit_values=True,
        edge={
            name: ([[1, 0], [0, 1]], [[p, p], [p, p]]) for name, p in (("zero", 0.0), ("one", 1.0), ("eps", float(EPS)))
        },
    )


def cases() -> list[Case]:
    """Every case of every registered API, in a stable order; ids are unique."""
    out: list[Case] = []
    ran: list = []
    for api in registry.apis():
        for gen in api.cases:
            if gen not in ran:
                ran.append(gen)
                out.extend(gen())
    known = {a.name for a in registry.apis()}
    seen: set[str] = set()
    for c in out:
        if c.id in seen:
            raise AssertionError(f"duplicate case id {c.id}")
        if c.api not in known:
            raise AssertionError(f"case {c.id} names the unregistered API {c.api!r}")
        seen.add(c.id)
    return out


# --------------------------------------------------------------------------- gradients
#: reductions of the gradient sweeps of loss classes (each profile rejects its own: error tier)
GRAD_REDUCTIONS = ("default", "sum_over_batch_size", "sum", "none", None, "mean", "mean_with_sample_weight", "auto")


def grad_broadcast_pred_cases(api: str, short: str, seed: int, y_true) -> Iterator[Case]:
    """``grad-{short}-broadcast-pred-{col,row}``: y_pred as a (3, 1) column and a (4,) row,
    broadcast against a (3, 4) ``y_true(rng, shape)``, for APIs without a shape check. The
    gradient is the sum over the broadcast axis; a backward that averages or drops it fails."""
    rng = np.random.default_rng(seed)
    for name, pshape in (("col", (3, 1)), ("row", (4,))):
        yield Case(
            f"grad-{short}-broadcast-pred-{name}",
            api,
            "core",
            {},
            {"y_true": y_true(rng, (3, 4)), "y_pred": f32(rng.uniform(0.05, 0.95, size=pshape))},
            "y_pred broadcasts against y_true (3, 4): its gradient sums over the broadcast axis",
        )


def grad_loss_class_sweep(rng, api: str, short: str, labels, probs, *, logits: bool = True) -> Iterator[Case]:
    """A loss class's gradient cases (``grad.<Class>``, ids ``grad-{short}-loss-...``):
    every reduction string against five weight kinds, on (4, 3) and (2, 3, 4) inputs
    alternately, logits and probabilities alternately; a (B,) weight on rank-3 input is
    the alignment quirk; two error cases."""
    kinds = ("none", "scalar", "per-sample", "values-shape", "zeros")
    for i, (reduction, wkind) in enumerate(itertools.product(GRAD_REDUCTIONS, kinds)):
        shape = ((4, 3), (2, 3, 4))[i % 2]
        from_logits = logits and (i // 2) % 2 == 1
        yt = labels(rng, shape)
        yp = _logits(rng, shape) if from_logits else probs(rng, shape)
        params = {"from_logits": from_logits} if logits else {}
        if reduction != "default":
            params["reduction"] = reduction
        sw = _weights(rng, wkind, shape[:-1], shape)
        tier = "quirk" if wkind == "per-sample" and len(shape) == 3 else "core"
        yield Case(
            f"grad-{short}-loss-{_tag(reduction)}-w{wkind}-shape{_tag(shape)}-{'logits' if from_logits else 'probs'}",
            api,
            tier,
            params,
            {"y_true": yt, "y_pred": yp, **({} if sw is None else {"sample_weight": sw})},
        )
    yield Case(
        f"grad-{short}-loss-error-weight-shape",
        api,
        "error",
        {},
        {"y_true": f32([[0, 1], [1, 0]]), "y_pred": f32([[0.3, 0.7], [0.6, 0.4]]), "sample_weight": f32([1, 2, 3])},
        "a (3,) weight does not broadcast to (2,) values",
    )


def grad_bce_function_cases() -> Iterator[Case]:
    """``grad.binary_crossentropy``: a sweep (input kind, smoothing, shape and axis, hard
    and soft labels) strictly inside the clip bounds, seeded random calls, the clip region
    and saturated logits (edge) and the clip bounds themselves (quirk)."""
    rng = np.random.default_rng(20261201)
    shapes_axes = (((5,), -1), ((3, 4), -1), ((3, 4), 0), ((2, 3, 4), 1))
    api = "grad.binary_crossentropy"
    for from_logits, ls, (shape, axis), soft in itertools.product(
        (False, True), (0.0, 0.1, 0.5), shapes_axes, (False, True)
    ):
        yt = f32(rng.uniform(0, 1, size=shape)) if soft else _labels(rng, shape)
        yp = _logits(rng, shape) if from_logits else _probs(rng, shape)
        yield Case(
            f"grad-bce-sweep-{'logits' if from_logits else 'probs'}-ls{_tag(ls)}-shape{_tag(shape)}-axis{_tag(axis)}-{'soft' if soft else 'hard'}",
            api,
            "core",
            {"from_logits": from_logits, "label_smoothing": ls, "axis": axis},
            {"y_true": yt, "y_pred": yp},
        )
    for i in range(12):
        from_logits = bool(i % 2)
        shape = (int(rng.integers(1, 4)), int(rng.integers(1, 6)))
        if from_logits:
            yp = f32(rng.uniform(-30, 30, size=shape))
        else:
            yp = f32(10.0 ** rng.uniform(-6, -0.01, size=shape))
            yp = np.where(rng.random(shape) < 0.5, yp, f32(1) - yp).astype(F32)
        yield Case(
            f"grad-bce-random-{i:02d}",
            api,
            "core",
            {"from_logits": from_logits, "label_smoothing": float(rng.choice([0.0, 0.2]))},
            {"y_true": _labels(rng, shape), "y_pred": yp},
        )
    below_lo, above_lo = np.nextafter(EPS, F32(0)), np.nextafter(EPS, F32(1))
    below_hi, above_hi = np.nextafter(HI, F32(0)), np.nextafter(HI, F32(2))
    edge_probs = {
        "0": F32(0),
        "1em10": F32(1e-10),
        "below-eps": below_lo,
        "above-eps": above_lo,
        "1em4": F32(1e-4),
        "0p5": F32(0.5),
        "below-clip-hi": below_hi,
        "above-clip-hi": above_hi,
        "1": F32(1),
    }
    for (name, p), ls in itertools.product(edge_probs.items(), (0.0, 0.1)):
        yield Case(
            f"grad-bce-edge-prob-{name}-ls{_tag(ls)}",
            api,
            "edge",
            {"label_smoothing": ls},
            {"y_true": f32([0, 1]), "y_pred": f32([p, p])},
            "the clip passes the gradient strictly inside [eps, 1 - eps] and stops it outside",
        )
    for x, ls in itertools.product((0, 16, -16, 40, -40, 88, -88, 100, -100), (0.0, 0.1)):
        yield Case(
            f"grad-bce-edge-logit-{_tag(x)}-ls{_tag(ls)}",
            api,
            "edge",
            {"from_logits": True, "label_smoothing": ls},
            {"y_true": f32([0, 1]), "y_pred": f32([x, x])},
        )
    for name, p in (("eps", EPS), ("clip-hi", HI)):
        yield Case(
            f"grad-bce-quirk-prob-at-{name}",
            api,
            "quirk",
            {},
            {"y_true": f32([0, 1]), "y_pred": f32([p, p])},
            "exactly at a clip bound the clip's derivative is implementation-defined; the reference "
            "passes it (tf.clip_by_value, torch.clamp)",
        )
    yield Case(
        "grad-bce-error-shape-2x3-vs-2x4",
        api,
        "error",
        {},
        {"y_true": _labels(rng, (2, 3)), "y_pred": _probs(rng, (2, 4))},
        "no broadcast exists: both reject",
    )


def grad_bce_class_cases() -> Iterator[Case]:
    """``grad.BinaryCrossentropy``: the reduction and weight sweep, and saturated inputs."""
    rng = np.random.default_rng(20261202)
    api = "grad.BinaryCrossentropy"
    yield from grad_loss_class_sweep(rng, api, "bce", _labels, _probs)
    for ls in (0.0, 0.1):
        yield Case(
            f"grad-bce-loss-edge-saturated-ls{_tag(ls)}",
            api,
            "edge",
            {"label_smoothing": ls},
            {
                "y_true": f32([[1, 0, 1, 0], [0, 1, 1, 0]]),
                "y_pred": f32([[0, 1, 1e-9, 0.5], [0.3, 1e-6, 1 - 1e-6, 0.7]]),
                "sample_weight": f32([0.5, 2]),
            },
        )
        yield Case(
            f"grad-bce-loss-edge-saturated-logits-ls{_tag(ls)}",
            api,
            "edge",
            {"from_logits": True, "label_smoothing": ls, "reduction": "sum"},
            {"y_true": f32([[1, 0, 1], [0, 1, 0]]), "y_pred": f32([[-40, 40, 88], [-100, 17, 0.5]])},
        )
