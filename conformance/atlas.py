"""The upgrade atlas: the suite over many Keras versions, and what changed when (docs/atlas.md).

``keras-conformance atlas RESULTS_DIR [--out docs/atlas.md] [--check]`` reads the
``results-<env>.json`` files that the tox envs ``atlas-keras3.X`` / ``atlas-tfkeras2.Y`` write
(``python scripts/atlas.py run`` runs them and records ``atlas-run.json``: times, disk) and writes:

- per series (Keras 3, judged by profile keras3; tf.keras / tf_keras, judged by keras2), a table of
  passed / failed / errored cases per API and version (errored: the candidate raised where the
  profile expects a value; failed: any other failing verdict);
- per version, one line per failure class that a later version fixes for good ("older than the
  profile": the version predates the profile's semantics), rather than hundreds of cases;
- per consecutive pair of versions run, ``keras-conformance diff``'s changes grouped into behaviour
  changes (API + change + failure class), each with its count and a few example cases.

PYTEST_DONT_REWRITE: pytest loads this package as its plugin; its asserts need no rewriting, and skipping it keeps start-up fast.
"""

from __future__ import annotations

import json
import re
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from pathlib import Path

from conformance.report import diff_results, load_results

__all__ = ["ENVS", "Run", "failure_class", "outcome", "load_atlas", "render_atlas"]

# the tox envs of the atlas (tox.ini, scripts/atlas.py), oldest first per series
KERAS3_ENVS = [f"atlas-keras3.{i}" for i in range(16)]
KERAS2_ENVS = [f"atlas-tfkeras2.{i}" for i in range(15, 22)]
ENVS = KERAS3_ENVS + KERAS2_ENVS
SERIES = {
    "keras3": ("Keras 3 on JAX (profile keras3)", KERAS3_ENVS),
    "keras2": ("tf.keras 2.15 and tf_keras 2.16-2.21 (profile keras2)", KERAS2_ENVS),
}
RECORD = "atlas-run.json"
RAISED = "the candidate raised "
EXAMPLES = 3


@dataclass
class Run:
    """One env's results: ``version`` parsed from the candidate's description."""

    env: str
    doc: dict
    version: tuple[int, ...] = ()
    label: str = ""
    series: str = ""
    by_id: dict = field(default_factory=dict)

    def __post_init__(self):
        desc = self.doc.get("describe") or self.doc["candidate"]
        m = re.search(r"(tf_keras|tf\.keras|keras) (\d+(?:\.\d+)*)", desc)
        self.version = tuple(int(x) for x in m.group(2).split(".")) if m else ()
        name = m.group(1) if m else self.doc["candidate"]
        self.label = f"{name} {m.group(2)}" if m and name != "keras" else (m.group(2) if m else desc)
        self.series = self.doc.get("profile", "")
        self.by_id = {r["id"]: r for r in self.doc["cases"]}


def outcome(rec: dict) -> str:
    """passed / failed / errored / xfail / skip for one case record."""
    v = rec["verdict"]
    if v == "pass":
        return "passed"
    if v in ("xfail", "skip"):
        return v
    return "errored" if (rec.get("message") or "").startswith(RAISED) else "failed"


_NUM = re.compile(r"(?<![\w.])[-+]?(\d+\.?\d*|\.\d+)(e[-+]?\d+)?")


def _normalise(text: str, width: int = 90) -> str:
    text = " ".join(text.split())
    text = _NUM.sub("#", text)
    return text if len(text) <= width else text[: width - 1] + "…"


def failure_class(rec: dict) -> str:
    """What kind of failure a failing case shows, independent of its numbers: the exception and
    what is missing (an attribute, an argument, a reduction name) or the message shape."""
    msg = (rec.get("message") or "").strip()
    if rec.get("verdict") == "skip" and (m := re.search(r" has no (\S+)", msg)):
        return f"API missing: {m.group(1)}"
    if msg.startswith(RAISED):
        exc, _, text = msg[len(RAISED) :].partition(":")
        first = text.strip().splitlines()[0] if text.strip() else ""
        if a := re.search(r"has no attribute '([^']+)'", first):
            return f"{exc}: no attribute '{a.group(1)}'"
        if a := re.search(r"unexpected keyword argument '([^']+)'", first):
            return f"{exc}: no argument '{a.group(1)}'"
        if "argument `reduction`" in text or "argument reduction" in text:
            r = re.search(r"Received: reduction=([\w'\"]+)", text)
            return f"{exc}: unknown reduction {r.group(1).strip(chr(39) + chr(34))!r}" if r else f"{exc}: reduction"
        return f"{exc}: {_normalise(first)}"
    if not msg:
        return "failed"
    return _normalise(msg.splitlines()[0])


