"""Accuracy tables and run-to-run diffs from ``--conformance-json`` results.

``accuracy_table`` puts several runs side by side in the style of Boost.Math's accuracy
tables: one row per API and tier, one column per candidate, each cell
``max X ulp (rms Y)`` over the cases compared, with pass/fail counts.
``diff`` lists the cases whose verdict or value changed beyond rounding between two runs
(say, two versions of Keras), grouped by API.

PYTEST_DONT_REWRITE: pytest loads this package as its plugin; its asserts need no rewriting, and skipping it keeps start-up fast.
"""

from __future__ import annotations

import json
import math
from collections import defaultdict
from pathlib import Path

import numpy as np

from conformance.summary import summary_rows

__all__ = ["load_results", "accuracy_table", "diff_results", "format_diff"]


def load_results(path: str | Path) -> dict:
    p = Path(path)
    try:
        doc = json.loads(p.read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError) as exc:
        raise ValueError(f"{p}: not a readable --conformance-json file: {exc}") from None
    if not isinstance(doc, dict) or "cases" not in doc or "candidate" not in doc:
        raise ValueError(f"{p}: not a --conformance-json file (no 'candidate' and 'cases')")
    return doc


def _label(doc: dict) -> str:
    return doc.get("describe") or doc["candidate"]


def _cell(row: dict | None) -> str:
    if row is None:
        return "-"
    counts = f"{row['pass']}/{row['pass'] + row['fail']}"
    extra = "".join(f", {row[k]} {k}" for k in ("xfail", "skip") if row[k])
    return f"{row['max_ulp']:.3g} ({row['rms_ulp']:.2g}) ulp, {row['max_tol_frac']:.2g} tol; {counts}{extra}"


LEGEND = (
    "Each cell: max (rms) error in float32 ulps of the expected value over the cases that passed; "
    "the worst error as a fraction of its tolerance; passed/compared; then known deviations (xfail) and skips."
)


def accuracy_table(docs: list[dict]) -> str:
    """A Markdown table: rows (api, tier), one column per run, and a legend line."""
    per_run = [{(r["api"], r["tier"]): r for r in summary_rows(d["cases"])} for d in docs]
    keys = sorted({k for rows in per_run for k in rows})
    head = "| api | tier | " + " | ".join(f"{_label(d)} ({d['profile']})" for d in docs) + " |"
    sep = "|---|---|" + "---|" * len(docs)
    body = [
        f"| {api} | {tier} | " + " | ".join(_cell(rows.get((api, tier))) for rows in per_run) + " |"
        for api, tier in keys
    ]
    return "\n".join([head, sep, *body, "", LEGEND])


def _close(a, b, tol) -> bool:
    """Equal within the case's tolerance (the room the spec gives float32 rounding); two
    ulps where a run recorded no tolerance."""
    if isinstance(a, list) and isinstance(b, list):
        tols = tol if isinstance(tol, list) and len(tol) == len(a) else [tol] * len(a)
        return len(a) == len(b) and all(_close(x, y, t) for x, y, t in zip(a, b, tols))
    if isinstance(a, int | float) and isinstance(b, int | float):
        if math.isnan(a) or math.isnan(b):
            return math.isnan(a) and math.isnan(b)
        room = tol if isinstance(tol, int | float) else 2.0**-22 * max(abs(a), abs(b))
        return a == b or abs(a - b) <= room
    return a == b


def _tol(a: dict, b: dict):
    """The larger of the two runs' tolerances for a case (they differ across profiles)."""
    ta, tb = a.get("tol"), b.get("tol")
    if ta is None or tb is None:
        return ta if tb is None else tb
    return (
        np.maximum(np.asarray(ta, dtype=object), np.asarray(tb, dtype=object)).tolist()
        if np.shape(ta) == np.shape(tb)
        else ta
    )


def diff_results(old: dict, new: dict) -> dict[str, list[dict]]:
    """Per API, the cases whose verdict changed or whose value moved beyond rounding."""
    o = {r["id"]: r for r in old["cases"]}
    n = {r["id"]: r for r in new["cases"]}
    out: dict[str, list[dict]] = defaultdict(list)
    for cid in sorted(set(o) | set(n)):
        a, b = o.get(cid), n.get(cid)
        if a is None or b is None:
            r = a or b
            out[r["api"]].append(
                {"id": cid, "change": "only in old" if b is None else "only in new", "old": a, "new": b}
            )
            continue
        if a["verdict"] != b["verdict"]:
            out[b["api"]].append({"id": cid, "change": f"{a['verdict']} -> {b['verdict']}", "old": a, "new": b})
        elif not _close(a.get("got"), b.get("got"), _tol(a, b)):
            if not a.get("got") or not b.get("got"):  # one side raised (both as the profile required)
                change = "rejected -> accepted" if not a.get("got") else "accepted -> rejected"
            else:
                change = "value changed"
            out[b["api"]].append({"id": cid, "change": change, "old": a, "new": b})
    return dict(out)


def regressions(changes: dict[str, list[dict]]) -> list[str]:
    """Ids that NEW fails and OLD passed."""
    return [c["id"] for cs in changes.values() for c in cs if c["change"] in ("pass -> fail", "xfail -> fail")]


def format_diff(old: dict, new: dict, changes: dict[str, list[dict]], limit: int | None = None) -> str:
    lines = [f"old: {_label(old)} ({old['profile']})", f"new: {_label(new)} ({new['profile']})", ""]
    if not changes:
        lines.append("no case changed beyond rounding")
    for api in sorted(changes):
        kinds = defaultdict(int)
        for c in changes[api]:
            kinds[c["change"]] += 1
        lines.append(
            f"{api}: {len(changes[api])} changed (" + ", ".join(f"{n} {k}" for k, n in sorted(kinds.items())) + ")"
        )
        for c in changes[api][:limit]:
            a, b = c["old"] or {}, c["new"] or {}
            got = f"  got {json.dumps(a.get('got'))[:60]} -> {json.dumps(b.get('got'))[:60]}" if a and b else ""
            lines.append(f"  {c['id']}: {c['change']}{got}")
        if limit is not None and len(changes[api]) > limit:
            lines.append(f"  ... and {len(changes[api]) - limit} more")
    reg = regressions(changes)
    lines.append("")
    lines.append(f"{len(reg)} regression(s): cases NEW fails that OLD passed" + (":" if reg else ""))
    lines.extend(f"  {i}" for i in reg)
    return "\n".join(lines)
