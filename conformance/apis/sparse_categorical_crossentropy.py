"""``sparse_categorical_crossentropy``, the ``SparseCategoricalCrossentropy`` loss class and the
backend op (keras3 ``ops.``, keras2 ``backend.``) (docs/semantics.md §12).

Tiers: where the keras3 backends legitimately disagree the case is ``quirk``: a class
axis other than the last (tensorflow rejects it, jax and numpy reject it unless the shapes
happen to line up, torch honours it), and probability rows where clipping moves the row sum
(the tensorflow backend renormalises after clipping, the others before).

PYTEST_DONT_REWRITE: pytest loads this package as its plugin; its asserts need no rewriting, and skipping it keeps start-up fast.
"""

from __future__ import annotations

import dataclasses
import itertools
from collections.abc import Iterator

import numpy as np

from conformance.apis._common import CLIP_HIGH, EPS
from conformance.catalog import EPS as EPS32
from conformance.catalog import (
    FOCAL_SHAPES_AXES,
    REDUCTIONS,
    Case,
    _logits,
    _simplex,
    _tag,
    class_doc_cases,
    f32,
    loss_class_sweep,
)
from conformance.registry import Api, DocPage, Theme, gradient_of

FN, CLS, OP = "sparse_categorical_crossentropy", "SparseCategoricalCrossentropy", "ops.sparse_categorical_crossentropy"
#: the docstring example of both profiles (function and class)
DOC = {"y_true": f32([1, 2]), "y_pred": f32([[0.05, 0.95, 0], [0.1, 0.8, 0.1]])}
#: tf_keras' second function example: ignore_class=-1 on (2, 2, 2, 3)
DOC2 = {
    "y_true": f32([[[0, 2], [-1, -1]], [[0, 2], [-1, -1]]]),
    "y_pred": f32(
        [
            [[[1.0, 0.0, 0.0], [0.0, 0.0, 1.0]], [[0.2, 0.5, 0.3], [0.0, 1.0, 0.0]]],
            [[[1.0, 0.0, 0.0], [0.0, 0.5, 0.5]], [[0.2, 0.5, 0.3], [0.0, 1.0, 0.0]]],
        ]
    ),
}
#: the keras3 ops docstring example
DOC_OP = {"y_true": f32([0, 1, 2]), "y_pred": f32([[0.9, 0.05, 0.05], [0.1, 0.8, 0.1], [0.2, 0.3, 0.5]])}


def _sparse(rng, shape, axis=-1) -> np.ndarray:
    """Integer labels in [0, K) (K = ``shape[axis]``) for ``y_pred`` of ``shape``, as float32."""
    k = shape[axis]
    rest = tuple(s for i, s in enumerate(shape) if i != axis % len(shape))
    return f32(rng.integers(0, k, size=rest))


def _keepdim(labels: np.ndarray, axis: int, ndim: int) -> np.ndarray:
    """The labels with a 1 at the class axis (``(B, 1)`` for ``(B, K)``)."""
    return np.expand_dims(labels, axis % ndim)


def _quirk_axis(shape, axis) -> bool:
    return axis % len(shape) != len(shape) - 1


def _sweep(rng, api: str, short: str, keepdim_axis: bool) -> Iterator[Case]:
    """Shapes x axes x logits/probabilities x label form x ignore_class."""
    for (shape, axes), from_logits, form, ignore in itertools.product(
        FOCAL_SHAPES_AXES, (False, True), ("flat", "keepdim"), (None, -1, 255)
    ):
        if api == OP and ignore is not None:
            continue
        for axis in axes:
            quirk = _quirk_axis(shape, axis)
            if form == "keepdim" and quirk and not keepdim_axis:
                continue
            labels = _sparse(rng, shape, axis)
            if ignore is not None and labels.size > 1:
                flat = labels.reshape(-1)
                flat[rng.integers(0, flat.size)] = ignore
                labels = flat.reshape(labels.shape)
            yt = _keepdim(labels, axis, len(shape)) if form == "keepdim" else labels
            yp = _logits(rng, shape, 3.0) if from_logits else _simplex(rng, shape, axis)
            params = {"from_logits": from_logits, "axis": axis}
            if ignore is not None:
                params["ignore_class"] = ignore
            yield Case(
                f"{short}-sweep-{'logits' if from_logits else 'probs'}-shape{_tag(shape)}-axis{_tag(axis)}-{form}"
                + ("" if ignore is None else f"-ignore{_tag(ignore)}"),
                api,
                "quirk" if quirk else "core",
                params,
                {"y_true": yt, "y_pred": yp},
                "class axis not last: tensorflow rejects it, jax/numpy reject it unless the shapes line up, torch honours it"
                if quirk
                else "",
            )


