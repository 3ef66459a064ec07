"""The pytest plugin, driven as a user drives it (pytester), with the test candidates."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

TESTS = Path(__file__).resolve().parent
ROOT = TESTS.parent
EXAMPLE = ROOT / "examples" / "numpy_candidate" / "src"
FIXTURES = ROOT / "fixtures"


@pytest.fixture
def run(pytester, monkeypatch):
    """Run pytest in a fresh directory, as a subprocess, with the test candidates importable."""
    monkeypatch.setenv("PYTHONPATH", os.pathsep.join([str(TESTS), str(EXAMPLE), os.environ.get("PYTHONPATH", "")]))

    def _run(*args):
        return pytester.runpytest_subprocess("-p", "no:cacheprovider", *args)

    return _run


def test_the_plugin_is_inert_without_candidate(run, pytester):
    pytester.makefile(".yaml", stray="cases: []")
    result = run("-q")
    assert result.ret == pytest.ExitCode.NO_TESTS_COLLECTED


def test_the_example_candidate_passes_core_and_edge_by_default(run):
    result = run("--candidate", "numpy-example", "-q")
    outcomes = result.parseoutcomes()
    assert outcomes["passed"] >= 1800 and "failed" not in outcomes
    assert outcomes["deselected"] > 0  # quirk and error tiers are off by default
    result.stdout.fnmatch_lines(
        ["*conformance summary: numpy-example against profile keras3*", "*binary_crossentropy*edge*"]
    )


def test_keras2_example_passes_every_tier_through_its_entry_point(run):
    result = run("--candidate", "numpy-example-keras2", "--tier", "core,edge,quirk,error", "-q")
    outcomes = result.parseoutcomes()
    assert outcomes["passed"] >= 2000 and "failed" not in outcomes and "deselected" not in outcomes


@pytest.mark.parametrize(
    "variant, case_id",
    [
        ("WrongEpsilon", "bce-edge-prob-0-y1-ls0"),
        ("SmoothingTowardOne", "bce-edge-logit-16-y1-ls0p1"),
        ("IgnoresSampleWeight", "seed-002-ex2-weighted"),
        ("MetricNoReset", "metric-reset-restores-empty"),
        ("RelativeError1e5", "seed-004-function"),
    ],
)
def test_a_broken_candidate_fails_the_case_it_should(run, variant, case_id):
    result = run("--candidate", f"variants:{variant}", "-k", case_id, "-q")
    assert result.parseoutcomes().get("failed", 0) >= 1  # -k matches substrings: ls0 also selects ls0p1
    result.stdout.fnmatch_lines([f"*case {case_id} [[]*[]] in *"])


def test_the_failure_report_has_every_field_and_a_snippet_that_reproduces_it(run, pytester):
    result = run("--candidate", "variants:RelativeError1e5", "-k", "seed-004-function", "-q")
    out = result.stdout.str()
    for field in (
        "case seed-004-function [core]",
        "call: binary_crossentropy() ",
        "profile=keras3",
        "inputs: y_true (2, 2), y_pred (2, 2)",
        "worst element [",
        "expected ",
        ", got ",
        "error: abs ",
        " rel ",
        " ulp ",
        "tolerance: abs ",
        "reproduce:",
        "pytest --candidate variants:RelativeError1e5 --profile keras3 --tier core -k 'seed-004-function'",
    ):
        assert field in out, field
    lines = out.splitlines()
    start = next(i for i, line in enumerate(lines) if line.strip() == "import numpy as np")
    end = next(i for i, line in enumerate(lines) if line.strip().startswith("print(impl("))
    snippet = textwrap.dedent("\n".join(lines[start : end + 1]))
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(TESTS), str(EXAMPLE)])}
    proc = subprocess.run([sys.executable, "-c", snippet], capture_output=True, text=True, env=env, timeout=120)
    assert proc.returncode == 0, proc.stderr
    got_in_report = out.split("got [")[1].split("]")[0]
    assert [float(x) for x in got_in_report.split(",")] == pytest.approx(
        [float(x) for x in proc.stdout.strip().strip("[]").split()], rel=1e-7
    )


@pytest.mark.parametrize(
    "variant, message",
    [
        ("Raises", "*the candidate raised RuntimeError: kernel exploded on purpose*"),
        ("ReturnsNaN", "*returned nan at index * where the spec's value is finite*"),
        ("ReturnsInf", "*returned inf at index * where the spec's value is finite*"),
        ("WrongShape", "*returned shape (2, 1), but the spec's shape is (2,)*"),
        ("NonNumeric", "*returned a non-numeric value of type str*"),
    ],
)
def test_a_faulty_candidate_fails_that_case_with_a_clear_message_and_the_run_goes_on(run, variant, message):
    result = run("--candidate", f"fault_candidates:{variant}", "-k", "seed-004-function or seed-001-focal-doc", "-q")
    result.stdout.fnmatch_lines([message])
    outcomes = result.parseoutcomes()
    assert outcomes.get("failed") == 1 and outcomes.get("passed") == 1  # the focal case still ran


def test_a_candidates_exception_shows_its_traceback(run):
    result = run("--candidate", "fault_candidates:Raises", "-k", "seed-004-function", "-q")
    result.stdout.fnmatch_lines(
        ["*candidate traceback:*", "*fault_candidates.py*", "*RuntimeError: kernel exploded on purpose*"]
    )


def test_cases_a_candidate_cannot_express_are_skipped_with_the_reason(run):
    result = run(
        "--candidate",
        "fault_candidates:NoLogits",
        "-k",
        "bce-edge-logit-0-y0-ls0 or bce-edge-prob-0-y0-ls0",
        "-rs",
        "-q",
    )
    outcomes = result.parseoutcomes()
    assert outcomes.get("skipped", 0) >= 1 and outcomes.get("skipped") == outcomes.get(
        "passed"
    )  # logits skip, probs pass
    result.stdout.fnmatch_lines(["*no logits path in this library*"])


def test_apis_a_candidate_does_not_implement_are_skipped(run):
    result = run(
        "--candidate", "fault_candidates:OnlyFunctions", "-k", "seed-002-ex1 or seed-004-function", "-rs", "-q"
    )
    outcomes = result.parseoutcomes()
    assert outcomes.get("skipped") == 1 and outcomes.get("passed") == 1
    result.stdout.fnmatch_lines(["*does not implement BinaryCrossentropy*"])


def test_known_deviations_xfail_and_stale_entries_are_reported(run, pytester):
    dev = pytester.makefile(
        ".yaml",
        devs="""
        deviations:
          - id: seed-004-function
            reason: "1e-5 too large, on purpose"
          - id: metric-empty-result
            reason: "listed, but it passes"
          - id: no-such-case-*
            reason: "matches nothing"
        """,
    )
    result = run(
        "--candidate",
        "variants:RelativeError1e5",
        "--deviations",
        str(dev),
        "-k",
        "seed-004-function or metric-empty-result",
        "-q",
    )
    outcomes = result.parseoutcomes()
    assert outcomes.get("xfailed") == 1 and outcomes.get("xpassed") == 1 and "failed" not in outcomes
    result.stdout.fnmatch_lines(
        [
            "*1 known-deviation case(s) now pass; remove their entries:*",
            "*metric-empty-result*",
            "*1 known-deviation entries match no case in *",
            "*no-such-case-*",
        ]
    )


def test_a_deviation_without_a_reason_is_a_usage_error(run, pytester):
    dev = pytester.makefile(".yaml", devs="deviations:\n  - id: seed-002-ex1\n    reason: ''\n")
    result = run("--candidate", "numpy-example", "--deviations", str(dev))
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines(["*has an empty reason*"])


def test_tiers_and_markers_select_cases(run):
    result = run("--candidate", "numpy-example", "--tier", "edge", "-m", "binary_crossentropy", "-q")
    outcomes = result.parseoutcomes()
    assert 100 <= outcomes["passed"] < 200
    result = run("--candidate", "numpy-example", "--tier", "quirk", "--collect-only", "-q")
    assert "seed-" not in result.stdout.str()


def test_runs_under_xdist_with_the_same_counts_and_a_summary(run):
    args = ("--candidate", "numpy-example", "--tier", "edge", "-q")
    serial = run(*args).parseoutcomes()
    result = run(*args, "-n", "2")
    assert result.parseoutcomes()["passed"] == serial["passed"]
    result.stdout.fnmatch_lines(["*conformance summary*", "*categorical_focal_crossentropy*edge*"])
    summary = result.stdout.str().split("conformance summary")[1]
    assert str(serial["passed"] - 3) in summary or "edge" in summary


def test_junitxml_and_conformance_json(run, pytester):
    xml, js = pytester.path / "out.xml", pytester.path / "out.json"
    result = run(
        "--candidate",
        "variants:RelativeError1e5",
        "--tier",
        "edge",
        "-m",
        "metrics_BinaryCrossentropy or categorical_focal_crossentropy",
        "--junitxml",
        str(xml),
        "--conformance-json",
        str(js),
        "-q",
        "-n",
        "2",
    )
    assert xml.exists() and "<testcase" in xml.read_text()
    doc = json.loads(js.read_text())
    assert doc["candidate"] == "variants:RelativeError1e5" and doc["profile"] == "keras3"
    rec = doc["cases"][0]
    assert {"id", "api", "tier", "verdict", "expected", "got", "max_ulp"} <= set(rec)
    verdicts = {r["verdict"] for r in doc["cases"]}
    assert "fail" in verdicts and len(doc["cases"]) == sum(
        v for k, v in result.parseoutcomes().items() if k in ("passed", "failed")
    )


def test_a_malformed_fixture_file_is_one_collection_error_and_the_rest_runs(run, pytester):
    d = pytester.mkdir("fx")
    good = (FIXTURES / "metrics.BinaryCrossentropy.yaml").read_text()
    (d / "metrics.BinaryCrossentropy.yaml").write_text(good)
    (d / "broken.yaml").write_text("format: keras-conformance/1\napi: binary_crossentropy\ncases: [1, 2]\n")
    result = run("--candidate", "numpy-example", "--fixtures-dir", str(d), "-q")
    outcomes = result.parseoutcomes()
    assert outcomes.get("errors") == 1 and outcomes.get("passed", 0) > 200
    result.stdout.fnmatch_lines(["*fixture file rejected: *broken.yaml*schema*"])


def test_an_unknown_candidate_is_a_usage_error(run):
    result = run("--candidate", "no_such_module:Thing")
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines(["*--candidate no_such_module:Thing: cannot load it*"])


def test_a_narrower_dtype_is_a_failure(run):
    result = run("--candidate", "fault_candidates:ReturnsFloat16", "-k", "seed-004-function", "-q")
    result.stdout.fnmatch_lines(["*returned dtype float16, narrower than the spec's float32*"])


def test_a_hanging_candidate_times_out_and_the_run_goes_on(run):
    result = run(
        "--candidate",
        "fault_candidates:Hangs",
        "--case-timeout",
        "1",
        "-k",
        "seed-004-function or seed-001-focal-doc",
        "-q",
    )
    outcomes = result.parseoutcomes()
    assert outcomes.get("failed") == 1 and outcomes.get("passed") == 1
    result.stdout.fnmatch_lines(["*timed out: the candidate did not finish within 1 s (--case-timeout)*"])


def test_isolation_reports_the_case_that_crashed_the_interpreter_and_goes_on(run):
    result = run("--candidate", "fault_candidates:Crashes", "--isolate", "-k", "seed-004 or seed-001-focal-doc", "-q")
    outcomes = result.parseoutcomes()
    # seed-004-function and the seed-004-doc metric stream both call the crashing function
    assert outcomes.get("failed") == 2 and outcomes.get("passed") == 1
    result.stdout.fnmatch_lines(
        ["*case seed-004-function*", "*the candidate's process died (signal SIGSEGV) while running this case*"]
    )


def test_a_candidate_that_names_why_it_crashes_is_isolated_without_being_asked(run):
    """As Keras on the openvino backend is: ``pytest --candidate keras`` alone must not die."""
    result = run("--candidate", "fault_candidates:CrashesAndSaysSo", "-k", "seed-004 or seed-001-focal-doc")
    outcomes = result.parseoutcomes()
    assert outcomes.get("failed") == 2 and outcomes.get("passed") == 1
    result.stdout.fnmatch_lines(
        [
            "*every case in a worker process (--isolate): binary_crossentropy kills the interpreter*",
            "*the candidate's process died (signal SIGSEGV) while running this case*",
        ]
    )


def test_isolation_with_a_timeout_kills_a_hang_that_ignores_signals(run):
    result = run(
        "--candidate",
        "fault_candidates:HangsInC",
        "--isolate",
        "--case-timeout",
        "1",
        "-k",
        "seed-004-function or seed-001-focal-doc",
        "-q",
    )
    outcomes = result.parseoutcomes()
    assert outcomes.get("failed") == 1 and outcomes.get("passed") == 1
    result.stdout.fnmatch_lines(["*timed out*"])


def test_a_fixture_file_that_does_not_match_the_manifest_is_reported(run, pytester):
    d = pytester.mkdir("fx")
    for name in ("metrics.BinaryCrossentropy.yaml", "losses.binary_crossentropy.yaml", "MANIFEST.json"):
        (d / name).write_text((FIXTURES / name).read_text())
    edited = (d / "losses.binary_crossentropy.yaml").read_text().replace("tier: edge", "tier: core", 1)
    (d / "losses.binary_crossentropy.yaml").write_text(edited)
    result = run("--candidate", "numpy-example", "--fixtures-dir", str(d), "-q")
    outcomes = result.parseoutcomes()
    assert outcomes.get("errors") == 1 and outcomes.get("passed", 0) > 200
    result.stdout.fnmatch_lines(["*losses.binary_crossentropy.yaml*does not match MANIFEST.json*"])


def test_a_twin_case_that_cannot_be_built_fails_alone_as_the_fixtures_fault(run, pytester):
    # a twin vouched for by the manifest whose cases line is gone, beside a YAML file that
    # is broken: collection reads only the index, so each case of that file fails when it
    # runs, naming the fixture's error; every other file's cases still run
    import hashlib

    d = pytester.mkdir("fx")
    (d / "compiled").mkdir()
    manifest = json.loads((FIXTURES / "MANIFEST.json").read_text())
    files = {}
    for name in ("losses.poisson.yaml", "losses.kl_divergence.yaml"):
        text = (FIXTURES / name).read_text()
        twin = (FIXTURES / "compiled" / name.replace(".yaml", ".json")).read_text()
        if name == "losses.poisson.yaml":
            text = text.replace("tier: core", "tier: sometimes", 1)
            twin = twin.partition("\n")[0] + "\n[]\n"
        (d / name).write_text(text)
        (d / "compiled" / name.replace(".yaml", ".json")).write_text(twin)
        files[name] = {**manifest["files"][name], "sha256": hashlib.sha256(text.encode()).hexdigest(),
                       "compiled_sha256": hashlib.sha256(twin.encode()).hexdigest()}  # fmt: skip
    (d / "MANIFEST.json").write_text(json.dumps({**manifest, "files": files}))
    result = run("--candidate", "numpy-example", "--fixtures-dir", str(d), "-q", "-k", "not metric")
    outcomes = result.parseoutcomes()
    assert outcomes.get("failed", 0) > 20 and outcomes.get("passed", 0) > 20 and "errors" not in outcomes
    result.stdout.fnmatch_lines(["*fixture case rejected*losses.poisson.yaml*tier*"])
    assert "the candidate raised" not in result.stdout.str()


# --------------------------------------------------------------------------- hypothesis mode
def test_the_hypothesis_mode_passes_a_correct_candidate_and_prints_its_rate(run):
    from conformance import registry

    result = run("--candidate", "numpy-example", "--conformance-hypothesis", "-m", "hypothesis_mode", "-q")
    assert result.parseoutcomes().get("passed") == sum(1 for a in registry.apis() if a.draw) >= 7
    result.stdout.fnmatch_lines(["*hypothesis mode: binary_crossentropy: 60 examples in * s (*/s)*"])


@pytest.mark.parametrize(
    "variant, api",
    [
        ("WrongEpsilon", "binary_crossentropy"),
        ("SmoothingTowardOne", "binary_crossentropy"),
        ("RelativeError1e5", "categorical_focal_crossentropy"),
        ("IgnoresSampleWeight", "BinaryCrossentropy"),
        ("MetricNoReset", "metrics_BinaryCrossentropy"),
    ],
)
def test_the_hypothesis_mode_fails_broken_candidates_with_a_fixture_entry(run, variant, api):
    result = run(
        "--candidate", f"variants:{variant}", "--conformance-hypothesis", "-m", f"hypothesis_mode and {api}", "-q"
    )
    assert result.parseoutcomes().get("failed") == 1
    result.stdout.fnmatch_lines(["*the shrunk case as a fixture entry*", "- id: hypothesis-*", "  expected:"])


def test_without_candidate_the_plugin_imports_neither_mpmath_nor_the_reference(pytester):
    """The plugin is loaded in every pytest run of an environment that has the package; an
    unrelated run must not pay for (or be affected by) the reference."""
    pytester.makepyfile(
        test_unrelated="""
        import sys

        def test_nothing_heavy_was_imported():
            heavy = [m for m in sys.modules if m == "mpmath" or m == "reference" or m.startswith("reference.")]
            assert heavy == []
            assert "conformance.plugin" in sys.modules  # the plugin itself was loaded
        """
    )
    result = pytester.runpytest_subprocess("-p", "no:cacheprovider", "-q")
    result.assert_outcomes(passed=1)


def test_the_plugin_knows_no_api_by_name():
    """Every API name is spelled once, in its declaration (conformance/apis/)."""
    from conformance import registry

    pkg = ROOT / "conformance"
    sources = {
        p.name: p.read_text()
        for p in [pkg / n for n in ("plugin.py", "runner.py", "report.py", "summary.py", "golden_docs.py",
                                    "strategies.py", "hypothesis_mode.py", "shapes.py", "generate.py", "compare.py")]
    }  # fmt: skip
    for api in registry.apis():
        for name, text in sources.items():
            assert f'"{api.name}"' not in text and f"'{api.name}'" not in text, (api.name, name)


def test_a_candidates_warnings_are_captured_per_case_and_kept_out_of_the_warning_summary(run):
    result = run("--candidate", "fault_candidates:WarnsAndIsOff", "-k", "seed-004-function or seed-002-ex1", "-q")
    out = result.stdout.str()
    result.stdout.fnmatch_lines(
        [
            "*candidate warnings (1):*",
            "*UserWarning: this kernel is experimental*",
            "*the candidate raised 2 warnings in 2 cases*",
        ]
    )
    assert "warnings summary" not in out


def test_the_reproduce_snippet_sets_the_keras_backend_it_ran_with(run, monkeypatch):
    monkeypatch.setenv("KERAS_BACKEND", "jax")
    out = run("--candidate", "variants:RelativeError1e5", "-k", "seed-004-function", "-q").stdout.str()
    assert "os.environ['KERAS_BACKEND'] = 'jax'  # before Keras is imported" in out


def test_conformance_json_says_where_it_wrote(run, pytester):
    out = run("--candidate", "numpy-example", "--tier", "edge", "-m", "metrics_BinaryCrossentropy", "-q",
              "--conformance-json", "out.json").stdout.str()  # fmt: skip
    assert f"conformance: wrote 3 case results to {pytester.path / 'out.json'}" in out


def test_the_header_names_the_profile_once_and_no_testpaths(run, pytester):
    pytester.makeini("[pytest]\ntestpaths = tests\n")
    pytester.mkdir("tests")
    out = run("--candidate", "numpy-example", "--collect-only", "-q", "-m", "metrics_BinaryCrossentropy").stdout.str()
    assert "testpaths" not in out
    header = [
        line
        for line in run("--candidate", "numpy-example", "--co", "-m", "nothing").stdout.lines
        if line.startswith("conformance:")
    ]
    assert sum(line.count("profile keras3") for line in header) == 1, header


def test_a_builtin_candidate_whose_library_is_missing_names_the_extra(run):
    from importlib.util import find_spec

    if find_spec("tf_keras") is not None:
        pytest.skip("tf_keras is installed here")
    result = run("--candidate", "tf_keras")
    assert 'pip install "keras-conformance[tf-keras]"' in result.stderr.str()


def test_keras_without_a_usable_backend_says_what_to_do(run, monkeypatch):
    from importlib.util import find_spec

    if find_spec("tensorflow") is not None:
        pytest.skip("tensorflow (Keras' default backend) is installed here")
    monkeypatch.delenv("KERAS_BACKEND", raising=False)
    monkeypatch.setenv("KERAS_HOME", str(Path(os.devnull).parent / "nonexistent-keras-home"))
    err = run("--candidate", "keras").stderr.str()
    if find_spec("keras") is not None:
        assert "KERAS_BACKEND is not set, so Keras picked its default backend (tensorflow)" in err
    assert 'pip install "keras-conformance[keras-jax]"' in err
    if find_spec("keras") is not None and find_spec("jax") is not None:
        assert "KERAS_BACKEND=jax pytest --candidate keras" in err


def test_a_missing_tensorflow_names_the_tensorflow_extra(run):
    from importlib.util import find_spec

    if find_spec("tensorflow") is not None:
        pytest.skip("tensorflow is installed here")
    assert 'pip install "keras-conformance[tensorflow]"' in run("--candidate", "tensorflow").stderr.str()


def test_every_builtin_candidate_has_a_declared_extra_and_its_shipped_deviations():
    import importlib

    from conformance.candidates import BUILTIN, EXTRA

    tomllib = pytest.importorskip("tomllib")  # Python 3.11+

    root = Path(__file__).resolve().parents[1]
    extras = tomllib.loads((root / "pyproject.toml").read_text())["project"]["optional-dependencies"]
    assert set(EXTRA) == set(BUILTIN) - {"keras"}
    assert {x for x in EXTRA.values()} <= set(extras)
    for spec in BUILTIN.values():
        module, _, cls = spec.partition(":")
        dev = getattr(getattr(importlib.import_module(module), cls), "deviations_file", None)
        if dev:
            assert (root / "conformance" / "deviations" / dev).is_file(), dev
    from conformance.candidates.tensorflow import TensorflowWeightedCandidate

    assert (root / "conformance" / "deviations" / TensorflowWeightedCandidate.deviations_file).is_file()
