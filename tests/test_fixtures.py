"""The fixtures: complete, exact, schema-valid, reproducible, and written atomically."""

from __future__ import annotations

import json
import os
from collections import Counter
from pathlib import Path

import numpy as np
import pytest
import yaml

from conformance import PROFILES, registry
from conformance import generate as gen
from conformance.catalog import Case, cases
from conformance.cli import main as cli
from conformance.fixture_format import COMPILED, MANIFEST, load_fixture_file, load_schema

ROOT = Path(__file__).resolve().parents[1]
FIXTURES = ROOT / "fixtures"
FILES = sorted(FIXTURES.glob("*.yaml"))


@pytest.fixture(scope="module")
def rendered():
    """The one full generation of these tests (the `fixtures` job runs `generate --check` too)."""
    return gen.render_all()


@pytest.fixture(scope="module")
def committed():
    """The committed fixture tree as generate renders it ({relative path: text}): the CLI
    plumbing tests below write and check this instead of generating again, which is sound
    because test_generate_check_passes_on_the_repository shows the two are equal."""
    return {
        p.relative_to(FIXTURES).as_posix(): p.read_text(encoding="utf-8") for p in FIXTURES.rglob("*") if p.is_file()
    }


@pytest.fixture(scope="module")
def documents():
    """Each YAML file parsed once, by libyaml where it is built (same resolver as SafeLoader)."""
    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    return {f.name: yaml.load(f.read_text(encoding="utf-8"), Loader=loader) for f in FILES}


@pytest.fixture(scope="module")
def loaded():
    return {f.name: load_fixture_file(f) for f in FILES}


def test_there_is_one_file_per_registered_api():
    assert [f.name for f in FILES] == sorted(api.fixture_file for api in registry.apis())


def test_each_compiled_twin_is_exactly_its_yaml_document(documents):
    # line 1: the header and an index of (id, tiers per profile); line 2: the cases
    for f in FILES:
        head, cases, rest = (FIXTURES / COMPILED / f"{f.stem}.json").read_text().split("\n")
        header, cases = json.loads(head), json.loads(cases)
        assert rest == ""
        index = header.pop("index")
        assert json.dumps({**header, "cases": cases}) == json.dumps(documents[f.name]), f.name  # keys in order too
        doc_cases = documents[f.name]["cases"]
        expected_index = [
            [c["id"], c["tier"] if isinstance(c["tier"], dict) else dict.fromkeys(c["expected"], c["tier"])]
            for c in doc_cases
        ]
        assert index == expected_index, f.name


def test_a_case_is_in_the_error_tier_exactly_where_its_profile_rejects_it(loaded):
    for _, cs in loaded.values():
        for c in cs:
            assert set(c.tiers) == set(c.expected) == set(registry.get(c.api).keras), c.id
            for p in c.tiers:
                assert (c.tier_in(p) == "error") == bool(c.expected[p].error), (c.id, p)


def test_each_profiles_default_run_covers_every_reduction_it_accepts(loaded):
    """keras3's mean, mean_with_sample_weight and None, and keras2's auto, run by default."""
    default = {p: {str(c.params.get("reduction", "default")) for _, cs in loaded.values() for c in cs
                   if c.tier_in(p) in ("core", "edge")} for p in PROFILES}  # fmt: skip
    assert {"mean", "mean_with_sample_weight", "None", "sum_over_batch_size", "sum", "none"} <= default["keras3"]
    assert "auto" not in default["keras3"]
    assert {"auto", "sum_over_batch_size", "sum", "none"} <= default["keras2"]
    assert not {"mean", "mean_with_sample_weight", "None"} & default["keras2"]


def test_every_fixture_validates_against_the_shipped_schema(documents):
    import jsonschema

    validator = jsonschema.Draft7Validator(load_schema())
    for name, doc in documents.items():  # the reference validator, independent of the loader's fast path
        errors = [e.message for e in validator.iter_errors(doc)]
        assert errors == [], (name, errors[:3])


def test_at_least_2000_cases_over_all_four_tiers(loaded):
    # a keras2-only API (backend.ctc_batch_cost) has no keras3 tier
    tiers = Counter(c.tier_in("keras3") for _, cs in loaded.values() for c in cs if c.tier_in("keras3"))
    assert sum(tiers.values()) >= 2000
    assert set(tiers) == {"core", "edge", "quirk", "error"}


def test_every_seed_worked_example_is_a_core_case(loaded):
    ids = {c.id: c for _, cs in loaded.values() for c in cs}
    for seed in ("seed-001", "seed-002", "seed-003", "seed-004"):
        assert any(i.startswith(seed) and ids[i].tier_in("keras3") == "core" for i in ids), seed


def test_generate_check_passes_on_the_repository(rendered):
    assert gen.check_fixtures(FIXTURES, rendered) == []


def test_generate_out_writes_the_tree_byte_for_byte(tmp_path, committed, monkeypatch):
    monkeypatch.setattr(gen, "render_all", lambda **kw: committed)
    assert cli(["generate", "--out", str(tmp_path)]) == 0
    written = sorted(p.relative_to(tmp_path) for p in tmp_path.rglob("*") if p.is_file())
    assert written == sorted(p.relative_to(FIXTURES) for p in FIXTURES.rglob("*") if p.is_file())
    for rel in written:
        assert (tmp_path / rel).read_bytes() == (FIXTURES / rel).read_bytes(), rel


def test_a_second_generation_in_the_same_process_is_identical(rendered):
    """Warm caches (reference.memo, the mpf cache) change nothing: two APIs rendered again
    give the same documents. (Across processes: the committed files are reproduced.)"""
    apis = {"categorical_focal_crossentropy", "BinaryFocalCrossentropy"}
    again = gen.render_all([c for c in cases() if c.api in apis])
    names = [registry.get(a).fixture_file for a in sorted(apis)]
    for name in names:
        assert again[name] == rendered[name], name


