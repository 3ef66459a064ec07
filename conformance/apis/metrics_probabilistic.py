"""The ``MeanMetricWrapper`` metrics over the probabilistic losses: ``CategoricalCrossentropy``,
``KLDivergence`` and ``Poisson`` (docs/semantics.md §18), streams of
``update_state``/``result``/``reset_state`` in both profiles.

Each is declared by ``mean_metric_api``: its reference is ``reference.metric``'s
``mean_metric(<the loss function>)`` class, its cases the generic metric streams of
``catalog.metric_stream_cases`` (the BinaryCrossentropy metric's, with this metric's inputs)
plus its docstring's example. Declaring a further one (``SparseCategoricalCrossentropy``
over ``reference.scce``) is one ``mean_metric`` line in ``reference/metric.py`` and one
``mean_metric_api(...)`` entry in ``APIS`` below (with a ``DocPage``).

PYTEST_DONT_REWRITE: pytest loads this package as its plugin; its asserts need no rewriting, and skipping it keeps start-up fast.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Iterator

import numpy as np

from conformance.apis._common import CLIP_HIGH, EPS
from conformance.catalog import EPS as EPS32
from conformance.catalog import Case, _onehot, _simplex, _tag, f32, metric_stream_cases
from conformance.registry import Api, DocPage, Theme

__all__ = ["mean_metric_api", "doc_stream"]

R, RESET = {"op": "result"}, {"op": "reset_state"}


def _update(y_true, y_pred, sample_weight=None) -> dict:
    step = {"op": "update_state", "y_true": f32(y_true), "y_pred": f32(y_pred)}
    if sample_weight is not None:
        step["sample_weight"] = f32(sample_weight)
    return step


def doc_stream(api: str, prefix: str, inputs: tuple, sample_weight, printed: tuple[str, str]) -> Iterator[Case]:
    """A metric docstring's example: ``update; result; reset; update(sample_weight); result``,
    whole and each half alone; ``printed`` is what the docstring prints for the two results."""
    plain, weighted = _update(*inputs), _update(*inputs, sample_weight)
    yield Case(
        prefix,
        api,
        "core",
        {},
        {"steps": [plain, R, RESET, weighted, R]},
        f"docstring (keras3 and tf_keras): {printed[0]}, then {printed[1]}",
    )
    yield Case(f"{prefix}-unweighted", api, "core", {}, {"steps": [plain, R]}, f"docstring: {printed[0]}")
    yield Case(f"{prefix}-weighted", api, "core", {}, {"steps": [weighted, R]}, f"docstring: {printed[1]}")


def mean_metric_api(
    name: str,
    reference: str,
    cases: Callable[[], Iterator[Case]],
    *,
    docs: str,
    draw: str | None,
    profiles: tuple[str, ...] = ("keras3", "keras2"),
) -> Api:
    """``keras.metrics.<name>`` in each of ``profiles``, a ``MeanMetricWrapper`` metric."""
    return Api(f"metrics.{name}", "metric", {p: f"metrics.{name}" for p in profiles}, reference, (cases,), docs, draw)


# --------------------------------------------------------------------------- CategoricalCrossentropy
CCE_DOC = ([[0, 1, 0], [0, 0, 1]], [[0.05, 0.95, 0], [0.1, 0.8, 0.1]])
CCE = "metrics.CategoricalCrossentropy"


def cce_metric_cases() -> Iterator[Case]:
    yield from doc_stream(CCE, "doc-cce-metric", CCE_DOC, [0.3, 0.7], ("1.1769392", "1.6271976"))
    rng = np.random.default_rng(20261231)
    yield from metric_stream_cases(
        rng,
        CCE,
        "cce-metric",
        _onehot,
        _simplex,
        streams=160,
        classes=(2, 6),
        edge={
            "wrong": ([[1, 0, 0], [0, 1, 0]], [[0, 1, 0], [1, 0, 0]]),
            "right": ([[1, 0, 0], [0, 1, 0]], [[1, 0, 0], [0, 1, 0]]),
            "eps": ([[1, 0, 0], [0, 0, 1]], [[float(EPS32), 0.5, 0.5], [0.5, 0.5, float(EPS32)]]),
            "unnormalised": ([[0, 1, 0], [0, 0, 1]], [[1, 2, 1], [200, 300, 500]]),
            "logits-40": ([[0, 1, 0], [1, 0, 0]], [[40, 0, -40], [0, 40, 0]], {"from_logits": True}),
            "logits-1e4": ([[0, 1, 0], [1, 0, 0]], [[1e4, 0, -1e4], [0, 1e4, 0]], {"from_logits": True}),
            "ls-wrong": ([[1, 0, 0], [0, 1, 0]], [[0, 1, 0], [1, 0, 0]], {"label_smoothing": 0.1}),
        },
    )
    for axis, ls, from_logits in itertools.product((0, 1, -1), (0.0, 0.2), (False, True)):
        steps = []
        for b in (2, 1):
            shape = (b, 3, 4)
            yt = _onehot(rng, shape, axis)
            yp = f32(rng.normal(0, 3, size=shape)) if from_logits else _simplex(rng, shape, axis)
            steps += [_update(yt, yp, f32(rng.uniform(0, 2, size=(b,)))), R]
        yield Case(
            f"cce-metric-axis{_tag(axis)}-ls{_tag(ls)}-{'logits' if from_logits else 'probs'}",
            CCE,
            "core",
            {"from_logits": from_logits, "label_smoothing": ls, "axis": axis},
            {"steps": steps},
            (
                "axis 0 sums over the batch axis: the (B,) weight does not broadcast to the (3, 4) values, both reject"
                if axis == 0
                else "rank-3 batches with a per-sample weight"
                + ("; K is the last axis' size in keras3 <= 3.15.1, axis' size in keras2" if ls and axis != -1 else "")
            ),
        )


# --------------------------------------------------------------------------- KLDivergence
DIST_DOC = ([[0, 1], [0, 0]], [[0.6, 0.4], [0.4, 0.6]])
KLD = "metrics.KLDivergence"


def kld_metric_cases() -> Iterator[Case]:
    yield from doc_stream(KLD, "doc-kld-metric", DIST_DOC, [1, 0], ("0.45814306", "0.9162892"))
    yield from metric_stream_cases(
        np.random.default_rng(20261232),
        KLD,
        "kld-metric",
        _simplex,
        _simplex,
        logits=False,
        smoothing=False,
        streams=165,
        classes=(1, 6),
        edge={
            "zero-labels": ([[0, 0], [0, 0]], [[0.5, 0.5], [1, 0]]),
            "pred-zero": ([[1, 0], [0.5, 0.5]], [[0, 1], [0, 0]]),
            "outside": ([[2, -1], [0.5, 0.5]], [[0.5, 0.5], [2, -1]]),
            "eps": ([[1, 1], [float(EPS32), 1]], [[float(EPS32), 1], [1, float(EPS32)]]),
        },
        mismatch_tier="quirk",
        mismatch_note="both accept: keras2 squeezes y_pred to (2,) (a scalar value, count 1); keras3 broadcasts"
        " (2,) and (2,1) to (2,2) (two values, count 2)",
    )


# --------------------------------------------------------------------------- Poisson
POISSON_DOC = ([[0, 1], [0, 0]], [[1, 1], [0, 0]])
POISSON = "metrics.Poisson"


def _counts(rng, shape) -> np.ndarray:
    return f32(rng.poisson(3.0, size=shape))


def _rates(rng, shape) -> np.ndarray:
    return f32(rng.gamma(2.0, 1.5, size=shape))


def poisson_metric_cases() -> Iterator[Case]:
    yield from doc_stream(POISSON, "doc-poisson-metric", POISSON_DOC, [1, 0], ("0.49999997", "0.99999994"))
    yield from metric_stream_cases(
        np.random.default_rng(20261233),
        POISSON,
        "poisson-metric",
        _counts,
        _rates,
        logits=False,
        smoothing=False,
        streams=165,
        classes=(1, 6),
        edge={
            "pred-zero": ([[1, 0], [3, 2]], [[0, 0], [0, 0]]),
            "pred-eps": ([[3, 1]], [[1e-7, 1e-7]]),
            "eps-vanishes": ([[3, 1], [5, 0]], [[2, 1], [4, 2]]),
            "large": ([[1000, 5]], [[999.5, 1e4]]),
        },
        mismatch_tier="quirk",
        mismatch_note="both accept: keras2 squeezes y_pred to (2,) (a scalar value, count 1); keras3 broadcasts"
        " (2,) and (2,1) to (2,2) (two values, count 2)",
    )


# --------------------------------------------------------------------------- SparseCategoricalCrossentropy
SCCE = "metrics.SparseCategoricalCrossentropy"
SCCE_DOC = ([1, 2], [[0.05, 0.95, 0], [0.1, 0.8, 0.1]])


def _int_labels(rng, shape) -> np.ndarray:
    """Integer labels in [0, K) for predictions of ``shape`` (K its last axis), as float32."""
    return f32(rng.integers(0, shape[-1], size=shape[:-1]))


def scce_metric_cases() -> Iterator[Case]:
    yield from doc_stream(SCCE, "doc-scce-metric", SCCE_DOC, [0.3, 0.7], ("1.1769392", "1.6271976"))
    yield from metric_stream_cases(
        np.random.default_rng(20261234),
        SCCE,
        "scce-metric",
        _int_labels,
        _simplex,
        smoothing=False,
        streams=160,
        classes=(2, 6),
        edge={
            "wrong": ([0, 1], [[0, 1, 0], [1, 0, 0]]),
            "right": ([0, 1], [[1, 0, 0], [0, 1, 0]]),
            "eps": ([0, 2], [[float(EPS32), 0.5, 0.5], [0.5, 0.5, float(EPS32)]]),
            "unnormalised": ([1, 2], [[1, 2, 1], [200, 300, 500]]),
            "logits-40": ([1, 0], [[40, 0, -40], [0, 40, 0]], {"from_logits": True}),
            "logits-1e4": ([1, 0], [[1e4, 0, -1e4], [0, 1e4, 0]], {"from_logits": True}),
        },
        mismatch_tier=None,
    )
    yield from scce_metric_ignore_class_cases()


#: docs/semantics.md §18.1's inputs: label -1 ignored at position 2
SCCE_IGNORE = ([1, 2, -1, 0], [[0.05, 0.95, 0], [0.1, 0.8, 0.1], [0.3, 0.3, 0.4], [0.6, 0.2, 0.2]])


def scce_metric_ignore_class_cases() -> Iterator[Case]:
    """``ignore_class``, where the profiles read the function's mask differently
    (``reference.metric``): keras3 counts ignored entries unless a weight is given, keras2
    never does."""
    y, p = SCCE_IGNORE
    ig = {"ignore_class": -1}
    streams = {
        "unweighted": ([_update(y, p), R], "keras3 (jax, numpy): 0.71617603, count 4"),
        "weighted-ones": ([_update(y, p, [1, 1, 1, 1]), R], "keras3: 0.9549014, count 3"),
        "scalar-weight": ([_update(y, p, 2.0), R, _update([0, -1], [[0.2, 0.8], [0.5, 0.5]], 2.0), R], ""),
        "rank2-labels": (
            [_update([[1, -1], [2, 0]], [p[:2], p[2:]]), R],
            "keras3: count 2, the ignored entry averaged in",
        ),
        "all-ignored-then-valid": ([_update([-1, -1], p[:2]), R, _update(y, p), R], ""),
        "reset": ([_update(y, p), RESET, _update(y, p, [0.5, 1, 2, 4]), R], ""),
    }
    for name, (steps, note) in streams.items():
        yield Case(f"scce-metric-ignore-{name}", SCCE, "core", ig, {"steps": steps}, note)
    yield Case(
        "scce-metric-ignore-class-0",
        SCCE,
        "core",
        {"ignore_class": 0},
        {"steps": [_update(y[:2] + [0, 0], p), R, _update(y[:2] + [0, 0], p, [1, 2, 3, 4]), R]},
        "a real class ignored",
    )
    rng = np.random.default_rng(20261129)
    for i in range(4):  # ignored at every position of a batch of 4, weighted and not, both paths
        logits = bool(i % 2)
        labels = f32(rng.integers(0, 3, size=4))
        labels[i] = -1
        preds = f32(rng.normal(0, 3, (4, 3))) if logits else _simplex(rng, (4, 3))
        w = f32(rng.uniform(0.1, 2.0, 4))
        yield Case(
            f"scce-metric-ignore-position-{i}",
            SCCE,
            "core",
            {"ignore_class": -1, "from_logits": logits},
            {"steps": [_update(labels, preds), R, _update(labels, preds, w), R]},
        )


APIS = (
    mean_metric_api(
        "SparseCategoricalCrossentropy",
        "reference.metric:SparseCategoricalCrossentropyMetric",
        scce_metric_cases,
        docs=SCCE,
        draw=None,
    ),
    mean_metric_api(
        "CategoricalCrossentropy",
        "reference.metric:CategoricalCrossentropyMetric",
        cce_metric_cases,
        docs=CCE,
        draw="conformance.strategies:categorical_calls",
    ),
    mean_metric_api(
        "KLDivergence",
        "reference.metric:KLDivergenceMetric",
        kld_metric_cases,
        docs=KLD,
        draw="conformance.strategies:distribution_calls",
    ),
    mean_metric_api(
        "Poisson",
        "reference.metric:PoissonMetric",
        poisson_metric_cases,
        docs=POISSON,
        draw="conformance.strategies:count_calls",
    ),
)

_COUNTING = """| | keras3 | keras2 |
|---|---|---|
| count | **samples**: values (and weights) are averaged per sample first; `count += sum(per-sample w)`, or the batch size | **elements**: `count += sum(w broadcast to v)`, or `size(v)` |
| scalar weight, batches of unequal size | each batch counts once | every sample counts |
| y_true (n,) with y_pred (n,1) | passed to the function as given | squeezed to (n,) first |

