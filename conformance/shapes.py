"""Call shapes: how a case of an API is called, written, read, reproduced and documented.

Five shapes cover the probabilistic family:

* ``function``: ``fn(y_true, y_pred, **params)`` -> one output;
* ``positional``: ``fn(*arrays, **params)`` with the arrays the API declares in
  ``Api.args`` (``ops.ctc_loss(target, output, target_length, output_length)``) -> one
  output; the API's ``integer_args`` reach the candidate as int32;
* ``loss``: ``Cls(**params)(y_true, y_pred, sample_weight=...)`` -> one output;
* ``metric``: ``m = Cls(**params)``, then a stream of ``update_state``, ``result`` and
  ``reset_state`` steps -> one output per ``result``;
* ``gradient``: a loss function's or loss class's call -> ``d sum(output) / d y_pred``.

Each shape object knows, for a case of any API of its shape: how to run it on the
candidate's implementation (``run``), what the reference expects (``expected``, importing
the reference only then), how its inputs are written to and read from a fixture, the
Python that reproduces it, its doctest and its one-line description. Every module that
used to ask "is this a metric?" asks the shape instead.

PYTEST_DONT_REWRITE: pytest loads this package as its plugin; its asserts need no rewriting, and skipping it keeps start-up fast.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from conformance.fixture_format import array_doc, format_array, format_float32

__all__ = ["CallShape", "FunctionCall", "PositionalCall", "LossCall", "MetricStream", "GradientCall", "SHAPES"]

_ARRAY_KEYS = ("y_true", "y_pred", "sample_weight")


def np_literal(a: np.ndarray) -> str:
    """Python for an exact float32 array."""
    vals = ", ".join(format_float32(x) for x in np.asarray(a).ravel())
    return f"np.array([{vals}], dtype=np.float32).reshape({tuple(np.shape(a))!r})"


def list_literal(a) -> str:
    """Nested lists of shortest float32 reprs: parsing one and rounding to float32 gives
    back the same bits, so this is an exact Python literal (used by the doctests)."""
    a = np.asarray(a, dtype=np.float32)
    if a.ndim == 0:
        return str(a[()])
    return "[" + ", ".join(list_literal(x) for x in a) + "]"


def _params(params: dict) -> str:
    return ", ".join(f"{k}={v!r}" for k, v in params.items())


def _shown(values: np.ndarray) -> str:
    v = np.asarray(values, dtype=np.float64)
    return f"{float(v):.9g}" if v.ndim == 0 else "[" + ", ".join(f"{float(x):.9g}" for x in v.ravel()) + "]"


def _arr(x):
    return None if x is None else np.asarray(x, dtype=np.float32)


class CallShape:
    """The base of the call shapes; see the module docstring."""

    name = ""

    def bound(self, api) -> CallShape:
        """The shape as one API calls it (a shape whose calls depend on the API's
        declaration returns a copy that knows it)."""
        return self

    # -- running -----------------------------------------------------------------------
    def run(self, impl, params: dict, inputs: dict) -> list[Any]:
        raise NotImplementedError

    def expected(self, api, inputs: dict, params: dict, profile: str) -> list:
        raise NotImplementedError

    # -- the fixture format ---------------------------------------------------------------
    def write_inputs(self, inputs: dict) -> list[str]:
        """The ``inputs:`` block of a fixture entry (indented under the case)."""
        return [f"    {k}: {format_array(inputs[k])}" for k in _ARRAY_KEYS if k in inputs]

    def input_doc(self, inputs: dict) -> dict:
        """The parsed form of ``write_inputs`` (for the compiled twin)."""
        return {k: array_doc(inputs[k]) for k in _ARRAY_KEYS if k in inputs}

    def read_inputs(self, node: dict, where: str, reader) -> dict:
        """Inputs from a schema-valid node; ``reader(where, node)`` reads one array."""
        return {k: reader(f"{where}/{k}", v) for k, v in node.items()}

    # -- words ------------------------------------------------------------------------------
    def describe(self, inputs: dict) -> str:
        """The report's ``inputs:`` line."""
        return ", ".join(f"{k} {tuple(np.shape(v))}" for k, v in inputs.items())

    def doc_inputs(self, inputs: dict) -> str:
        """The inputs cell of a golden-doc table."""
        sw = f", w={list_literal(inputs['sample_weight'])}" if "sample_weight" in inputs else ""
        return f"{list_literal(inputs['y_true'])}, {list_literal(inputs['y_pred'])}{sw}"

    def snippet(self, api, params: dict, inputs: dict) -> list[str]:
        """Lines that call ``impl`` (bound by the caller) on the case and print the results."""
        raise NotImplementedError

    def doctest(self, api, params: dict, inputs: dict, outputs) -> list[str]:
        """Doctest lines that run the case on ``k`` (a ``conformance.golden`` candidate)
        and print the golden values."""
        raise NotImplementedError

    def elementwise_inputs(self, inputs: dict, params: dict, index: tuple) -> str:
        """The inputs behind one element of an output, when it has a plain counterpart."""
        if "y_pred" not in inputs:
            return ""
        yt, yp = inputs["y_true"], inputs["y_pred"]
        if yp.ndim == len(index) and yt.shape == yp.shape:
            sel = index
        elif yp.ndim == len(index) + 1 and yt.shape == yp.shape and params.get("axis", -1) in (-1, yp.ndim - 1):
            sel = index + (slice(None),)
        else:
            return ""
        return f"y_true={yt[sel].tolist()} y_pred={yp[sel].tolist()}"


