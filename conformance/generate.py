"""Generation: case catalog -> reference -> YAML fixtures, deterministic and atomic.

Every text is built in memory first (an exception in the reference names the case and
nothing is written); each file is then written to a temporary file beside it and
renamed over the old one, so an interrupt or a kill leaves every file whole.
``check_fixtures`` regenerates in memory and names each stale, missing or extra file.

A case's tier in a profile is derived here: ``error`` exactly where that profile's
reference rejects the input, the catalog's declared tier everywhere else. So each
profile's default run covers every call the profile accepts, and its ``error`` tier
holds only what it rejects.

PYTEST_DONT_REWRITE: pytest loads this package as its plugin; its asserts need no rewriting, and skipping it keeps start-up fast.
"""

from __future__ import annotations

import functools
import hashlib
import os
import tempfile
from collections.abc import Iterable
from pathlib import Path

import mpmath

import reference
from conformance import __version__, registry
from conformance.catalog import Case, cases
from conformance.fixture_format import (
    PROFILES,
    CaseText,
    check_tree,
    format_decimal,
    format_tolerance,
    render_tree,
)
from conformance.fixture_format import (
    render_case as _render_case_text,
)
from conformance.fixture_format import (
    render_document as _render_document_text,
)

__all__ = [
    "GenerationError",
    "render_all",
    "render_case",
    "render_document",
    "case_text",
    "write_fixtures",
    "check_fixtures",
    "check_tree",
    "source_sha256",
]


class GenerationError(RuntimeError):
    """The reference failed on a case: the message names it."""


@functools.lru_cache(maxsize=1)
def source_sha256() -> str:
    """A hash of everything the fixtures are a function of: the reference, the registry's
    declarations and cases, and the format. Computed once per process (the hypothesis
    mode renders a document per example)."""
    here = Path(__file__).parent
    files = sorted(Path(reference.__file__).parent.glob("*.py")) + sorted((here / "apis").glob("*.py"))
    files += [here / n for n in ("catalog.py", "fixture_format.py", "shapes.py", "registry.py")]
    h = hashlib.sha256()
    for f in files:
        h.update(f.name.encode() + b"\0" + f.read_bytes().replace(b"\r\n", b"\n") + b"\0")
    return h.hexdigest()


def _provenance() -> dict:
    return {
        "generator": "keras-conformance generate",
        "package_version": __version__,
        "mpmath_version": mpmath.__version__,
        "precision_dps": reference.DEFAULT_DPS,
        "source_sha256": source_sha256(),
        "tolerance_rule": f"reference.tracked: B + (K_EVAL + ceil(log2 n) + 2) u M, K_EVAL={reference.tracked.K_EVAL}",
    }


def _expected(case: Case, profile: str):
    """An error kind (str), or the outputs as (shape, values, tols) of formatted numbers."""
    try:
        results = registry.evaluate(case.api, case.inputs, case.params, profile)
    except reference.SpecError as exc:
        return exc.kind
    except Exception as exc:  # a bug in the reference or the catalog: name the case
        raise GenerationError(f"case {case.id!r} ({case.api}, {profile}): {type(exc).__name__}: {exc}") from exc
    outs = []
    for r in results:
        tol = reference.tolerance_of(r)
        with mpmath.workdps(reference.DEFAULT_DPS):
            vals = [format_decimal(v) for v in r.value.ravel()]
            tols = [format_tolerance(t) for t in tol.ravel()]
        outs.append((tuple(r.value.shape), vals, tols))
    return outs


def case_text(case: Case) -> CaseText:
    """A catalog case with its expectations and per-profile tiers, ready to write."""
    api = registry.get(case.api)
    # a profile that does not have the API (``Api.keras``) gets no expectation and no tier
    expected = {p: _expected(case, p) for p in PROFILES if p in api.keras}
    tiers = {}
    for p, e in expected.items():
        if isinstance(e, str):
            tiers[p] = "error"
        elif case.tier == "error":
            raise GenerationError(
                f"case {case.id!r} ({case.api}) is declared in tier 'error', but profile {p} accepts it: "
                "declare the tier it has where it is accepted"
            )
        else:
            tiers[p] = case.tier
    return CaseText(
        case.id,
        tiers,
        case.note,
        case.params,
        api.call.write_inputs(case.inputs),
        api.call.input_doc(case.inputs),
        expected,
    )


def render_case(case: Case) -> str:
    """One case as a fixture entry (``- id: ...``), ready to paste into a fixture file."""
    return _render_case_text(case_text(case))


def render_document(cases_of_one_api: list[Case]) -> str:
    """A complete fixture file for cases of one API."""
    return _render_document_text(cases_of_one_api[0].api, _provenance(), [case_text(c) for c in cases_of_one_api])


def render_all(catalog: Iterable[Case] | None = None, progress=None) -> dict[str, str]:
    """Relative path -> full text, for every fixture file, its compiled twin and the manifest.
    ``progress(file, n_cases, seconds)``, when given, is called as each file is done."""
    import time

    all_cases = list(cases() if catalog is None else catalog)
    prov = _provenance()
    docs = {}
    for api in registry.apis():
        t0 = time.perf_counter()
        mine = [case_text(c) for c in all_cases if c.api == api.name]
        docs[api.fixture_file] = (api.name, prov, mine)
        if progress is not None:
            progress(api.fixture_file, len(mine), time.perf_counter() - t0)
    return render_tree(docs, source_sha256())


def _atomic_write(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="\n") as fh:
            fh.write(text)
            fh.flush()
            os.fsync(fh.fileno())
        os.chmod(tmp, 0o644)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def write_fixtures(out_dir: str | Path, texts: dict[str, str] | None = None) -> list[str]:
    """Write every fixture file into ``out_dir``; returns the names written. The manifest
    goes last, so an interrupted write leaves files that it does not vouch for, never a
    manifest that vouches for files not yet written."""
    texts = render_all() if texts is None else texts
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    order = sorted(texts, key=lambda n: (n == "MANIFEST.json", n))
    for name in order:
        _atomic_write(out / name, texts[name])
    return sorted(texts)


def check_fixtures(fixture_dir: str | Path, texts: dict[str, str] | None = None) -> list[str]:
    """Problems with ``fixture_dir`` against a fresh generation: [] when it is current."""
    return check_tree(render_all() if texts is None else texts, fixture_dir, ("*.yaml", "*.json", "compiled/*.json"))