def load_atlas(results_dir: str | Path) -> tuple[dict[str, list[Run]], dict]:
    """The runs found in ``results_dir`` per series (oldest first), and the driver's record."""
    d = Path(results_dir)
    runs: dict[str, list[Run]] = defaultdict(list)
    for p in sorted(d.glob("results-*.json")):
        env = p.stem[len("results-") :]
        run = Run(env, load_results(p))
        runs[run.series].append(run)
    for rs in runs.values():
        rs.sort(key=lambda r: r.version)
    rec_path = d / RECORD
    record = json.loads(rec_path.read_text(encoding="utf-8")) if rec_path.is_file() else {"envs": {}, "runs": []}
    for env, e in record.get("envs", {}).items():
        log = d / (e.get("log") or f"log-{env}.txt")
        if not e.get("packages") and log.is_file():
            m = re.search(r"install_deps> \S+ pip install (.*)", log.read_text(encoding="utf-8", errors="replace"))
            if m:
                e["pins"] = " ".join(x.strip("'") for x in m.group(1).split())
    return dict(runs), record


# --------------------------------------------------------------------------- rendering
def _gib(n: float | None) -> str:
    return "-" if n is None else f"{n / 2**30:.2f} GiB"


def _mins(s: float | None) -> str:
    return "-" if s is None else (f"{s / 60:.1f} min" if s >= 90 else f"{s:.0f} s")


def _counts(run: Run) -> dict[str, Counter]:
    per: dict[str, Counter] = defaultdict(Counter)
    for r in run.doc["cases"]:
        per[r["api"]][outcome(r)] += 1
    return per


def _cell(c: Counter | None) -> str:
    if not c:
        return "-"
    s = f"{c['passed']}/{c['failed']}/{c['errored']}"
    extra = "".join(f" +{c[k]}{k[0]}" for k in ("xfail", "skip") if c[k])
    return s + extra


def _fixed_in(runs: list[Run]) -> dict[str, int]:
    """Per case id that no run before passes, the index of the first run from which it passes
    in every later run: the version that adopted the profile's behaviour. Absent: the case
    fails in the newest run, or passed in some earlier run (a regression, then a fix)."""
    out = {}
    ids = set().union(*(r.by_id for r in runs)) if runs else set()
    for cid in ids:
        first = None
        for i in range(len(runs) - 1, -1, -1):
            rec = runs[i].by_id.get(cid)
            if rec is None or rec["verdict"] != "pass":
                break
            first = i
        if first is not None and not any(r.by_id.get(cid, {}).get("verdict") == "pass" for r in runs[:first]):
            out[cid] = first
    return out


def _n(n: int, what: str = "case") -> str:
    return f"{n} {what}" + ("" if n == 1 else "s")


def _api_counts(recs: list[dict]) -> str:
    c = Counter(r["api"] for r in recs)
    return ", ".join(f"{api} {n}" for api, n in sorted(c.items(), key=lambda kv: (-kv[1], kv[0])))


def _got(rec: dict | None) -> str:
    if rec is None:
        return "-"
    g = rec.get("got")
    return "raised" if not g else json.dumps(g)[:60]


def _packages(env_record: dict) -> str:
    """The versions the driver found installed, or the pins tox installed (from its log)."""
    pk = env_record.get("packages") or {}
    shown = [f"{k} {v}" for k, v in sorted(pk.items()) if k not in ("keras", "tf_keras")]
    if shown:
        return ", ".join(shown)
    pins = env_record.get("pins")
    return f"pins: {pins}" if pins else "-"


