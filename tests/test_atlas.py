"""``keras-conformance atlas`` on small synthetic results directories (fast: no candidate runs)."""

from __future__ import annotations

import json

import pytest

from conformance.atlas import failure_class, load_atlas, outcome, render_atlas
from conformance.cli import main as cli

REDUCTION = (
    "the candidate raised ValueError: Invalid value for argument `reduction`. Expected one of "
    "{'sum', 'sum_over_batch_size', None}. Received: reduction=mean"
)
NO_CTC = "the candidate raised AttributeError: module 'keras.api.losses' has no attribute 'CTC'"


def _case(cid, api, verdict="pass", got=(1.0,), message="", tol=1e-7):
    return {
        "id": cid,
        "api": api,
        "tier": "core",
        "verdict": verdict,
        "message": message,
        "got": [list(got)] if got else [],
        "tol": [[tol] * len(got)] if got else None,
    }


def _write(d, env, describe, profile, cases):
    doc = {"candidate": "keras", "describe": describe, "profile": profile, "tiers": ["core"], "cases": cases}
    (d / f"results-{env}.json").write_text(json.dumps(doc), encoding="utf-8")


@pytest.fixture
def results(tmp_path):
    """Keras 3.0 (reductions and CTC missing), 3.7 (mean reductions come, a value regresses),
    3.15 (all pass); tf.keras 2.15 and tf_keras 2.21; the driver's record."""
    mean = [f"bce-loss-mean-{i}" for i in range(40)]

    def keras(version, mean_ok, ctc_ok, v1):
        cases = [_case("bce-loss-sum", "BinaryCrossentropy", got=(2.0,))]
        cases += [
            _case(i, "BinaryCrossentropy") if mean_ok else _case(i, "BinaryCrossentropy", "fail", (), REDUCTION)
            for i in mean
        ]
        cases.append(_case("ctc-1", "CTC") if ctc_ok else _case("ctc-1", "CTC", "fail", (), NO_CTC))
        if not mean_ok:  # 3.0 lacks the API: the candidate skips its cases
            gce = "candidate 'keras' has no losses.CategoricalGeneralizedCrossEntropy (for GCE)"
            cases.append(_case("gce-1", "GCE", "skip", (), gce))
        else:
            cases.append(_case("gce-1", "GCE"))
        v = _case("poisson-1", "poisson", got=(v1,))
        if v1 != 1.0:
            v.update(verdict="fail", message="value outside tolerance")
        cases.append(v)
        return cases

    _write(tmp_path, "atlas-keras3.0", "keras 3.0.5 on backend jax", "keras3", keras("3.0.5", False, False, 1.0))
    _write(tmp_path, "atlas-keras3.7", "keras 3.7.0 on backend jax", "keras3", keras("3.7.0", True, False, 1.5))
    _write(tmp_path, "atlas-keras3.15", "keras 3.15.1 on backend jax", "keras3", keras("3.15.1", True, True, 1.0))
    k2 = [_case("bce-1", "binary_crossentropy", got=(3.0,))]
    _write(tmp_path, "atlas-tfkeras2.15", "tf.keras 2.15.0 on tensorflow 2.15.1", "keras2", k2)
    _write(tmp_path, "atlas-tfkeras2.21", "tf_keras 2.21.0 on tensorflow 2.21.0", "keras2", k2)
    record = {
        "envs": {
            e: {"install_s": 30.0, "run_s": 600.0, "env_bytes": 2**30, "rc": 0, "packages": {"jax": "0.4.20"}}
            for e in ("atlas-keras3.0", "atlas-keras3.7", "atlas-keras3.15", "atlas-tfkeras2.15", "atlas-tfkeras2.21")
        },
        "runs": [{"jobs": 1, "cpus": 2, "wall_s": 3150.0, "peak_disk_bytes": 3 * 2**30, "cache_bytes": 2**30}],
    }
    del record["envs"]["atlas-tfkeras2.15"]["packages"]  # an older record: the pins come from tox's log
    (tmp_path / "log-atlas-tfkeras2.15.txt").write_text(
        "atlas-tfkeras2.15: install_deps> /x/bin/uv pip install tensorflow-cpu==2.15.1 'numpy<2'\n", encoding="utf-8"
    )
    (tmp_path / "atlas-run.json").write_text(json.dumps(record), encoding="utf-8")
    return tmp_path


