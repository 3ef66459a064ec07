"""``--conformance-hypothesis``: random cases, checked live against the reference.

Per API with a strategy in its declaration (``Api.draw``), hypothesis draws cases
(``conformance.strategies.cases_for``). Each drawn case goes
through the same path as a fixture: the reference computes its expected values and
tolerances, the case is rendered as a fixture entry and loaded back, and ``run_case``
judges the candidate. A failure is shrunk to a minimal case and printed as a fixture
entry ready to paste into a fixture file (``--fixtures-dir`` runs it).

Budgets are hypothesis settings profiles: ``conformance-fast`` (the default: 60 examples
per API, derandomized, no example database, so every run starts fresh and finds the same
things) and ``conformance-thorough`` (1000 examples); ``--hypothesis-seed`` picks a seed.

PYTEST_DONT_REWRITE: pytest loads this package as its plugin; its asserts need no rewriting, and skipping it keeps start-up fast.
"""

from __future__ import annotations

import time

from hypothesis import HealthCheck, Phase, given, reject, settings

from conformance.fixture_format import load_fixture_text
from conformance.generate import GenerationError, render_case, render_document
from conformance.runner import format_failure, run_case
from conformance.strategies import cases_for
from reference.errors import UndefinedInput

__all__ = ["PROFILES", "HypothesisFailure", "check_one", "run_api"]
_COMMON = dict(deadline=None, suppress_health_check=list(HealthCheck), print_blob=False)
settings.register_profile("conformance-fast", max_examples=60, derandomize=True, database=None, **_COMMON)
settings.register_profile("conformance-thorough", max_examples=1000, database=None, **_COMMON)
PROFILES = ("conformance-fast", "conformance-thorough")


class HypothesisFailure(AssertionError):
    """A drawn case the candidate fails; carries the report and the fixture entry."""

    def __init__(self, report: str, entry: str):
        super().__init__(report)
        self.report, self.entry = report, entry


def check_one(candidate, case, profile: str, spec: str) -> None:
    """Judge one drawn case through the fixture path; raise HypothesisFailure if it fails."""
    try:
        text = render_document([case])
    except GenerationError as exc:
        if isinstance(exc.__cause__, UndefinedInput):
            reject()  # the spec does not define this input (0/0): draw another
        raise
    _, (loaded,) = load_fixture_text(text, f"<hypothesis {case.api}>")
    verdict = run_case(candidate, loaded, profile)
    if verdict.status == "fail":
        raise HypothesisFailure(format_failure(loaded, verdict, profile, spec), render_case(case))


def run_api(
    api: str,
    candidate,
    profile: str,
    spec: str,
    settings_profile: str,
    seed: int | None = None,
    stats: dict | None = None,
) -> dict:
    """Run one API's property, counting into ``stats`` {examples, seconds} (filled even when
    it raises the shrunk failure)."""
    stats = {} if stats is None else stats
    stats["examples"] = 0

    @settings(settings.get_profile(settings_profile), phases=tuple(Phase))
    @given(case=cases_for(api, profile))
    def prop(case):
        stats["examples"] += 1
        check_one(candidate, case, profile, spec)

    if seed is not None:
        from hypothesis import seed as hseed

        prop = hseed(seed)(prop)
    start = time.perf_counter()
    try:
        prop()
    finally:
        stats["seconds"] = time.perf_counter() - start
    return stats
