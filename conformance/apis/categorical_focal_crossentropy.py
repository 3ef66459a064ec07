"""``categorical_focal_crossentropy`` and the ``CategoricalFocalCrossentropy`` loss class.

PYTEST_DONT_REWRITE: pytest loads this package as its plugin; its asserts need no rewriting, and skipping it keeps start-up fast.
"""

from __future__ import annotations

from conformance import catalog
from conformance.apis._common import CLIP_HIGH, EPS
from conformance.registry import DocPage, Theme, loss_family

APIS = loss_family(
    "categorical_focal_crossentropy",
    "CategoricalFocalCrossentropy",
    reference="reference.focal:categorical_focal_crossentropy",
    cases=(catalog.seed_cases, catalog.focal_function_cases),
    class_cases=(catalog.seed_cases, catalog.loss_class_cases),
    docs="categorical_focal_crossentropy",
    draw="conformance.strategies:focal_calls",
)

DOCS = (
    DocPage(
        name="categorical_focal_crossentropy",
        semantics=f"""## Semantics

`categorical_focal_crossentropy(y_true, y_pred, alpha=0.25, gamma=2.0, from_logits=False,
label_smoothing=0.0, axis=-1)` is identical in both profiles:

```
z = y * (1 - ls) + ls / K          # K = size of the LAST axis (Keras master: of `axis`)
p = softmax(y_pred, axis) if from_logits else y_pred
p = p / sum(p, axis)               # always renormalised, after softmax too
p = clip(p, eps, 1 - eps)          # clip only: no extra eps in the log, in keras2 too
loss = sum over axis of alpha * (1 - p)^gamma * (-z log p)
```

Constants: eps = {EPS}; the upper clip bound is {CLIP_HIGH}. alpha is a scalar or a list that
broadcasts numpy-style against the last axis. The loss class
`CategoricalFocalCrossentropy` reduces exactly like `BinaryCrossentropy`.
""",
        themes=(
            Theme(
                "Seed example",
                ("seed-001-focal-doc",),
                "Seed 001, on float32 inputs (the document printed 2.63401289e-04 from decimal inputs).",
            ),
            Theme("Saturation and unnormalised rows", ("focal-edge-*-ls0-g2",)),
            Theme("Large logits", ("focal-edge-logits-*-ls0",)),
            Theme("Label smoothing", ("focal-edge-*-ls0p1-g2",)),
            Theme("Each reduction", ("focal-loss-*-wper-sample-shape4x3-probs",)),
        ),
        doctests=("seed-001-focal-doc", "focal-edge-unnormalised-ls0-g2"),
    ),
)