def _random(rng, api: str, short: str, n: int, ignore: bool) -> Iterator[Case]:
    for i in range(n):
        from_logits = bool(i % 2)
        rows = int(rng.integers(1, 6))
        k = int(rng.integers(2, 10))
        shape = (rows, k) if rng.random() < 0.7 else (rows, int(rng.integers(1, 4)), k)
        yp = f32(rng.uniform(-30, 30, size=shape)) if from_logits else _simplex(rng, shape)
        yt = _sparse(rng, shape)
        params: dict = {"from_logits": from_logits}
        if ignore and rng.random() < 0.4:
            ig = int(rng.choice([-1, 0, 255, k - 1]))
            mask = rng.random(yt.shape) < 0.3
            yt = np.where(mask, f32(ig), yt).astype(np.float32)
            params["ignore_class"] = ig
        yield Case(f"{short}-random-{i:03d}", api, "core", params, {"y_true": yt, "y_pred": yp})


def _edges(api: str, short: str) -> Iterator[Case]:
    """Probability rows around the clip bounds and large logits (one row, label 1 of 3).

    ``quirk``: rows where clipping moves the row sum by more than the tolerance, so the
    tensorflow backend (and keras2) renormalising after the clip differs observably from
    jax/numpy/torch renormalising before it."""
    below, above = float(np.nextafter(EPS32, np.float32(0))), float(np.nextafter(EPS32, np.float32(1)))
    rows = {
        # name: (label, row, tier)
        "right": (1, [0.2, 0.7, 0.1], "edge"),
        "wrong": (0, [0.2, 0.7, 0.1], "edge"),
        "zero-on-label": (0, [0.0, 0.5, 0.5], "edge"),
        "tiny-on-label": (0, [1e-9, 0.5, 0.5], "edge"),
        "below-eps-on-label": (0, [below, 0.5, 0.5], "edge"),
        "eps-on-label": (0, [float(EPS32), 0.5, 0.5], "edge"),
        "above-eps-on-label": (0, [above, 0.5, 0.5], "edge"),
        "near-one": (0, [1 - 1e-8, 1e-9, 1e-9], "edge"),
        "unnormalised-small": (1, [0.2, 0.2, 0.1], "edge"),
        "unnormalised-below-one": (2, [0.9, 0.9, 0.3], "edge"),
        "negative-entry": (1, [-0.5, 1.0, 0.5], "quirk"),
        "onehot-right": (1, [0.0, 1.0, 0.0], "edge"),
        "onehot-wrong": (0, [0.0, 1.0, 0.0], "edge"),
        "unnormalised": (1, [1.0, 2.0, 1.0], "quirk"),
        "unnormalised-large": (2, [200.0, 300.0, 500.0], "quirk"),
        "many-zeros": (0, [0.5] + [0.0] * 9 + [0.5], "quirk"),
    }
    for name, (y, row, tier) in rows.items():
        yield Case(f"{short}-edge-{name}", api, tier, {}, {"y_true": f32([y]), "y_pred": f32([row])})
    yield Case(
        f"{short}-quirk-single-class",
        api,
        "quirk",
        {},
        {"y_true": f32([0, 0]), "y_pred": f32([[0.3], [1.0]])},
        "K=1: renormalise-then-clip gives -log(1 - 2^-23) = 1.19e-7; tensorflow's log-softmax of one logit gives 0",
    )
    yield Case(
        f"{short}-edge-single-class-logits",
        api,
        "edge",
        {"from_logits": True},
        {"y_true": f32([0, 0]), "y_pred": f32([[-3.0], [40.0]])},
    )
    for x in (16.0, 40.0, 88.0, 100.0, 1e4):
        for name, y, row in (("right", 1, [0, x, 0]), ("wrong", 1, [x, 0, -x]), ("wrong-neg", 0, [-x, 0, 0])):
            yield Case(
                f"{short}-edge-logits-{_tag(x)}-{name}",
                api,
                "edge",
                {"from_logits": True},
                {"y_true": f32([y]), "y_pred": f32([row])},
            )
    yield Case(
        f"{short}-edge-fractional-labels",
        api,
        "edge",
        {},
        {"y_true": f32([1.7, 2.0, 0.4]), "y_pred": f32([[0.2, 0.5, 0.3], [0.1, 0.1, 0.8], [0.6, 0.3, 0.1]])},
        "every backend casts float labels to int by truncation: 1.7 -> 1, 0.4 -> 0",
    )


