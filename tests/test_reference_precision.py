"""The reference's digits are real: recomputing at twice the precision agrees to 40+."""

from __future__ import annotations

import mpmath
import pytest

from conformance.catalog import cases
from conformance.registry import evaluate
from reference import DEFAULT_DPS, SpecError


def _sample(every: int = 43) -> list:
    """Every edge and quirk case (saturated logits, clip bounds, tiny ``q``: where the
    reference's own subtractions cancel), and every ``every``-th core case of each API, its
    first included: each API is in the sample however the catalog grows (a stride over the
    whole catalog lost one when cases were added)."""
    seen: dict[str, int] = {}
    out = []
    for c in cases():
        if c.tier in ("edge", "quirk"):
            out.append(c)
            continue
        if seen.get(c.api, 0) % every == 0:
            out.append(c)
        seen[c.api] = seen.get(c.api, 0) + 1
    return out


SAMPLE = _sample()


def _digits_agreeing(a, b) -> float:
    if a == b:
        return float("inf")
    scale = max(abs(a), abs(b))
    return float(-mpmath.log10(abs(a - b) / scale))


@pytest.mark.parametrize("case", SAMPLE, ids=lambda c: c.id)
@pytest.mark.parametrize("profile", ["keras3", "keras2"])
def test_twice_the_precision_agrees_to_40_digits(case, profile):
    try:
        with mpmath.workdps(DEFAULT_DPS):
            base = evaluate(case.api, case.inputs, case.params, profile)
    except SpecError:
        pytest.skip("rejected input has no value")
    with mpmath.workdps(2 * DEFAULT_DPS):
        fine = evaluate(case.api, case.inputs, case.params, profile)
    for r1, r2 in zip(base, fine):
        for a, b in zip(r1.value.ravel(), r2.value.ravel()):
            assert _digits_agreeing(a, b) >= 40, (case.id, a, b)


def test_the_sample_is_large_and_has_a_value_of_every_api():
    """Each API has a sampled case with a value (not an error case), so the digits compared
    above include every API's reference."""
    assert len(SAMPLE) >= 50
    valued = {c.api for c in SAMPLE if c.tier != "error"}
    assert valued == {c.api for c in cases()}
