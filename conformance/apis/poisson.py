"""``poisson`` and the ``Poisson`` loss class (docs/semantics.md §14).

PYTEST_DONT_REWRITE: pytest loads this package as its plugin; its asserts need no rewriting, and skipping it keeps start-up fast.
"""

from __future__ import annotations

import dataclasses
import itertools
from collections.abc import Iterator

import numpy as np

from conformance.apis._common import EPS
from conformance.catalog import Case, _tag, class_doc_cases, f32, loss_class_sweep
from conformance.registry import DocPage, Theme, gradient_of, loss_family

FN, CLS = "poisson", "Poisson"
#: the tf_keras Poisson docstring's inputs (Keras 3's docstrings draw random ones)
DOC = {"y_true": f32([[0, 1], [0, 0]]), "y_pred": f32([[1, 1], [0, 0]])}
SHAPES = ((5,), (1, 4), (3, 4), (2, 3, 4), (2, 1, 3, 2))


def _counts(rng, shape) -> np.ndarray:
    return f32(rng.poisson(3.0, size=shape))


def _rates(rng, shape) -> np.ndarray:
    return f32(rng.gamma(2.0, 1.5, size=shape))


def function_cases() -> Iterator[Case]:
    rng = np.random.default_rng(20261221)
    yield Case("doc-poisson-function", FN, "core", {}, DOC, "tf_keras Poisson docstring, reduction none: [0.999, 0.]")
    for shape, whole in itertools.product(SHAPES, (True, False)):
        yt = _counts(rng, shape) if whole else f32(rng.uniform(0, 6, size=shape))
        yield Case(
            f"poisson-sweep-shape{_tag(shape)}-{'counts' if whole else 'real'}",
            FN,
            "core",
            {},
            {"y_true": yt, "y_pred": _rates(rng, shape)},
        )
    for i in range(200):
        shape = (int(rng.integers(1, 5)), int(rng.integers(1, 9)))
        yp = f32(10.0 ** rng.uniform(-8, 3, size=shape))
        yt = f32(rng.poisson(float(rng.uniform(0.1, 30)), size=shape))
        yield Case(f"poisson-random-{i:03d}", FN, "core", {}, {"y_true": yt, "y_pred": yp})
    edge = {
        "pred-zero": ([1], [0]),
        "pred-zero-pair": ([1, 0], [0, 0]),
        "pred-one": ([1], [1]),
        "pred-two-eps-vanishes": ([3], [2]),
        "pred-eps": ([3], [1e-7]),
        "pred-large": ([5], [1e4]),
        "label-zero": ([0], [0.25]),
        "label-large": ([1000], [999.5]),
    }
    for name, (yt, yp) in edge.items():
        yield Case(f"poisson-edge-{name}", FN, "edge", {}, {"y_true": f32([yt]), "y_pred": f32([yp])})
    yield Case(
        "poisson-quirk-broadcast-n-vs-n1",
        FN,
        "quirk",
        {},
        {"y_true": f32([1, 2]), "y_pred": f32([[0.5], [3.0]])},
        "no shape check: (2,) and (2,1) broadcast to (2,2)",
    )
    yield Case(
        "poisson-error-shape-2x3-vs-2x4",
        FN,
        "error",
        {},
        {"y_true": _counts(rng, (2, 3)), "y_pred": _rates(rng, (2, 4))},
        "no broadcast exists: both reject",
    )


def class_cases() -> Iterator[Case]:
    rng = np.random.default_rng(20261222)
    yield from class_doc_cases(
        CLS,
        "doc-poisson-class",
        DOC,
        [0.8, 0.2],
        {"default": "0.5", "weighted": "0.4", "sum": "0.999", "none": "[0.999, 0.]"},
        "tf_keras docstring",
    )
    yield from loss_class_sweep(rng, CLS, "poisson", _counts, _rates, logits=False, smoothing=False)


APIS = loss_family(
    FN,
    CLS,
    reference="reference.poisson:poisson",
    cases=(function_cases,),
    class_cases=(class_cases,),
    docs=FN,
    draw="conformance.strategies:count_calls",
)

