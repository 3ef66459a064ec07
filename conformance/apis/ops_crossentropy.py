"""The backend ops ``ops.binary_crossentropy`` and ``ops.categorical_crossentropy`` (keras3
``keras.ops``; keras2 ``tf_keras.backend``), docs/semantics.md §2 and §11.2.

PYTEST_DONT_REWRITE: pytest loads this package as its plugin; its asserts need no rewriting, and skipping it keeps start-up fast.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterator

import numpy as np

from conformance.apis._common import CLIP_HIGH, EPS
from conformance.catalog import EPS as EPS32
from conformance.catalog import (
    F32,
    FOCAL_SHAPES_AXES,
    HI,
    Case,
    _labels,
    _logits,
    _onehot,
    _probs,
    _simplex,
    _tag,
    f32,
)
from conformance.registry import Api, DocPage, Theme

BCE, CCE = "ops.binary_crossentropy", "ops.categorical_crossentropy"
#: the keras3 ``ops.binary_crossentropy`` docstring (keras2's backend function has none)
BCE_DOC = {"y_true": f32([0, 1, 1, 0]), "y_pred": f32([0.1, 0.9, 0.8, 0.2])}
#: the keras3 ``ops.categorical_crossentropy`` docstring
CCE_DOC_OPS = {
    "y_true": f32(np.eye(3)),
    "y_pred": f32([[0.9, 0.05, 0.05], [0.1, 0.8, 0.1], [0.2, 0.3, 0.5]]),
}
#: the tf_keras ``backend.categorical_crossentropy`` docstring (and keras3's TF backend's)
CCE_DOC_TF = {"y_true": f32(np.eye(3)), "y_pred": f32([[0.9, 0.05, 0.05], [0.05, 0.89, 0.06], [0.05, 0.01, 0.94]])}
OP_SHAPES = ((), (5,), (1, 4), (3, 4), (2, 3, 4), (2, 1, 3, 2))


# --------------------------------------------------------------------------- binary
def bce_op_cases() -> Iterator[Case]:
    rng = np.random.default_rng(20261241)
    yield Case(
        "doc-bce-op", BCE, "core", {}, BCE_DOC, "keras3 ops docstring: [0.10536054 0.10536054 0.22314355 0.22314355]"
    )
    for shape, from_logits, soft in itertools.product(OP_SHAPES, (False, True), (False, True)):
        for rep in range(2):
            yt = f32(rng.uniform(0, 1, size=shape)) if soft else _labels(rng, shape)
            yp = _logits(rng, shape) if from_logits else _probs(rng, shape)
            yield Case(
                f"bce-op-sweep-{'logits' if from_logits else 'probs'}-shape{_tag(shape) or 'scalar'}-{'soft' if soft else 'hard'}-{rep}",
                BCE,
                "core",
                {"from_logits": from_logits},
                {"y_true": yt, "y_pred": yp},
            )
    for i in range(200):
        from_logits = bool(i % 2)
        shape = tuple(int(s) for s in rng.integers(1, 6, size=int(rng.integers(1, 4))))
        if from_logits:
            yp = f32(rng.uniform(-30, 30, size=shape))
        else:
            yp = f32(10.0 ** rng.uniform(-9, 0, size=shape))
            yp = np.where(rng.random(shape) < 0.5, yp, f32(1) - yp).astype(F32)
        yt = _labels(rng, shape) if rng.random() < 0.7 else f32(rng.uniform(0, 1, size=shape))
        yield Case(f"bce-op-random-{i:03d}", BCE, "core", {"from_logits": from_logits}, {"y_true": yt, "y_pred": yp})
    edge_probs = {
        "0": F32(0),
        "1em30": F32(1e-30),
        "halfeps": F32(5e-8),
        "below-eps": np.nextafter(EPS32, F32(0)),
        "eps": EPS32,
        "above-eps": np.nextafter(EPS32, F32(1)),
        "1em4": F32(1e-4),
        "below-clip-hi": np.nextafter(HI, F32(0)),
        "clip-hi": HI,
        "above-clip-hi": np.nextafter(HI, F32(2)),
        "1": F32(1),
    }
    for (name, p), y in itertools.product(edge_probs.items(), (0.0, 1.0)):
        yield Case(f"bce-op-edge-prob-{name}-y{int(y)}", BCE, "edge", {}, {"y_true": f32([y]), "y_pred": f32([p])})
    for x, y in itertools.product((16, -16, 17, -17, 40, -40, 88, -88, 100, -100, 1e4, -1e4), (0.0, 1.0)):
        yield Case(
            f"bce-op-edge-logit-{_tag(x)}-y{int(y)}",
            BCE,
            "edge",
            {"from_logits": True},
            {"y_true": f32([y]), "y_pred": f32([x])},
        )
    for from_logits in (False, True):
        yp = (
            f32([[0, 1, 1, 0], [0.3, 1e-9, 1 - 1e-9, 0.7]])
            if not from_logits
            else f32([[40, -40, 100, -100], [0, 1, -1, 17]])
        )
        yield Case(
            f"bce-op-edge-saturated-rows-{'logits' if from_logits else 'probs'}",
            BCE,
            "edge",
            {"from_logits": from_logits},
            {"y_true": f32([[1, 0, 1, 0], [0, 1, 1, 0]]), "y_pred": yp},
            "elementwise: no mean over the last axis",
        )
    yield Case(
        "bce-op-scalar",
        BCE,
        "core",
        {},
        {"y_true": f32(1), "y_pred": f32(0.3)},
        "rank 0 is an ordinary element in both profiles",
    )
    yield Case(
        "bce-op-error-shape-2x3-vs-2x4",
        BCE,
        "error",
        {},
        {"y_true": _labels(rng, (2, 3)), "y_pred": _probs(rng, (2, 4))},
        "no broadcast exists: both reject",
    )
    yield Case(
        "bce-op-shape-n-vs-n1-probs",
        BCE,
        "quirk",
        {},
        {"y_true": f32([0, 1]), "y_pred": f32([[0.3], [0.6]])},
        "keras3 rejects unequal shapes; keras2's probability path broadcasts (2,) and (2,1) to (2,2)",
    )
    yield Case(
        "bce-op-error-shape-n-vs-n1-logits",
        BCE,
        "error",
        {"from_logits": True},
        {"y_true": f32([0, 1]), "y_pred": f32([[0.3], [0.6]])},
        "both reject: keras2's logits path is tf.nn.sigmoid_cross_entropy_with_logits, which requires equal shapes",
    )


# --------------------------------------------------------------------------- categorical
def cce_op_cases() -> Iterator[Case]:
    rng = np.random.default_rng(20261242)
    yield Case("doc-cce-op", CCE, "core", {}, CCE_DOC_OPS, "keras3 ops docstring: [0.10536054 0.22314355 0.6931472]")
    yield Case("doc-cce-op-tf", CCE, "core", {}, CCE_DOC_TF, "tf_keras backend docstring: [0.10536 0.11653 0.06188]")
    yield Case(
        "doc-cce-op-tf-self",
        CCE,
        "core",
        {},
        {"y_true": CCE_DOC_TF["y_true"], "y_pred": CCE_DOC_TF["y_true"]},
        "tf_keras backend docstring: [0. 0. 0.] to 5 digits (each is -log(1 - 2^-23) = 1.19e-7)",
    )
    for from_logits, (shape, axes), soft in itertools.product((False, True), FOCAL_SHAPES_AXES, (False, True)):
        for axis in axes:
            yt = _simplex(rng, shape, axis) if soft else _onehot(rng, shape, axis)
            yp = _logits(rng, shape, 3.0) if from_logits else _simplex(rng, shape, axis)
            yield Case(
                f"cce-op-sweep-{'logits' if from_logits else 'probs'}-shape{_tag(shape)}-axis{_tag(axis)}-{'soft' if soft else 'onehot'}",
                CCE,
                "core",
                {"from_logits": from_logits, "axis": axis},
                {"y_true": yt, "y_pred": yp},
            )
    for i in range(240):
        from_logits = bool(i % 2)
        shape = (int(rng.integers(1, 5)), int(rng.integers(2, 9)))
        yp = f32(rng.uniform(-30, 30, size=shape)) if from_logits else f32(rng.uniform(0, 1, size=shape) ** 3 + 1e-6)
        yt = _simplex(rng, shape) if rng.random() < 0.3 else _onehot(rng, shape)
        yield Case(f"cce-op-random-{i:03d}", CCE, "core", {"from_logits": from_logits}, {"y_true": yt, "y_pred": yp})
    edge_rows = {
        "onehot-right": ([0, 1, 0], [0, 1, 0]),
        "onehot-wrong": ([0, 1, 0], [1, 0, 0]),
        "zeros-in-row": ([0, 0, 1], [0.5, 0, 0.5]),
        "tiny": ([1, 0, 0], [1e-9, 0.5, 0.5]),
        "near-one": ([1, 0, 0], [1 - 1e-8, 1e-9, 1e-9]),
        "unnormalised": ([0, 1, 0], [1, 2, 1]),
        "unnormalised-large": ([0, 0, 1], [200, 300, 500]),
        "unnormalised-small": ([0, 0, 1], [1e-6, 2e-6, 1e-6]),
        "negative-entry": ([0, 1, 0], [-0.5, 1, 0.5]),
        "eps-exact": ([0, 1, 0], [float(EPS32), 1 - 2 * float(EPS32), float(EPS32)]),
        "soft-equal": ([0.2, 0.3, 0.5], [0.2, 0.3, 0.5]),
        "single-class": ([1], [0.3]),
    }
    for name, (yt, yp) in edge_rows.items():
        yield Case(f"cce-op-edge-{name}", CCE, "edge", {}, {"y_true": f32([yt]), "y_pred": f32([yp])})
    for x in (16.0, 40.0, 88.0, 100.0, 1e4):
        for name, row in (("right", [0, x, 0]), ("wrong", [x, 0, -x])):
            yield Case(
                f"cce-op-edge-logits-{_tag(x)}-{name}",
                CCE,
                "edge",
                {"from_logits": True},
                {"y_true": f32([[0, 1, 0]]), "y_pred": f32([row])},
            )
    errors = {
        "shape-2x3-vs-2x4": ({}, _onehot(rng, (2, 3)), _simplex(rng, (2, 4)), "no broadcast exists: both reject"),
        "labels-n-vs-n3": ({}, f32([1, 2]), _simplex(rng, (2, 3)), "integer labels: both reject unequal shapes"),
        "rank0": ({}, f32(1), f32(0.3), "both reject rank 0 (keras3 raises, keras2's reduce_sum has no axis -1)"),
        "rank0-logits": ({"from_logits": True}, f32(1), f32(0.3), "both reject rank 0"),
        "axis-2-of-rank-2": ({"axis": 2}, _onehot(rng, (2, 3)), _simplex(rng, (2, 3)), "axis out of range"),
        "axis-m3-of-rank-2-logits": (
            {"axis": -3, "from_logits": True},
            _onehot(rng, (2, 3)),
            _logits(rng, (2, 3)),
            "axis out of range",
        ),
    }
    for name, (params, yt, yp, note) in errors.items():
        yield Case(f"cce-op-error-{name}", CCE, "error", params, {"y_true": yt, "y_pred": yp}, note)


APIS = (
    Api(
        BCE,
        "function",
        {"keras3": "ops.binary_crossentropy", "keras2": "backend.binary_crossentropy"},
        "reference.ops:binary_crossentropy_op",
        (bce_op_cases,),
        BCE,
        None,
    ),
    Api(
        CCE,
        "function",
        {"keras3": "ops.categorical_crossentropy", "keras2": "backend.categorical_crossentropy"},
        "reference.ops:categorical_crossentropy_op",
        (cce_op_cases,),
        CCE,
        None,
    ),
)

DOCS = (
    DocPage(
        name=BCE,
        semantics=f"""## Semantics