def _header(runs_by_series: dict[str, list[Run]], record: dict) -> list[str]:
    envs = record.get("envs", {})
    lines = [
        "| env | version | with | cases | passed / failed / errored | install | run | env size |",
        "|---|---|---|---|---|---|---|---|",
    ]
    run_envs = []
    for series in SERIES:
        for run in runs_by_series.get(series, []):
            tot = Counter(outcome(r) for r in run.doc["cases"])
            e = envs.get(run.env, {})
            run_envs.append(e)
            lines.append(
                f"| {run.env} | {run.doc.get('describe') or run.label} | {_packages(e)} | {len(run.doc['cases'])} | "
                f"{tot['passed']} / {tot['failed']} / {tot['errored']} | {_mins(e.get('install_s'))} | "
                f"{_mins(e.get('run_s'))} | {_gib(e.get('env_bytes'))} |"
            )
    timed = [e for e in run_envs if "run_s" in e]
    out = lines + [""]
    if timed:
        n = len(timed)
        inst = sum(e["install_s"] for e in timed)
        run_s = sum(e["run_s"] for e in timed)
        peak = max(
            [r.get("peak_disk_bytes", 0) for r in record.get("runs", [])]
            + [e.get("peak_disk_so_far_bytes", 0) for e in timed]
        )
        cache = max((r.get("cache_bytes", 0) for r in record.get("runs", [])), default=0)
        biggest = max(e.get("env_bytes", 0) for e in timed)
        cpus = {r.get("cpus") for r in record.get("runs", [])} - {None}
        jobs = {r.get("jobs") for r in record.get("runs", [])} - {None}
        out += [
            f"Run time: {n} env(s), {_mins(inst)} installing and {_mins(run_s)} running the suite "
            f"(`-j {', '.join(map(str, sorted(jobs)))}`, on {', '.join(map(str, sorted(cpus)))} CPU core(s), "
            "shared with other work). "
            f"Disk: peak {_gib(peak)} (the envs alive at once plus the shared uv cache, {_gib(cache)}; "
            f"the largest env {_gib(biggest)}; each env is deleted once its results are written).",
        ]
        recovered = [env for env, e in envs.items() if e.get("recovered") and e in timed]
        if recovered:
            out += [
                "",
                f"The times and size of {', '.join(recovered)} come from the driver's printed summary line "
                "(the run was stopped before it wrote its record).",
            ]
        missing = [e for e in ENVS if e not in {r.env for rs in runs_by_series.values() for r in rs}]
        if missing:
            # per series: a Keras 3 env on jax and a tensorflow env take very different times
            total = 0.0
            for _, series_envs in SERIES.values():
                done = [envs[e] for e in series_envs if "run_s" in envs.get(e, {})] or timed
                total += len(series_envs) * sum(e["install_s"] + e["run_s"] for e in done) / len(done)
            out += [
                "",
                f"Projection for the whole matrix ({len(ENVS)} envs) at this rate and `-j 1`: about "
                f"{_mins(total)} ({total / 3600:.1f} h: each series' envs run so far, averaged, times its number of envs). "
                "The cache grows with each jax and tensorflow release; the driver empties it between installs "
                f"once it passes `--cache-limit` (6 GiB by default), so disk stays under that plus about "
                f"{_gib(biggest)} per job.",
            ]
    return out