DOCS = (
    DocPage(
        name=FN,
        semantics=f"""## Semantics

`poisson(y_true, y_pred)` is identical in both profiles, with no parameters:

```
loss = mean(y_pred - y_true * log(y_pred + eps), axis=-1)   # eps ADDED, no clip; a MEAN over the last axis
```

Constants: eps = {EPS}. `y_pred = 0` gives `-y log(eps)`; the float32 sum `y_pred + eps`
is rounded to `y_pred`'s grid, so at 2 and above eps vanishes; a negative `y_pred` is NaN
(outside the spec). The loss class `Poisson` reduces exactly like `BinaryCrossentropy`.
See docs/semantics.md §14.
""",
        themes=(
            Theme("Docstring examples", ("doc-poisson-*",), "The examples of the tf_keras docstrings."),
            Theme("Zero and tiny rates, and where eps rounds away", ("poisson-edge-*",)),
            Theme("Each reduction", ("poisson-loss-*-wper-sample-shape4x3-probs",)),
        ),
        doctests=("doc-poisson-*", "poisson-edge-pred-zero"),
    ),
)


# --------------------------------------------------------------------------- gradients
def grad_function_cases() -> Iterator[Case]:
    """``grad.poisson``: shapes, seeded random calls, small, zero and large rates (edge), and
    ``y_pred`` broadcast against ``y_true`` as a column and a row
    (``grad-poisson-broadcast-pred-*``: the gradient sums over the broadcast axis)."""
    rng = np.random.default_rng(20261251)
    api = f"grad.{FN}"
    for shape in ((5,), (1, 4), (3, 4), (2, 3, 4)):
        for rep in range(3):
            yield Case(
                f"grad-poisson-sweep-shape{_tag(shape)}-{rep}",
                api,
                "core",
                {},
                {"y_true": _counts(rng, shape), "y_pred": _rates(rng, shape)},
            )
    for i in range(12):
        shape = (int(rng.integers(1, 4)), int(rng.integers(1, 6)))
        yield Case(
            f"grad-poisson-random-{i:02d}",
            api,
            "core",
            {},
            {"y_true": f32(rng.uniform(0, 10, size=shape)), "y_pred": f32(10.0 ** rng.uniform(-4, 2, size=shape))},
        )
    for name, p in (("0", 0.0), ("1em10", 1e-10), ("eps", 1e-7), ("1em4", 1e-4), ("1e6", 1e6), ("neg-half-eps", -5e-8)):
        yield Case(
            f"grad-poisson-edge-pred-{_tag(name)}",
            api,
            "edge",
            {},
            {"y_true": f32([[0, 1, 7]]), "y_pred": f32([[p, p, p]])},
        )

    from conformance.catalog import grad_broadcast_pred_cases

    yield from grad_broadcast_pred_cases(
        api, "poisson", 20261252, lambda rng, shape: f32(rng.integers(0, 6, size=shape))
    )


def grad_class_cases() -> Iterator[Case]:
    """``grad.Poisson``: the reduction and weight sweep, the docstring call."""
    from conformance.catalog import grad_loss_class_sweep

    rng = np.random.default_rng(20261252)
    api = f"grad.{CLS}"
    yield Case("grad-doc-poisson-class", api, "core", {}, DOC)
    yield from grad_loss_class_sweep(rng, api, "poisson", _counts, _rates, logits=False)
    yield Case(
        "grad-poisson-loss-edge-zero-rates",
        api,
        "edge",
        {"reduction": "sum"},
        {"y_true": f32([[0, 1, 7], [3, 0, 2]]), "y_pred": f32([[0, 1e-10, 1e-7], [1e6, 0, 1e-4]])},
        "a zero rate: 1 - y / eps",
    )


APIS = (
    *APIS,
    gradient_of(APIS[0], reference="reference.gradients:poisson_vjp", cases=(grad_function_cases,)),
    gradient_of(APIS[1], reference="reference.gradients:poisson_vjp", cases=(grad_class_cases,)),
)

DOCS = (
    dataclasses.replace(
        DOCS[0],
        gradients=(
            Theme("Rates", ("grad-poisson-sweep-shape3x4-*",), "`(1 - y / (p + eps)) / n`."),
            Theme("Small and zero rates", ("grad-poisson-edge-*",)),
            Theme("Each reduction", ("grad-poisson-loss-*-wper-sample-shape4x3-*", "grad-doc-poisson-class")),
        ),
        doctests=DOCS[0].doctests + ("grad-poisson-edge-pred-1em4",),
    ),
)
