"""Known deviations: case ids a candidate is expected to fail, each with its reason.

A deviations file is YAML::

    candidate: keras (numpy backend)
    deviations:
      - id: bce-edge-logit-40-y0-ls0p0     # a case id, or a glob over ids
        reason: "sigmoid then clip: 16.118095 where the spec gives 40.0"

Listed cases run as expected failures (pytest xfail, not strict); the run reports the
entries that now pass and the ones that match no collected case, so the file cannot rot
silently. The built-in candidates ship theirs in ``conformance/deviations/``.

PYTEST_DONT_REWRITE: pytest loads this package as its plugin; its asserts need no rewriting, and skipping it keeps start-up fast.
"""

from __future__ import annotations

import fnmatch
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

import yaml

__all__ = ["Deviation", "load_deviations", "packaged_deviations", "match"]


@dataclass(frozen=True)
class Deviation:
    pattern: str
    reason: str
    source: str


def load_deviations_text(text: str, source: str) -> list[Deviation]:
    try:
        doc = yaml.safe_load(text) or {}
    except yaml.YAMLError as exc:
        raise ValueError(f"{source}: not valid YAML: {exc}") from None
    entries = doc.get("deviations") if isinstance(doc, dict) else None
    if not isinstance(entries, list):
        raise ValueError(f"{source}: expected a mapping with a 'deviations' list")
    out = []
    for i, e in enumerate(entries):
        if not isinstance(e, dict) or not isinstance(e.get("id"), str) or not isinstance(e.get("reason"), str):
            raise ValueError(f"{source}: deviations[{i}] needs a string 'id' and a string 'reason'")
        if not e["reason"].strip():
            raise ValueError(f"{source}: deviations[{i}] ({e['id']}) has an empty reason")
        out.append(Deviation(e["id"], e["reason"].strip(), source))
    return out


def load_deviations(path: str | Path) -> list[Deviation]:
    p = Path(path)
    try:
        text = p.read_text(encoding="utf-8")
    except OSError as exc:
        raise ValueError(f"{p}: cannot be read: {exc}") from None
    return load_deviations_text(text, str(p))


def packaged_deviations(name: str) -> list[Deviation]:
    """A built-in candidate's shipped deviations file (``conformance/deviations/NAME``), if any."""
    res = resources.files("conformance").joinpath("deviations", name)
    if not res.is_file():
        return []
    return load_deviations_text(res.read_text(encoding="utf-8"), f"conformance/deviations/{name}")


def match(case_id: str, deviations: list[Deviation]) -> Deviation | None:
    for d in deviations:
        if fnmatch.fnmatchcase(case_id, d.pattern):
            return d
    return None
