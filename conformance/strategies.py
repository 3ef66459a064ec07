"""Hypothesis strategies for conformance cases, importable for your own tests.

Subnormal float32 inputs are out of scope, as in array-api-tests: XLA and GPUs flush them
to zero, which the spec does not model.

A *calls* strategy (``binary_calls``, ``categorical_calls``, ``focal_calls``) draws the
``(params, inputs)`` of one call of a function; an API's declaration names its calls
strategy (``Api.draw``), and ``cases_for`` builds from it the cases of that API's call
shape: a function call, a loss class with a reduction and weights, or a metric stream.
Each case is a ``conformance.catalog.Case`` (float32 inputs, Keras parameters) that the
reference can judge. Values lean on the places implementations get
wrong: both sides of both clip bounds, exact 0 and 1, logits around 16-17 where float32
sigmoid saturates, and very large logits.

    from hypothesis import given
    from conformance.strategies import cases_for

    @given(cases_for(name))  # name: a registered API's name (conformance.registry.apis())
    def test_mine(case): ...

PYTEST_DONT_REWRITE: pytest loads this package as its plugin; its asserts need no rewriting, and skipping it keeps start-up fast.
"""

from __future__ import annotations

import hashlib

import numpy as np
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from conformance.catalog import Case

__all__ = [
    "probabilities",
    "logits",
    "shapes",
    "binary_calls",
    "categorical_calls",
    "focal_calls",
    "distribution_calls",
    "count_calls",
    "function_cases",
    "loss_class_cases",
    "metric_streams",
    "cases_for",
]

F32 = np.float32
EPS = F32(1e-7)
HI = F32(1 - 1e-7)
EDGE_PROBS = [
    F32(0), F32(1), EPS, HI, np.nextafter(EPS, F32(0)), np.nextafter(EPS, F32(1)),
    np.nextafter(HI, F32(0)), np.nextafter(HI, F32(2)), F32(1e-30), F32(0.5),
]  # fmt: skip
EDGE_LOGITS = [0.0, 16.0, -16.0, 17.0, -17.0, 40.0, -40.0, 88.0, -88.0, 100.0, -100.0, 1e4, -1e4]
LABEL_SMOOTHING = st.one_of(
    st.sampled_from([0.0, 0.1, 0.5, 1.0]), st.floats(0, 1, width=32, allow_subnormal=False).map(float)
)


def probabilities() -> st.SearchStrategy:
    """float32 probabilities, with the clip bounds and their neighbours often."""
    return st.one_of(st.floats(0, 1, width=32, allow_subnormal=False), st.sampled_from([float(x) for x in EDGE_PROBS]))


def logits() -> st.SearchStrategy:
    """float32 logits: ordinary ones, the saturation region, and extremes."""
    return st.one_of(
        st.floats(-30, 30, width=32, allow_subnormal=False),
        st.sampled_from(EDGE_LOGITS),
        st.floats(-1e4, 1e4, width=32, allow_subnormal=False),
    )


def shapes(min_dims: int = 1, max_dims: int = 3, max_side: int = 4) -> st.SearchStrategy:
    return st.lists(st.integers(1, max_side), min_size=min_dims, max_size=max_dims).map(tuple)


def _f32(shape, elements) -> st.SearchStrategy:
    return arrays(F32, shape, elements=elements)


def _case_id(api: str, params: dict, inputs: dict) -> str:
    h = hashlib.sha256(repr((api, sorted(params.items()), _digest(inputs))).encode()).hexdigest()[:10]
    return f"hypothesis-{api.replace('.', '-').replace('_', '-').lower()}-{h}"


def _digest(inputs: dict) -> list:
    out = []
    for k in sorted(inputs):
        v = inputs[k]
        if k == "steps":
            out.append([_digest({kk: vv for kk, vv in s.items() if kk != "op"}) + [s["op"]] for s in v])
        else:
            out.append((k, np.asarray(v).shape, np.asarray(v).tobytes()))
    return out


