"""Malformed or hostile fixture files give one clear error naming the file, case and field."""

from __future__ import annotations

import functools
from pathlib import Path

import pytest
import yaml

from conformance.fixture_format import FixtureError, load_fixture_text

GOOD = (Path(__file__).resolve().parents[1] / "fixtures" / "losses.binary_crossentropy.yaml").read_text()


@functools.lru_cache(maxsize=1)
def _good_document() -> str:
    """GOOD's header and first cases as YAML text: the big file is parsed once (by libyaml
    where it is built), and each test gets its own fresh copy by parsing the short text."""
    doc = yaml.load(GOOD, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))
    doc["cases"] = doc["cases"][:8]
    return yaml.safe_dump(doc, sort_keys=False)


def first_cases(n=2) -> dict:
    doc = yaml.safe_load(_good_document())
    doc["cases"] = doc["cases"][:n]
    return doc


def test_a_good_file_loads():
    header, cases = load_fixture_text(yaml.safe_dump(first_cases()), "good.yaml")
    assert header["api"] == "binary_crossentropy" and len(cases) == 2


def test_python_tags_are_refused_and_never_executed(tmp_path):
    marker = tmp_path / "pwned"
    text = f"!!python/object/apply:os.system ['touch {marker}']\n"
    with pytest.raises(FixtureError, match="hostile.yaml.*not valid"):
        load_fixture_text(text, "hostile.yaml")
    assert not marker.exists()


def test_a_schema_error_names_the_file_the_case_and_the_field():
    doc = first_cases()
    doc["cases"][1]["tier"] = "bogus"
    cid = doc["cases"][1]["id"]
    with pytest.raises(FixtureError) as e:
        load_fixture_text(yaml.safe_dump(doc), "bad.yaml")
    msg = str(e.value)
    assert "bad.yaml" in msg and repr(cid) in msg and "cases/1/tier" in msg


def test_duplicate_case_ids_are_refused():
    doc = first_cases()
    doc["cases"][1]["id"] = doc["cases"][0]["id"]
    with pytest.raises(FixtureError, match="duplicate case id"):
        load_fixture_text(yaml.safe_dump(doc), "dup.yaml")


def test_an_input_that_is_not_exactly_a_float32_is_refused():
    doc = first_cases()
    doc["cases"][0]["inputs"]["y_pred"]["values"][0] = 0.1  # a double, not a float32
    with pytest.raises(FixtureError, match=r"cases/0/inputs/y_pred/values/0.*not exactly a float32"):
        load_fixture_text(yaml.safe_dump(doc), "inexact.yaml")


def test_a_shape_that_does_not_fit_its_values_is_refused():
    doc = first_cases()
    doc["cases"][0]["inputs"]["y_true"]["shape"] = [99]
    with pytest.raises(FixtureError, match="needs 99 values"):
        load_fixture_text(yaml.safe_dump(doc), "shape.yaml")


def test_a_number_written_as_a_yaml_1_1_string_is_a_schema_error():
    doc = first_cases()
    text = yaml.safe_dump(doc).replace("0.0", "1e-07", 1)
    with pytest.raises(FixtureError, match="schema"):
        load_fixture_text(text, "yaml11.yaml")


@pytest.mark.parametrize("text", ["", "[]", "cases: 3", "format: x\n", ": :", "\t\x00"])
def test_garbage_is_a_clear_error(text):
    with pytest.raises(FixtureError, match="garbage.yaml"):
        load_fixture_text(text, "garbage.yaml")


def test_a_validated_document_is_cached_and_a_hit_skips_yaml(tmp_path, monkeypatch):
    monkeypatch.setenv("KERAS_CONFORMANCE_CACHE_DIR", str(tmp_path))
    text = yaml.safe_dump(first_cases())
    _, first = load_fixture_text(text, "a.yaml")
    assert len(list(tmp_path.glob("*.json"))) == 1
    monkeypatch.setattr(yaml, "load", lambda *a, **k: (_ for _ in ()).throw(AssertionError("parsed again")))
    _, second = load_fixture_text(text, "a.yaml")
    assert [c.id for c in second] == [c.id for c in first]


def test_a_damaged_cache_entry_falls_back_to_the_file(tmp_path, monkeypatch):
    monkeypatch.setenv("KERAS_CONFORMANCE_CACHE_DIR", str(tmp_path))
    text = yaml.safe_dump(first_cases())
    load_fixture_text(text, "a.yaml")
    (entry,) = tmp_path.glob("*.json")
    entry.write_text('{"cases": [{"id": 1}]}')  # valid JSON, nonsense document
    _, cases = load_fixture_text(text, "a.yaml")
    assert len(cases) == 2


def test_the_cache_can_be_turned_off(tmp_path, monkeypatch):
    monkeypatch.setenv("KERAS_CONFORMANCE_CACHE_DIR", str(tmp_path))
    monkeypatch.setenv("KERAS_CONFORMANCE_CACHE", "off")
    load_fixture_text(yaml.safe_dump(first_cases()), "a.yaml")
    assert list(tmp_path.glob("*.json")) == []
