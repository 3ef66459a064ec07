"""``kl_divergence`` and the ``KLDivergence`` loss class (docs/semantics.md §13).

PYTEST_DONT_REWRITE: pytest loads this package as its plugin; its asserts need no rewriting, and skipping it keeps start-up fast.
"""

from __future__ import annotations

import dataclasses
import itertools
from collections.abc import Iterator

import numpy as np

from conformance.apis._common import EPS
from conformance.catalog import EPS as EPS32
from conformance.catalog import Case, _onehot, _simplex, _tag, class_doc_cases, f32, loss_class_sweep
from conformance.registry import DocPage, Theme, gradient_of, loss_family

FN, CLS = "kl_divergence", "KLDivergence"
#: the tf_keras KLDivergence docstring's inputs (Keras 3's docstrings draw random ones)
DOC = {"y_true": f32([[0, 1], [0, 0]]), "y_pred": f32([[0.6, 0.4], [0.4, 0.6]])}
SHAPES = ((5,), (1, 4), (3, 4), (2, 3, 4), (2, 1, 3, 2))


def _targets(rng, shape, kind):
    return {
        "onehot": lambda: _onehot(rng, shape),
        "simplex": lambda: _simplex(rng, shape),
        "uniform": lambda: f32(rng.uniform(0, 1, size=shape)),
    }[kind]()


def function_cases() -> Iterator[Case]:
    rng = np.random.default_rng(20261211)
    yield Case(
        "doc-kld-function", FN, "core", {}, DOC, "tf_keras KLDivergence docstring, reduction none: [0.916, -3.08e-06]"
    )
    for shape, tkind, pkind in itertools.product(SHAPES, ("onehot", "simplex", "uniform"), ("simplex", "uniform")):
        yield Case(
            f"kld-sweep-shape{_tag(shape)}-y{tkind}-p{pkind}",
            FN,
            "core",
            {},
            {"y_true": _targets(rng, shape, tkind), "y_pred": _targets(rng, shape, pkind)},
        )
    for i in range(200):
        shape = (int(rng.integers(1, 5)), int(rng.integers(1, 9)))
        yt = f32(10.0 ** rng.uniform(-9, 0, size=shape)) if i % 3 == 0 else _targets(rng, shape, "simplex")
        yp = f32(10.0 ** rng.uniform(-9, 0, size=shape)) if i % 2 else _targets(rng, shape, "uniform")
        yield Case(f"kld-random-{i:03d}", FN, "core", {}, {"y_true": yt, "y_pred": yp})
    below, above = np.nextafter(EPS32, np.float32(0)), np.nextafter(EPS32, np.float32(1))
    edge = {
        "ln2": ([0, 1], [0.5, 0.5]),
        "all-zero-labels": ([0, 0], [0.5, 0.5]),
        "exact": ([0, 1], [0, 1]),
        "wrong": ([1, 0], [0, 1]),
        "label-above-one": ([2, 0], [0.5, 0.5]),
        "pred-outside": ([0.5, 0.5], [2, -1]),
        "around-eps": ([1, 1, 1], [float(below), float(EPS32), float(above)]),
        "tiny-labels": ([1e-30, 1e-8, 1e-7], [0.3, 0.3, 0.4]),
        "equal": ([0.2, 0.3, 0.5], [0.2, 0.3, 0.5]),
    }
    for name, (yt, yp) in edge.items():
        yield Case(f"kld-edge-{name}", FN, "edge", {}, {"y_true": f32([yt]), "y_pred": f32([yp])})
    yield Case(
        "kld-quirk-broadcast-n-vs-n1",
        FN,
        "quirk",
        {},
        {"y_true": f32([0.2, 0.8]), "y_pred": f32([[0.3], [0.6]])},
        "no shape check: (2,) and (2,1) broadcast to (2,2)",
    )
    yield Case(
        "kld-error-shape-2x3-vs-2x4",
        FN,
        "error",
        {},
        {"y_true": _simplex(rng, (2, 3)), "y_pred": _simplex(rng, (2, 4))},
        "no broadcast exists: both reject",
    )


def class_cases() -> Iterator[Case]:
    rng = np.random.default_rng(20261212)
    yield from class_doc_cases(
        CLS,
        "doc-kld-class",
        DOC,
        [0.8, 0.2],
        {"default": "0.458", "weighted": "0.366", "sum": "0.916", "none": "[0.916, -3.08e-06]"},
        "tf_keras docstring",
    )
    yield from loss_class_sweep(rng, CLS, "kld", _onehot, _simplex, logits=False, smoothing=False)


APIS = loss_family(
    FN,
    CLS,
    reference="reference.kld:kl_divergence",
    cases=(function_cases,),
    class_cases=(class_cases,),
    docs=FN,
    draw="conformance.strategies:distribution_calls",
)