def _series_section(title: str, runs: list[Run], expected: list[str]) -> list[str]:
    out = [f"## {title}", ""]
    have = {r.env for r in runs}
    todo = [e for e in expected if e not in have]
    if todo:
        out += [f"Still to run (no results yet, nothing is shown for them): {', '.join(f'`{e}`' for e in todo)}.", ""]
    if not runs:
        return out
    counts = [_counts(r) for r in runs]
    apis = sorted(set().union(*counts))
    out += [
        "### Verdicts per API and version",
        "",
        "Each cell: passed/failed/errored cases (errored: the candidate raised where the profile "
        "expects a value; +Nx known deviations, +Ns skipped).",
        "",
        "| api | " + " | ".join(r.label for r in runs) + " |",
        "|---|" + "---|" * len(runs),
    ]
    for api in apis:
        out.append(f"| {api} | " + " | ".join(_cell(c.get(api)) for c in counts) + " |")
    tot = [sum(c.values(), Counter()) for c in counts]
    out += ["| **all** | " + " | ".join(f"**{_cell(t)}**" for t in tot) + " |", ""]

    fixed = _fixed_in(runs)
    newest = runs[-1].label
    out += [
        "### Older than the profile",
        "",
        "Per version, its failures (and the cases of APIs it lacks, skipped) grouped by class; where a later version passes those cases from "
        f"then on (through {newest}), the version predates the profile's semantics, in one line. "
        "'From X on' names the first version RUN that passes them: with versions still to run, the "
        "change may have come earlier.",
        "",
    ]
    for i, run in enumerate(runs):
        groups: dict[tuple, list[dict]] = defaultdict(list)
        for r in run.doc["cases"]:
            if outcome(r) in ("failed", "errored") or failure_class(r).startswith("API missing"):
                groups[(fixed.get(r["id"], -1), failure_class(r))].append(r)
        if not groups:
            out.append(f"- **{run.label}**: no failures.")
            continue
        for (fix, cls), recs in sorted(groups.items(), key=lambda kv: (kv[0][0] < 0, -len(kv[1]), kv[0][1])):
            if fix > i:
                where = f"older than the profile: the profile's behaviour from {runs[fix].label} on"
            elif run.by_id is runs[-1].by_id or all(
                runs[-1].by_id.get(r["id"], {}).get("verdict") != "pass" for r in recs
            ):
                where = f"still failing in {newest}"
            else:
                where = "a regression: an earlier version passed them"
            out.append(f"- **{run.label}**: {_n(len(recs))} `{cls}` ({_api_counts(recs)}): {where}.")
    out.append("")

    out += ["### Changes between consecutive versions run", ""]
    for i in range(1, len(runs)):
        old, new = runs[i - 1], runs[i]
        changes = diff_results(old.doc, new.doc)
        out += [f"#### {old.label} → {new.label}", ""]
        if not changes:
            out += ["No case changed beyond rounding.", ""]
            continue
        sticky: dict[str, list[dict]] = defaultdict(list)
        groups: dict[tuple, list[dict]] = defaultdict(list)
        only: dict[str, list[dict]] = defaultdict(list)
        for api, cs in changes.items():
            for c in cs:
                a, b = c["old"], c["new"]
                if a is None or b is None:  # the runs used different fixtures (suite versions)
                    only[c["change"]].append(a or b)
                    continue
                if c["change"].endswith("-> pass") and fixed.get(c["id"]) == i:
                    sticky[failure_class(a)].append(a)
                    continue
                failing = b if b is not None and b["verdict"] != "pass" else a
                cls = failure_class(failing) if failing is not None and failing["verdict"] != "pass" else ""
                if cls and failing["verdict"] == "xfail":
                    cls = f"known deviation: {cls}"
                groups[(api, c["change"], cls)].append(c)
        for cls, recs in sorted(sticky.items(), key=lambda kv: -len(kv[1])):
            out.append(
                f"- {_n(len(recs))} now {'passes' if len(recs) == 1 else 'pass'} for good, which raised or failed with `{cls}` before "
                f"({_api_counts(recs)}): {new.label} adopts the profile's behaviour."
            )
        for change, recs in sorted(only.items()):
            out.append(f"- {_n(len(recs))} `{change}` run (the two runs used different fixtures): {_api_counts(recs)}")
        for (api, change, cls), cs in sorted(groups.items(), key=lambda kv: (kv[0][0], -len(kv[1]))):
            what = f"{api}: {len(cs)} `{change}`" + (f", `{cls}`" if cls else "")
            out.append(f"- {what}")
            for c in cs[:EXAMPLES]:
                out.append(f"  - `{c['id']}`: got {_got(c['old'])} → {_got(c['new'])}")
            if len(cs) > EXAMPLES:
                out.append(f"  - ... and {len(cs) - EXAMPLES} more")
        out.append("")
    return out


def render_atlas(runs_by_series: dict[str, list[Run]], record: dict) -> str:
    out = [
        "# Upgrade atlas: the suite over Keras 3.0-3.15 and tf.keras 2.15 / tf_keras 2.16-2.21",
        "",
        "<!-- generated by `keras-conformance atlas RESULTS_DIR --out docs/atlas.md`; do not edit -->",
        "",
        "Each version runs in a tox env of its own (`atlas-keras3.X` on JAX with a jax release of its "
        "time, `atlas-tfkeras2.Y` on tensorflow-cpu of the same minor; pins in tox.ini), every tier, "
        "judged by the suite's profile for its series. Reproduce:",
        "",
        "```bash",
        "nice -n 19 python scripts/atlas.py run -j 1 --results atlas-results   # needs tox and tox-uv",
        "keras-conformance atlas atlas-results --out docs/atlas.md",
        "```",
        "",
        *_header(runs_by_series, record),
        "",
    ]
    for series, (title, expected) in SERIES.items():
        out += _series_section(title, runs_by_series.get(series, []), expected)
    return "\n".join(out).rstrip() + "\n"
