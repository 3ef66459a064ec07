"""keras-conformance: the golden fixtures, the golden-value docs, accuracy tables and diffs.

  keras-conformance generate [--out DIR] [--check]   fixtures from the registry through the reference
  keras-conformance docs [--out DIR] [--check]       docs/golden from the fixtures
  keras-conformance report RESULTS.json ...          an accuracy table from --conformance-json results
  keras-conformance diff OLD.json NEW.json           what changed between two runs
  keras-conformance atlas RESULTS_DIR [--out F] [--check]  the upgrade atlas (docs/atlas.md) from many runs
  keras-conformance cross-backend RESULTS.json ... [--out F]  the largest differences between backends

generate and docs work on the project checkout they are run in (found from the current
directory); they never write into an installed package.

PYTEST_DONT_REWRITE: pytest loads this package as its plugin; its asserts need no rewriting, and skipping it keeps start-up fast.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import conformance
from conformance import default_fixtures_dir

__all__ = ["main"]


def _check_result(command: str, target: Path, problems: list[str], current: str) -> int:
    """Print each problem of a --check and the verdict; 1 when anything is off."""
    for p in problems:
        print(p, file=sys.stderr)
    if problems:
        print(
            f"keras-conformance {command} --check: {len(problems)} problem(s) in {target}; run `keras-conformance {command}`",
            file=sys.stderr,
        )
        return 1
    print(f"{target}: {current}")
    return 0


def project_root(start: Path | None = None) -> Path | None:
    """The keras-conformance checkout that holds ``start`` (the current directory): the
    nearest directory at or above it with this project's pyproject.toml and conformance/."""
    here = (start or Path.cwd()).resolve()
    for d in (here, *here.parents):
        pp = d / "pyproject.toml"
        if (d / "conformance").is_dir() and pp.is_file():
            try:
                if 'name = "keras-conformance"' in pp.read_text(encoding="utf-8"):
                    return d
            except OSError:
                continue
    return None


def _installed_package_dir() -> Path:
    return Path(conformance.__file__).resolve().parent


def _target(command: str, out: str | None, default_rel: str, check: bool) -> Path | None:
    """Where ``command`` reads or writes; None (after a one-line message) when it would
    write into the installed package."""
    if out:
        target = Path(out)
    else:
        root = project_root()
        if root is not None:
            target = root / default_rel
        elif check and default_rel == "fixtures":
            target = default_fixtures_dir()  # checking an install's own fixtures writes nothing
        else:
            print(
                f"keras-conformance {command}: no keras-conformance checkout at or above {Path.cwd()}: "
                f"run it in a clone of the project, or pass --out DIR (it never writes into the installed package)",
                file=sys.stderr,
            )
            return None
    pkg = _installed_package_dir()
    if not check and (target.resolve() == pkg or pkg in target.resolve().parents):
        print(
            f"keras-conformance {command}: refusing to write into the installed package ({pkg}); "
            "run it in a clone of the project, or pass --out DIR",
            file=sys.stderr,
        )
        return None
    return target


def _generate(args) -> int:
    from conformance.generate import GenerationError, check_fixtures, render_all, write_fixtures

    target = _target("generate", args.out, "fixtures", args.check)
    if target is None:
        return 2
    t0 = time.perf_counter()

    def progress(name, n, secs):
        print(f"  {name}: {n} cases ({secs:.1f}s)", file=sys.stderr, flush=True)

    try:
        texts = render_all(progress=progress)
    except GenerationError as exc:
        print(f"keras-conformance generate: {exc}", file=sys.stderr)
        return 2
    n = _count(texts)
    if args.check:
        current = f"{len(texts)} files, {n} cases, current ({time.perf_counter() - t0:.1f}s)"
        return _check_result("generate", target, check_fixtures(target, texts), current)
    names = write_fixtures(target, texts)
    print(f"wrote {len(names)} files, {n} cases to {target} in {time.perf_counter() - t0:.1f}s")
    return 0


def _count(texts: dict[str, str]) -> int:
    import json

    from conformance.fixture_format import MANIFEST

    files = json.loads(texts[MANIFEST])["files"]
    # every case is in each profile that has its API: a file's cases are its largest profile count
    return sum(max(sum(tiers.values()) for tiers in f["cases"].values()) for f in files.values())


def _docs(args) -> int:
    from conformance.golden_docs import check_docs, write_docs

    out = _target("docs", args.out, "docs/golden", args.check)
    if out is None:
        return 2
    root = project_root()
    fixtures = Path(args.fixtures) if args.fixtures else (root / "fixtures" if root else default_fixtures_dir())
    if args.check:
        return _check_result("docs", out, check_docs(fixtures, out), "current")
    names = write_docs(fixtures, out)
    print(f"wrote {len(names)} files to {out}")
    return 0


def _report(args) -> int:
    from conformance.report import accuracy_table, load_results

    try:
        docs = [load_results(p) for p in args.results]
    except ValueError as exc:
        print(f"keras-conformance report: {exc}", file=sys.stderr)
        return 2
    print(accuracy_table(docs))
    return 0