class FunctionCall(CallShape):
    """``fn(y_true, y_pred, **params)``."""

    name = "function"

    def run(self, impl, params, inputs):
        return [impl(inputs["y_true"], inputs["y_pred"], **params)]

    def expected(self, api, inputs, params, profile):
        from conformance.registry import load_object

        fn = load_object(api.reference)
        return [fn(_arr(inputs["y_true"]), _arr(inputs["y_pred"]), profile=profile, **params)]

    def snippet(self, api, params, inputs):
        p = _params(params)
        return [
            f"y_true = {np_literal(inputs['y_true'])}",
            f"y_pred = {np_literal(inputs['y_pred'])}",
            f"print(impl(y_true, y_pred{', ' if p else ''}{p}))",
        ]

    def doctest(self, api, params, inputs, outputs):
        (o,) = outputs
        p = _params(params)
        call = (
            f"k.{api.method}({list_literal(inputs['y_true'])}, {list_literal(inputs['y_pred'])}{', ' if p else ''}{p})"
        )
        return _golden_line(call, o)


class PositionalCall(CallShape):
    """``fn(*[inputs[a] for a in api.args], **params)``: an op whose array inputs are not
    (y_true, y_pred). Integer inputs (labels, lengths) are stored as float32 integers and
    handed to the candidate as int32 (``Api.integer_args``); the reference gets them as
    float32 arrays, by name."""

    name = "positional"

    def __init__(self, args: tuple[str, ...] = (), integer_args: tuple[str, ...] = ()):
        self.args, self.integer_args = tuple(args), tuple(integer_args)

    def bound(self, api):
        return PositionalCall(api.args, api.integer_args)

    def _arrays(self, inputs) -> list:
        return [np.asarray(inputs[a]).astype(np.int32) if a in self.integer_args else inputs[a] for a in self.args]

    def run(self, impl, params, inputs):
        return [impl(*self._arrays(inputs), **params)]

    def expected(self, api, inputs, params, profile):
        from conformance.registry import load_object

        fn = load_object(api.reference)
        return [fn(*(_arr(inputs[a]) for a in self.args), profile=profile, **params)]

    def write_inputs(self, inputs):
        return [f"    {k}: {format_array(inputs[k])}" for k in self.args]

    def input_doc(self, inputs):
        return {k: array_doc(inputs[k]) for k in self.args}

    def describe(self, inputs):
        return ", ".join(
            f"{k} {tuple(np.shape(inputs[k]))}{' int32' if k in self.integer_args else ''}" for k in self.args
        )

    def _literal(self, k, a) -> str:
        return f"np.int32({list_literal(a)})" if k in self.integer_args else list_literal(a)

    def doc_inputs(self, inputs):
        return ", ".join(f"{k}={list_literal(inputs[k])}" for k in self.args)

    def snippet(self, api, params, inputs):
        p = _params(params)
        lines = [
            f"{k} = {np_literal(inputs[k])}" + (".astype(np.int32)" if k in self.integer_args else "")
            for k in self.args
        ]
        return lines + [f"print(impl({', '.join(self.args)}{', ' if p else ''}{p}))"]

    def doctest(self, api, params, inputs, outputs):
        (o,) = outputs
        p = _params(params)
        args = ", ".join(self._literal(k, inputs[k]) for k in self.args)
        lines = [">>> import numpy as np"] if self.integer_args else []
        return lines + _golden_line(f"k.{api.method}({args}{', ' if p else ''}{p})", o)

    def elementwise_inputs(self, inputs, params, index):
        return ""