def test_outcome_and_failure_class():
    assert outcome(_case("a", "x")) == "passed"
    assert outcome(_case("a", "x", "fail", (), REDUCTION)) == "errored"
    assert outcome(_case("a", "x", "fail", (2.0,), "value outside tolerance")) == "failed"
    assert failure_class({"message": REDUCTION}) == "ValueError: unknown reduction 'mean'"
    assert failure_class({"message": NO_CTC}) == "AttributeError: no attribute 'CTC'"
    kw = "the candidate raised TypeError: __init__() got an unexpected keyword argument 'axis'"
    assert failure_class({"message": kw}) == "TypeError: no argument 'axis'"
    skip = {"verdict": "skip", "message": "candidate 'keras' has no losses.CTC (for CTC)"}
    assert failure_class(skip) == "API missing: losses.CTC" and outcome(skip) == "skip"
    # numbers do not split a class
    shape = "returned shape (4, 3), but the spec's shape is (4,)"
    assert failure_class({"message": shape}) == failure_class({"message": shape.replace("4", "7")})


def test_versions_are_ordered_by_number_per_profile(results):
    runs, record = load_atlas(results)
    assert [r.label for r in runs["keras3"]] == ["3.0.5", "3.7.0", "3.15.1"]  # 3.15 after 3.7
    assert [r.label for r in runs["keras2"]] == ["tf.keras 2.15.0", "tf_keras 2.21.0"]
    assert record["runs"][0]["peak_disk_bytes"] == 3 * 2**30


def test_the_table_counts_passed_failed_errored(results):
    text = render_atlas(*load_atlas(results))
    assert "| api | 3.0.5 | 3.7.0 | 3.15.1 |" in text
    assert "| BinaryCrossentropy | 1/0/40 | 41/0/0 | 41/0/0 |" in text
    assert "| CTC | 0/0/1 | 0/0/1 | 1/0/0 |" in text
    assert "| poisson | 1/0/0 | 0/1/0 | 1/0/0 |" in text
    assert "| **all** | **2/0/41 +1s** | **42/1/1** | **44/0/0** |" in text


def test_older_than_the_profile_is_one_line_per_class(results):
    text = render_atlas(*load_atlas(results))
    lines = [ln for ln in text.splitlines() if ln.startswith("- **3.0.5**")]
    assert len(lines) == 3, lines  # 40 reduction cases, one CTC case, one GCE: one line each, no case ids
    assert "40 cases `ValueError: unknown reduction 'mean'` (BinaryCrossentropy 40)" in lines[0]
    assert "from 3.7.0 on" in lines[0]
    assert (
        "`AttributeError: no attribute 'CTC'` (CTC 1): older than the profile: the profile's behaviour from 3.15.1"
        in lines[2]
    )
    assert "(poisson 1): a regression: an earlier version passed them" in text
    assert "`API missing: losses.CategoricalGeneralizedCrossEntropy` (GCE 1): older than the profile" in lines[1]
    assert "| GCE | 0/0/0 +1s | 1/0/0 | 1/0/0 |" in text
    assert "bce-loss-mean-0" not in text.split("### Changes")[0]
    assert "- **3.15.1**: no failures." in text


def test_changes_are_grouped_with_the_first_version_and_examples(results):
    text = render_atlas(*load_atlas(results))
    pair = text.split("#### 3.0.5 → 3.7.0")[1].split("####")[0]
    assert "40 cases now pass for good, which raised or failed with `ValueError: unknown reduction 'mean'`" in pair
    assert "3.7.0 adopts the profile's behaviour" in pair
    assert "bce-loss-mean-" not in pair  # summarised, not listed
    assert "- poisson: 1 `pass -> fail`, `value outside tolerance`" in pair
    assert "`poisson-1`: got [[1.0]] → [[1.5]]" in pair
    later = text.split("#### 3.7.0 → 3.15.1")[1].split("## ")[0]
    assert "- poisson: 1 `fail -> pass`" in later  # the 3.7 regression, fixed again: listed, not "for good"
    assert "AttributeError: no attribute 'CTC'" in later and "CTC 1" in later
    assert "#### tf.keras 2.15.0 → tf_keras 2.21.0" in text and "No case changed beyond rounding." in text


