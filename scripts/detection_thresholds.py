"""The smallest uniform relative error that the default run catches, per API and profile.

A candidate whose every result is ``(1 + r)`` times the true one fails a case as soon as
``r |v| > tol`` for one element, so the default run (tiers core and edge) catches it when
``r`` exceeds the smallest ``tol / |v|`` over the API's default cases (elements with
``|v| > 1e-3``, where the tolerance is not its absolute floor). Prints a markdown table for
docs/tolerance.md ("What the default run detects"); ``tests/test_variants.py`` checks the
1e-5 line of it against a candidate that really is 1e-5 off.

    python scripts/detection_thresholds.py
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from conformance.fixture_format import load_fixture_file

U = 2.0**-24
FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"


def thresholds(profile: str) -> dict[str, tuple[float, str]]:
    best: dict[str, tuple[float, str]] = {}
    for f in sorted(FIXTURES.glob("*.yaml")):
        for case in load_fixture_file(f)[1]:
            exp = case.expected.get(profile)
            if case.tier_in(profile) not in ("core", "edge") or exp is None or exp.error:
                continue
            for out in exp.outputs:
                v, t = np.abs(np.asarray(out.values, float)).ravel(), np.asarray(out.tol, float).ravel()
                keep = v > 1e-3
                if keep.any():
                    r = float((t[keep] / v[keep]).min())
                    if case.api not in best or r < best[case.api][0]:
                        best[case.api] = (r, case.id)
    return best


def main() -> None:
    k3, k2 = thresholds("keras3"), thresholds("keras2")
    print("| API | keras3: caught above | in ulps (u = 2^-24) | first caught by | keras2: caught above |")
    print("|---|---|---|---|---|")
    for api in sorted(set(k3) | set(k2), key=lambda a: (-k3.get(a, k2.get(a))[0], a)):
        r3 = k3.get(api)
        r2 = k2.get(api)
        c3 = f"{r3[0]:.2e} | {r3[0] / U:.0f} u | `{r3[1]}`" if r3 else "- | - | -"
        print(f"| `{api}` | {c3} | {f'{r2[0]:.2e}' if r2 else '-'} |")


if __name__ == "__main__":
    main()