class LossCall(CallShape):
    """``Cls(**params)(y_true, y_pred, sample_weight=...)``: the reference's ``loss_class``
    around the function the class wraps."""

    name = "loss"

    def run(self, impl, params, inputs):
        return [impl(**params)(inputs["y_true"], inputs["y_pred"], sample_weight=inputs.get("sample_weight"))]

    def expected(self, api, inputs, params, profile):
        from conformance.registry import load_object
        from reference.losses import loss_class

        kwargs = dict(params)
        reduction = kwargs.pop("reduction", "default")
        fn = load_object(api.reference)
        return [
            loss_class(
                fn,
                _arr(inputs["y_true"]),
                _arr(inputs["y_pred"]),
                _arr(inputs.get("sample_weight")),
                reduction=reduction,
                profile=profile,
                **kwargs,
            )
        ]

    def snippet(self, api, params, inputs):
        lines = [f"y_true = {np_literal(inputs['y_true'])}", f"y_pred = {np_literal(inputs['y_pred'])}"]
        sw = "None"
        if "sample_weight" in inputs:
            lines.append(f"sample_weight = {np_literal(inputs['sample_weight'])}")
            sw = "sample_weight"
        lines.append(f"print(impl({_params(params)})(y_true, y_pred, sample_weight={sw}))")
        return lines

    def doctest(self, api, params, inputs, outputs):
        (o,) = outputs
        sw = f", sample_weight={list_literal(inputs['sample_weight'])}" if "sample_weight" in inputs else ""
        call = (
            f"k.{api.method}({_params(params)})({list_literal(inputs['y_true'])}, {list_literal(inputs['y_pred'])}{sw})"
        )
        return _golden_line(call, o)


class MetricStream(CallShape):
    """``m = Cls(**params)`` and a stream of steps; one output per ``result`` step."""

    name = "metric"

    def run(self, impl, params, inputs):
        metric = impl(**params)
        results = []
        for st in inputs["steps"]:
            if st["op"] == "update_state":
                metric.update_state(st["y_true"], st["y_pred"], sample_weight=st.get("sample_weight"))
            elif st["op"] == "reset_state":
                metric.reset_state()
            else:
                results.append(metric.result())
        return results

    def expected(self, api, inputs, params, profile):
        from conformance.registry import load_object

        metric = load_object(api.reference)(profile=profile, **params)
        results = []
        for st in inputs["steps"]:
            if st["op"] == "update_state":
                metric.update_state(_arr(st["y_true"]), _arr(st["y_pred"]), _arr(st.get("sample_weight")))
            elif st["op"] == "reset_state":
                metric.reset_state()
            elif st["op"] == "result":
                results.append(metric.result())
            else:
                raise ValueError(f"unknown metric op {st['op']!r}")
        return results

    def write_inputs(self, inputs):
        lines = ["    steps:"]
        for st in inputs["steps"]:
            parts = [f"op: {st['op']}"] + [f"{k}: {format_array(st[k])}" for k in _ARRAY_KEYS if k in st]
            lines.append("    - {" + ", ".join(parts) + "}")
        return lines

    def input_doc(self, inputs):
        return {
            "steps": [
                {"op": st["op"], **{k: array_doc(st[k]) for k in _ARRAY_KEYS if k in st}} for st in inputs["steps"]
            ]
        }

    def read_inputs(self, node, where, reader):
        steps = []
        for j, st in enumerate(node["steps"]):
            s = {"op": st["op"]}
            for k in _ARRAY_KEYS:
                if k in st:
                    s[k] = reader(f"{where}/steps/{j}/{k}", st[k])
            steps.append(s)
        return {"steps": steps}

    def describe(self, inputs):
        return f"{sum(1 for s in inputs['steps'] if s['op'] == 'update_state')} update_state calls"

    def doc_inputs(self, inputs):
        out = []
        for s in inputs["steps"]:
            if s["op"] == "update_state":
                sw = f", w={list_literal(s['sample_weight'])}" if "sample_weight" in s else ""
                out.append(f"update({list_literal(s['y_true'])}, {list_literal(s['y_pred'])}{sw})")
            else:
                out.append(s["op"].replace("_state", "") + "()")
        return "; ".join(out)

    def snippet(self, api, params, inputs):
        lines = [f"m = impl({_params(params)})"]
        for st in inputs["steps"]:
            if st["op"] == "update_state":
                sw = f", sample_weight={np_literal(st['sample_weight'])}" if "sample_weight" in st else ""
                lines.append(f"m.update_state({np_literal(st['y_true'])}, {np_literal(st['y_pred'])}{sw})")
            elif st["op"] == "reset_state":
                lines.append("m.reset_state()")
            else:
                lines.append("print(m.result())")
        return lines

    def doctest(self, api, params, inputs, outputs):
        lines = [f">>> m = k.{api.method}({_params(params)})"]
        outs = iter(outputs)
        for s in inputs["steps"]:
            if s["op"] == "update_state":
                sw = f", sample_weight={list_literal(s['sample_weight'])}" if "sample_weight" in s else ""
                lines.append(f">>> m.update_state({list_literal(s['y_true'])}, {list_literal(s['y_pred'])}{sw})")
            elif s["op"] == "reset_state":
                lines.append(">>> m.reset_state()")
            else:
                lines += _golden_line("m.result()", next(outs))
        return lines

    def elementwise_inputs(self, inputs, params, index):
        return ""