def test_header_times_disk_and_what_is_still_to_run(results):
    text = render_atlas(*load_atlas(results))
    assert (
        "| atlas-keras3.0 | keras 3.0.5 on backend jax | jax 0.4.20 | 44 | 2 / 0 / 41 | 30 s | 10.0 min | 1.00 GiB |"
        in text
    )
    assert "| tf.keras 2.15.0 on tensorflow 2.15.1 | pins: tensorflow-cpu==2.15.1 numpy<2 | 1 |" in text
    assert "5 env(s), 2.5 min installing and 50.0 min running" in text
    assert "peak 3.00 GiB" in text and "cache, 1.00 GiB" in text
    assert "Projection for the whole matrix (23 envs)" in text
    todo = text.split("## Keras 3 on JAX")[1].split("###")[0]
    assert "`atlas-keras3.1`" in todo and "`atlas-keras3.0`" not in todo and "`atlas-keras3.15`" not in todo
    assert "`atlas-tfkeras2.16`" in text.split("## tf.keras")[1]


def test_cli_writes_and_checks(results, tmp_path, capsys):
    out = tmp_path / "atlas.md"
    assert cli(["atlas", str(results), "--out", str(out)]) == 0
    assert cli(["atlas", str(results), "--out", str(out), "--check"]) == 0
    out.write_text(out.read_text(encoding="utf-8") + "edited\n", encoding="utf-8")
    assert cli(["atlas", str(results), "--out", str(out), "--check"]) == 1
    assert "differs" in capsys.readouterr().err
    assert cli(["atlas", str(tmp_path / "nothing-here")]) == 2


def test_the_env_lists_agree_with_tox_ini():
    """conformance/atlas.py, scripts/atlas.py and tox.ini name the same envs, each with its pins,
    and none of them is in the default env_list (the atlas is opt-in)."""
    import configparser
    import importlib.util
    import re
    from pathlib import Path

    from conformance.atlas import ENVS

    root = Path(__file__).resolve().parent.parent
    ini = configparser.ConfigParser(interpolation=None)
    ini.read(root / "tox.ini", encoding="utf-8")
    tox_envs = []
    for section in ini.sections():
        m = re.fullmatch(r"testenv:(atlas-\w+)\{([^}]*)\}", section)
        if m:
            tox_envs += [m.group(1) + f for f in m.group(2).split(",")]
            deps = ini[section].get("deps", "") + ini[section].get("commands_pre", "")
            for f in m.group(2).split(","):
                assert f"{m.group(1)[len('atlas-') :]}{f}:" in deps, f"no pins for {m.group(1)}{f}"
    assert tox_envs == ENVS
    spec = importlib.util.spec_from_file_location("atlas_driver", root / "scripts" / "atlas.py")
    driver = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(driver)
    assert driver.ENVS == ENVS
    assert "atlas" not in ini["tox"]["env_list"]


def test_the_driver_empties_the_cache_past_its_limit(tmp_path):
    import importlib.util
    from pathlib import Path
    from types import SimpleNamespace

    root = Path(__file__).resolve().parent.parent
    spec = importlib.util.spec_from_file_location("atlas_driver", root / "scripts" / "atlas.py")
    driver = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(driver)
    (tmp_path / "uv").mkdir()
    (tmp_path / "uv" / "wheel").write_bytes(b"x" * 300_000)
    assert driver.prune_cache(SimpleNamespace(cache=str(tmp_path), cache_limit=1.0)) is None  # under 1 GiB: kept
    assert (tmp_path / "uv" / "wheel").exists()
    assert driver.prune_cache(SimpleNamespace(cache=str(tmp_path), cache_limit=0.0001)) >= 300_000
    assert not (tmp_path / "uv").exists()
