"""The ``BinaryCrossentropy`` metric (a stream of ``update_state``/``result``/``reset_state``).

PYTEST_DONT_REWRITE: pytest loads this package as its plugin; its asserts need no rewriting, and skipping it keeps start-up fast.
"""

from __future__ import annotations

from conformance import catalog
from conformance.registry import Api, DocPage, Theme

APIS = (
    Api(
        name="metrics.BinaryCrossentropy",
        shape="metric",
        keras={"keras3": "metrics.BinaryCrossentropy", "keras2": "metrics.BinaryCrossentropy"},
        reference="reference.metric:BinaryCrossentropyMetric",
        cases=(catalog.seed_cases, catalog.metric_cases),
        docs="metrics.BinaryCrossentropy",
        draw="conformance.strategies:binary_calls",
    ),
)

DOCS = (
    DocPage(
        name="metrics.BinaryCrossentropy",
        semantics="""## Semantics

`BinaryCrossentropy(from_logits=False, label_smoothing=0)` is a metric with state `total`
and `count`, and `result() = total / count` (0 when count is 0). Each
`update_state(y_true, y_pred, sample_weight)` computes the per-sample values
`v = binary_crossentropy(y_true, y_pred)` over axis -1, with each profile's BCE. The
profiles then count differently:

| | keras3 | keras2 |
|---|---|---|
| count | **samples**: values (and weights) are averaged per sample first; `count += sum(per-sample w)`, or the batch size | **elements**: `count += sum(w broadcast to v)`, or `size(v)` |
| scalar weight, batches of unequal size | each batch counts once | every sample counts |
| y_true (n,) with y_pred (n,1) | rejected | squeezed, accepted |
""",
        themes=(
            Theme(
                "Seed examples",
                ("seed-003-*", "seed-004-doc"),
                "Seeds 003 and 004. The numbers seed 004 prints are keras2's.",
            ),
            Theme("Counting: scalar weights over batches of unequal size", ("metric-scalar-weight-*",)),
            Theme("Counting: rank-3 inputs", ("metric-rank3-*",)),
            Theme("State", ("metric-empty-result", "metric-reset-restores-empty", "metric-all-zero-weights")),
            Theme("Saturation", ("metric-edge-*",)),
        ),
        doctests=("seed-003-*", "seed-004-doc", "metric-scalar-weight-unequal-batches-w1"),
    ),
)