def _errors(rng, api: str, short: str) -> Iterator[Case]:
    yp = _simplex(rng, (2, 3))
    for name, labels in (("k", [1, 3]), ("255", [255, 0]), ("m1", [0, -1]), ("m100", [-100, 1])):
        yield Case(
            f"{short}-error-label-out-of-range-{name}",
            api,
            "error",
            {},
            {"y_true": f32(labels), "y_pred": yp},
            "labels outside [0, K): tensorflow (both profiles) and torch raise; jax returns 0 (a listed deviation)",
        )
    yield Case(
        f"{short}-error-label-out-of-range-logits",
        api,
        "error",
        {"from_logits": True},
        {"y_true": f32([3, 0]), "y_pred": _logits(rng, (2, 3))},
    )
    yield Case(
        f"{short}-error-onehot-labels",
        api,
        "error",
        {},
        {"y_true": f32([[0, 1, 0], [0, 0, 1]]), "y_pred": yp},
        "one-hot labels belong to categorical_crossentropy: both reject (2,3) labels for (2,3) y_pred",
    )
    yield Case(
        f"{short}-error-labels-per-batch-for-rank3",
        api,
        "error",
        {},
        {"y_true": f32([0, 1]), "y_pred": _simplex(rng, (2, 2, 3))},
        "(B,) labels for (B,T,K) y_pred: both reject",
    )
    yield Case(
        f"{short}-quirk-flat-labels-rank3",
        api,
        "quirk",
        {},
        {"y_true": f32([0, 1, 2, 1]), "y_pred": _simplex(rng, (2, 2, 3))},
        "keras2 flattens labels of another rank against the rows of y_pred; keras3 rejects them",
    )


def function_cases() -> Iterator[Case]:
    rng = np.random.default_rng(20261231)
    yield Case("doc-scce-function", FN, "core", {}, DOC, "docstring (keras3 and keras2): [0.0513, 2.303]")
    yield Case(
        "doc-scce-function-ignore-class",
        FN,
        "core",
        {"ignore_class": -1},
        DOC2,
        "tf_keras docstring: [[[2.38e-07, 2.38e-07], [0, 0]], [[2.38e-07, 0.693], [0, 0]]]",
    )
    yield from _sweep(rng, FN, "scce", keepdim_axis=True)
    # ignore_class at every position of a batch of 4, for several ignore values
    for ignore, pos, from_logits in itertools.product((-1, 0, 2, 255), range(4), (False, True)):
        labels = _sparse(rng, (4, 3))
        labels[pos] = ignore
        yp = _logits(rng, (4, 3), 3.0) if from_logits else _simplex(rng, (4, 3))
        yield Case(
            f"scce-ignore{_tag(ignore)}-at{pos}-{'logits' if from_logits else 'probs'}",
            FN,
            "core",
            {"ignore_class": ignore, "from_logits": from_logits},
            {"y_true": labels, "y_pred": yp},
        )
    for name, labels in (("all", [-1, -1, -1]), ("none-present", [0, 1, 2]), ("all-but-one", [-1, 2, -1])):
        yield Case(
            f"scce-ignore-{name}",
            FN,
            "core",
            {"ignore_class": -1},
            {"y_true": f32(labels), "y_pred": _simplex(rng, (3, 3))},
        )
    yield Case(
        "scce-quirk-ignore-fractional-label",
        FN,
        "quirk",
        {"ignore_class": 1},
        {"y_true": f32([1.7, 2.0]), "y_pred": f32([[0.2, 0.5, 0.3], [0.1, 0.1, 0.8]])},
        "keras3 compares float labels with ignore_class before the cast (1.7 != 1: class 1 counts); "
        "keras2 after it (1.7 -> 1 == 1: ignored)",
    )
    yield Case(
        "scce-rank1",
        FN,
        "core",
        {},
        {"y_true": f32(2), "y_pred": f32([0.2, 0.3, 0.5])},
        "one sample: a scalar label for a (K,) y_pred",
    )
    yield from _random(rng, FN, "scce", 260, ignore=True)
    yield from _edges(FN, "scce")
    for x in (40.0, 1e4):
        yield Case(
            f"scce-edge-logits-{_tag(x)}-ignored-row",
            FN,
            "edge",
            {"from_logits": True, "ignore_class": -1},
            {"y_true": f32([0, -1]), "y_pred": f32([[0, x, 0], [x, 0, -x]])},
        )
    yield from _errors(rng, FN, "scce")


