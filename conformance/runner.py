"""Running one fixture case against a candidate and judging it.

``run_case`` never raises for the candidate's faults: an exception, a NaN, a wrong shape
or a non-numeric result each become that case's failing ``Verdict`` with a message, so
every other case still runs. ``format_failure`` turns a failing verdict into the report
a user fixes things from, ending in a snippet that reproduces it.

PYTEST_DONT_REWRITE: pytest loads this package as its plugin; its asserts need no rewriting, and skipping it keeps start-up fast.
"""

from __future__ import annotations

import dataclasses
import math
import os
import traceback
import warnings
from dataclasses import dataclass
from typing import Any

import numpy as np

from conformance import registry
from conformance.candidates import resolve, to_numpy
from conformance.candidates.base import Unsupported
from conformance.compare import Comparison, compare_output
from conformance.fixture_format import LoadedCase

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
    warnings: tuple[str, ...] = ()  # what the candidate warned while running the case

    @property
    def max_ulp(self) -> float:
        return max((c.max_ulp for c in self.comparisons), default=0.0)


def _call(candidate, case: LoadedCase) -> list[Any]:
    """Run the case on what implements its API in ``candidate``; results as numpy."""
    api = registry.get(case.api)
    impl = resolve(candidate, api)
    return [to_numpy(candidate, r) for r in api.call.run(impl, dict(case.params), case.inputs)]


def run_case(candidate, case: LoadedCase, profile: str) -> Verdict:
    """Run ``case`` on ``candidate`` and judge it against ``profile``'s expectation.

    Warnings raised while the candidate runs are part of its behaviour on this case: they
    are captured into the verdict (shown with a failure, counted in the summary) and kept
    out of the run's own warning summary."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        verdict = _judge(candidate, case, profile)
    if caught:
        verdict = dataclasses.replace(verdict, warnings=tuple(f"{w.category.__name__}: {w.message}" for w in caught))
    return verdict


def _judge(candidate, case: LoadedCase, profile: str) -> Verdict:
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
def snippet(case: LoadedCase, candidate_spec: str) -> str:
    """Python that reproduces the case with the candidate, standalone."""
    api = registry.get(case.api)
    backend = os.environ.get("KERAS_BACKEND")
    lines = [f"import os; os.environ['KERAS_BACKEND'] = {backend!r}  # before Keras is imported"] if backend else []
    lines += [
        "import numpy as np",
        "from conformance.candidates import load_candidate, resolve",
        f"impl = resolve(load_candidate({candidate_spec!r}), {case.api!r})",
    ]
    return "\n".join(lines + api.call.snippet(api, case.params, case.inputs))


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
    if c is None or c.worst_index is None:
        return ""
    where = registry.get(case.api).call.elementwise_inputs(case.inputs, case.params, tuple(c.worst_index))
    return f"  inputs at the worst element {list(c.worst_index)}: {where}\n" if where else ""


def format_failure(case: LoadedCase, verdict: Verdict, profile: str, candidate_spec: str) -> str:
    """The failure report: where, what was called, expected against got, how far, how to rerun."""
    params = ", ".join(f"{k}={v!r}" for k, v in case.params.items())
    shape = registry.get(case.api).call
    tier = case.tier_in(profile)
    out = [
        f"case {case.id} [{tier}] in {case.file}",
        f"  call: {case.api}({params})  profile={profile}",
        f"  inputs: {shape.describe(case.inputs)}",
        f"  verdict: {verdict.message}",
    ]
    if case.note:
        out.insert(1, f"  note: {case.note}")
    if verdict.output_index is not None and verdict.comparisons:
        c = verdict.comparisons[verdict.output_index]
        e = case.expected[profile].outputs[verdict.output_index]
        which = f" (result #{verdict.output_index + 1})" if len(case.expected[profile].outputs) > 1 else ""
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
    if verdict.warnings:
        distinct = list(dict.fromkeys(verdict.warnings))
        out.append(f"  candidate warnings ({len(verdict.warnings)}):")
        out.extend(f"    {w[:300]}" for w in distinct[:3])
        if len(distinct) > 3:
            out.append(f"    ... and {len(distinct) - 3} more kinds")
    if verdict.traceback:
        out.append("  candidate traceback:")
        out.extend("    " + line for line in verdict.traceback.rstrip().splitlines())
    out.append("  reproduce:")
    env = "".join(f"{k}={os.environ[k]} " for k in ("KERAS_BACKEND",) if os.environ.get(k))
    out.append(f"    {env}pytest --candidate {candidate_spec} --profile {profile} --tier {tier} -k '{case.id}'")
    out.extend("    " + line for line in snippet(case, candidate_spec).splitlines())
    return "\n".join(out)
