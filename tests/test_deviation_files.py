"""The shipped known-deviation files say what the fixtures say today.

Each entry drafted by ``scripts/deviation_entries.py`` quotes its case's numbers ("Here:
expected [...], got [...]"). The expected part is the fixture's value in the candidate's
profile, written as the script writes it (the first 80 characters of its JSON); when the
reference moves a value, the entry must be redrafted from a new run, so that no reason
shows a number the suite no longer expects.
"""

from __future__ import annotations

import importlib
import json
from pathlib import Path

import pytest

from conformance.candidates import BUILTIN
from conformance.deviations import load_deviations
from conformance.fixture_format import load_fixture_file

ROOT = Path(__file__).resolve().parents[1]
DEVIATIONS = ROOT / "conformance" / "deviations"


def _profile(name: str) -> str:
    """The profile of the candidate that ships deviations file ``name``: keras2 for
    tf_keras, keras3 for Keras 3 on each backend and for torch, optax and tensorflow."""
    return "keras2" if name == "tf_keras.yaml" else "keras3"


def test_the_profiles_here_are_the_candidates():
    declared = {}
    for spec in BUILTIN.values():
        module, _, attr = spec.partition(":")
        cls = getattr(importlib.import_module(module), attr)
        for c in [cls, *cls.__subclasses__()]:
            if isinstance(c.__dict__.get("deviations_file"), str):  # Keras 3's is per backend: keras3
                declared[c.deviations_file] = c.profile
    assert declared and all(_profile(n) == p for n, p in declared.items())
    assert all(_profile(p.name) == "keras3" for p in DEVIATIONS.glob("keras-*.yaml"))


@pytest.fixture(scope="module")
def cases():
    return {c.id: c for f in sorted((ROOT / "fixtures").glob("*.yaml")) for c in load_fixture_file(f)[1]}


def _quoted(case, profile: str) -> str:
    exp = case.expected.get(profile)
    rec = None if exp is None else (exp.error and {"error": exp.error}) or [o.values.tolist() for o in exp.outputs]
    return f"Here: expected {json.dumps(rec)[:80]}, got "


@pytest.mark.parametrize("name", sorted(p.name for p in DEVIATIONS.glob("*.yaml")))
def test_drafted_entries_quote_the_fixtures_current_expected_values(name, cases):
    profile = _profile(name)
    drafted = [d for d in load_deviations(DEVIATIONS / name) if "Here: expected " in d.reason]
    stale = [d.pattern for d in drafted if d.pattern in cases and _quoted(cases[d.pattern], profile) not in d.reason]
    assert not stale, f"{name}: redraft these entries from a new run (scripts/deviation_entries.py): {stale}"
    assert len(drafted) > 0 or name.startswith("tensorflow")