def _class_ignore_cases(rng) -> Iterator[Case]:
    """ignore_class with every reduction and weight kind: the mean is over valid entries."""
    weights = {
        "none": lambda b: None,
        "scalar": lambda b: f32(rng.uniform(0.2, 2.0)),
        "per-sample": lambda b: f32(rng.uniform(0, 2, size=(b,))),
        "ones": lambda b: np.ones((b,), np.float32),
    }
    for reduction, wkind, ignored in itertools.product(REDUCTIONS, weights, ("one", "two", "absent")):
        labels = _sparse(rng, (4, 3))
        if ignored != "absent":
            labels[rng.choice(4, size=1 if ignored == "one" else 2, replace=False)] = -1
        sw = weights[wkind](4)
        params: dict = {"ignore_class": -1}
        if reduction != "default":
            params["reduction"] = reduction
        yield Case(
            f"scce-loss-ignore-{_tag(reduction)}-w{wkind}-{ignored}",
            CLS,
            "core",
            params,
            {"y_true": labels, "y_pred": _simplex(rng, (4, 3)), **({} if sw is None else {"sample_weight": sw})},
            "keras3 divides by the merged weight sum(w * mask) for mean_with_sample_weight"
            if reduction == "mean_with_sample_weight" and wkind == "scalar"
            else "",
        )
    for reduction in ("sum", "none", "mean", "mean_with_sample_weight"):
        yield Case(
            f"scce-loss-ignore-all-{_tag(reduction)}",
            CLS,
            "core",
            {"ignore_class": -1, "reduction": reduction},
            {"y_true": f32([-1, -1]), "y_pred": _simplex(rng, (2, 3))},
            "every entry ignored: 0 (keras2's sum_over_batch_size would give NaN: not a case)",
        )
    yield Case(
        "scce-loss-ignore-rank3",
        CLS,
        "core",
        {"ignore_class": 255, "from_logits": True},
        {"y_true": f32([[0, 255, 2], [255, 255, 1]]), "y_pred": _logits(rng, (2, 3, 3))},
    )
    yield Case(
        "scce-loss-ignore-rank3-weights",
        CLS,
        "core",
        {"ignore_class": 255},
        {
            "y_true": f32([[0, 255, 2], [255, 255, 1]]),
            "y_pred": _simplex(rng, (2, 3, 3)),
            "sample_weight": f32([[1, 2, 3], [0.5, 1, 2]]),
        },
    )


def class_cases() -> Iterator[Case]:
    rng = np.random.default_rng(20261232)
    printed = {"default": "1.177", "weighted": "0.814", "sum": "2.354", "none": "[0.0513, 2.303]"}
    yield from class_doc_cases(CLS, "doc-scce-class", DOC, [0.3, 0.7], printed, "docstring (keras3 and keras2)")
    yield Case(
        "doc-scce-class-None",
        CLS,
        "core",
        {"reduction": None},
        DOC,
        "docstring (keras3, reduction=None): [0.0513, 2.303]",
    )
    yield from loss_class_sweep(rng, CLS, "scce", _sparse, _simplex, smoothing=False)
    yield from _class_ignore_cases(rng)
    yield Case(
        "scce-loss-labels-b1",
        CLS,
        "core",
        {},
        {"y_true": f32([[1], [2], [0]]), "y_pred": _simplex(rng, (3, 3))},
        "(B,1) labels are squeezed",
    )
    for axis in (1, -2):
        yield Case(
            f"scce-loss-axis{_tag(axis)}",
            CLS,
            "quirk",
            {"axis": axis},
            {"y_true": f32([[0, 2], [1, 1]]), "y_pred": _simplex(rng, (2, 3, 2), 1)},
            "keras2's class takes no axis; keras3's tensorflow, jax and numpy backends reject a class axis not last",
        )
    yield Case(
        "scce-loss-axis-last",
        CLS,
        "core",
        {"axis": -1, "from_logits": True},
        {"y_true": f32([0, 2]), "y_pred": _logits(rng, (2, 3))},
        "keras2's class takes no axis (an error there)",
    )


