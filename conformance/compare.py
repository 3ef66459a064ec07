"""Comparing a candidate's output with an expected output, in float32 terms.

An element passes when ``|got - expected| <= tol`` (tol from the fixture); an infinite
expected value (CTC with no alignment) passes only when the candidate returns it. Errors are
reported absolute, relative and in float32 ulps of the expected value, with the worst
element (largest error relative to its tolerance) singled out.

PYTEST_DONT_REWRITE: pytest loads this package as its plugin; its asserts need no rewriting, and skipping it keeps start-up fast.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from conformance.fixture_format import Output

__all__ = ["Comparison", "compare_output", "as_numeric_array", "ulp32"]


def ulp32(x) -> np.ndarray:
    """The float32 unit in the last place at ``|x|``, elementwise: ``2^(e - 23)`` for
    ``|x|`` in ``[2^e, 2^(e+1))``, and 2^-149 at zero, below the normals and for non-finite x."""
    ax = np.abs(np.asarray(x, dtype=np.float64))
    e = np.frexp(np.where(np.isfinite(ax) & (ax > 0), ax, 1.0))[1] - 1
    return np.where(np.isfinite(ax) & (ax > 0), np.exp2(np.maximum(e - 23, -149).astype(np.float64)), 2.0**-149)


@dataclass(frozen=True)
class Comparison:
    """The outcome of comparing one output."""

    ok: bool
    problem: str | None  # shape, dtype, non-finite: a message; None for value comparisons
    max_ulp: float  # largest error in ulps of the expected value (0 when not compared)
    sq_ulp_sum: float  # sum of squared ulp errors, for the RMS over a run
    n: int
    worst_index: tuple[int, ...] | None = None
    expected: float | None = None
    got: float | None = None
    abs_err: float | None = None
    rel_err: float | None = None
    ulp_err: float | None = None
    tol: float | None = None
    tol_ulp: float | None = None
    tol_frac: float = 0.0  # worst |error| / tolerance: <= 1 passes


def as_numeric_array(value) -> tuple[np.ndarray | None, str | None]:
    """The candidate's return value as a float64 array, or why it is not numeric."""
    try:
        arr = np.asarray(value)
    except Exception as exc:  # noqa: BLE001 - a candidate may return anything
        return None, f"returned {type(value).__name__}, which numpy cannot read: {exc}"
    if arr.dtype == object or arr.dtype.kind in "USVMmO":
        return None, f"returned a non-numeric value of type {type(value).__name__} (dtype {arr.dtype})"
    if not np.issubdtype(arr.dtype, np.floating):
        return None, f"returned dtype {arr.dtype}; the spec's results are float32"
    if arr.dtype.itemsize < 4:
        return None, f"returned dtype {arr.dtype}, narrower than the spec's float32"
    return arr.astype(np.float64), None


def compare_output(value, expected: Output) -> Comparison:
    got, problem = as_numeric_array(value)
    if problem:
        return Comparison(False, problem, 0.0, 0.0, 0)
    if tuple(got.shape) != tuple(expected.shape):
        return Comparison(
            False, f"returned shape {tuple(got.shape)}, but the spec's shape is {expected.shape}", 0.0, 0.0, 0
        )
    exp = expected.values
    nonfinite = ~np.isfinite(got) & np.isfinite(exp)
    if nonfinite.any():
        idx = tuple(int(i) for i in np.argwhere(nonfinite)[0])
        return Comparison(
            False,
            f"returned {got[idx]} at index {list(idx)} where the spec's value is finite ({exp[idx]!r})",
            float("inf"),
            0.0,
            int(got.size),
            idx,
            float(exp[idx]),
            float(got[idx]),
        )
    with np.errstate(invalid="ignore"):
        err = np.where(got == exp, 0.0, np.abs(got - exp))  # an infinite expectation is met by equality only
    ulps = ulp32(exp)
    ulp_err = err / ulps if exp.size else err
    ratio = np.where(expected.tol > 0, err / np.where(expected.tol > 0, expected.tol, 1), np.where(err > 0, np.inf, 0))
    ok = bool(np.all(err <= expected.tol))
    if not exp.size:
        return Comparison(ok, None, 0.0, 0.0, 0)
    w = tuple(int(i) for i in np.unravel_index(int(np.argmax(ratio)), exp.shape))
    e = float(exp[w])
    return Comparison(
        ok,
        None,
        float(ulp_err.max()),
        float(np.sum(ulp_err**2)),
        int(exp.size),
        w,
        e,
        float(got[w]),
        float(err[w]),
        float(err[w] / abs(e)) if e else float("inf") if err[w] else 0.0,
        float(ulp_err[w]),
        float(expected.tol[w]),
        float(expected.tol[w] / ulps[w]),
        float(ratio[w]),
    )
