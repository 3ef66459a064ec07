"""Running one fixture case against a candidate and judging it.

``run_case`` never raises for the candidate's faults: an exception, a NaN, a wrong shape
or a non-numeric result each become that case's failing ``Verdict`` with a message, so
every other case still runs. ``format_failure`` turns a failing verdict into the report
a user fixes things from, ending in a snippet that reproduces it.
"""

from __future__ import annotations

import math
import os
import traceback
from dataclasses import dataclass
from typing import Any

import numpy as np

from conformance.candidates.base import METHOD_OF_API, Unsupported
from conformance.compare import Comparison, compare_output
from conformance.fixture_format import LoadedCase
from conformance.fixture_format import format_float32 as f32_str

__all__ = ["Verdict", "run_case", "format_failure", "snippet"]


@dataclass(frozen=True)
class Verdict:
    """``status`` is pass, fail or skip; ``comparisons`` has one entry per output."""

    status: str
    message: str = ""
    comparisons: tuple[Comparison, ...] = ()
    got: tuple[Any, ...] = ()
    traceback: str = ""
    output_index: int | None = None  # the failing output (metric: which result step)

    @property
    def max_ulp(self) -> float:
        return max((c.max_ulp for c in self.comparisons), default=0.0)


def _call(candidate, case: LoadedCase) -> list[Any]:
    method = getattr(candidate, METHOD_OF_API[case.api], None)
    if method is None:
        raise Unsupported(f"candidate {candidate.name!r} does not implement {case.api}")
    params = dict(case.params)
    if case.api == "metrics.BinaryCrossentropy":
        metric = method(**params)
        results = []
        for st in case.inputs["steps"]:
            if st["op"] == "update_state":
                metric.update_state(st["y_true"], st["y_pred"], sample_weight=st.get("sample_weight"))
            elif st["op"] == "reset_state":
                metric.reset_state()
            else:
                results.append(metric.result())
        return results
    yt, yp = case.inputs["y_true"], case.inputs["y_pred"]
    if case.api in ("BinaryCrossentropy", "CategoricalFocalCrossentropy"):
        return [method(**params)(yt, yp, sample_weight=case.inputs.get("sample_weight"))]
    return [method(yt, yp, **params)]


def run_case(candidate, case: LoadedCase, profile: str) -> Verdict:
    """Run ``case`` on ``candidate`` and judge it against ``profile``'s expectation."""
    expected = case.expected.get(profile)
    if expected is None:
        return Verdict("skip", f"the fixture has no expectation for profile {profile!r}")
    try:
        got = _call(candidate, case)
    except Unsupported as exc:
        return Verdict("skip", str(exc))
    except Exception as exc:  # noqa: BLE001 - the candidate's fault becomes this case's verdict
        if expected.error:
            return Verdict("pass", f"rejected as required ({expected.error}): {type(exc).__name__}")
        return Verdict(
            "fail",
            f"the candidate raised {type(exc).__name__}: {exc}",
            traceback="".join(traceback.format_exception(exc)),
        )
    if expected.error:
        return Verdict(
            "fail",
            f"the spec requires this input to be rejected ({expected.error}), but the candidate returned a value",
            got=tuple(got),
        )
    if len(got) != len(expected.outputs):
        return Verdict(
            "fail", f"the candidate gave {len(got)} results; the spec has {len(expected.outputs)}", got=tuple(got)
        )
    comps = tuple(compare_output(g, e) for g, e in zip(got, expected.outputs))
    for i, c in enumerate(comps):
        if not c.ok:
            return Verdict("fail", c.problem or "value outside tolerance", comps, tuple(got), output_index=i)
    return Verdict("pass", "", comps, tuple(got))


# --------------------------------------------------------------------------- reporting
def _np_literal(a: np.ndarray) -> str:
    vals = ", ".join(f32_str(x) for x in a.ravel())
    return f"np.array([{vals}], dtype=np.float32).reshape({tuple(a.shape)!r})"


