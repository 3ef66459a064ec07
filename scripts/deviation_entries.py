"""Draft known-deviation entries from a ``--conformance-json`` run, for a human to review.

    python scripts/deviation_entries.py RESULTS.json "MECHANISM" [--require-param from_logits=true]

Each failing case becomes ``{id, reason}`` where the reason is MECHANISM followed by that
case's own numbers (expected, got, error in ulps and in tolerances). ``--require-param``
refuses to draft anything when a failing case lacks the parameter, so a new kind of
failure can never be filed under an old reason by accident.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from conformance.fixture_format import load_fixture_file  # noqa: E402


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("results")
    ap.add_argument("mechanism")
    ap.add_argument("--require-param", action="append", default=[])
    args = ap.parse_args()
    doc = json.loads(Path(args.results).read_text())
    fails = [c for c in doc["cases"] if c["verdict"] in ("fail", "xfail")]
    params = {}
    for f in {c["file"] for c in fails}:
        for case in load_fixture_file(f)[1]:
            params[case.id] = case.params
    for req in args.require_param:
        k, v = req.split("=")
        want = json.loads(v)
        bad = [c["id"] for c in fails if params[c["id"]].get(k) != want]
        if bad:
            print(f"refusing: {len(bad)} failing case(s) do not have {k}={v}: {bad[:5]}", file=sys.stderr)
            return 1
    print(f"candidate: {doc['describe']}")
    print("deviations:")
    for c in sorted(fails, key=lambda c: c["id"]):
        detail = c["message"]
        exp, got = c["expected"], c["got"]
        nums = f"expected {json.dumps(exp)[:80]}, got {json.dumps(got)[:80]}"
        print(f"  - id: {c['id']}")
        frac = c["tol_frac"]
        reason = f"{args.mechanism} Here: {nums} ({detail}; worst {frac:.3g}x the tolerance)."
        print(f"    reason: {json.dumps(reason)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