DOCS = (
    DocPage(
        name=FN,
        semantics=f"""## Semantics

`kl_divergence(y_true, y_pred)` is identical in both profiles, with no parameters:

```
y_true = clip(y_true, eps, 1);  y_pred = clip(y_pred, eps, 1)   # upper bound 1, not 1 - eps
loss = sum(y_true * log(y_true / y_pred), axis=-1)              # a SUM over the LAST axis
```

Constants: eps = {EPS}. A zero label still contributes `eps log(eps / p)`, so the loss can be
negative. Shapes broadcast (no shape check). The loss class `KLDivergence` reduces exactly
like `BinaryCrossentropy`. See docs/semantics.md §13.
""",
        themes=(
            Theme("Docstring examples", ("doc-kld-*",), "The examples of the tf_keras docstrings."),
            Theme("Clipping, zero labels and negative results", ("kld-edge-*",)),
            Theme("Each reduction", ("kld-loss-*-wper-sample-shape4x3-probs",)),
        ),
        doctests=("doc-kld-*", "kld-edge-all-zero-labels"),
    ),
)


# --------------------------------------------------------------------------- gradients
def grad_function_cases() -> Iterator[Case]:
    """``grad.kl_divergence``: shapes and target kinds, seeded random calls, and the clip
    region of ``y_pred`` (edge: below eps and above 1 the gradient stops) and of ``y_true``
    (a zero label is eps); exactly at eps and at 1 (quirk); and ``y_pred`` broadcast against
    ``y_true`` as a column and a row (``grad-kld-broadcast-pred-*``: the gradient sums over
    the broadcast axis)."""
    rng = np.random.default_rng(20261241)
    api = f"grad.{FN}"
    for shape, kind in itertools.product(((5,), (3, 4), (2, 3, 4)), ("onehot", "simplex", "uniform")):
        yield Case(
            f"grad-kld-sweep-shape{_tag(shape)}-{kind}",
            api,
            "core",
            {},
            {"y_true": _targets(rng, shape, kind), "y_pred": _simplex(rng, shape)},
        )
    for i in range(12):
        shape = (int(rng.integers(1, 4)), int(rng.integers(2, 6)))
        yield Case(
            f"grad-kld-random-{i:02d}",
            api,
            "core",
            {},
            {"y_true": f32(rng.uniform(0, 1, size=shape)), "y_pred": f32(10.0 ** rng.uniform(-6, -0.001, size=shape))},
        )
    below, above = np.nextafter(EPS32, np.float32(0)), np.nextafter(EPS32, np.float32(1))
    for name, p in (
        ("0", 0.0),
        ("1em10", 1e-10),
        ("below-eps", below),
        ("above-eps", above),
        ("1em4", 1e-4),
        ("below-1", float(np.nextafter(np.float32(1), np.float32(0)))),
        ("2", 2.0),
    ):
        yield Case(
            f"grad-kld-edge-pred-{name}",
            api,
            "edge",
            {},
            {"y_true": f32([[0, 1], [0.5, 0.25]]), "y_pred": f32([[p, p], [p, p]])},
        )
    for name, p in (("eps", float(EPS32)), ("1", 1.0)):
        yield Case(
            f"grad-kld-quirk-pred-at-{name}",
            api,
            "quirk",
            {},
            {"y_true": f32([0, 1]), "y_pred": f32([p, p])},
            "exactly at a clip bound the clip's derivative is implementation-defined; the reference passes it",
        )

    from conformance.catalog import grad_broadcast_pred_cases

    yield from grad_broadcast_pred_cases(api, "kld", 20261242, lambda rng, shape: f32(rng.uniform(0, 1, size=shape)))


def grad_class_cases() -> Iterator[Case]:
    """``grad.KLDivergence``: the reduction and weight sweep, the docstring call."""
    from conformance.catalog import grad_loss_class_sweep

    rng = np.random.default_rng(20261242)
    api = f"grad.{CLS}"
    yield Case(
        "grad-doc-kld-class",
        api,
        "core",
        {},
        {"y_true": f32([[0, 1], [0, 0]]), "y_pred": f32([[0.6, 0.4], [0.4, 0.6]])},
    )
    yield from grad_loss_class_sweep(rng, api, "kld", _onehot, _simplex, logits=False)
    yield Case(
        "grad-kld-loss-edge-clipped",
        api,
        "edge",
        {},
        {
            "y_true": f32([[0, 1, 0], [0.5, 0, 0.5]]),
            "y_pred": f32([[0, 1e-10, 2], [1e-4, 0.5, 0.9]]),
            "sample_weight": f32([2, 0.5]),
        },
        "y_pred below eps or above 1: the clip stops the gradient",
    )


APIS = (
    *APIS,
    gradient_of(APIS[0], reference="reference.gradients:kld_vjp", cases=(grad_function_cases,)),
    gradient_of(APIS[1], reference="reference.gradients:kld_vjp", cases=(grad_class_cases,)),
)

DOCS = (
    dataclasses.replace(
        DOCS[0],
        gradients=(
            Theme("Inside the clip", ("grad-kld-sweep-shape3x4-*",), "`-y/p`, both clipped to `[eps, 1]`."),
            Theme("The clip region", ("grad-kld-edge-*", "grad-kld-quirk-*")),
            Theme("Each reduction", ("grad-kld-loss-*-wper-sample-shape4x3-*", "grad-doc-kld-class")),
        ),
        doctests=DOCS[0].doctests + ("grad-kld-edge-pred-1em4",),
    ),
)
