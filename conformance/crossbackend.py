"""How far Keras' backends are from each other, from their ``--conformance-json`` results.

Keras' documentation promises numerics "identical across backends (up to 1e-7 precision in
float32, per function execution)". ``cross_backend`` puts that promise to the test on the
suite's own cases: for every case that at least two runs computed (passed, or failed as a
known deviation; not skipped, not rejected), it compares the runs' outputs element by
element, pairwise, and keeps per API the largest difference.

A difference is measured three ways:

* ``abs``: ``|a - b|``;
* ``scaled``: ``|a - b| / max(1, |a|, |b|)``, absolute below 1 and relative above. This is
  the measure the promise is judged by (``PROMISE`` = 1e-7): the documentation does not
  say absolute or relative, and a purely absolute reading would fail every loss above 1
  on one ulp, a purely relative one every value near 0;
* ``ulp``: in float32 units in the last place of the expected (reference) value, which
  shows what the promise asks for: one ulp just above 1 is 1.19e-7, so two correctly
  rounded results one ulp apart already break it.

An infinity or NaN agrees only with the same infinity or NaN; a shape mismatch is an
infinite difference. Values and gradients (``grad.*`` APIs) get separate tables.

PYTEST_DONT_REWRITE: pytest loads this package as its plugin; its asserts need no rewriting, and skipping it keeps start-up fast.
"""

from __future__ import annotations

import math
from collections import defaultdict
from dataclasses import dataclass, field
from itertools import combinations

import numpy as np

__all__ = ["PROMISE", "Spread", "ApiSpread", "cross_backend", "format_cross_backend", "short_labels"]

#: Keras' documented cross-backend precision in float32, per function execution.
PROMISE = 1e-7

_NUMERIC = ("pass", "xfail", "fail", "xpass")


@dataclass
class Spread:
    """The largest differences between runs over a set of cases."""

    compared: int = 0
    beyond: int = 0
    #: of ``beyond``, the cases two runs also differ on by more than one ulp
    beyond_ulp: int = 0
    max_abs: float = 0.0
    max_scaled: float = 0.0
    max_ulp: float = 0.0
    worst: str = ""
    pair: tuple[str, str] = ("", "")

    def add(self, cid: str, pairs: list[tuple[str, str, tuple[float, float, float]]], promise: float) -> None:
        self.compared += 1
        case_max = case_ulp = 0.0
        for la, lb, (dabs, dscaled, dulp) in pairs:
            case_max, case_ulp = max(case_max, dscaled), max(case_ulp, dulp)
            self.max_abs = max(self.max_abs, dabs)
            self.max_ulp = max(self.max_ulp, dulp)
            if dscaled > self.max_scaled:
                self.max_scaled, self.worst, self.pair = dscaled, cid, (la, lb)
        if case_max > promise:
            self.beyond += 1
            self.beyond_ulp += case_ulp > 1


@dataclass
class ApiSpread:
    """One API's spreads: over every compared case (``all``) and over the cases every
    compared run passed (``passing``: no known deviation or failure involved)."""

    api: str
    all: Spread = field(default_factory=Spread)
    passing: Spread = field(default_factory=Spread)


def _flat(x) -> np.ndarray | None:
    """A nested list of numbers as a flat float64 array; None when there is none."""
    if x is None or x == []:
        return None
    try:
        a = np.asarray(x, dtype=np.float64)
    except (TypeError, ValueError):
        return None
    return a


def _ulp32(x: np.ndarray) -> np.ndarray:
    ax = np.abs(np.where(np.isfinite(x), x, 0.0)).astype(np.float32)
    return np.maximum(np.spacing(ax).astype(np.float64), 2.0**-149)


def _differences(a: np.ndarray, b: np.ndarray, expected) -> tuple[float, float, float]:
    """(max abs, max scaled, max ulp) between two outputs of one case."""
    if a.shape != b.shape:
        return math.inf, math.inf, math.inf
    a, b = a.ravel(), b.ravel()
    same = (a == b) | (np.isnan(a) & np.isnan(b))
    d = np.where(same, 0.0, np.abs(a - b))
    d = np.where(np.isnan(d), math.inf, d)  # inf vs finite, NaN vs number
    if not d.size:
        return 0.0, 0.0, 0.0
    scale = np.maximum(1.0, np.maximum(np.abs(np.nan_to_num(a)), np.abs(np.nan_to_num(b))))
    e = _flat(expected)
    ulp = _ulp32(e.ravel()) if e is not None and e.size == d.size else _ulp32(a)
    return float(d.max()), float((d / scale).max()), float((d / ulp).max())


