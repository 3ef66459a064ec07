"""``categorical_crossentropy`` and the ``CategoricalCrossentropy`` loss class (docs/semantics.md §11).

PYTEST_DONT_REWRITE: pytest loads this package as its plugin; its asserts need no rewriting, and skipping it keeps start-up fast.
"""

from __future__ import annotations

import dataclasses
import itertools
from collections.abc import Iterator

import numpy as np

from conformance.apis._common import CLIP_HIGH, EPS
from conformance.catalog import (
    EPS as EPS32,
)
from conformance.catalog import (
    FOCAL_SHAPES_AXES,
    LABEL_SMOOTHING,
    Case,
    _logits,
    _onehot,
    _simplex,
    _tag,
    class_doc_cases,
    f32,
    loss_class_sweep,
)
from conformance.registry import DocPage, Theme, gradient_of, loss_family

FN, CLS = "categorical_crossentropy", "CategoricalCrossentropy"
#: the docstring example of both profiles (function and class)
DOC = {"y_true": f32([[0, 1, 0], [0, 0, 1]]), "y_pred": f32([[0.05, 0.95, 0], [0.1, 0.8, 0.1]])}


def _soft(rng, shape, axis=-1) -> np.ndarray:
    """Soft labels: a random point of the simplex along ``axis``."""
    return _simplex(rng, shape, axis)


def function_cases() -> Iterator[Case]:
    rng = np.random.default_rng(20261201)
    yield Case("doc-cce-function", FN, "core", {}, DOC, "docstring (keras3 and keras2): [0.0513, 2.303]")
    for from_logits, ls, (shape, axes), soft in itertools.product(
        (False, True), LABEL_SMOOTHING, FOCAL_SHAPES_AXES, (False, True)
    ):
        for axis in axes:
            yt = _soft(rng, shape, axis) if soft else _onehot(rng, shape, axis)
            yp = _logits(rng, shape, 3.0) if from_logits else _simplex(rng, shape, axis)
            yield Case(
                f"cce-sweep-{'logits' if from_logits else 'probs'}-ls{_tag(ls)}-shape{_tag(shape)}-axis{_tag(axis)}-{'soft' if soft else 'onehot'}",
                FN,
                "core",
                {"from_logits": from_logits, "label_smoothing": ls, "axis": axis},
                {"y_true": yt, "y_pred": yp},
            )
    for i in range(200):
        from_logits = bool(i % 2)
        shape = (int(rng.integers(1, 5)), int(rng.integers(2, 9)))
        yp = f32(rng.uniform(-30, 30, size=shape)) if from_logits else f32(rng.uniform(0, 1, size=shape) ** 3 + 1e-6)
        yt = _soft(rng, shape) if rng.random() < 0.3 else _onehot(rng, shape)
        ls = float(rng.choice([0.0, 0.0, 0.1, 0.3]))
        yield Case(
            f"cce-random-{i:03d}",
            FN,
            "core",
            {"from_logits": from_logits, "label_smoothing": ls},
            {"y_true": yt, "y_pred": yp},
        )
    yield Case(
        "cce-axis1-ls-classes-differ",
        FN,
        "core",
        {"label_smoothing": 0.1, "axis": 1},
        {"y_true": f32([[[1, 0], [0, 1], [0, 0]]]), "y_pred": f32([[[0.7, 0.1], [0.2, 0.6], [0.1, 0.3]]])},
        "label smoothing with axis=1: keras3 <= 3.15.1 divides by the last axis (K=2), keras2 by axis (K=3)",
    )
    edge_rows = {
        "onehot-right": ([0, 1, 0], [0, 1, 0]),
        "onehot-wrong": ([0, 1, 0], [1, 0, 0]),
        "zeros-in-row": ([0, 0, 1], [0.5, 0, 0.5]),
        "tiny": ([1, 0, 0], [1e-9, 0.5, 0.5]),
        "near-one": ([1, 0, 0], [1 - 1e-8, 1e-9, 1e-9]),
        "unnormalised": ([0, 1, 0], [1, 2, 1]),
        "unnormalised-large": ([0, 0, 1], [200, 300, 500]),
        "negative-entry": ([0, 1, 0], [-0.5, 1, 0.5]),
        "eps-exact": ([0, 1, 0], [float(EPS32), 1 - 2 * float(EPS32), float(EPS32)]),
        "soft-equal": ([0.2, 0.3, 0.5], [0.2, 0.3, 0.5]),
        "single-class": ([1], [0.3]),
    }
    for (name, (yt, yp)), ls in itertools.product(edge_rows.items(), (0.0, 0.1)):
        yield Case(
            f"cce-edge-{name}-ls{_tag(ls)}",
            FN,
            "edge",
            {"label_smoothing": ls},
            {"y_true": f32([yt]), "y_pred": f32([yp])},
        )
    for x, ls in itertools.product((16.0, 40.0, 88.0, 100.0, 1e4), (0.0, 0.1)):
        for name, row in (("right", [0, x, 0]), ("wrong", [x, 0, -x])):
            yield Case(
                f"cce-edge-logits-{_tag(x)}-{name}-ls{_tag(ls)}",
                FN,
                "edge",
                {"from_logits": True, "label_smoothing": ls},
                {"y_true": f32([[0, 1, 0]]), "y_pred": f32([row])},
            )
    yield Case(
        "cce-error-shape-2x3-vs-2x4",
        FN,
        "error",
        {},
        {"y_true": _onehot(rng, (2, 3)), "y_pred": _simplex(rng, (2, 4))},
        "no broadcast exists: both reject",
    )
    yield Case(
        "cce-error-labels-n-vs-n3",
        FN,
        "error",
        {},
        {"y_true": f32([1, 2]), "y_pred": _simplex(rng, (2, 3))},
        "integer labels belong to sparse_categorical_crossentropy: both reject unequal shapes",
    )


