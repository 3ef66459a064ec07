"""``keras-conformance report`` and ``diff`` on results the plugin writes."""

from __future__ import annotations

import json
import os

import pytest

from conformance.cli import main as cli
from conformance.report import accuracy_table, diff_results, load_results, regressions


@pytest.fixture(scope="module")
def results(tmp_path_factory):
    """Real --conformance-json files: the example candidate and a broken one, edge tier
    (one pair of runs for the whole module, each a pytest process started in an empty directory)."""
    import subprocess
    import sys
    from pathlib import Path

    tests = Path(__file__).resolve().parent
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(
        [str(tests), str(tests.parent / "examples" / "numpy_candidate" / "src"), env.get("PYTHONPATH", "")]
    )
    tmp = tmp_path_factory.mktemp("results")
    out = {}
    for name, cand in (("good", "numpy-example"), ("broken", "variants:WrongEpsilon")):
        path = tmp / f"{name}.json"
        args = ["-p", "no:cacheprovider", "--candidate", cand, "--tier", "edge", "--conformance-json", str(path), "-q"]
        subprocess.run([sys.executable, "-m", "pytest", *args], cwd=tmp, env=env, capture_output=True, timeout=600)
        assert path.is_file(), f"the {name} run wrote no results"
        out[name] = path
    return out


def test_report_puts_runs_side_by_side(results, capsys):
    assert cli(["report", str(results["good"]), str(results["broken"])]) == 0
    table = capsys.readouterr().out
    header = table.splitlines()[0]
    assert header.count("|") == 5 and "numpy" in header
    assert "| binary_crossentropy | edge |" in table and "ulp" in table


def test_diff_reports_a_regression_and_exits_1(results, capsys):
    assert cli(["diff", str(results["good"]), str(results["broken"])]) == 1
    out = capsys.readouterr().out
    assert "pass -> fail" in out and "regression(s)" in out and "bce-edge-prob-0-y1-ls0" in out


def test_diff_of_a_run_with_itself_is_empty(results, capsys):
    assert cli(["diff", str(results["good"]), str(results["good"])]) == 0
    assert "no case changed beyond rounding" in capsys.readouterr().out


def _scaled(got, factor):
    """Every number of a result's ``got`` (nested lists: an output of any rank) times ``factor``."""
    return [_scaled(g, factor) for g in got] if isinstance(got, list) else got * factor


def test_a_value_change_beyond_rounding_is_listed_without_being_a_regression(results):
    old = load_results(results["good"])
    new = json.loads(json.dumps(old))
    new["cases"][0]["got"] = _scaled(new["cases"][0]["got"], 1.001)
    changes = diff_results(old, new)
    assert [c["change"] for cs in changes.values() for c in cs] == ["value changed"]
    assert regressions(changes) == []


def test_a_file_that_is_not_a_results_file_is_a_clear_error(tmp_path, capsys):
    bad = tmp_path / "x.json"
    bad.write_text("[1, 2]")
    assert cli(["report", str(bad)]) == 2
    assert "not a --conformance-json file" in capsys.readouterr().err


def test_accuracy_table_has_a_legend():
    doc = {"candidate": "c", "profile": "keras3", "cases": []}
    assert "ulps" in accuracy_table([doc])
