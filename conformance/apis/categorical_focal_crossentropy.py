"""``categorical_focal_crossentropy`` and the ``CategoricalFocalCrossentropy`` loss class.

PYTEST_DONT_REWRITE: pytest loads this package as its plugin; its asserts need no rewriting, and skipping it keeps start-up fast.
"""

from __future__ import annotations

import dataclasses

from conformance import catalog
from conformance.apis._common import CLIP_HIGH, EPS
from conformance.registry import DocPage, Theme, gradient_of, loss_family

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


# --------------------------------------------------------------------------- gradients
def grad_function_cases():
    """``grad.categorical_focal_crossentropy``: a sweep (logits/probabilities, gamma, shapes
    and axes, scalar and list alpha, smoothing), seeded random calls, rows around the clip
    bounds, unnormalised rows and saturated logits (edge), a row exactly at eps (quirk: the
    clip's derivative at its bound). The focal factor ``(1 - p)^gamma`` is differentiated."""
    import itertools

    import numpy as np

    from conformance.catalog import Case, _logits, _onehot, _simplex, _tag, f32

    rng = np.random.default_rng(20261251)
    api = "grad.categorical_focal_crossentropy"
    for i, (from_logits, gamma, (shape, axis)) in enumerate(
        itertools.product((False, True), (0.0, 0.5, 2.0), (((2, 4), -1), ((2, 3, 4), 1)))
    ):
        alpha = [float(a) for a in f32(rng.uniform(0.05, 1.0, size=shape[-1]))] if i % 2 else 0.25
        ls = 0.1 if i % 3 == 1 else 0.0
        yield Case(
            f"grad-focal-sweep-{'logits' if from_logits else 'probs'}-g{_tag(gamma)}-shape{_tag(shape)}-axis{_tag(axis)}",
            api,
            "core",
            {"alpha": alpha, "gamma": gamma, "from_logits": from_logits, "label_smoothing": ls, "axis": axis},
            {
                "y_true": _onehot(rng, shape, axis),
                "y_pred": _logits(rng, shape, 2.0) if from_logits else _simplex(rng, shape, axis),
            },
        )
    for i in range(6):
        from_logits = bool(i % 2)
        shape = (int(rng.integers(1, 3)), int(rng.integers(2, 5)))
        yp = f32(rng.uniform(-10, 10, size=shape)) if from_logits else f32(rng.uniform(0.01, 1, size=shape))
        yield Case(
            f"grad-focal-random-{i:02d}",
            api,
            "core",
            {
                "alpha": float(f32(rng.uniform(0.1, 1.0))),
                "gamma": float(rng.choice([1.0, 2.0, 3.5])),
                "from_logits": from_logits,
                "label_smoothing": float(rng.choice([0.0, 0.2])),
            },
            {"y_true": _onehot(rng, shape), "y_pred": yp},
        )
    rows = {
        "tiny": ([1, 0, 0], [1e-9, 0.5, 0.5]),
        "small": ([1, 0, 0], [1e-5, 0.5, 0.5]),
        "near-one": ([1, 0, 0], [1 - 1e-8, 1e-9, 1e-9]),
        "zeros-in-row": ([0, 0, 1], [0.5, 0, 0.5]),
        "unnormalised": ([0, 1, 0], [1, 2, 1]),
        "confident-right": ([0, 1, 0], [0.001, 0.998, 0.001]),
    }
    for (name, (yt, yp)), gamma in itertools.product(rows.items(), (0.0, 2.0)):
        yield Case(
            f"grad-focal-edge-{name}-g{_tag(gamma)}",
            api,
            "edge",
            {"gamma": gamma},
            {"y_true": f32([yt]), "y_pred": f32([yp])},
        )
    yield Case(
        "grad-focal-edge-confident-right-g0p5-ls0p1",
        api,
        "edge",
        {"gamma": 0.5, "label_smoothing": 0.1},
        {"y_true": f32([[0, 1, 0]]), "y_pred": f32([[0.001, 0.998, 0.001]])},
        "gamma < 1: (1 - p)^(gamma - 1) grows as p nears 1",
    )
    for name, yt, row in (
        ("16-right", [0, 1, 0], [0, 16, 0]),
        ("40-wrong", [0, 1, 0], [40, 0, -40]),
        ("1e4-wrong", [1, 0, 0], [0, 1e4, 0]),
    ):
        yield Case(
            f"grad-focal-edge-logits-{name}",
            api,
            "edge",
            {"from_logits": True},
            {"y_true": f32([yt]), "y_pred": f32([row])},
        )
    for gamma in (0.0, 2.0):
        yield Case(
            f"grad-focal-quirk-label-at-clip-hi-g{_tag(gamma)}",
            api,
            "quirk",
            {"gamma": gamma},
            {"y_true": f32([[1, 0]]), "y_pred": f32([[1 - 2**-23, 2**-23]])},
            "the label's p is exactly 1 - eps (the row sums to 1 exactly): the clip's derivative at its bound "
            "is implementation-defined (jnp.clip passes half)",
        )
    yield Case(
        "grad-focal-error-shape-2x3-vs-2x4",
        api,
        "error",
        {},
        {"y_true": _onehot(rng, (2, 3)), "y_pred": _simplex(rng, (2, 4))},
        "both reject unequal shapes",
    )


def grad_class_cases():
    """``grad.CategoricalFocalCrossentropy``: the reduction and weight sweep (alpha 0.25,
    gamma 2), and a weighted call on clipped and saturated rows."""
    import numpy as np

    from conformance.catalog import Case, _onehot, _simplex, f32, grad_loss_class_sweep

    rng = np.random.default_rng(20261252)
    api = "grad.CategoricalFocalCrossentropy"
    yield from grad_loss_class_sweep(rng, api, "focal", _onehot, _simplex)
    yield Case(
        "grad-focal-loss-edge-clipped-unnormalised",
        api,
        "edge",
        {"reduction": "sum", "gamma": 3.0, "alpha": [0.2, 0.5, 1.0]},
        {
            "y_true": f32([[0, 1, 0], [0, 0, 1], [1, 0, 0]]),
            "y_pred": f32([[0.1, 0.9, 0], [200, 300, 500], [1e-5, 0.5, 0.5]]),
            "sample_weight": f32([1, 0.5, 2]),
        },
    )


APIS = (
    *APIS,
    gradient_of(APIS[0], reference="reference.gradients_categorical:focal_vjp", cases=(grad_function_cases,)),
    gradient_of(APIS[1], reference="reference.gradients_categorical:focal_vjp", cases=(grad_class_cases,)),
)

DOCS = (
    dataclasses.replace(
        DOCS[0],
        gradients=(
            Theme(
                "The sweep",
                ("grad-focal-sweep-*-shape2x4-*",),
                "`f'(p) = alpha z (gamma (1-p)^(gamma-1) log p - (1-p)^gamma / p)` where the clip passes, "
                "through the renormalisation or the softmax.",
            ),
            Theme("Clipped, unnormalised and saturated rows", ("grad-focal-edge-*", "grad-focal-quirk-*")),
            Theme(
                "The loss class: reductions and a clipped, unnormalised batch",
                ("grad-focal-loss-*-wper-sample-shape4x3-*", "grad-focal-loss-edge-clipped-unnormalised"),
            ),
        ),
    ),
)