def class_cases() -> Iterator[Case]:
    rng = np.random.default_rng(20261202)
    printed = {"default": "1.177", "weighted": "0.814", "sum": "2.354", "none": "[0.0513, 2.303]"}
    yield from class_doc_cases(CLS, "doc-cce-class", DOC, [0.3, 0.7], printed, "docstring (keras3 and keras2)")
    yield Case(
        "doc-cce-class-None",
        CLS,
        "core",
        {"reduction": None},
        DOC,
        "docstring (keras3, reduction=None): [0.0513, 2.303]",
    )
    yield from loss_class_sweep(rng, CLS, "cce", _onehot, _simplex)


APIS = loss_family(
    FN,
    CLS,
    reference="reference.cce:categorical_crossentropy",
    cases=(function_cases,),
    class_cases=(class_cases,),
    docs=FN,
    draw="conformance.strategies:categorical_calls",
)

DOCS = (
    DocPage(
        name=FN,
        semantics=f"""## Semantics

`categorical_crossentropy(y_true, y_pred, from_logits=False, label_smoothing=0.0, axis=-1)`
sums over `axis`; the labels may be soft (any non-negative row), not only one-hot:

```
z = y * (1 - ls) + ls / K          # K: keras3 <= 3.15.1 the LAST axis; keras2 (tf_keras) the size of `axis`
if from_logits:
    loss = -sum(z * log_softmax(y_pred, axis), axis)   # exact: no clip, no renormalisation
else:
    p = y_pred / sum(y_pred, axis)                     # always renormalised
    p = clip(p, eps, 1 - eps)                          # clip only: no extra eps in the log, in keras2 too
    loss = -sum(z * log(p), axis)
```

Constants: eps = {EPS}; the upper clip bound is {CLIP_HIGH}. Both profiles reject
`y_true` and `y_pred` of different shapes (integer labels are for
`sparse_categorical_crossentropy`). The loss class `CategoricalCrossentropy` reduces
exactly like `BinaryCrossentropy`. See docs/semantics.md §11.
""",
        themes=(
            Theme("Docstring examples", ("doc-cce-*",), "The examples of the Keras 3 and tf_keras docstrings."),
            Theme("Saturation, unnormalised and soft rows", ("cce-edge-*-ls0",)),
            Theme("Large logits", ("cce-edge-logits-*-ls0",)),
            Theme("Label smoothing", ("cce-edge-*-ls0p1", "cce-axis1-ls-classes-differ")),
            Theme("Each reduction", ("cce-loss-*-wper-sample-shape4x3-probs",)),
        ),
        doctests=("doc-cce-*", "cce-edge-unnormalised-ls0", "cce-edge-logits-40-wrong-ls0"),
    ),
)