def test_inputs_read_back_as_exact_float32(documents):
    for name, doc in documents.items():
        for c in doc["cases"]:
            arrays = [c["inputs"][k] for k in ("y_true", "y_pred", "sample_weight") if k in c["inputs"]]
            for st in c["inputs"].get("steps", []):
                arrays += [st[k] for k in ("y_true", "y_pred", "sample_weight") if k in st]
            for a in arrays:
                for v in a["values"]:
                    assert isinstance(v, float), (name, c["id"], v)  # YAML 1.1 read a float, not a string
                    assert float(np.float32(v)) == v, (name, c["id"], v)


def test_expected_values_carry_17_significant_digits():
    import re

    text = (FIXTURES / "losses.BinaryCrossentropy.yaml").read_text()
    block = text[text.index("- id: seed-002-ex1\n") :]
    written = re.search(r"keras3:\n      outputs:\n      - \{shape: \[\], values: \[([^\]]+)\]", block).group(1)
    assert len(written.replace("0.", "", 1).lstrip("0")) == 17, written
    assert abs(float(written) - 0.865458) < 5e-7  # Keras 3 on JAX prints 0.865458


def test_provenance_header_names_versions_precision_and_source_hash(loaded):
    for header, _ in loaded.values():
        p = header["provenance"]
        assert p["precision_dps"] >= 50 and p["mpmath_version"] and p["package_version"]
        assert p["source_sha256"] == gen.source_sha256()


def test_manifest_lists_each_file_with_its_hash():
    import hashlib

    manifest = json.loads((FIXTURES / MANIFEST).read_text())
    for f in FILES:
        assert manifest["files"][f.name]["sha256"] == hashlib.sha256(f.read_bytes()).hexdigest()


def test_check_names_each_stale_missing_and_extra_file(tmp_path, committed, monkeypatch, capsys):
    gen.write_fixtures(tmp_path, committed)
    monkeypatch.setattr(gen, "render_all", lambda **kw: committed)
    (tmp_path / "losses.BinaryCrossentropy.yaml").write_text("stale")
    (tmp_path / "metrics.BinaryCrossentropy.yaml").unlink()
    (tmp_path / "extra.yaml").write_text("{}")
    assert cli(["generate", "--check", "--out", str(tmp_path)]) == 1
    err = capsys.readouterr().err
    assert "stale: " in err and "losses.BinaryCrossentropy.yaml" in err
    assert "missing: " in err and "metrics.BinaryCrossentropy.yaml" in err
    assert "extra: " in err and "extra.yaml" in err


def test_an_interrupted_generation_leaves_every_previous_file_whole(tmp_path, committed, monkeypatch):
    gen.write_fixtures(tmp_path, committed)
    before = {p.relative_to(tmp_path).as_posix(): p.read_bytes() for p in tmp_path.rglob("*") if p.is_file()}
    new = {name: text.replace("cases:", "cases:  # new", 1) for name, text in committed.items()}
    real_replace, calls = os.replace, []

    def replace_then_interrupt(src, dst):
        calls.append(dst)
        if len(calls) == 3:
            raise KeyboardInterrupt
        real_replace(src, dst)

    monkeypatch.setattr(gen.os, "replace", replace_then_interrupt)
    with pytest.raises(KeyboardInterrupt):
        gen.write_fixtures(tmp_path, new)
    after = {p.relative_to(tmp_path).as_posix(): p.read_bytes() for p in tmp_path.rglob("*") if p.is_file()}
    assert set(after) == set(before), "no temporary file is left behind"
    for name, data in after.items():
        assert data in (before[name], new[name].encode()), f"{name} is neither the old nor the new file"


def test_an_exception_in_the_reference_names_the_case():
    bad = Case(
        "bad-case-id",
        "binary_crossentropy",
        "core",
        {"label_smoothing": "oops"},
        {"y_true": np.zeros(2, np.float32), "y_pred": np.zeros(2, np.float32)},
    )
    with pytest.raises(gen.GenerationError, match="bad-case-id"):
        gen.render_all([bad])


def test_case_ids_are_unique_and_stable_names():
    ids = [c.id for c in cases()]
    assert len(ids) == len(set(ids))
    assert all(i == i.strip() and " " not in i for i in ids)


def test_generate_and_docs_check_the_checkout_they_are_run_in(committed, monkeypatch, capsys):
    monkeypatch.chdir(ROOT / "docs")  # anywhere inside the checkout
    monkeypatch.setattr(gen, "render_all", lambda **kw: committed)  # the generation itself: above
    assert cli(["generate", "--check"]) == 0
    assert cli(["docs", "--check"]) == 0
    out = capsys.readouterr().out
    assert str(FIXTURES) in out and str(ROOT / "docs" / "golden") in out


def test_outside_a_checkout_generate_refuses_to_write_with_one_line(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    assert cli(["generate"]) == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and "no keras-conformance checkout" in err and "--out" in err
    assert not any(tmp_path.iterdir())


def test_generate_refuses_to_write_into_the_installed_package(tmp_path, monkeypatch, capsys):
    import conformance

    monkeypatch.chdir(tmp_path)
    target = Path(conformance.__file__).parent / "fixtures"
    assert cli(["generate", "--out", str(target)]) == 2
    assert "refusing to write into the installed package" in capsys.readouterr().err


def test_the_format_names_the_reference_profiles_in_the_reference_order():
    import reference

    assert PROFILES == tuple(reference.PROFILES)
    schema = load_schema()
    assert schema["definitions"]["case"]["properties"]["expected"]["propertyNames"]["enum"] == list(PROFILES)
