"""Broken implementations fail; correct ones that merely round differently pass.

Runs the fixtures through the plain runner (no pytest plugin), core and edge tiers."""

from __future__ import annotations

from pathlib import Path

import pytest
from variants import BROKEN, BROKEN_KERAS2, ROUNDS_DIFFERENTLY, ROUNDS_DIFFERENTLY_KERAS2

from conformance.fixture_format import load_fixture_file
from conformance.runner import run_case

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"


@pytest.fixture(scope="module")
def default_cases():
    return [
        c
        for f in sorted(FIXTURES.glob("*.yaml"))
        for c in load_fixture_file(f)[1]
        if c.tier_in("keras3") in ("core", "edge")
    ]


@pytest.mark.parametrize("name", sorted(BROKEN))
def test_each_broken_variant_fails(name, default_cases):
    """The variant fails the case named for it, and that case is in the default run: so
    the default run fails it (running only that case keeps 40-odd variants cheap)."""
    cls, must_fail = BROKEN[name]
    case = next((c for c in default_cases if c.id == must_fail), None)
    assert case is not None, f"{must_fail} is not a default (core, edge) keras3 case"
    verdict = run_case(cls(), case, "keras3")
    assert verdict.status == "fail", f"{name} passed {must_fail}: {verdict.status}"


@pytest.mark.parametrize("cls", ROUNDS_DIFFERENTLY, ids=lambda c: c.__name__)
def test_a_correct_implementation_that_rounds_differently_passes(cls, default_cases):
    failed = [c.id for c in default_cases if run_case(cls(), c, "keras3").status == "fail"]
    assert failed == []


@pytest.mark.parametrize("profile", ["keras3", "keras2"])
def test_the_example_float32_candidate_passes_every_tier(profile):
    from kc_numpy_candidate import NumpyKeras2, NumpyKeras3

    cand = NumpyKeras3() if profile == "keras3" else NumpyKeras2()
    failed = [
        c.id
        for f in sorted(FIXTURES.glob("*.yaml"))
        for c in load_fixture_file(f)[1]
        if run_case(cand, c, profile).status == "fail"
    ]
    assert failed == []


def test_the_keras3_candidate_fails_the_keras2_profile(default_cases):
    from kc_numpy_candidate import NumpyKeras3

    failed = [c.id for c in default_cases if run_case(NumpyKeras3(), c, "keras2").status == "fail"]
    assert "seed-003-epsilon" in failed and len(failed) > 100


@pytest.fixture(scope="module")
def keras2_default_cases():
    return [
        c
        for f in sorted(FIXTURES.glob("*.yaml"))
        for c in load_fixture_file(f)[1]
        if c.tier_in("keras2") in ("core", "edge")
    ]


@pytest.mark.parametrize("name", sorted(BROKEN_KERAS2))
def test_each_broken_keras2_variant_fails(name, keras2_default_cases):
    cls, must_fail = BROKEN_KERAS2[name]
    failed = {c.id for c in keras2_default_cases if run_case(cls(), c, "keras2").status == "fail"}
    assert must_fail in failed, f"{name} passed {must_fail}"


@pytest.mark.parametrize("cls", ROUNDS_DIFFERENTLY_KERAS2, ids=lambda c: c.__name__)
def test_a_correct_keras2_implementation_that_rounds_differently_passes(cls, keras2_default_cases):
    failed = [c.id for c in keras2_default_cases if run_case(cls(), c, "keras2").status == "fail"]
    assert failed == []