def cross_backend(docs: list[dict], promise: float = PROMISE) -> dict[str, ApiSpread]:
    """Per API, the largest pairwise difference between the runs ``docs`` (see the module)."""
    labels = short_labels(docs)
    by_id: dict[str, list[tuple[str, dict]]] = defaultdict(list)
    for label, doc in zip(labels, docs):
        for r in doc["cases"]:
            if r.get("verdict") in _NUMERIC and _flat(r.get("got")) is not None:
                by_id[r["id"]].append((label, r))
    out: dict[str, ApiSpread] = {}
    for cid in sorted(by_id):
        rows = by_id[cid]
        if len(rows) < 2:
            continue
        s = out.setdefault(rows[0][1]["api"], ApiSpread(rows[0][1]["api"]))
        pairs = [
            (la, lb, _differences(_flat(ra["got"]), _flat(rb["got"]), ra.get("expected")))
            for (la, ra), (lb, rb) in combinations(rows, 2)
        ]
        s.all.add(cid, pairs, promise)
        if all(r["verdict"] == "pass" for _, r in rows):
            s.passing.add(cid, pairs, promise)
    return out


def short_labels(docs: list[dict]) -> list[str]:
    """The runs' ``describe`` lines less their common prefix ("keras 3.15.1 on backend jax"
    -> "jax"), whole where that leaves one empty."""
    full = [d.get("describe") or d["candidate"] for d in docs]
    if len(full) < 2:
        return full
    prefix = full[0]
    for f in full[1:]:
        while not f.startswith(prefix):
            prefix = prefix[:-1]
    prefix = prefix[: prefix.rfind(" ") + 1] if " " in prefix else ""
    short = [f[len(prefix) :] for f in full]
    return short if all(short) and len(set(short)) == len(short) else full


def _g(x: float) -> str:
    return "0" if x == 0 else ("inf" if math.isinf(x) else f"{x:.3g}")


def _worst(s: Spread) -> str:
    return f"`{s.worst}` ({s.pair[0]} vs {s.pair[1]})" if s.max_scaled > 0 else "-"


def _table(spreads: list[ApiSpread]) -> list[str]:
    lines = [
        "| api | cases compared | over the promise | max scaled diff | max ulp | worst case (runs) "
        "| all runs passed: cases | over the promise | max scaled diff | max ulp | worst case (runs) |",
        "|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    for s in spreads:
        a, p = s.all, s.passing
        lines.append(
            f"| {s.api} | {a.compared} | {a.beyond} ({a.beyond_ulp}) | {_g(a.max_scaled)} | {_g(a.max_ulp)} | {_worst(a)} "
            f"| {p.compared} | {p.beyond} ({p.beyond_ulp}) | {_g(p.max_scaled)} | {_g(p.max_ulp)} | {_worst(p)} |"
        )
    return lines


def format_cross_backend(docs: list[dict], spreads: dict[str, ApiSpread], promise: float = PROMISE) -> str:
    """The Markdown report: the runs, then a values table and a gradients table."""
    lines = ["Runs compared:", ""]
    lines += [
        f"- {label}: {d.get('describe') or d['candidate']} (profile {d['profile']}, {len(d['cases'])} cases)"
        for label, d in zip(short_labels(docs), docs)
    ]
    lines.append("")
    for title, group in (
        ("Values", [s for k, s in sorted(spreads.items()) if not k.startswith("grad.")]),
        ("Gradients", [s for k, s in sorted(spreads.items()) if k.startswith("grad.")]),
    ):
        n, over = sum(s.all.compared for s in group), sum(s.all.beyond for s in group)
        pn, pover = sum(s.passing.compared for s in group), sum(s.passing.beyond for s in group)
        pulp = sum(s.passing.beyond_ulp for s in group)
        held = [s.api for s in group if s.passing.compared and s.passing.beyond == 0]
        worst = max((s.passing for s in group), key=lambda x: x.max_ulp, default=Spread())
        lines += [
            f"### {title}",
            "",
            f"- {n} cases compared over {len(group)} APIs; {over} differ by more than {promise:g} (scaled) "
            "between two runs.",
            f"- Where every run passed (no known deviation involved): {pn} cases, {pover} over the promise; "
            f"on {pover - pulp} of those the runs are within one float32 ulp of each other (the promise is finer "
            f"than float32 there); the largest difference is {_g(worst.max_ulp)} ulp.",
            f"- The promise holds on every passing case of {len(held)} of {len(group)} APIs"
            + (f": {', '.join(held)}." if held else "."),
            "",
        ]
        if group:
            lines += _table(group)
            lines.append("")
    lines.append(
        "over the promise (N): cases where two runs differ by more than the promise; N of them by more than "
        "one ulp too. "
        f"scaled diff = |a - b| / max(1, |a|, |b|), judged against {promise:g}; ulp = float32 units in the last "
        "place of the reference value. A case is compared where at least two runs computed it "
        "(passed or failed, including known deviations; not skipped or rejected)."
    )
    return "\n".join(lines) + "\n"
