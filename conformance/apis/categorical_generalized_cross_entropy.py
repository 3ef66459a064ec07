"""``categorical_generalized_cross_entropy`` and ``CategoricalGeneralizedCrossEntropy``:
keras3 only (Keras 3.10+; docs/semantics.md §16). Their ``keras`` paths name only keras3, so
the keras2 profile has no expectation and no case of them.

PYTEST_DONT_REWRITE: pytest loads this package as its plugin; its asserts need no rewriting, and skipping it keeps start-up fast.
"""

from __future__ import annotations

import dataclasses
import itertools
from collections.abc import Iterator

import numpy as np

from conformance.catalog import Case, _simplex, _tag, class_doc_cases, f32, loss_class_sweep
from conformance.registry import DocPage, Theme, gradient_of, loss_family

FN, CLS = "categorical_generalized_cross_entropy", "CategoricalGeneralizedCrossEntropy"
#: the class docstring's example (Keras 3.10+); it prints no value
DOC = {
    "y_true": f32([0, 1, 0, 1]),
    "y_pred": f32([[0.7, 0.3], [0.2, 0.8], [0.6, 0.4], [0.4, 0.6]]),
}
#: q values: float32-exact ones (0.5 is the class default) and two that are not (0.1, 0.7)
QS = (0.5, 0.25, 0.75, 0.1, 0.7, 0.9)


def _indices(rng, shape) -> np.ndarray:
    """Integer class labels (as float32) for predictions of ``shape``: one per row."""
    return f32(rng.integers(0, shape[-1], size=shape[:-1]))


def _q_params(rng) -> dict:
    return {"q": float(rng.choice(QS))}


def function_cases() -> Iterator[Case]:
    rng = np.random.default_rng(20261401)
    yield Case(
        "doc-gce-function",
        FN,
        "core",
        {"q": 0.5},
        DOC,
        "the class docstring's inputs, per sample (docs/semantics.md §16: [0.32667994, 0.21114564, 0.45080662, 0.45080662])",
    )
    shapes = ((1, 2), (4, 2), (4, 3), (3, 5), (2, 10), (2, 3, 4), (2, 1, 3, 3))
    for q, shape, kind in itertools.product((0.1, 0.25, 0.5, 0.7, 0.9, 1.0), shapes, ("simplex", "uniform")):
        yp = _simplex(rng, shape) if kind == "simplex" else f32(rng.uniform(0, 1, size=shape))
        yield Case(
            f"gce-sweep-q{_tag(q)}-shape{_tag(shape)}-{kind}",
            FN,
            "core",
            {"q": q},
            {"y_true": _indices(rng, shape), "y_pred": yp},
        )
    for i in range(120):
        k = int(rng.integers(2, 9))
        shape = (int(rng.integers(1, 6)), k)
        yp = f32(10.0 ** rng.uniform(-8, 0, size=shape)) if i % 3 == 0 else _simplex(rng, shape)
        q = float(f32(rng.uniform(0.01, 1.0))) if i % 2 else float(rng.choice(QS))
        yield Case(f"gce-random-{i:03d}", FN, "core", {"q": q}, {"y_true": _indices(rng, shape), "y_pred": yp})
    # edge: the probability of the true class, from 0 to above 1 (nothing clips or renormalises)
    edge_p = {
        "0": 0.0,
        "1em30": 1e-30,
        "1em7": 1e-7,
        "1em4": 1e-4,
        "0p5": 0.5,
        "clip-hi": float(np.float32(1 - 1e-7)),
        "1": 1.0,
        "2": 2.0,
    }
    for (name, p), q in itertools.product(edge_p.items(), (1e-6, 1e-3, 0.5, 1.0)):
        yield Case(
            f"gce-edge-p{name}-q{_tag(q)}",
            FN,
            "edge",
            {"q": q},
            {"y_true": f32([1]), "y_pred": f32([[0.25, p, 0.25]])},
        )
    for q in (1e-7, 1e-4, 0.01, 0.999, 1.5, 2.0):
        yield Case(
            f"gce-edge-q{_tag(q)}",
            FN,
            "edge",
            {"q": q},
            DOC,
            "the bare function takes any q (only the class checks 0 < q < 1)" if q > 1 else "",
        )
    yield Case(
        "gce-edge-unnormalised",
        FN,
        "edge",
        {"q": 0.5},
        {"y_true": f32([1]), "y_pred": f32([[2, 6]])},
        "no renormalisation: p = 6, a negative loss (-2.8989797)",
    )
    yield Case(
        "gce-edge-label-minus-one",
        FN,
        "edge",
        {"q": 0.5},
        {"y_true": f32([0, -1]), "y_pred": f32([[0.7, 0.3], [0.2, 0.8]])},
        "a negative label one-hot encodes to zeros: p = 0, loss 1/q = 2",
    )
    yield Case(
        "gce-edge-label-truncated",
        FN,
        "edge",
        {"q": 0.5},
        {"y_true": f32([1.7, 0.9, 2.2]), "y_pred": f32([[0.2, 0.5, 0.3], [0.6, 0.3, 0.1], [0.1, 0.1, 0.8]])},
        "labels are cast to int, toward zero: 1.7 -> 1, 0.9 -> 0, 2.2 -> 2",
    )
    yield Case(
        "gce-quirk-labels-b1",
        FN,
        "quirk",
        {"q": 0.5},
        {"y_true": DOC["y_true"].reshape(4, 1), "y_pred": DOC["y_pred"]},
        "labels (B, 1): one_hot is (B, 1, K), which broadcasts against (B, K) to a (B, B) result",
    )
    yield Case(
        "gce-error-shape-3-vs-2x4",
        FN,
        "error",
        {"q": 0.5},
        {"y_true": f32([0, 1, 2]), "y_pred": _simplex(rng, (2, 4))},
        "one_hot (3, 4) does not broadcast against (2, 4)",
    )


