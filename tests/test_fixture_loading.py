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


# --------------------------------------------------------------------------- compiled twins
# A packaged file loads from its compiled twin: collection reads the twin's index line (ids
# and tiers) and each case's arrays are built when the case is first read.
FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"
NAME = "losses.poisson.yaml"


def _copy(tmp_path: Path, twin=None, yaml_text=None) -> Path:
    """NAME, its twin (or ``twin``) and a manifest that vouches for both, in ``tmp_path``."""
    import hashlib
    import json

    from conformance.fixture_format import COMPILED, MANIFEST

    def sha(t):
        return hashlib.sha256(t.encode()).hexdigest()

    text = yaml_text if yaml_text is not None else (FIXTURES / NAME).read_text()
    twin = twin if twin is not None else (FIXTURES / COMPILED / f"{Path(NAME).stem}.json").read_text()
    (tmp_path / COMPILED).mkdir()
    (tmp_path / NAME).write_text(text)
    (tmp_path / COMPILED / f"{Path(NAME).stem}.json").write_text(twin)
    entry = {"sha256": sha(text), "compiled_sha256": sha(twin)}
    (tmp_path / MANIFEST).write_text(json.dumps({"files": {NAME: entry}}))
    return tmp_path / NAME


def _eager(path: Path):
    return load_fixture_text(path.read_text(), str(path))[1]


def _same_cases(a, b) -> bool:
    import numpy as np

    def flat(c):
        outs = [
            (p, e.error, [(o.shape, o.values.tobytes(), o.tol.tobytes()) for o in e.outputs])
            for p, e in c.expected.items()
        ]
        ins = {k: (v.dtype.str, v.shape, v.tobytes()) if isinstance(v, np.ndarray) else v for k, v in c.inputs.items()}
        return (c.id, c.api, c.tiers, c.params, ins, outs, c.note)

    return [flat(c) for c in a] == [flat(c) for c in b]


def test_a_twins_cases_are_built_when_first_read_and_equal_the_yamls(tmp_path):
    import pickle

    from conformance.fixture_format import LoadedCase, load_fixture_file

    path = _copy(tmp_path)
    _, cases = load_fixture_file(path)
    assert all("inputs" not in vars(c) and "expected" not in vars(c) for c in cases)  # nothing built yet
    assert [(c.id, c.tiers) for c in cases] == [(c.id, c.tiers) for c in _eager(path)]
    assert _same_cases(cases, _eager(path))  # reading them builds them, the same as the YAML's
    sent = pickle.loads(pickle.dumps(cases[0]))  # as --isolate sends a case: the plain case, built
    assert type(sent) is LoadedCase and _same_cases([sent], [cases[0]])


def test_a_twin_that_cannot_give_its_cases_falls_back_to_the_yaml(tmp_path):
    from conformance.fixture_format import COMPILED, load_fixture_file

    twin = (FIXTURES / COMPILED / f"{Path(NAME).stem}.json").read_text()
    head, _, _ = twin.partition("\n")
    path = _copy(tmp_path, twin=head + "\n[]\n")  # vouched for, and its cases line empty
    _, cases = load_fixture_file(path)
    assert "inputs" not in vars(cases[0])
    assert _same_cases(cases, _eager(path))


def test_a_twin_whose_index_is_not_as_generated_is_not_used(tmp_path):
    import json

    from conformance.fixture_format import COMPILED, LoadedCase, load_fixture_file

    head, _, body = (FIXTURES / COMPILED / f"{Path(NAME).stem}.json").read_text().partition("\n")
    header = json.loads(head)
    header["index"][1] = header["index"][0]  # a duplicate id
    path = _copy(tmp_path, twin=json.dumps(header) + "\n" + body)
    _, cases = load_fixture_file(path)
    assert all(type(c) is LoadedCase for c in cases)  # loaded the full way, at once
    assert _same_cases(cases, _eager(path))


def test_a_case_the_twin_cannot_give_gets_the_yamls_error_when_read(tmp_path):
    from conformance.fixture_format import COMPILED, load_fixture_file

    twin = (FIXTURES / COMPILED / f"{Path(NAME).stem}.json").read_text()
    head, _, _ = twin.partition("\n")
    bad = (FIXTURES / NAME).read_text().replace("tier: core", "tier: sometimes", 1)
    path = _copy(tmp_path, twin=head + "\n[]\n", yaml_text=bad)
    _, cases = load_fixture_file(path)  # the index is fine: collection goes on
    for c in cases[:2]:
        with pytest.raises(FixtureError, match="tier"):
            c.inputs  # noqa: B018 - reading it builds it
