"""Broken implementations fail; correct ones that merely round differently pass.

Runs the fixtures through the plain runner (no pytest plugin), core and edge tiers."""

from __future__ import annotations

from pathlib import Path

import pytest
from variants import BROKEN, BROKEN_KERAS2, ROUNDS_DIFFERENTLY, ROUNDS_DIFFERENTLY_KERAS2, uniform_relative_error

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


def _named(must_fail) -> tuple[str, ...]:
    return (must_fail,) if isinstance(must_fail, str) else tuple(must_fail)


@pytest.mark.parametrize("name", sorted(BROKEN))
def test_each_broken_variant_fails(name, default_cases):
    """The variant fails each case named for it, and those cases are in the default run: so
    the default run fails it (running only those cases keeps 40-odd variants cheap). A
    function's bug names a case of its loss class too where the class is built on it."""
    cls, must_fail = BROKEN[name]
    for cid in _named(must_fail):
        case = next((c for c in default_cases if c.id == cid), None)
        assert case is not None, f"{cid} is not a default (core, edge) keras3 case"
        verdict = run_case(cls(), case, "keras3")
        assert verdict.status == "fail", f"{name} passed {cid}: {verdict.status}"


def test_every_api_has_a_broken_variant_that_fails_one_of_its_own_cases():
    """Each API of the registry is named by a broken variant's must-fail case: keras3 APIs in
    BROKEN, keras2-only ones in BROKEN_KERAS2 (the cases' APIs are read from the fixtures)."""
    from conformance import registry

    api_of = {c.id: c.api for f in sorted(FIXTURES.glob("*.yaml")) for c in load_fixture_file(f)[1]}
    named = {api_of[cid] for _, must in BROKEN.values() for cid in _named(must)}
    named |= {api_of[cid] for _, must in BROKEN_KERAS2.values() for cid in _named(must)}
    missing = sorted(a.name for a in registry.apis() if a.name not in named)
    assert missing == [], f"no broken variant names a case of {missing}"


def _apis_with_default_cases(profile):
    from conformance import registry

    return [a.name for a in registry.apis() if profile in a.keras]


@pytest.mark.parametrize("profile", ["keras3", "keras2"])
def test_a_uniform_relative_error_of_1e5_fails_every_api_in_the_default_run(
    profile, default_cases, keras2_default_cases
):
    """Every API's results made 1e-5 too large (about 168 float32 ulps) fail at least one of
    that API's own default cases, in each profile. A case runs one API, so scaling every
    result of the candidate is scaling that API's alone. docs/tolerance.md ("What the
    default run detects") has the smallest such error each API catches."""
    cases = default_cases if profile == "keras3" else keras2_default_cases
    cand = uniform_relative_error(1e-5, profile)
    caught, seen = set(), set()
    for c in cases:
        seen.add(c.api)
        if c.api not in caught and run_case(cand, c, profile).status == "fail":
            caught.add(c.api)
    assert seen == set(_apis_with_default_cases(profile)), "an API has no default case in this profile"
    assert sorted(seen - caught) == []


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
    for cid in _named(must_fail):
        assert cid in failed, f"{name} passed {cid}"


@pytest.mark.parametrize("cls", ROUNDS_DIFFERENTLY_KERAS2, ids=lambda c: c.__name__)
def test_a_correct_keras2_implementation_that_rounds_differently_passes(cls, keras2_default_cases):
    failed = [c.id for c in keras2_default_cases if run_case(cls(), c, "keras2").status == "fail"]
    assert failed == []


def test_the_detection_table_in_tolerance_md_is_current(capsys):
    """docs/tolerance.md's "What the default run detects" table is what the script prints."""
    import importlib.util

    root = Path(__file__).resolve().parents[1]
    spec = importlib.util.spec_from_file_location("detection_thresholds", root / "scripts" / "detection_thresholds.py")
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    mod.main()
    table = capsys.readouterr().out
    assert table.strip() in (root / "docs" / "tolerance.md").read_text(encoding="utf-8"), (
        "regenerate the table with python scripts/detection_thresholds.py"
    )