def snippet(case: LoadedCase, candidate_spec: str) -> str:
    """Python that reproduces the case with the candidate, standalone."""
    lines = [
        "import numpy as np",
        "from conformance.candidates import load_candidate",
        f"candidate = load_candidate({candidate_spec!r})",
    ]
    params = ", ".join(f"{k}={v!r}" for k, v in case.params.items())
    method = METHOD_OF_API[case.api]
    if case.api == "metrics.BinaryCrossentropy":
        lines.append(f"m = candidate.{method}({params})")
        for st in case.inputs["steps"]:
            if st["op"] == "update_state":
                sw = f", sample_weight={_np_literal(st['sample_weight'])}" if "sample_weight" in st else ""
                lines.append(f"m.update_state({_np_literal(st['y_true'])}, {_np_literal(st['y_pred'])}{sw})")
            elif st["op"] == "reset_state":
                lines.append("m.reset_state()")
            else:
                lines.append("print(m.result())")
        return "\n".join(lines)
    lines.append(f"y_true = {_np_literal(case.inputs['y_true'])}")
    lines.append(f"y_pred = {_np_literal(case.inputs['y_pred'])}")
    if case.api in ("BinaryCrossentropy", "CategoricalFocalCrossentropy"):
        sw = "None"
        if "sample_weight" in case.inputs:
            lines.append(f"sample_weight = {_np_literal(case.inputs['sample_weight'])}")
            sw = "sample_weight"
        lines.append(f"print(candidate.{method}({params})(y_true, y_pred, sample_weight={sw}))")
    else:
        lines.append(f"print(candidate.{method}(y_true, y_pred{', ' if params else ''}{params}))")
    return "\n".join(lines)


def _fmt(x: float | None) -> str:
    """An error or tolerance: 3 significant digits are what a reader compares."""
    return "n/a" if x is None else (repr(x) if not math.isfinite(x) else f"{x:.3g}")


def _fmt_expected(x: float | None) -> str:
    return "n/a" if x is None else repr(float(x))


def _fmt_got(x: float | None) -> str:
    """The candidate's value as the float32 it (usually) was: shortest round-trip digits."""
    if x is None or not math.isfinite(x):
        return repr(x)
    return repr(float(x)) if float(np.float32(x)) != x else str(np.float32(x))


def _worst_inputs(case: LoadedCase, verdict: Verdict) -> str:
    c = verdict.comparisons[verdict.output_index] if verdict.output_index is not None else None
    if c is None or c.worst_index is None or "steps" in case.inputs:
        return ""
    idx = c.worst_index
    yt, yp = case.inputs["y_true"], case.inputs["y_pred"]
    if yp.ndim == len(idx):  # elementwise output (reduction none of an elementwise loss)
        sel = idx
    elif yp.ndim == len(idx) + 1 and case.params.get("axis", -1) in (-1, yp.ndim - 1):
        sel = idx + (slice(None),)
    else:
        return ""
    return f"  inputs at the worst element {list(idx)}: y_true={yt[sel].tolist()} y_pred={yp[sel].tolist()}\n"


def format_failure(case: LoadedCase, verdict: Verdict, profile: str, candidate_spec: str) -> str:
    """The failure report: where, what was called, expected against got, how far, how to rerun."""
    params = ", ".join(f"{k}={v!r}" for k, v in case.params.items())
    shapes = (
        ", ".join(f"{k} {tuple(v.shape)}" for k, v in case.inputs.items())
        if "steps" not in case.inputs
        else f"{sum(1 for s in case.inputs['steps'] if s['op'] == 'update_state')} update_state calls"
    )
    out = [
        f"case {case.id} [{case.tier}] in {case.file}",
        f"  call: {case.api}({params})  profile={profile}",
        f"  inputs: {shapes}",
        f"  verdict: {verdict.message}",
    ]
    if case.note:
        out.insert(1, f"  note: {case.note}")
    if verdict.output_index is not None and verdict.comparisons:
        c = verdict.comparisons[verdict.output_index]
        e = case.expected[profile].outputs[verdict.output_index]
        which = f" (result #{verdict.output_index + 1})" if "steps" in case.inputs else ""
        if c.worst_index is not None:
            out.append(
                f"  worst element{which} {list(c.worst_index)}: expected {_fmt_expected(c.expected)}, got {_fmt_got(c.got)}"
            )
            out.append(
                f"  error: abs {_fmt(c.abs_err)}  rel {_fmt(c.rel_err)}  ulp {_fmt(c.ulp_err)}"
                f"   tolerance: abs {_fmt(c.tol)} ({_fmt(c.tol_ulp)} ulp)"
            )
            w = _worst_inputs(case, verdict)
            if w:
                out.append(w.rstrip("\n"))
        if e.values.size <= 8:
            got = verdict.got[verdict.output_index]
            out.append(
                f"  expected {e.values.tolist()}  got {np.asarray(got).tolist() if c.problem is None or 'shape' in (c.problem or '') else got!r}"
            )
    if verdict.traceback:
        out.append("  candidate traceback:")
        out.extend("    " + line for line in verdict.traceback.rstrip().splitlines())
    out.append("  reproduce:")
    env = "".join(f"{k}={os.environ[k]} " for k in ("KERAS_BACKEND",) if os.environ.get(k))
    out.append(f"    {env}pytest --candidate {candidate_spec} --profile {profile} --tier {case.tier} -k '{case.id}'")
    out.extend("    " + line for line in snippet(case, candidate_spec).splitlines())
    return "\n".join(out)