State is `total` and `count`; `result() = divide_no_nan(total, count)` (0 when empty);
`reset_state()` zeros both. Both profiles' metric is `MeanMetricWrapper(fn)` (keras3
`metrics/reduction_metrics.py`, tf_keras `metrics/base_metric.py`), exactly as the
`BinaryCrossentropy` metric; the tolerance is the wrapped function's (docs/tolerance.md)."""


def _themes(short: str, doc: str) -> tuple[Theme, ...]:
    return (
        Theme("Docstring examples", (f"doc-{short}-metric*",), doc),
        Theme("Counting: scalar weights over batches of unequal size", (f"{short}-metric-scalar-weight-*",)),
        Theme("Counting: rank-3 inputs", (f"{short}-metric-rank3-*",)),
        Theme(
            "State",
            (
                f"{short}-metric-empty-result",
                f"{short}-metric-reset-restores-empty",
                f"{short}-metric-all-zero-weights",
            ),
        ),
        Theme("Saturation", (f"{short}-metric-edge-*",)),
        *(
            (Theme("(n,) labels with (n,1) predictions", (f"{short}-metric-error-shape-n-vs-n1",)),)
            if short != "scce"
            else ()
        ),
    )


DOCS = (
    DocPage(
        name=SCCE,
        semantics=f"""## Semantics

`SparseCategoricalCrossentropy(from_logits=False, ignore_class=None, axis=-1)` is a metric
whose per-sample values are `sparse_categorical_crossentropy(y_true, y_pred, from_logits,
axis=axis)` (docs/semantics.md §12: integer labels; on probabilities keras3's jax, torch and
numpy backends renormalise and clip to [{EPS}, {CLIP_HIGH}], keras3's tensorflow backend and
keras2 clip and take a log-softmax of the logs; from logits an exact log-softmax). They are
counted as every `MeanMetricWrapper` counts them:

{_COUNTING}

With `ignore_class`, the function gives 0 for an ignored entry and attaches a mask, which
the profiles read differently (docs/semantics.md §18.1): keras3 weighs by the mask only when
a `sample_weight` is given (`w * mask`), so without one the ignored entries add 0 to `total`
but still count; keras2 always weighs by it (the mean over valid entries).
""",
        themes=_themes("scce", "The example of the keras3 and tf_keras docstrings."),
        doctests=("doc-scce-metric", "scce-metric-scalar-weight-unequal-batches-w1"),
    ),
    DocPage(
        name=CCE,
        semantics=f"""## Semantics

`CategoricalCrossentropy(from_logits=False, label_smoothing=0, axis=-1)` is a metric whose
per-sample values are `categorical_crossentropy(y_true, y_pred, from_logits, label_smoothing,
axis)` (docs/semantics.md §11: renormalise, clip to [{EPS}, {CLIP_HIGH}], or an exact
log-softmax from logits; with smoothing, K is the last axis' size in keras3 <= 3.15.1 and
`axis`' size in keras2). They are counted as every `MeanMetricWrapper` counts them:

{_COUNTING}

keras3 rejects y_true (n,) with y_pred (n,1) (the function requires equal shapes); keras2
squeezes y_pred and computes one scalar value over the n entries.
""",
        themes=_themes("cce", "The example of the keras3 and tf_keras docstrings."),
        doctests=("doc-cce-metric", "cce-metric-scalar-weight-unequal-batches-w1", "cce-metric-edge-saturated-wrong"),
    ),
    DocPage(
        name=KLD,
        semantics=f"""## Semantics

`KLDivergence()` (keras2's default name is `kullback_leibler_divergence`) is a metric whose
per-sample values are `kl_divergence(y_true, y_pred)`: both clipped to [{EPS}, 1], then
`sum(y_true * log(y_true / y_pred), axis=-1)` (docs/semantics.md §13). They are counted as
every `MeanMetricWrapper` counts them:

{_COUNTING}

The function broadcasts: keras3 turns y_true (n,) with y_pred (n,1) into n values; keras2
squeezes y_pred first and gets one scalar value (count 1).
""",
        themes=_themes("kld", "The example of the keras3 and tf_keras docstrings."),
        doctests=(
            "doc-kld-metric",
            "kld-metric-scalar-weight-unequal-batches-w1",
            "kld-metric-edge-saturated-zero-labels",
        ),
    ),
    DocPage(
        name=POISSON,
        semantics=f"""## Semantics

`Poisson()` is a metric whose per-sample values are `poisson(y_true, y_pred)`:
`mean(y_pred - y_true * log(y_pred + {EPS}), axis=-1)`, eps added and not clipped
(docs/semantics.md §14). They are counted as every `MeanMetricWrapper` counts them:

{_COUNTING}

The function broadcasts: keras3 turns y_true (n,) with y_pred (n,1) into n values; keras2
squeezes y_pred first and gets one scalar value (count 1).
""",
        themes=_themes("poisson", "The example of the keras3 and tf_keras docstrings."),
        doctests=(
            "doc-poisson-metric",
            "poisson-metric-scalar-weight-unequal-batches-w1",
            "poisson-metric-edge-saturated-pred-zero",
        ),
    ),
)
