"""The pytest plugin (entry point ``pytest11``): ``pytest --candidate NAME``.

Inert without ``--candidate``: it then adds its options and tier markers and imports
nothing else. With it, and no paths on the command line, pytest collects the packaged
fixtures (or ``--fixtures-dir DIR``); every case is one item named by its id and marked
with its API and its tier in the run's profile. The hooks stay thin: loading, running,
judging and reporting are plain functions in the sibling modules, imported when a run
asks for them.

PYTEST_DONT_REWRITE: pytest loads this package as its plugin; its asserts need no rewriting, and skipping it keeps start-up fast.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from conformance import PROFILES, TIERS, default_fixtures_dir

__all__ = ["fixture_case_ids"]

_STATE = pytest.StashKey["_State"]()
DEFAULT_TIERS = ("core", "edge")


def fixture_case_ids(directory: Path, known: dict[Path, set[str]] | None = None) -> set[str]:
    """Every case id in a fixtures directory; ``known`` holds the ids of files already
    loaded (by collection). Files that fail to load are skipped: their collection error
    reports them."""
    from conformance.fixture_format import FixtureError, load_fixture_file

    known = known or {}
    ids: set[str] = set()
    for f in directory.glob("*.yaml"):
        if f.resolve() in known:
            ids |= known[f.resolve()]
            continue
        try:
            ids.update(c.id for c in load_fixture_file(f)[1])
        except FixtureError:
            continue
    return ids


class _State:
    def __init__(self, config):
        from conformance.candidates import explain_load_error, load_candidate
        from conformance.deviations import load_deviations, packaged_deviations
        from conformance.isolation import IsolatedRunner

        opt = config.option
        self.spec = opt.conformance_candidate
        import warnings

        try:
            with warnings.catch_warnings(record=True) as caught:  # the library's own import-time warnings
                warnings.simplefilter("always")
                self.candidate = load_candidate(self.spec)
            self.load_warnings = [f"{w.category.__name__}: {w.message}" for w in caught]
        except Exception as exc:  # noqa: BLE001 - any import failure is a usage error
            raise pytest.UsageError(explain_load_error(self.spec, exc)) from exc
        self.profile = opt.conformance_profile or self.candidate.profile
        tiers = tuple(t.strip() for t in (opt.conformance_tier or ",".join(DEFAULT_TIERS)).split(",") if t.strip())
        bad = [t for t in tiers if t not in TIERS]
        if bad:
            raise pytest.UsageError(f"--tier: unknown tier(s) {bad}; known: {list(TIERS)}")
        self.tiers = tiers
        self.fixtures = Path(opt.conformance_fixtures or default_fixtures_dir()).resolve()
        try:
            devs = []
            shipped = getattr(self.candidate, "deviations_file", None)
            if shipped and opt.conformance_profile in (None, self.candidate.profile) and not opt.conformance_no_known:
                devs += packaged_deviations(shipped)
            for f in opt.conformance_deviations or []:
                devs += load_deviations(f)
        except ValueError as exc:
            raise pytest.UsageError(f"--deviations: {exc}") from exc
        self.deviations = devs
        self.collected_ids: dict[Path, set[str]] = {}
        self.timeout = opt.conformance_timeout
        #: a candidate known to crash the interpreter names why in ``isolate``: --isolate is then on
        self.isolate_reason = None if opt.conformance_isolate else getattr(self.candidate, "isolate", None)
        isolate = opt.conformance_isolate or bool(self.isolate_reason)
        self.isolated = IsolatedRunner(self.spec, self.profile, self.timeout) if isolate else None


def pytest_addoption(parser):
    g = parser.getgroup("keras-conformance", "Keras losses/metrics conformance suite")
    g.addoption(
        "--candidate",
        dest="conformance_candidate",
        default=None,
        help="implementation under test: keras, tf_keras, an installed candidate's name, or package.module:object",
    )
    g.addoption(
        "--profile",
        dest="conformance_profile",
        default=None,
        choices=PROFILES,
        help="spec profile to judge against (default: the candidate's own)",
    )
    g.addoption(
        "--tier",
        dest="conformance_tier",
        default=None,
        help="comma-separated tiers to run: core,edge,quirk,error (default: core,edge)",
    )
    g.addoption(
        "--fixtures-dir",
        dest="conformance_fixtures",
        default=None,
        help="directory of fixture files (default: the packaged fixtures; pytest itself owns --fixtures)",
    )
    g.addoption(
        "--conformance-json",
        dest="conformance_json",
        default=None,
        help="write per-case results (id, verdict, expected, got, ulp error) to this JSON file",
    )
    g.addoption(
        "--deviations",
        dest="conformance_deviations",
        action="append",
        default=None,
        help="YAML file of known deviations (case ids and reasons); may be repeated",
    )
    g.addoption(
        "--case-timeout",
        dest="conformance_timeout",
        type=float,
        default=None,
        help="fail a case whose candidate call takes longer than this many seconds",
    )
    g.addoption(
        "--isolate",
        dest="conformance_isolate",
        action="store_true",
        default=False,
        help="run the candidate in a worker process: a crash fails only the case that caused it",
    )
    g.addoption(
        "--conformance-hypothesis",
        dest="conformance_hypothesis",
        action="store_true",
        default=False,
        help="add hypothesis tests per API: random cases checked live against the reference",
    )
    g.addoption(
        "--conformance-hypothesis-profile",
        dest="conformance_hypothesis_profile",
        default="conformance-fast",
        help="hypothesis settings profile for that mode: conformance-fast (default) or conformance-thorough",
    )
    g.addoption(
        "--no-known-deviations",
        dest="conformance_no_known",
        action="store_true",
        default=False,
        help="ignore the built-in candidate's shipped deviations file: every deviation fails",
    )


def pytest_configure(config):
    for t in TIERS:
        config.addinivalue_line("markers", f"{t}: conformance cases of tier {t}")
    config.addinivalue_line("markers", "hypothesis_mode: the random cases of --conformance-hypothesis")
    if not config.option.conformance_candidate:
        return
    from conformance import registry

    for api in registry.apis():
        config.addinivalue_line("markers", f"{api.marker}: conformance cases of {api.name}")
    state = _State(config)
    config.stash[_STATE] = state
    config.pluginmanager.register(_Reporter(config, state), "keras-conformance-reporter")
    if not config.option.file_or_dir:  # no paths given: run the fixtures
        config.args[:] = [str(state.fixtures)]
        if hasattr(pytest.Config, "ArgsSource"):  # no "testpaths: tests" line for the fixtures
            config.args_source = pytest.Config.ArgsSource.ARGS
    # A malformed fixture file is one collection error; the other files still run
    # (the exit status still reports the error).
    config.option.continue_on_collection_errors = True


def pytest_report_header(config):
    state = config.stash.get(_STATE, None)
    if state is None:
        return None
    env = ", ".join(
        f"{k}={v}"
        for k, v in sorted(os.environ.items())
        if k in ("KERAS_BACKEND", "TF_USE_LEGACY_KERAS", "CUDA_VISIBLE_DEVICES")
    )
    loaded = f" ({len(state.load_warnings)} warnings while importing it, not shown)" if state.load_warnings else ""
    return [
        f"conformance: candidate {state.spec}: {state.candidate.describe()}{loaded}",
        f"conformance: profile {state.profile}, tiers {','.join(state.tiers)}",
        f"conformance: fixtures {state.fixtures}; {len(state.deviations)} known-deviation entries"
        + (f"; {env}" if env else ""),
    ] + (
        [f"conformance: every case in a worker process (--isolate): {state.isolate_reason}"]
        if state.isolate_reason
        else []
    )


def pytest_collect_file(file_path: Path, parent):
    state = parent.config.stash.get(_STATE, None)
    if state is None or file_path.suffix != ".yaml":
        return None
    try:
        file_path.resolve().relative_to(state.fixtures)
    except ValueError:
        return None
    return FixtureFile.from_parent(parent, path=file_path)


def pytest_collection_modifyitems(session, config, items):
    state = config.stash.get(_STATE, None)
    if state is None:
        return
    if config.option.conformance_hypothesis:
        from conformance import registry

        for api in registry.apis():
            if api.draw is None:
                continue
            item = HypothesisItem.from_parent(session, name=f"hypothesis[{api.name}]", api=api.name)
            item.add_marker(getattr(pytest.mark, api.marker))
            item.add_marker(pytest.mark.hypothesis_mode)
            items.append(item)
    keep, drop = [], []
    for it in items:
        (keep if not isinstance(it, CaseItem) or it.case.tier_in(state.profile) in state.tiers else drop).append(it)
    if drop:
        config.hook.pytest_deselected(items=drop)
        items[:] = keep


class FixtureFile(pytest.File):
    """One fixture file; a malformed file is one collection error, the others still run."""

    def collect(self):
        from conformance import registry
        from conformance.deviations import match
        from conformance.fixture_format import load_fixture_file

        state = self.config.stash[_STATE]
        _, cases = load_fixture_file(self.path)
        state.collected_ids[self.path.resolve()] = {c.id for c in cases}
        for case in cases:
            tier = case.tier_in(state.profile)
            if tier is None:  # the profile lacks the API (a keras3-only loss under keras2): no item
                continue
            item = CaseItem.from_parent(self, name=case.id, case=case)
            item.add_marker(getattr(pytest.mark, tier))
            item.add_marker(getattr(pytest.mark, registry.get(case.api).marker))
            dev = match(case.id, state.deviations)
            if dev is not None:
                item.add_marker(pytest.mark.xfail(reason=f"known deviation ({dev.source}): {dev.reason}", strict=False))
                item.deviation = dev
            yield item

    def repr_failure(self, excinfo):
        from conformance.fixture_format import FixtureError

        if isinstance(excinfo.value, FixtureError):
            return f"fixture file rejected: {excinfo.value}"
        return super().repr_failure(excinfo)


class CaseFailure(AssertionError):
    def __init__(self, verdict):
        super().__init__(verdict.message)
        self.verdict = verdict


class CaseItem(pytest.Item):
    """One conformance case."""

    def __init__(self, *, case, **kwargs):
        super().__init__(**kwargs)
        self.case = case
        self.deviation = None

    def runtest(self):
        from conformance.isolation import run_guarded
        from conformance.summary import record

        state = self.config.stash[_STATE]
        # a case from a compiled twin is built when first read: here, before the candidate
        # runs, so a FixtureError is reported as the fixture's and never as the candidate's
        self.case.expected  # noqa: B018
        if state.isolated is not None:
            verdict = state.isolated.run(self.case)
        else:
            verdict = run_guarded(state.candidate, self.case, state.profile, state.timeout)
        self.user_properties.append(("conformance", record(self.case, verdict, state.profile, state.spec)))
        if verdict.status == "skip":
            pytest.skip(verdict.message)
        if verdict.status == "fail":
            raise CaseFailure(verdict)

    def repr_failure(self, excinfo, style=None):
        from conformance.fixture_format import FixtureError

        if isinstance(excinfo.value, CaseFailure):
            from conformance.runner import format_failure

            state = self.config.stash[_STATE]
            return format_failure(self.case, excinfo.value.verdict, state.profile, state.spec)
        if isinstance(excinfo.value, FixtureError):
            return f"fixture case rejected: {excinfo.value}"
        return super().repr_failure(excinfo, style)

    def reportinfo(self):
        state = self.config.stash[_STATE]
        return self.path, None, f"{self.case.api}::{self.case.id} [{self.case.tier_in(state.profile)}]"


class HypothesisItem(pytest.Item):
    """One API's property: drawn cases checked live against the reference."""

    def __init__(self, *, api: str, **kwargs):
        super().__init__(**kwargs)
        self.api = api

    def runtest(self):
        from conformance.hypothesis_mode import run_api

        state = self.config.stash[_STATE]
        seed = getattr(self.config.option, "hypothesis_seed", None)
        stats: dict = {}
        try:
            run_api(
                self.api,
                state.candidate,
                state.profile,
                state.spec,
                self.config.option.conformance_hypothesis_profile,
                seed,
                stats,
            )
        finally:
            self.user_properties.append(("conformance-hypothesis", {"api": self.api, **stats}))

    def repr_failure(self, excinfo, style=None):
        from conformance.hypothesis_mode import HypothesisFailure

        if isinstance(excinfo.value, HypothesisFailure):
            e = excinfo.value
            return (
                f"{e.report}\n\n  the shrunk case as a fixture entry (paste it under `cases:` of a fixture file "
                f"for {self.api}, then run it with --fixtures-dir):\n\n{e.entry}"
            )
        return super().repr_failure(excinfo, style)

    def reportinfo(self):
        return self.path, None, f"hypothesis[{self.api}]"


