"""Draft known-deviation entries from a ``--conformance-json`` run, for a human to review.

    python scripts/deviation_entries.py RESULTS.json --mechanism 'PREDICATE::REASON' [...]

Every failing case must satisfy the PREDICATE of one mechanism (a Python expression over
``c``, the case as loaded, with helpers ``np``, ``preds(c)``, ``logits(c)``,
``unclipped(c)`` and ``softmax_saturates(c)``); it is then listed with that REASON followed
by its own numbers. A failing case that no predicate explains stops the script, so a new
kind of failure is never filed under an old reason.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from conformance.fixture_format import load_fixture_file  # noqa: E402

EPS, HI = np.float32(1e-7), np.float32(1 - 1e-7)


def preds(c):
    """Every y_pred array of a case (metric streams included)."""
    if "steps" in c.inputs:
        return [s["y_pred"] for s in c.inputs["steps"] if "y_pred" in s]
    return [c.inputs["y_pred"]]


def logits(c) -> bool:
    return bool(c.params.get("from_logits"))


def unclipped(c) -> bool:
    """A probability input that Keras would clip: outside [eps, 1 - eps]."""
    return not logits(c) and any(bool(((p < EPS) | (p > HI)).any()) for p in preds(c))


def softmax_saturates(c) -> bool:
    """Logits whose softmax puts some class outside [eps, 1 - eps] (where Keras clips)."""
    if not logits(c):
        return False
    axis = c.params.get("axis", -1)
    for x in preds(c):
        x = x.astype(np.float64)
        e = np.exp(x - x.max(axis=axis, keepdims=True))
        p = e / e.sum(axis=axis, keepdims=True)
        if ((p < EPS) | (p > HI)).any():
            return True
    return False


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("results")
    ap.add_argument("--mechanism", action="append", required=True, help="'PREDICATE::REASON'")
    args = ap.parse_args()
    mechanisms = [m.split("::", 1) for m in args.mechanism]
    doc = json.loads(Path(args.results).read_text())
    fails = [r for r in doc["cases"] if r["verdict"] in ("fail", "xfail")]
    cases = {}
    for f in {r["file"] for r in fails}:
        for case in load_fixture_file(f, verify_manifest=False)[1]:
            cases[case.id] = case
    env = {"np": np, "preds": preds, "logits": logits, "unclipped": unclipped, "softmax_saturates": softmax_saturates}
    entries, unexplained = [], []
    for r in sorted(fails, key=lambda r: r["id"]):
        c = cases[r["id"]]
        reason = next((text for pred, text in mechanisms if eval(pred, env, {"c": c})), None)  # noqa: S307
        (entries if reason else unexplained).append((r, reason))
    if unexplained:
        print(f"refusing: {len(unexplained)} failing case(s) match no mechanism:", file=sys.stderr)
        for r, _ in unexplained[:20]:
            print(f"  {r['id']}: {r['message']}", file=sys.stderr)
        return 1
    print(f"candidate: {json.dumps(doc['describe'])}")
    print("deviations:")
    for r, reason in entries:
        nums = f"expected {json.dumps(r['expected'])[:80]}, got {json.dumps(r['got'])[:80]}"
        text = f"{reason} Here: {nums} ({r['message']}; worst {r['tol_frac']:.3g}x the tolerance)."
        print(f"  - id: {r['id']}")
        print(f"    reason: {json.dumps(text)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