def class_cases() -> Iterator[Case]:
    rng = np.random.default_rng(20261402)
    yield from class_doc_cases(
        CLS,
        "doc-gce-class",
        DOC,
        [0.8, 0.2, 1.0, 0.5],
        {
            "default": "prints nothing; docs/semantics.md §16 verified 0.3598597",
            "weighted": "no printed value",
            "sum": "no printed value",
            "none": "docs/semantics.md §16: [0.32667994, 0.21114564, 0.45080662, 0.45080662]",
        },
        "Keras 3 class docstring",
    )
    yield Case(
        "gce-loss-quirk-labels-b1",
        CLS,
        "quirk",
        {},
        {"y_true": DOC["y_true"].reshape(4, 1), "y_pred": DOC["y_pred"]},
        "labels (B, 1): the ranks are equal, so nothing is squeezed; (B, B) values: 0.61496806, not 0.3598597",
    )
    yield from loss_class_sweep(rng, CLS, "gce", _indices, _simplex, _q_params, logits=False, smoothing=False)
    for q in (0.0, 1.0, -0.5, 1.5):
        yield Case(
            f"gce-loss-error-q{_tag(q)}",
            CLS,
            "error",
            {"q": q},
            DOC,
            "the constructor checks 0 < q < 1",
        )
    for q in (1e-6, 1e-3, 0.999):
        yield Case(f"gce-loss-edge-q{_tag(q)}", CLS, "edge", {"q": q}, DOC)


_FN, _CLS = loss_family(
    FN,
    CLS,
    reference="reference.gce:categorical_generalized_cross_entropy",
    cases=(function_cases,),
    class_cases=(class_cases,),
    docs=FN,
    draw=None,
    profiles=("keras3",),
)
#: the class checks q in its constructor: its reference is the function behind that check
APIS = (_FN, dataclasses.replace(_CLS, reference="reference.gce:class_function"))

DOCS = (
    DocPage(
        name=FN,
        semantics="""## Semantics

`categorical_generalized_cross_entropy(y_true, y_pred, q)` exists in keras3 only (Keras 3.10 and
later; tf_keras has no equivalent):

```
one_hot = one_hot(int(y_true), K = shape(y_pred)[-1])   # int() truncates toward zero
p = sum(y_pred * one_hot, axis=-1)                     # the true class's entry: no from_logits,
                                                       # no renormalisation, no clip, no axis
loss = (1 - p ** q) / q
```

q is a float32 constant. A negative label one-hot encodes to zeros (p = 0, loss 1/q); a label
>= K is backend-defined and not tested. `p > 1` gives a negative loss. Labels of shape (B, 1)
broadcast against (B, K) to a (B, B) result. The bare function accepts any q; the class
`CategoricalGeneralizedCrossEntropy(q=0.5, reduction)` raises for q outside (0, 1) and reduces
exactly like `BinaryCrossentropy`. Near q = 0 the loss tends to `-log p`, but `1 - p ** q`
cancels: float32 keeps only a few digits there, and the tolerance says so. See
docs/semantics.md §16.
""",
        themes=(
            Theme("Docstring example", ("doc-gce-*",), "The Keras 3 class docstring's inputs (it prints no value)."),
            Theme("The true class's probability, and q", ("gce-edge-p*-q0p5", "gce-edge-p*-q1")),
            Theme("q near 0: cancellation", ("gce-edge-p*-q1em06", "gce-edge-q1em07", "gce-edge-q0p0001")),
            Theme("Labels", ("gce-edge-label-*", "gce-edge-unnormalised", "gce-quirk-labels-b1")),
            Theme("Each reduction", ("gce-loss-*-wper-sample-shape4x3-probs",)),
        ),
        doctests=("doc-gce-*", "gce-edge-unnormalised", "gce-edge-label-minus-one"),
    ),
)