def op_cases() -> Iterator[Case]:
    rng = np.random.default_rng(20261233)
    yield Case("doc-scce-op", OP, "core", {}, DOC_OP, "keras3 ops docstring: [0.10536056, 0.22314355, 0.6931472]")
    yield Case("doc-scce-op-function-example", OP, "core", {}, DOC, "the function's docstring inputs")
    yield from _sweep(rng, OP, "scceop", keepdim_axis=False)
    yield from _random(rng, OP, "scceop", 140, ignore=False)
    yield from _edges(OP, "scceop")
    yield from _errors(rng, OP, "scceop")
    for ignore, pos in itertools.product((-1, 0, 255), range(3)):
        labels = _sparse(rng, (3, 4))
        labels[pos] = ignore
        yield Case(
            f"scceop-ignore{_tag(ignore)}-at{pos}",
            OP,
            "core",
            {"ignore_class": ignore},
            {"y_true": labels, "y_pred": _simplex(rng, (3, 4))},
            "keras2's backend op takes ignore_class; keras3's ops does not (an error there)",
        )
    yield Case(
        "scceop-labels-b1",
        OP,
        "core",
        {"from_logits": True},
        {"y_true": f32([[1], [2], [0]]), "y_pred": _logits(rng, (3, 3))},
        "(B,1) labels: a trailing 1 is squeezed",
    )


_FN, _CLS = (
    Api(
        FN,
        "function",
        {p: f"losses.{FN}" for p in ("keras3", "keras2")},
        "reference.scce:sparse_categorical_crossentropy",
        (function_cases,),
        FN,
    ),
    Api(
        CLS,
        "loss",
        {p: f"losses.{CLS}" for p in ("keras3", "keras2")},
        "reference.scce:sparse_categorical_crossentropy_loss",
        (class_cases,),
        FN,
    ),
)
_OP = Api(
    OP,
    "function",
    {"keras3": "ops.sparse_categorical_crossentropy", "keras2": "backend.sparse_categorical_crossentropy"},
    "reference.scce:sparse_categorical_crossentropy_op",
    (op_cases,),
    OP,
)
APIS = (_FN, _CLS, _OP)

_PROBS = """```
if from_logits:
    loss = -log_softmax(y_pred, axis)[y]                       # exact, every backend
elif renormalise_then_clip:                                    # keras3 on jax, numpy, torch, openvino
    loss = -log(clip(y_pred[y] / sum(y_pred, axis), eps, 1 - eps))
else:                                                          # keras2, and keras3's tensorflow backend
    l = log(clip(y_pred, eps, 1 - eps))
    loss = -log_softmax(l, axis)[y]                            # = -log c[y] + log(sum c): renormalised AFTER the clip
```"""

