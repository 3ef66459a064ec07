"""End to end against real Keras 3 (skipped where Keras is not installed; the keras-jax
tox env runs it): broken Keras variants fail, and the hypothesis mode finds the numpy
backend's from_logits deviation from a fresh start, printing an entry that reproduces it."""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest

keras = pytest.importorskip("keras")

from conformance.fixture_format import load_fixture_file  # noqa: E402
from conformance.generate import render_document  # noqa: E402, F401
from conformance.runner import run_case  # noqa: E402

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"
TESTS = Path(__file__).resolve().parent


@pytest.fixture(scope="module")
def by_id():
    return {c.id: c for f in FIXTURES.glob("*.yaml") for c in load_fixture_file(f)[1]}


def test_broken_keras_variants_fail_and_real_keras_passes(by_id):
    from keras_variants import BROKEN

    from conformance.candidates.keras3 import Keras3Candidate

    real = Keras3Candidate()
    for cls, case_id in BROKEN.items():
        case = by_id[case_id]
        assert run_case(real, case, "keras3").status == "pass", case_id
        assert run_case(cls(), case, "keras3").status == "fail", (cls.__name__, case_id)


def test_the_default_run_catches_a_keras3_reduction_that_only_profile_keras3_has(pytester, monkeypatch):
    """keras3's mean_with_sample_weight is in its default tiers (it used to sit in 'error')."""
    monkeypatch.setenv("KERAS_BACKEND", "jax")
    monkeypatch.setenv("PYTHONPATH", str(TESTS))
    result = pytester.runpytest_subprocess(
        "-p", "no:cacheprovider", "--candidate", "keras_variants:MeanWithSampleWeightCountsElements",
        "-m", "BinaryCrossentropy", "-q",
    )  # fmt: skip
    assert result.parseoutcomes().get("failed", 0) >= 10, result.stdout.str()[-2000:]


def test_hypothesis_mode_finds_the_numpy_backend_deviation_and_the_entry_reproduces_it(pytester, monkeypatch):
    monkeypatch.setenv("KERAS_BACKEND", "numpy")
    monkeypatch.setenv("PYTHONPATH", str(TESTS))
    result = pytester.runpytest_subprocess(
        "-p",
        "no:cacheprovider",
        "--candidate",
        "keras",
        "--conformance-hypothesis",
        "-m",
        "hypothesis_mode and binary_crossentropy",
        "-q",
    )
    assert result.parseoutcomes().get("failed") == 1
    out = result.stdout.str()
    assert "from_logits=True" in out
    entry = out[out.index("- id: hypothesis-") :]
    entry = entry[: entry.index("\n\n")] if "\n\n" in entry else entry
    entry = "\n".join(line for line in entry.splitlines() if not line.startswith(("=", "FAILED", "::")))
    case_id = re.search(r"- id: (\S+)", entry).group(1)
    header = (FIXTURES / "losses.binary_crossentropy.yaml").read_text().split("cases:\n")[0]
    d = pytester.mkdir("found")
    (d / "losses.binary_crossentropy.yaml").write_text(header + "cases:\n" + entry + "\n")
    again = pytester.runpytest_subprocess(
        "-p", "no:cacheprovider", "--candidate", "keras", "--fixtures-dir", str(d), "-q"
    )
    assert again.parseoutcomes() == {"failed": 1}, again.stdout.str()
    assert case_id in again.stdout.str()
    assert os.environ["KERAS_BACKEND"] == "numpy"
