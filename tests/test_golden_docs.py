"""docs/golden: generated from the fixtures, current, and executable against a candidate."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from conformance.cli import main as cli
from conformance.golden_docs import render_docs

ROOT = Path(__file__).resolve().parents[1]


def test_docs_check_passes_on_the_repository():
    assert cli(["docs", "--check", "--fixtures", str(ROOT / "fixtures"), "--out", str(ROOT / "docs" / "golden")]) == 0


def test_docs_are_deterministic_and_cover_each_function():
    a, b = render_docs(ROOT / "fixtures"), render_docs(ROOT / "fixtures")
    assert a == b
    from conformance import registry

    assert sorted(a) == sorted(f"{page.name}.md" for page in registry.doc_pages())
    assert {"binary_crossentropy.md", "categorical_focal_crossentropy.md", "metrics.BinaryCrossentropy.md"} <= set(a)
    bce = a["binary_crossentropy.md"]
    for section in (
        "## Semantics",
        "## Seed examples",
        "## Each reduction",
        "## Where Keras 2 and Keras 3 differ",
        ">>> golden(",
    ):
        assert section in bce
    assert "16.1180956 | 15.4249485" in bce  # keras3 | keras2 for y=1, p=0 (the double epsilon)


def test_every_api_has_cases_shown_on_its_page():
    from conformance import registry
    from conformance.fixture_format import load_fixture_file

    pages = render_docs(ROOT / "fixtures")
    missing = []
    for api in registry.apis():
        page = pages[f"{api.docs}.md"]
        ids = [c.id for c in load_fixture_file(ROOT / "fixtures" / api.fixture_file)[1]]
        if not any(f"| `{i}` |" in page for i in ids):
            missing.append(api.name)
    assert missing == []


def test_a_stale_doc_is_named(tmp_path, capsys):
    out = tmp_path / "golden"
    assert cli(["docs", "--fixtures", str(ROOT / "fixtures"), "--out", str(out)]) == 0
    (out / "binary_crossentropy.md").write_text("stale")
    assert cli(["docs", "--check", "--fixtures", str(ROOT / "fixtures"), "--out", str(out)]) == 1
    assert "stale: " in capsys.readouterr().err


@pytest.mark.parametrize("candidate, ok", [("numpy-example", True), ("variants:RelativeError1e5", False)])
def test_the_doctests_pass_a_correct_candidate_and_fail_a_broken_one(candidate, ok):
    env = {
        **os.environ,
        "KERAS_CONFORMANCE_CANDIDATE": candidate,
        "PYTHONPATH": os.pathsep.join([str(ROOT / "tests"), str(ROOT / "examples" / "numpy_candidate" / "src")]),
    }
    proc = subprocess.run(
        [
            sys.executable,
            "-m",
            "pytest",
            "--doctest-glob=*.md",
            str(ROOT / "docs" / "golden"),
            "-q",
            "-p",
            "no:cacheprovider",
            f"--rootdir={ROOT / 'docs'}",
        ],
        capture_output=True,
        text=True,
        env=env,
        timeout=300,
    )
    assert (proc.returncode == 0) == ok, proc.stdout[-2000:]