class _Reporter:
    """Per-session hooks that gather case records (from xdist workers too) and report them."""

    def __init__(self, config, state: _State):
        self.config, self.state = config, state
        self.records: list[dict] = []
        self.hypothesis_stats: list[dict] = []
        self.json_written: tuple[str, int] | None = None

    def pytest_runtest_logreport(self, report):
        hyp = next((v for k, v in (report.user_properties or ()) if k == "conformance-hypothesis"), None)
        if hyp is not None and report.when == "call":
            self.hypothesis_stats.append(hyp)
        rec = next((v for k, v in (report.user_properties or ()) if k == "conformance"), None)
        if rec is None or report.when != "call":
            return
        rec = dict(rec)
        if hasattr(report, "wasxfail"):
            rec["verdict"] = "xpass" if report.passed else "xfail"
        self.records.append(rec)

    def pytest_terminal_summary(self, terminalreporter):
        if hasattr(self.config, "workerinput"):
            return
        from conformance.deviations import match
        from conformance.summary import format_table, summary_rows

        tr, state = terminalreporter, self.state
        tr.write_sep("=", f"conformance summary: {state.spec} against profile {state.profile}")
        rows = summary_rows(self.records)
        if rows:
            tr.write_line(format_table(rows))
        elif self.hypothesis_stats:
            tr.write_line("no fixture case was selected; the hypothesis mode ran:")
        else:
            tr.write_line("no fixture case ran")
        warned = [r for r in self.records if r.get("warnings")]
        if warned:
            tr.write_line(
                f"the candidate raised {sum(r['warnings'] for r in warned)} warnings in {len(warned)} cases "
                "(captured per case: a failing case's report shows them; --conformance-json counts them)"
            )
        for h in sorted(self.hypothesis_stats, key=lambda h: h["api"]):
            n, secs = h.get("examples", 0), h.get("seconds", 0.0)
            rate = f"{n / secs:.1f}/s" if secs else "n/a"
            tr.write_line(f"hypothesis mode: {h['api']}: {n} examples in {secs:.1f} s ({rate})")
        xpassed = sorted(r["id"] for r in self.records if r["verdict"] == "xpass")
        if xpassed:
            tr.write_line(f"\n{len(xpassed)} known-deviation case(s) now pass; remove their entries:")
            for i in xpassed:
                tr.write_line(f"  {i}")
        ids = fixture_case_ids(state.fixtures, state.collected_ids) if state.deviations else set()
        unused = [d for d in state.deviations if not any(match(i, [d]) for i in ids)]
        if unused:
            tr.write_line(f"\n{len(unused)} known-deviation entries match no case in {state.fixtures}:")
            for d in unused:
                tr.write_line(f"  {d.pattern}  ({d.source})")
        if self.json_written:
            tr.write_line(f"\nconformance: wrote {self.json_written[1]} case results to {self.json_written[0]}")

    def pytest_sessionfinish(self, session):
        if self.state.isolated is not None:
            self.state.isolated.close()
        if hasattr(self.config, "workerinput") or not self.config.option.conformance_json:
            return
        from conformance.summary import write_json

        st = self.state
        header = {
            "candidate": st.spec,
            "describe": st.candidate.describe(),
            "profile": st.profile,
            "tiers": list(st.tiers),
        }
        path = self.config.option.conformance_json
        write_json(path, self.records, header)
        self.json_written = (str(Path(path).resolve()), len(self.records))