# --------------------------------------------------------------------------- gradients
def grad_function_cases() -> Iterator[Case]:
    """``grad.categorical_crossentropy``: a sweep (input kind, smoothing, shape and axis,
    one-hot and soft labels), seeded random rows, and edge rows: zeros and near-one
    probabilities (clipped), unnormalised predictions (the normalisation's derivative),
    unnormalised label rows (the label sum in the logits gradient), saturated logits."""
    rng = np.random.default_rng(20261231)
    api = f"grad.{FN}"
    for from_logits, ls, (shape, axis), soft in itertools.product(
        (False, True), (0.0, 0.1), (((3,), -1), ((2, 4), -1), ((3, 4), 0), ((2, 3, 4), 1)), (False, True)
    ):
        yt = _soft(rng, shape, axis) if soft else _onehot(rng, shape, axis)
        yp = _logits(rng, shape, 2.0) if from_logits else _simplex(rng, shape, axis)
        yield Case(
            f"grad-cce-sweep-{'logits' if from_logits else 'probs'}-ls{_tag(ls)}-shape{_tag(shape)}-axis{_tag(axis)}-{'soft' if soft else 'onehot'}",
            api,
            "core",
            {"from_logits": from_logits, "label_smoothing": ls, "axis": axis},
            {"y_true": yt, "y_pred": yp},
        )
    for i in range(10):
        from_logits = bool(i % 2)
        shape = (int(rng.integers(1, 4)), int(rng.integers(2, 6)))
        yp = f32(rng.uniform(-15, 15, size=shape)) if from_logits else f32(rng.uniform(0.01, 1, size=shape))
        yield Case(
            f"grad-cce-random-{i:02d}",
            api,
            "core",
            {"from_logits": from_logits, "label_smoothing": float(rng.choice([0.0, 0.2]))},
            {"y_true": _onehot(rng, shape), "y_pred": yp},
        )
    rows = {
        "onehot-right": ([0, 1, 0], [0.01, 0.98, 0.01]),
        "zeros-in-row": ([0, 0, 1], [0.5, 0, 0.5]),
        "tiny": ([1, 0, 0], [1e-9, 0.5, 0.5]),
        "near-one": ([1, 0, 0], [1 - 1e-8, 1e-9, 1e-9]),
        "onehot-pred": ([0, 1, 0], [0, 1, 0]),
        "unnormalised": ([0, 1, 0], [1, 2, 1]),
        "unnormalised-large": ([0, 0, 1], [200, 300, 500]),
        "soft-labels-sum-2": ([0.5, 1, 0.5], [0.2, 0.5, 0.3]),
    }
    for (name, (yt, yp)), ls in itertools.product(rows.items(), (0.0, 0.1)):
        yield Case(
            f"grad-cce-edge-{name}-ls{_tag(ls)}",
            api,
            "edge",
            {"label_smoothing": ls},
            {"y_true": f32([yt]), "y_pred": f32([yp])},
        )
    for name, yt, row in (
        ("40-right", [0, 1, 0], [0, 40, 0]),
        ("40-wrong", [0, 1, 0], [40, 0, -40]),
        ("100-wrong", [1, 0, 0], [0, 100, 0]),
        ("1e4-right", [0, 0, 1], [0, 0, 1e4]),
    ):
        yield Case(
            f"grad-cce-edge-logits-{name}",
            api,
            "edge",
            {"from_logits": True},
            {"y_true": f32([yt]), "y_pred": f32([row])},
        )
    yield Case(
        "grad-cce-edge-logits-labels-sum-2",
        api,
        "edge",
        {"from_logits": True},
        {"y_true": f32([[0.5, 1, 0.5], [0, 2, 0]]), "y_pred": f32([[1, -1, 0.5], [0.3, 2, -2]])},
        "unnormalised label rows: the gradient is Z softmax - z with Z the row's label sum",
    )
    yield Case(
        "grad-cce-error-shape-2x3-vs-2x4",
        api,
        "error",
        {},
        {"y_true": _onehot(rng, (2, 3)), "y_pred": _simplex(rng, (2, 4))},
        "both reject unequal shapes",
    )


def grad_class_cases() -> Iterator[Case]:
    """``grad.CategoricalCrossentropy``: the reduction and weight sweep, the docstring call."""
    from conformance.catalog import grad_loss_class_sweep

    rng = np.random.default_rng(20261232)
    api = f"grad.{CLS}"
    yield Case("grad-doc-cce-class", api, "core", {}, DOC, "the docstring's call")
    yield Case("grad-doc-cce-class-weighted", api, "core", {}, {**DOC, "sample_weight": f32([0.3, 0.7])})
    yield from grad_loss_class_sweep(rng, api, "cce", _onehot, _simplex)
    yield Case(
        "grad-cce-loss-edge-clipped-unnormalised",
        api,
        "edge",
        {"reduction": "sum"},
        {
            "y_true": f32([[0, 1, 0], [0, 0, 1], [1, 0, 0]]),
            "y_pred": f32([[0, 1, 0], [200, 300, 500], [1e-9, 0.5, 0.5]]),
            "sample_weight": f32([1, 0.5, 2]),
        },
    )
    yield Case(
        "grad-cce-loss-edge-saturated-logits",
        api,
        "edge",
        {"from_logits": True, "label_smoothing": 0.1},
        {"y_true": f32([[0, 1, 0], [1, 0, 0]]), "y_pred": f32([[40, 0, -40], [0, 100, 0]])},
    )


APIS = (
    *APIS,
    gradient_of(APIS[0], reference="reference.gradients:cce_vjp", cases=(grad_function_cases,)),
    gradient_of(APIS[1], reference="reference.gradients:cce_vjp", cases=(grad_class_cases,)),
)

DOCS = (
    dataclasses.replace(
        DOCS[0],
        gradients=(
            Theme(
                "Logits and probabilities",
                ("grad-cce-sweep-*-ls0-shape2x4-axism1-onehot",),
                "Logits: `Z softmax - z` with Z the row's label sum; probabilities, `p = y / sum(y)`: "
                "`(sum of the unclipped z - z/p) / sum(y)`.",
            ),
            Theme(
                "Unnormalised rows, clipped entries, saturated logits",
                ("grad-cce-edge-*-ls0", "grad-cce-edge-logits-*"),
            ),
            Theme("Each reduction", ("grad-cce-loss-*-wper-sample-shape4x3-*", "grad-doc-cce-class*")),
        ),
        doctests=DOCS[0].doctests + ("grad-cce-edge-unnormalised-ls0",),
    ),
)
