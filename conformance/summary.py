"""Per-case records and the end-of-run summary table (per API and tier).

Records are plain dicts, so they travel through pytest-xdist and into
``--conformance-json``:
``{id, api, tier, file, profile, candidate, verdict, message, expected, got, max_ulp, sq_ulp, n,
tol_frac, warnings}`` (``warnings``: how many the candidate raised on the case).

PYTEST_DONT_REWRITE: pytest loads this package as its plugin; its asserts need no rewriting, and skipping it keeps start-up fast.
"""

from __future__ import annotations

import json
import math
from collections import defaultdict
from pathlib import Path

import numpy as np

__all__ = ["record", "summary_rows", "format_table", "write_json"]


def _list(x):
    try:
        return np.asarray(x, dtype=np.float64).tolist()
    except (TypeError, ValueError):
        return repr(x)


def record(case, verdict, profile: str, candidate: str) -> dict:
    """One case's result as a JSON-ready dict (``verdict`` may later become xfail/xpass)."""
    exp = case.expected.get(profile)
    return {
        "id": case.id,
        "api": case.api,
        "tier": case.tier_in(profile),
        "file": case.file,
        "profile": profile,
        "candidate": candidate,
        "verdict": verdict.status,
        "message": verdict.message,
        "expected": None
        if exp is None
        else (exp.error and {"error": exp.error}) or [o.values.tolist() for o in exp.outputs],
        "got": [_list(g) for g in verdict.got],
        "tol": None if exp is None or exp.error else [o.tol.tolist() for o in exp.outputs],
        "max_ulp": verdict.max_ulp if math.isfinite(verdict.max_ulp) else None,
        "sq_ulp": sum(c.sq_ulp_sum for c in verdict.comparisons),
        "n": sum(c.n for c in verdict.comparisons),
        "tol_frac": max((c.tol_frac for c in verdict.comparisons if math.isfinite(c.tol_frac)), default=0.0),
        "warnings": len(verdict.warnings),
    }


def summary_rows(records: list[dict]) -> list[dict]:
    """Counts per (api, tier), and error statistics over the cases that *passed*.

    Failures and expected failures are reported one by one; folding their errors into the
    statistics would only say how wrong a wrong answer was. Errors in ulps of the expected
    value are large by nature where the value is tiny (a saturated loss of 1e-20 next to
    terms of size 1); ``max_tol_frac``, the worst error as a fraction of its tolerance,
    says how much of the rule's room a candidate used."""
    groups: dict[tuple[str, str], list[dict]] = defaultdict(list)
    for r in records:
        groups[(r["api"], r["tier"])].append(r)
    rows = []
    for (api, tier), rs in sorted(groups.items()):
        counts = defaultdict(int)
        for r in rs:
            counts[r["verdict"]] += 1
        compared = [r for r in rs if r["n"] and r["verdict"] in ("pass", "xpass")]
        n = sum(r["n"] for r in compared)
        max_ulp = max((r["max_ulp"] for r in compared if r["max_ulp"] is not None), default=0.0)
        rms = math.sqrt(sum(r["sq_ulp"] for r in compared) / n) if n else 0.0
        frac = max((r.get("tol_frac", 0.0) for r in compared), default=0.0)
        rows.append(
            {
                "api": api,
                "tier": tier,
                **{k: counts[k] for k in ("pass", "fail", "skip", "xfail", "xpass")},
                "max_ulp": max_ulp,
                "rms_ulp": rms,
                "max_tol_frac": frac,
            }
        )
    return rows


def format_table(rows: list[dict]) -> str:
    head = ("api", "tier", "passed", "failed", "skipped", "xfailed", "xpassed", "max ulp", "rms ulp", "max err/tol")
    body = [
        (
            r["api"],
            r["tier"],
            str(r["pass"]),
            str(r["fail"]),
            str(r["skip"]),
            str(r["xfail"]),
            str(r["xpass"]),
            f"{r['max_ulp']:.3g}",
            f"{r['rms_ulp']:.3g}",
            f"{r['max_tol_frac']:.3g}",
        )
        for r in rows
    ]
    widths = [max(len(x) for x in col) for col in zip(head, *body)]
    line = lambda cells: "  ".join(c.ljust(w) if i < 2 else c.rjust(w) for i, (c, w) in enumerate(zip(cells, widths)))  # noqa: E731
    return "\n".join([line(head), line(tuple("-" * w for w in widths)), *(line(b) for b in body)])


def write_json(path: str | Path, records: list[dict], header: dict) -> None:
    p = Path(path)
    p.parent.mkdir(parents=True, exist_ok=True)
    doc = {**header, "summary": summary_rows(records), "cases": sorted(records, key=lambda r: (r["file"], r["id"]))}
    tmp = p.with_name(p.name + ".tmp")
    tmp.write_text(json.dumps(doc, indent=1, sort_keys=True) + "\n", encoding="utf-8")
    tmp.replace(p)