def _diff(args) -> int:
    from conformance.report import diff_results, format_diff, load_results, regressions

    try:
        old, new = load_results(args.old), load_results(args.new)
    except ValueError as exc:
        print(f"keras-conformance diff: {exc}", file=sys.stderr)
        return 2
    changes = diff_results(old, new)
    print(format_diff(old, new, changes, args.limit))
    return 1 if regressions(changes) else 0


def _atlas(args) -> int:
    from conformance.atlas import load_atlas, render_atlas

    try:
        runs, record = load_atlas(args.results_dir)
    except ValueError as exc:
        print(f"keras-conformance atlas: {exc}", file=sys.stderr)
        return 2
    if not runs:
        print(f"keras-conformance atlas: no results-*.json in {args.results_dir}", file=sys.stderr)
        return 2
    text = render_atlas(runs, record)
    if args.out is None:
        print(text, end="")
        return 0
    out = Path(args.out)
    if args.check:
        current = out.read_text(encoding="utf-8") if out.is_file() else None
        problems = [] if current == text else [f"{out}: differs from what {args.results_dir} generates"]
        return _check_result("atlas", out, problems, "current")
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(text, encoding="utf-8")
    print(f"wrote {out} from {sum(len(r) for r in runs.values())} runs")
    return 0


def _cross_backend(args) -> int:
    from conformance.crossbackend import cross_backend, format_cross_backend
    from conformance.report import load_results

    try:
        docs = [load_results(p) for p in args.results]
    except ValueError as exc:
        print(f"keras-conformance cross-backend: {exc}", file=sys.stderr)
        return 2
    if len(docs) < 2:
        print("keras-conformance cross-backend: give at least two results files", file=sys.stderr)
        return 2
    text = format_cross_backend(docs, cross_backend(docs, args.promise), args.promise)
    if args.out is None:
        print(text, end="")
        return 0
    out = Path(args.out)
    head = ""
    if out.is_file():  # keep the page's own text above the generated part
        current = out.read_text(encoding="utf-8")
        if _GENERATED in current:
            head = current[: current.index(_GENERATED)]
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(head + _GENERATED + "\n\n" + text, encoding="utf-8")
    print(f"wrote {out} from {len(docs)} runs")
    return 0


#: The line of a cross-backend page below which ``cross-backend --out`` rewrites it.
_GENERATED = "<!-- generated by keras-conformance cross-backend: everything below this line -->"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="keras-conformance", description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    sub = parser.add_subparsers(dest="command", required=True)
    g = sub.add_parser("generate", help="generate the golden fixtures from the catalog and the reference")
    g.add_argument("--out", help="directory to write (default: fixtures/ of the checkout you are in)")
    g.add_argument(
        "--check", action="store_true", help="write nothing; exit 1 naming each stale, missing or extra file"
    )
    g.set_defaults(func=_generate)
    doc = sub.add_parser("docs", help="generate the golden-value docs (docs/golden) from the fixtures")
    doc.add_argument("--out", help="directory to write (default: docs/golden of the checkout you are in)")
    doc.add_argument(
        "--fixtures", help="fixtures directory (default: the checkout's fixtures/, else the packaged ones)"
    )
    doc.add_argument(
        "--check", action="store_true", help="write nothing; exit 1 naming each stale, missing or extra file"
    )
    doc.set_defaults(func=_docs)
    r = sub.add_parser("report", help="an accuracy table (Markdown) from --conformance-json results")
    r.add_argument("results", nargs="+", metavar="RESULTS.json", help="files written by pytest --conformance-json")
    r.set_defaults(func=_report)
    d = sub.add_parser("diff", help="cases whose verdict or value changed between two runs; exit 1 on a regression")
    d.add_argument("old", metavar="OLD.json", help="the earlier run's --conformance-json file")
    d.add_argument("new", metavar="NEW.json", help="the later run's --conformance-json file")
    d.add_argument("--limit", type=int, default=None, help="list at most this many cases per API (all by default)")
    d.set_defaults(func=_diff)
    a = sub.add_parser("atlas", help="the upgrade atlas (Markdown) from a directory of atlas results")
    a.add_argument("results_dir", metavar="RESULTS_DIR", help="results-<env>.json files and atlas-run.json")
    a.add_argument("--out", help="write this file (default: print)")
    a.add_argument(
        "--check", action="store_true", help="write nothing; exit 1 when --out is not what RESULTS_DIR generates"
    )
    a.set_defaults(func=_atlas)
    x = sub.add_parser(
        "cross-backend", help="the largest differences between runs (backends) per API, against Keras' 1e-7 promise"
    )
    x.add_argument("results", nargs="+", metavar="RESULTS.json", help="files written by pytest --conformance-json")
    x.add_argument("--promise", type=float, default=1e-7, help="the documented cross-backend precision (1e-7)")
    x.add_argument("--out", help="write this file, keeping its text above the generated marker (default: print)")
    x.set_defaults(func=_cross_backend)
    args = parser.parse_args(argv)
    try:
        return args.func(args)
    except BrokenPipeError:  # `keras-conformance report ... | head`
        sys.stderr.close()
        return 0


if __name__ == "__main__":
    sys.exit(main())