# --------------------------------------------------------------------------- gradients
def grad_function_cases() -> Iterator[Case]:
    """``grad.categorical_generalized_cross_entropy``: ``-p^(q - 1)`` at the label's entry,
    0 elsewhere: a sweep over q (float32-exact and not) and shapes, seeded random calls,
    small, one and above-one predictions, q near 0 and 1, fractional labels (edge), and
    (B, 1) labels broadcast to (B, B) (quirk). p = 0 has no finite derivative: no case."""
    rng = np.random.default_rng(20261261)
    api = f"grad.{FN}"
    yield Case("grad-doc-gce-function", api, "core", {"q": 0.5}, DOC, "the class docstring's inputs")
    for q, shape in itertools.product((0.1, 0.5, 0.9), ((3,), (2, 4), (2, 3, 4))):
        yield Case(
            f"grad-gce-sweep-q{_tag(q)}-shape{_tag(shape)}",
            api,
            "core",
            {"q": q},
            {"y_true": _indices(rng, shape), "y_pred": _simplex(rng, shape)},
        )
    for i in range(4):
        shape = (int(rng.integers(1, 4)), int(rng.integers(2, 6)))
        yield Case(
            f"grad-gce-random-{i:02d}",
            api,
            "core",
            _q_params(rng),
            {"y_true": _indices(rng, shape), "y_pred": f32(rng.uniform(0.01, 1, size=shape))},
        )
    rows = {
        "tiny": (0, [1e-30, 0.5, 0.5], 0.5),
        "below-eps": (0, [1e-8, 0.5, 0.5], 0.7),
        "one": (1, [0.0, 1.0, 0.0], 0.5),
        "above-one": (2, [0.5, 0.5, 2.5], 0.25),
        "q-near-0": (0, [0.3, 0.3, 0.4], 1e-3),
        "q-near-1": (0, [1e-6, 0.5, 0.5], 0.999),
    }
    for name, (y, row, q) in rows.items():
        yield Case(f"grad-gce-edge-{name}", api, "edge", {"q": q}, {"y_true": f32([y]), "y_pred": f32([row])})
    yield Case(
        "grad-gce-edge-fractional-labels",
        api,
        "edge",
        {"q": 0.5},
        {"y_true": f32([1.7, 0.9, 2.2]), "y_pred": f32([[0.2, 0.5, 0.3], [0.6, 0.3, 0.1], [0.1, 0.1, 0.8]])},
        "labels are cast to int, toward zero: 1.7 -> 1, 0.9 -> 0, 2.2 -> 2",
    )
    yield Case(
        "grad-gce-quirk-labels-b1",
        api,
        "quirk",
        {"q": 0.5},
        {"y_true": DOC["y_true"].reshape(4, 1), "y_pred": DOC["y_pred"]},
        "labels (B, 1): one_hot (B, 1, K) broadcasts against (B, K): each row of y_pred is summed over B",
    )
    yield Case(
        "grad-gce-error-shape-3-vs-2x4",
        api,
        "error",
        {"q": 0.5},
        {"y_true": f32([0, 1, 2]), "y_pred": _simplex(rng, (2, 4))},
        "one_hot (3, 4) does not broadcast against (2, 4)",
    )


def grad_class_cases() -> Iterator[Case]:
    """``grad.CategoricalGeneralizedCrossEntropy``: the docstring call, the reduction and
    weight sweep (q = 0.5), and q outside (0, 1) (error)."""
    from conformance.catalog import grad_loss_class_sweep

    rng = np.random.default_rng(20261262)
    api = f"grad.{CLS}"
    yield Case("grad-doc-gce-class", api, "core", {}, DOC, "the docstring's call")
    yield from grad_loss_class_sweep(rng, api, "gce", _indices, _simplex, logits=False)
    yield Case(
        "grad-gce-loss-edge-tiny-and-above-one",
        api,
        "edge",
        {"q": 0.7},
        {
            "y_true": f32([0, 2]),
            "y_pred": f32([[1e-6, 0.5, 0.5], [0.2, 0.3, 2.5]]),
            "sample_weight": f32([2, 0.5]),
        },
        "p = 1e-6 at the label: -p^(q-1) is large (about 63); p = 2.5 above one: no clip, the power's gradient",
    )
    yield Case(
        "grad-gce-loss-error-q1p5",
        api,
        "error",
        {"q": 1.5},
        {"y_true": DOC["y_true"], "y_pred": DOC["y_pred"]},
        "the class rejects q outside (0, 1)",
    )


APIS = (
    *APIS,
    gradient_of(APIS[0], reference="reference.gradients_categorical:gce_vjp", cases=(grad_function_cases,)),
    gradient_of(APIS[1], reference="reference.gradients_categorical:gce_vjp", cases=(grad_class_cases,)),
)

DOCS = (
    dataclasses.replace(
        DOCS[0],
        gradients=(
            Theme(
                "The sweep",
                ("grad-gce-sweep-*", "grad-doc-gce-*"),
                "`-p^(q - 1)` at the label's entry, 0 elsewhere.",
            ),
            Theme("Edges and labels", ("grad-gce-edge-*", "grad-gce-quirk-*")),
        ),
    ),
)