DOCS = (
    DocPage(
        name=FN,
        semantics=f"""## Semantics

`sparse_categorical_crossentropy(y_true, y_pred, from_logits=False, ignore_class=None, axis=-1)`:
`y_true` holds one integer class per row of `y_pred` (float labels are cast to int by
truncation). keras3 squeezes a 1 of `y_true` at `axis`; keras2 flattens labels of another
rank against the rows.

{_PROBS}

The profiles differ in the probability path: keras3 is the majority of its backends
(renormalise, then clip: exactly `categorical_crossentropy` of the one-hot label); keras2
and keras3's tensorflow backend clip first and renormalise in the log-softmax. They agree
unless clipping moves the row sum (one-hot or unnormalised rows, a single class): those
cases are `quirk`, and tensorflow's values are listed deviations.

`ignore_class`: an entry whose label equals it has loss 0 and carries a mask; the loss class
`SparseCategoricalCrossentropy` then averages over the **valid** entries only
(`sum_over_batch_size` weighs them `float32(total / valid)`; keras3's
`mean_with_sample_weight` divides by `sum(w * mask)`). Every entry ignored: keras3 gives 0,
keras2 NaN under `sum_over_batch_size`. keras3 compares float labels with ignore_class
before the cast to int, keras2 after it.

Labels outside `[0, K)` are rejected (tensorflow and torch raise; jax silently returns 0).
Constants: eps = {EPS}; the upper clip bound is {CLIP_HIGH}. A class axis other than the
last: keras2 transposes it; keras3's tensorflow backend rejects it, jax and numpy only
accept it when the shapes line up, torch honours it (the `quirk` tier). See
docs/semantics.md §12.
""",
        themes=(
            Theme("Docstring examples", ("doc-scce-*",), "The examples of the Keras 3 and tf_keras docstrings."),
            Theme("Clip bounds and unnormalised rows", ("scce-edge-*",)),
            Theme("ignore_class", ("scce-ignore-*", "scce-quirk-ignore-fractional-label")),
            Theme("ignore_class in the loss class", ("scce-loss-ignore-*-wnone-one", "scce-loss-ignore-all-*")),
            Theme("Each reduction", ("scce-loss-*-wper-sample-shape4x3-probs",)),
        ),
        doctests=("doc-scce-*", "scce-edge-unnormalised", "scce-edge-logits-40-wrong", "scce-ignore-all-but-one"),
    ),
    DocPage(
        name=OP,
        semantics=f"""## Semantics

keras3 `ops.sparse_categorical_crossentropy(target, output, from_logits=False, axis=-1)` and
keras2 `backend.sparse_categorical_crossentropy(target, output, from_logits=False, axis=-1,
ignore_class=None)` (the keras2 loss function is this op). One integer label per row of
`output`; a trailing 1 of `target` is squeezed (keras2 flattens a target of another rank).

{_PROBS}

keras3's op takes no `ignore_class` (the loss function masks before calling it); keras2's
does, with the same result as the loss function. Labels outside `[0, K)` are rejected.
Constants: eps = {EPS}; the upper clip bound is {CLIP_HIGH}. See docs/semantics.md §12.2.
""",
        themes=(
            Theme("Docstring examples", ("doc-scce-op*",)),
            Theme("Clip bounds and unnormalised rows", ("scceop-edge-*",)),
            Theme("keras2's ignore_class", ("scceop-ignore*",)),
        ),
        doctests=("doc-scce-op*", "scceop-edge-unnormalised"),
    ),
)