def _golden_line(call: str, output) -> list[str]:
    """``golden(call, expected, tol)`` and the golden value it prints."""
    exp = repr(float(output.values)) if output.values.ndim == 0 else repr(output.values.tolist())
    return [f">>> golden({call}, {exp}, tol={float(np.max(output.tol))!r})", _shown(output.values)]


class GradientCall(CallShape):
    """``grad.<api>``: called exactly as the value API ``api`` (a function or a loss class),
    returning ``d S / d y_pred`` shaped like ``y_pred``, with ``S`` the sum of the value
    API's output (``conformance.registry.gradient_of``). Running, the fixture format, the
    snippet and the doctest are the value shape's (the candidate's gradient is reached
    under the gradient API's name); the expectation is ``reference.gradients.gradient``."""

    name = "gradient"

    def __init__(self, value: CallShape | None = None):
        self.value = value

    def bound(self, api):
        from conformance.registry import get

        return GradientCall(get(api.of).call)

    def run(self, impl, params, inputs):
        return self.value.run(impl, params, inputs)

    def expected(self, api, inputs, params, profile):
        from conformance.registry import get, load_object
        from reference.gradients import gradient

        kwargs = dict(params)
        reduction = kwargs.pop("reduction", "default")
        value_api = get(api.of)
        return [
            gradient(
                load_object(api.reference),
                load_object(value_api.reference),
                _arr(inputs["y_true"]),
                _arr(inputs["y_pred"]),
                _arr(inputs.get("sample_weight")),
                kind=value_api.shape,
                reduction=reduction,
                profile=profile,
                **kwargs,
            )
        ]

    def write_inputs(self, inputs):
        return self.value.write_inputs(inputs)

    def input_doc(self, inputs):
        return self.value.input_doc(inputs)

    def read_inputs(self, node, where, reader):
        return self.value.read_inputs(node, where, reader)

    def describe(self, inputs):
        return self.value.describe(inputs)

    def doc_inputs(self, inputs):
        return self.value.doc_inputs(inputs)

    def snippet(self, api, params, inputs):
        return self.value.snippet(api, params, inputs)

    def doctest(self, api, params, inputs, outputs):
        return self.value.doctest(api, params, inputs, outputs)

    def elementwise_inputs(self, inputs, params, index):
        """A gradient element is one element of ``y_pred``: its inputs are that element's."""
        yt, yp = inputs["y_true"], inputs["y_pred"]
        if yt.shape != yp.shape or len(index) != yp.ndim:
            return ""
        return f"y_true={yt[index].tolist()} y_pred={yp[index].tolist()}"


SHAPES: dict[str, CallShape] = {
    s.name: s for s in (FunctionCall(), PositionalCall(), LossCall(), MetricStream(), GradientCall())
}