def _case(api: str, params: dict, inputs: dict) -> Case:
    return Case(_case_id(api, params, inputs), api, "core", params, inputs, "found by the hypothesis mode")


@st.composite
def binary_calls(draw, min_dims: int = 1, max_dims: int = 3, axis: int | None = None, from_logits: bool | None = None):
    """``(params, inputs)`` of a binary crossentropy call: 0/1 or soft labels, probabilities
    or logits, label smoothing, and ``axis`` (drawn unless given)."""
    shape = draw(shapes(min_dims, max_dims))
    from_logits = draw(st.booleans()) if from_logits is None else from_logits
    yt = draw(_f32(shape, st.one_of(st.sampled_from([0.0, 1.0]), st.floats(0, 1, width=32, allow_subnormal=False))))
    yp = draw(_f32(shape, logits() if from_logits else probabilities()))
    params = {"from_logits": from_logits, "label_smoothing": draw(LABEL_SMOOTHING)}
    params["axis"] = draw(st.integers(-len(shape), len(shape) - 1)) if axis is None else axis
    return params, {"y_true": yt, "y_pred": yp}


@st.composite
def categorical_calls(
    draw, min_dims: int = 1, max_dims: int = 3, axis: int | None = None, from_logits: bool | None = None
):
    """``(params, inputs)`` of a categorical call: one-hot labels along ``axis``, rows of
    probabilities (never all zero: Keras divides by the row sum) or logits, label smoothing."""
    shape = draw(shapes(min_dims, max_dims, 5).filter(lambda s: s[-1] >= 2))
    axis = draw(st.integers(-len(shape), len(shape) - 1)) if axis is None else axis
    k = shape[axis]
    lead = tuple(s for i, s in enumerate(shape) if i != axis % len(shape))
    idx = draw(arrays(np.int64, lead, elements=st.integers(0, k - 1)))
    yt = np.moveaxis(np.eye(k, dtype=F32)[idx], -1, axis).astype(F32)
    from_logits = draw(st.booleans()) if from_logits is None else from_logits
    if from_logits:
        yp = draw(_f32(shape, logits()))
    else:
        yp = draw(_f32(shape, st.one_of(st.floats(0, 1, width=32, allow_subnormal=False), st.just(0.0))))
        sums = yp.sum(axis=axis, keepdims=True)
        yp = np.where(sums == 0, F32(1), yp).astype(F32)
    params = {"from_logits": from_logits, "label_smoothing": draw(LABEL_SMOOTHING), "axis": axis}
    return params, {"y_true": yt, "y_pred": yp}


@st.composite
def distribution_calls(draw, min_dims: int = 1, max_dims: int = 3, axis=None, from_logits=None):
    """``(params, inputs)`` of a call on two distributions (KL divergence): values in [0, 1]
    with the clip bounds often, and some outside it (Keras clips them to [eps, 1])."""
    shape = draw(shapes(min_dims, max_dims))
    outside = st.floats(-1, 2, width=32, allow_subnormal=False)
    yt = draw(_f32(shape, st.one_of(probabilities(), outside)))
    yp = draw(_f32(shape, st.one_of(probabilities(), outside)))
    return {}, {"y_true": yt, "y_pred": yp}


@st.composite
def count_calls(draw, min_dims: int = 1, max_dims: int = 3, axis=None, from_logits=None):
    """``(params, inputs)`` of a Poisson call: counts (whole or not) and non-negative rates,
    0 and the region where ``+ eps`` rounds away often."""
    shape = draw(shapes(min_dims, max_dims))
    counts = st.one_of(st.integers(0, 20).map(float), st.floats(0, 50, width=32, allow_subnormal=False))
    rates = st.one_of(
        st.sampled_from([0.0, float(EPS), 1.0, 2.0, 0.5]), st.floats(0, 1e3, width=32, allow_subnormal=False)
    )
    return {}, {"y_true": draw(_f32(shape, counts)), "y_pred": draw(_f32(shape, rates))}


