"""Fuzzing the fixture loader: random and mutated YAML documents either load or give a
``FixtureError``; no other exception ever escapes."""

from __future__ import annotations

from pathlib import Path

import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from conformance.fixture_format import FixtureError, load_fixture_text

GOOD_DOC = yaml.safe_load(
    (Path(__file__).resolve().parents[1] / "fixtures" / "metrics.BinaryCrossentropy.yaml").read_text()
)
GOOD_DOC["cases"] = GOOD_DOC["cases"][:3]
GOOD_TEXT = yaml.safe_dump(GOOD_DOC)
FUZZ = settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def loads_or_fixture_error(text: str) -> None:
    try:
        load_fixture_text(text, "fuzz.yaml")
    except FixtureError as exc:
        assert "fuzz.yaml" in str(exc)


scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(),
    st.floats(allow_nan=True),
    st.text(max_size=8),
)
values = st.recursive(
    scalars,
    lambda inner: st.one_of(st.lists(inner, max_size=4), st.dictionaries(st.text(max_size=6), inner, max_size=4)),
    max_leaves=20,
)


@FUZZ
@given(st.text(max_size=300))
def test_random_text(text):
    loads_or_fixture_error(text)


@FUZZ
@given(values)
def test_random_yaml_structures(doc):
    loads_or_fixture_error(yaml.safe_dump(doc))


def _paths(node, prefix=()):
    yield prefix
    if isinstance(node, dict):
        for k, v in node.items():
            yield from _paths(v, (*prefix, k))
    elif isinstance(node, list):
        for i, v in enumerate(node):
            yield from _paths(v, (*prefix, i))


PATHS = [p for p in _paths(GOOD_DOC) if p]


@FUZZ
@given(st.sampled_from(PATHS), values)
def test_a_valid_fixture_with_one_node_replaced(path, replacement):
    import copy

    doc = copy.deepcopy(GOOD_DOC)
    node = doc
    for k in path[:-1]:
        node = node[k]
    node[path[-1]] = replacement
    loads_or_fixture_error(yaml.safe_dump(doc))


@FUZZ
@given(st.integers(0, len(GOOD_TEXT) - 1), st.integers(0, 40), st.text(max_size=10))
def test_a_valid_fixture_with_its_text_cut_and_spliced(at, cut, insert):
    loads_or_fixture_error(GOOD_TEXT[:at] + insert + GOOD_TEXT[at + cut :])


def test_an_integer_beyond_float64_is_a_fixture_error_not_an_overflow():
    import copy

    doc = copy.deepcopy(GOOD_DOC)
    doc["cases"][1]["expected"]["keras3"]["outputs"][0]["tol"][0] = 10**400
    loads_or_fixture_error(yaml.safe_dump(doc))
    doc = copy.deepcopy(GOOD_DOC)
    doc["cases"][1]["inputs"]["steps"][0]["y_true"]["values"][0] = 10**400
    loads_or_fixture_error(yaml.safe_dump(doc))


def test_a_yaml_alias_bomb_is_refused_at_once():
    import time

    levels = ["a: &a [1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0]"]
    for i, name in enumerate("bcdefgh"):
        prev = "abcdefgh"[i]
        levels.append(f"{name}: &{name} [" + ", ".join([f"*{prev}"] * 9) + "]")
    doc = yaml.safe_load(GOOD_TEXT)
    text = "\n".join(levels) + "\n" + GOOD_TEXT.replace("cases:", "junk: *h\ncases:", 1)
    start = time.perf_counter()
    try:
        load_fixture_text(text, "bomb.yaml")
    except FixtureError as exc:
        assert "aliases" in str(exc)
    else:
        raise AssertionError("an alias bomb loaded")
    assert time.perf_counter() - start < 2
    assert doc  # the good text itself still loads