`ops.binary_crossentropy(target, output, from_logits=False)` (keras2:
`tf_keras.backend.binary_crossentropy`) is **elementwise**: no label smoothing, no mean.

| | keras3 (every backend) | keras2 |
|---|---|---|
| probabilities | `p = clip(output, eps, 1 - eps)`; `-(t log p + (1 - t) log(1 - p))` | the same clip, then `-(t log(p + eps) + (1 - t) log(1 - p + eps))` |
| logits | `max(x, 0) - x t + log1p(exp(-abs(x)))` (exact) | the same (`tf.nn.sigmoid_cross_entropy_with_logits`) |
| unequal shapes | rejected | probabilities broadcast; logits rejected |
| rank 0 | one element | one element |

Constants: eps = {EPS}; the upper clip bound is {CLIP_HIGH}. The Keras 3 numpy backend
computes the logits path as sigmoid, then the probability path: a listed deviation of that
backend. The tolerance is the loss function's per element (docs/tolerance.md).
""",
        themes=(
            Theme("Docstring example", ("doc-bce-op",)),
            Theme("Saturation: probabilities at and around the clip bounds", ("bce-op-edge-prob-*",)),
            Theme("Saturation: large logits", ("bce-op-edge-logit-*",)),
            Theme("Whole rows, elementwise", ("bce-op-edge-saturated-rows-*",)),
            Theme("Shapes", ("bce-op-scalar", "bce-op-shape-n-vs-n1-probs", "bce-op-error-*")),
        ),
        doctests=("doc-bce-op", "bce-op-edge-prob-0-y1", "bce-op-edge-logit-40-y0"),
    ),
    DocPage(
        name=CCE,
        semantics=f"""## Semantics

`ops.categorical_crossentropy(target, output, from_logits=False, axis=-1)` (keras2:
`tf_keras.backend.categorical_crossentropy`) sums over `axis`, identically in both profiles:

```
if from_logits:
    loss = -sum(target * log_softmax(output, axis), axis)   # exact: no clip
else:
    p = output / sum(output, axis)                          # always renormalised
    loss = -sum(target * log(clip(p, eps, 1 - eps)), axis)  # clip only, no extra eps
```

Constants: eps = {EPS}; the upper clip bound is {CLIP_HIGH}. Both reject unequal shapes,
rank 0 and an `axis` out of range. This is `categorical_crossentropy` without label
smoothing (docs/semantics.md §11.2); the tolerance is that function's.
""",
        themes=(
            Theme("Docstring examples", ("doc-cce-op*",), "The keras3 ops and the tf_keras backend docstrings."),
            Theme("Saturation, unnormalised and soft rows", ("cce-op-edge-*",)),
            Theme("Rejected input", ("cce-op-error-*",)),
        ),
        doctests=("doc-cce-op*", "cce-op-edge-unnormalised", "cce-op-edge-logits-40-wrong"),
    ),
)
