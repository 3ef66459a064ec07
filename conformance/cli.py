"""``keras-conformance``: generate and check the fixtures.

keras-conformance generate [--out DIR] [--check]
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

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


def _generate(args) -> int:
    from conformance.generate import GenerationError, check_fixtures, render_all, write_fixtures

    t0 = time.perf_counter()
    try:
        texts = render_all()
    except GenerationError as exc:
        print(f"keras-conformance generate: {exc}", file=sys.stderr)
        return 2
    target = Path(args.out) if args.out else default_fixtures_dir()
    n = sum(t.count("\n- id: ") for t in texts.values())
    if args.check:
        current = f"{len(texts)} files, {n} cases, current ({time.perf_counter() - t0:.1f}s)"
        return _check_result("generate", target, check_fixtures(target, texts), current)
    names = write_fixtures(target, texts)
    print(f"wrote {len(names)} files, {n} cases to {target} in {time.perf_counter() - t0:.1f}s")
    return 0


def _docs(args) -> int:
    from conformance.golden_docs import check_docs, write_docs

    out = Path(args.out) if args.out else default_fixtures_dir().parent / "docs" / "golden"
    fixtures = Path(args.fixtures) if args.fixtures else default_fixtures_dir()
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


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="keras-conformance", description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="command", required=True)
    g = sub.add_parser("generate", help="generate the golden fixtures from the catalog and the reference")
    g.add_argument("--out", help="directory to write (default: the project's fixtures/)")
    g.add_argument(
        "--check", action="store_true", help="write nothing; exit 1 naming each stale, missing or extra file"
    )
    g.set_defaults(func=_generate)
    doc = sub.add_parser("docs", help="generate the golden-value docs (docs/golden) from the fixtures")
    doc.add_argument("--out", help="directory to write (default: the project's docs/golden)")
    doc.add_argument("--fixtures", help="fixtures directory (default: the packaged fixtures)")
    doc.add_argument(
        "--check", action="store_true", help="write nothing; exit 1 naming each stale, missing or extra file"
    )
    doc.set_defaults(func=_docs)
    r = sub.add_parser("report", help="an accuracy table (Markdown) from --conformance-json results")
    r.add_argument("results", nargs="+")
    r.set_defaults(func=_report)
    d = sub.add_parser("diff", help="cases whose verdict or value changed between two runs; exit 1 on a regression")
    d.add_argument("old")
    d.add_argument("new")
    d.add_argument("--limit", type=int, default=None, help="list at most this many cases per API (all by default)")
    d.set_defaults(func=_diff)
    args = parser.parse_args(argv)
    try:
        return args.func(args)
    except BrokenPipeError:  # `keras-conformance report ... | head`
        sys.stderr.close()
        return 0


if __name__ == "__main__":
    sys.exit(main())