@st.composite
def focal_calls(draw, **kw):
    """A categorical call with the focal loss's ``alpha`` (scalar or per class) and ``gamma``."""
    params, inputs = draw(categorical_calls(**kw))
    k = inputs["y_true"].shape[-1]
    alpha = draw(
        st.one_of(
            st.sampled_from([0.25, 1.0]),
            st.floats(float(F32(0.05)), 1, width=32, allow_subnormal=False).map(float),
            st.lists(
                st.floats(float(F32(0.05)), 1, width=32, allow_subnormal=False).map(float), min_size=k, max_size=k
            ),
        )
    )
    gamma = draw(st.sampled_from([0.0, 0.5, 1.0, 2.0, 5.0]))
    return {"alpha": alpha, "gamma": gamma, **params}, inputs


@st.composite
def function_cases(draw, api: str, calls, profile: str = "keras3") -> Case:
    """Cases of a function API from its calls strategy."""
    params, inputs = draw(calls())
    return _case(api, params, inputs)


@st.composite
def _weight(draw, values_shape: tuple, batch: int):
    kind = draw(st.sampled_from(["none", "scalar", "per-sample", "per-sample-col", "values-shape"]))
    w = st.floats(0, 3, width=32, allow_subnormal=False)
    if kind == "none":
        return None
    if kind == "scalar":
        return F32(draw(w))
    if kind == "per-sample":
        return draw(_f32((batch,), w))
    if kind == "per-sample-col":
        return draw(_f32((batch, 1), w))
    return draw(_f32(values_shape, w))


#: every reduction string either profile knows, and one neither does: the reference
#: decides which the profile rejects (then the case expects an error)
REDUCTIONS = ["default", "sum_over_batch_size", "sum", "none", None, "mean", "mean_with_sample_weight", "auto", "bogus"]


@st.composite
def loss_class_cases(draw, api: str, calls, profile: str = "keras3") -> Case:
    """Cases of a loss class: a call of the function it wraps on rank >= 2 inputs (class
    axis last), a reduction and a ``sample_weight`` of any rank."""
    params, inputs = draw(calls(min_dims=2, axis=-1))
    params.pop("axis", None)
    reduction = draw(st.sampled_from(REDUCTIONS))
    if reduction != "default":
        params["reduction"] = reduction
    shape = inputs["y_true"].shape
    sw = draw(_weight(shape[:-1], shape[0]))
    if sw is not None:
        inputs["sample_weight"] = sw
    return _case(api, params, inputs)


@st.composite
def metric_streams(draw, api: str, calls, profile: str = "keras3") -> Case:
    """A metric stream: updates (calls of the wrapped function, axis -1, sharing the
    metric's parameters), resets and a result after each step."""
    from_logits = draw(st.booleans())
    steps, params = [], None
    for _ in range(draw(st.integers(1, 4))):
        if draw(st.sampled_from([False, False, False, True])):
            steps.append({"op": "reset_state"})
        else:
            p, inputs = draw(calls(axis=-1, from_logits=from_logits))
            p.pop("axis", None)
            params = p if params is None else params
            step = {"op": "update_state", **inputs}
            shape = inputs["y_true"].shape
            if len(shape) >= 2:
                sw = draw(_weight(shape[:-1], shape[0]))
                if sw is not None:
                    step["sample_weight"] = sw
            steps.append(step)
        steps.append({"op": "result"})
    if params is None:  # only resets: the metric's parameters from a call all the same
        params, _ = draw(calls(axis=-1, from_logits=from_logits))
        params.pop("axis", None)
    return _case(api, params, {"steps": steps})


_BY_SHAPE = {"function": function_cases, "loss": loss_class_cases, "metric": metric_streams}


def cases_for(api: str, profile: str = "keras3") -> st.SearchStrategy:
    """The strategy for one API's cases, built from its declaration's ``draw``."""
    from conformance import registry

    decl = registry.get(api)
    if decl.draw is None:
        raise ValueError(f"API {api!r} declares no hypothesis strategy")
    return _BY_SHAPE[decl.shape](decl.name, registry.load_object(decl.draw), profile)