# --------------------------------------------------------------------------- gradients
def grad_function_cases() -> Iterator[Case]:
    """``grad.sparse_categorical_crossentropy``: a sweep (logits/probabilities, shapes,
    ignore_class), seeded random calls, ignored rows (gradient 0), rows around the clip
    bounds and saturated logits (edge); the profiles' probability paths differ where
    clipping moves the row (quirk), as for the value, and so does a label exactly at eps
    (the clip's derivative at its bound)."""
    rng = np.random.default_rng(20261241)
    api = f"grad.{FN}"
    for from_logits, shape, ignore in itertools.product((False, True), ((3,), (2, 4), (2, 3, 4)), (None, -1)):
        labels = _sparse(rng, shape)
        if ignore is not None and labels.size > 1:
            flat = labels.reshape(-1)
            flat[rng.integers(0, flat.size)] = ignore
            labels = flat.reshape(labels.shape)
        params = {"from_logits": from_logits}
        if ignore is not None:
            params["ignore_class"] = ignore
        yield Case(
            f"grad-scce-sweep-{'logits' if from_logits else 'probs'}-shape{_tag(shape)}"
            + ("" if ignore is None else f"-ignore{_tag(ignore)}"),
            api,
            "core",
            params,
            {"y_true": labels, "y_pred": _logits(rng, shape, 2.0) if from_logits else _simplex(rng, shape)},
        )
    for from_logits in (False, True):
        yield Case(
            f"grad-scce-quirk-axis0-{'logits' if from_logits else 'probs'}",
            api,
            "quirk",
            {"from_logits": from_logits, "axis": 0},
            {
                "y_true": _sparse(rng, (3, 4), 0),
                "y_pred": _logits(rng, (3, 4), 2.0) if from_logits else _simplex(rng, (3, 4), 0),
            },
            "class axis not last: tensorflow rejects it, jax/numpy reject it unless the shapes line up, torch honours it",
        )
    for i in range(6):
        from_logits = bool(i % 2)
        shape = (int(rng.integers(1, 4)), int(rng.integers(2, 6)))
        yp = f32(rng.uniform(-15, 15, size=shape)) if from_logits else _simplex(rng, shape)
        params = {"from_logits": from_logits}
        yt = _sparse(rng, shape)
        if i >= 4:
            params["ignore_class"] = 0
        yield Case(f"grad-scce-random-{i:02d}", api, "core", params, {"y_true": yt, "y_pred": yp})
    yield Case(
        "grad-scce-ignore-all",
        api,
        "core",
        {"ignore_class": -1},
        {"y_true": f32([-1, -1]), "y_pred": f32([[0.2, 0.5, 0.3], [0.6, 0.3, 0.1]])},
        "every row ignored: the gradient is 0",
    )
    yield Case(
        "grad-scce-ignore-a-class-index",
        api,
        "core",
        {"ignore_class": 2, "from_logits": True},
        {"y_true": f32([2, 0, 2, 1]), "y_pred": f32([[1, -1, 3], [0.5, 2, -2], [0, 0, 0], [4, 1, -3]])},
        "ignore_class 2 is also a class: rows labelled 2 get 0, class 2 of the others still its softmax",
    )
    below, above = float(np.nextafter(EPS32, np.float32(0))), float(np.nextafter(EPS32, np.float32(1)))
    rows = {
        "small-on-label": (0, [1e-5, 0.5, 0.5], "edge"),
        "tiny-on-label": (0, [1e-9, 0.5, 0.5], "quirk"),
        "below-eps-on-label": (0, [below, 0.5, 0.5], "quirk"),
        "above-eps-on-label": (0, [above, 0.5, 0.5], "quirk"),
        "zero-off-label": (1, [0.0, 0.6, 0.4], "quirk"),
        "near-one": (0, [1 - 1e-8, 1e-9, 1e-9], "edge"),
        "unnormalised-small": (1, [0.2, 0.2, 0.1], "edge"),
        "unnormalised-below-one": (2, [0.9, 0.9, 0.3], "edge"),
        "onehot-right": (1, [0.0, 1.0, 0.0], "edge"),
        "onehot-wrong": (0, [0.0, 1.0, 0.0], "edge"),
        "unnormalised": (1, [1.0, 2.0, 1.0], "quirk"),
        "unnormalised-large": (2, [200.0, 300.0, 500.0], "quirk"),
        "eps-on-label": (0, [float(EPS32), 0.5, 0.5], "quirk"),
    }
    for name, (y, row, tier) in rows.items():
        yield Case(
            f"grad-scce-{tier}-{name}",
            api,
            tier,
            {},
            {"y_true": f32([y]), "y_pred": f32([row])},
            "an entry outside [eps, 1 - eps]: keras3 on jax, numpy and torch renormalise then clip (a clipped "
            "label stops the row's gradient; a clipped other entry still gets 1 / sum(y_pred)); keras2 and keras3's "
            "tensorflow backend clip then renormalise in the log-softmax (the clipped entry's gradient stops, the "
            "label's softmax - onehot stays)"
            if tier == "quirk"
            else "",
        )
    yield Case("grad-scce-edge-single-class", api, "edge", {}, {"y_true": f32([0, 0]), "y_pred": f32([[0.3], [1.0]])})
    for name, y, row in (
        ("40-wrong", 1, [40, 0, -40]),
        ("100-wrong-neg", 0, [-100, 0, 0]),
        ("1e4-right", 2, [0, 0, 1e4]),
    ):
        yield Case(
            f"grad-scce-edge-logits-{name}",
            api,
            "edge",
            {"from_logits": True},
            {"y_true": f32([y]), "y_pred": f32([row])},
        )
    yield Case(
        "grad-scce-edge-logits-1e4-ignored-row",
        api,
        "edge",
        {"from_logits": True, "ignore_class": -1},
        {"y_true": f32([0, -1]), "y_pred": f32([[0, 40, 0], [1e4, 0, -1e4]])},
    )
    yield Case(
        "grad-scce-error-label-out-of-range",
        api,
        "error",
        {},
        {"y_true": f32([1, 3]), "y_pred": _simplex(rng, (2, 3))},
        "labels outside [0, K): tensorflow and torch raise; jax returns 0 (a listed deviation of the value)",
    )


