"""``keras-conformance``: generate and check the fixtures.

keras-conformance generate [--out DIR] [--check]
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

__all__ = ["main"]


def _repo_fixtures() -> Path:
    from conformance.plugin import default_fixtures_dir

    return default_fixtures_dir()


def _generate(args) -> int:
    from conformance.generate import GenerationError, check_fixtures, render_all, write_fixtures

    t0 = time.perf_counter()
    try:
        texts = render_all()
    except GenerationError as exc:
        print(f"keras-conformance generate: {exc}", file=sys.stderr)
        return 2
    target = Path(args.out) if args.out else _repo_fixtures()
    n = sum(t.count("\n- id: ") for t in texts.values())
    if args.check:
        problems = check_fixtures(target, texts)
        for p in problems:
            print(p, file=sys.stderr)
        if problems:
            print(
                f"keras-conformance generate --check: {len(problems)} problem(s) in {target}; run `keras-conformance generate`",
                file=sys.stderr,
            )
            return 1
        print(f"{target}: {len(texts)} files, {n} cases, current ({time.perf_counter() - t0:.1f}s)")
        return 0
    names = write_fixtures(target, texts)
    print(f"wrote {len(names)} files, {n} cases to {target} in {time.perf_counter() - t0:.1f}s")
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="keras-conformance", description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="command", required=True)
    g = sub.add_parser("generate", help="generate the golden fixtures from the catalog and the reference")
    g.add_argument("--out", help="directory to write (default: the project's fixtures/)")
    g.add_argument(
        "--check", action="store_true", help="write nothing; exit 1 naming each stale, missing or extra file"
    )
    g.set_defaults(func=_generate)
    args = parser.parse_args(argv)
    return args.func(args)


if __name__ == "__main__":
    sys.exit(main())