def grad_class_cases() -> Iterator[Case]:
    """``grad.SparseCategoricalCrossentropy``: the reduction and weight sweep, the docstring
    call, and ignore_class with each reduction: the mean over the valid entries only
    (weights ``float32(total / valid)``), ``mean_with_sample_weight`` over ``sum(w * mask)``."""
    from conformance.catalog import grad_loss_class_sweep

    rng = np.random.default_rng(20261242)
    api = f"grad.{CLS}"
    note = (
        "a 0 in y_pred: keras3 on jax, numpy and torch pass it the renormalisation's 1 / sum(y_pred); "
        "keras2 and keras3's tensorflow backend clip it first, which stops its gradient"
    )
    yield Case("grad-doc-scce-class", api, "quirk", {}, DOC, "the docstring's call; " + note)
    yield Case("grad-doc-scce-class-weighted", api, "quirk", {}, {**DOC, "sample_weight": f32([0.3, 0.7])}, note)
    yield from grad_loss_class_sweep(rng, api, "scce", _sparse, _simplex)
    for reduction, wkind in itertools.product(
        ("default", "sum", "none", "mean_with_sample_weight"), ("none", "per-sample")
    ):
        labels = _sparse(rng, (4, 3))
        labels[rng.choice(4, size=2, replace=False)] = -1
        params: dict = {"ignore_class": -1}
        if reduction != "default":
            params["reduction"] = reduction
        sw = None if wkind == "none" else f32(rng.uniform(0.2, 2, size=(4,)))
        yield Case(
            f"grad-scce-loss-ignore-{_tag(reduction)}-w{wkind}",
            api,
            "core",
            params,
            {"y_true": labels, "y_pred": _simplex(rng, (4, 3)), **({} if sw is None else {"sample_weight": sw})},
        )
    yield Case(
        "grad-scce-loss-ignore-all-sum",
        api,
        "core",
        {"ignore_class": -1, "reduction": "sum"},
        {"y_true": f32([-1, -1]), "y_pred": _simplex(rng, (2, 3))},
    )
    yield Case(
        "grad-scce-loss-ignore-rank3-logits",
        api,
        "core",
        {"ignore_class": 255, "from_logits": True},
        {"y_true": f32([[0, 255, 2], [255, 255, 1]]), "y_pred": _logits(rng, (2, 3, 3), 2.0)},
        "3 of 6 entries valid: each weighs float32(6 / 3) = 2 under the mean",
    )
    yield Case(
        "grad-scce-loss-edge-ignore-clipped",
        api,
        "edge",
        {"ignore_class": -1},
        {"y_true": f32([0, -1, 2]), "y_pred": f32([[1e-5, 0.5, 0.5], [0.0, 1.0, 0.0], [0.2, 0.2, 0.1]])},
    )
    yield Case(
        "grad-scce-loss-quirk-axis0",
        api,
        "quirk",
        {"axis": 0},
        {"y_true": f32([0, 2, 1]), "y_pred": _simplex(rng, (3, 3), 0)},
        "keras2's class takes no axis; keras3's tensorflow backend rejects a class axis not last",
    )


APIS = (
    *APIS,
    gradient_of(_FN, reference="reference.gradients_categorical:scce_vjp", cases=(grad_function_cases,)),
    gradient_of(_CLS, reference="reference.gradients_categorical:scce_vjp", cases=(grad_class_cases,)),
)

DOCS = (
    dataclasses.replace(
        DOCS[0],
        gradients=(
            Theme(
                "Logits and probabilities",
                ("grad-scce-sweep-*-shape2x4",),
                "Logits: `softmax - onehot`; probabilities (keras3): `(in_y - onehot / p) / sum(y)` with "
                "`p = y / sum(y)`; keras2 clips first: `(c / sum(c) - onehot) / y` where the clip passes.",
            ),
            Theme("ignore_class", ("grad-scce-sweep-*-ignorem1", "grad-scce-ignore-*", "grad-scce-loss-ignore-*")),
            Theme("Clipped entries: the profiles differ", ("grad-scce-quirk-*", "grad-scce-edge-*")),
        ),
    ),
    *DOCS[1:],
)
