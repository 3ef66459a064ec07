"""Benchmarks: generation, collection, a run against Keras 3 on jax, the hypothesis mode.

    python bench/run.py [--repeat N] [--skip-keras]

Everything is measured in this one run, each measurement in its own subprocess, the
median of ``--repeat`` runs, and reported as ratios against a bare baseline measured
beside it, because these machines are shared and noisy:

1. generation of the whole fixture set, with mpmath's gmpy2 backend and its pure-Python
   one (``MPMATH_NOGMPY=1``): wall time and cases per second;
2. collection of every fixture case, cold (a fresh fixture cache, as the first run after an
   install) and warm, each against collecting a bare parametrized pytest module with the
   same number of items;
3. the suite against Keras 3 on jax, against a bare loop that calls the candidate on the
   same inputs plus the bare pytest module run (the ratio is the harness's overhead);
4. the hypothesis mode: examples per second per API (Keras 3 on jax).
"""

from __future__ import annotations

import argparse
import os
import platform
import re
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
TARGETS = {"generation_s": 30.0, "collection_ratio": 1.5, "run_ratio": 1.3}


def timed(cmd: list[str], env: dict | None = None, cwd: str | None = None) -> tuple[float, str]:
    start = time.perf_counter()
    proc = subprocess.run(cmd, capture_output=True, text=True, env={**os.environ, **(env or {})}, cwd=cwd, timeout=1800)
    elapsed = time.perf_counter() - start
    if proc.returncode not in (0, 1):  # 1: some case failed, still a timing
        raise RuntimeError(f"{' '.join(cmd)} exited {proc.returncode}:\n{proc.stdout[-2000:]}\n{proc.stderr[-2000:]}")
    return elapsed, proc.stdout + proc.stderr


def median_of(n: int, fn):
    runs = [fn() for _ in range(n)]
    return statistics.median(r[0] for r in runs), runs[-1][1]


GENERATE = "import time; from conformance.generate import render_all; t=time.perf_counter(); texts=render_all(); print('SECONDS', time.perf_counter()-t); print('CASES', sum(t.count(chr(10)+'- id: ') for t in texts.values()))"

BARE_LOOP = """
import glob, sys, time
from conformance.candidates import load_candidate
from conformance.fixture_format import load_fixture_file
from conformance.runner import _call
cases = [c for f in sorted(glob.glob(sys.argv[1] + '/*.yaml')) for c in load_fixture_file(f)[1]]
cand = load_candidate('keras')
for c in cases[:20]:  # warm up the backend's compile caches, as the suite's first cases do
    try: _call(cand, c)
    except Exception: pass
t = time.perf_counter()
for c in cases:
    try: _call(cand, c)
    except Exception: pass
print('LOOP', time.perf_counter() - t, len(cases))
"""


def bare_module(directory: Path, n: int) -> Path:
    p = directory / "test_bare.py"
    p.write_text(f"import pytest\n\n@pytest.mark.parametrize('i', range({n}))\ndef test_item(i):\n    assert i >= 0\n")
    return p


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--skip-keras", action="store_true", help="skip the parts that need Keras 3 and jax")
    args = ap.parse_args()
    py = sys.executable
    fixtures = str(ROOT / "fixtures")
    rows: list[tuple[str, str, str]] = []

    # 1. generation
    gen = {}
    for label, env in (("gmpy2", {}), ("pure Python", {"MPMATH_NOGMPY": "1"})):
        secs = []
        for _ in range(args.repeat):
            _, out = timed([py, "-c", GENERATE], env)
            secs.append(float(re.search(r"SECONDS (\S+)", out).group(1)))
            n = int(re.search(r"CASES (\d+)", out).group(1))
        gen[label] = statistics.median(secs)
        rows.append(
            (
                f"generation, mpmath {label}",
                f"{gen[label]:.2f} s, {n / gen[label]:.0f} cases/s",
                f"target < {TARGETS['generation_s']:.0f} s: {'met' if gen[label] < TARGETS['generation_s'] else 'MISSED'}",
            )
        )
    n_cases = n

    with tempfile.TemporaryDirectory() as tmp:
        tmpd = Path(tmp)
        bare = bare_module(tmpd, n_cases)
        base = [py, "-m", "pytest", "-p", "no:cacheprovider", "-q"]

        # 2. collection, cold (an empty fixture cache each time) and warm
        collect = [*base, "--collect-only", "--candidate", "numpy-example", "--tier", "core,edge,quirk,error"]
        t_bare_coll, _ = median_of(args.repeat, lambda: timed([*base, "--collect-only", str(bare)], cwd=tmp))
        warm_cache = tempfile.mkdtemp(dir=tmp)
        timed(collect, {"KERAS_CONFORMANCE_CACHE_DIR": warm_cache}, cwd=tmp)
        for label, env_of in (
            ("cold cache", lambda: {"KERAS_CONFORMANCE_CACHE_DIR": tempfile.mkdtemp(dir=tmp)}),
            ("warm cache", lambda: {"KERAS_CONFORMANCE_CACHE_DIR": warm_cache}),
        ):
            t_coll, _ = median_of(args.repeat, lambda env_of=env_of: timed(collect, env_of(), cwd=tmp))
            ratio = t_coll / t_bare_coll
            rows.append(
                (
                    f"collection of every case, {label}",
                    f"{t_coll:.2f} s vs bare parametrized module {t_bare_coll:.2f} s",
                    f"ratio {ratio:.2f} (target <= {TARGETS['collection_ratio']}): {'met' if ratio <= TARGETS['collection_ratio'] else 'MISSED'}",
                )
            )

        if not args.skip_keras:
            env = {"KERAS_BACKEND": "jax"}
            # 3. a run against Keras 3 on jax
            t_suite, _ = median_of(
                args.repeat,
                lambda: timed([*base, "--candidate", "keras", "--tier", "core,edge,quirk,error"], env, cwd=tmp),
            )
            loops = [timed([py, "-c", BARE_LOOP, fixtures], env, cwd=tmp) for _ in range(args.repeat)]
            t_proc_loop = statistics.median(t for t, _ in loops)
            t_bare_run, _ = median_of(args.repeat, lambda: timed([*base, str(bare)], cwd=tmp))
            ratio = t_suite / (t_proc_loop + t_bare_run)
            rows.append(
                (
                    "run against Keras 3 on jax",
                    f"suite {t_suite:.1f} s vs bare loop {t_proc_loop:.1f} s + bare pytest run {t_bare_run:.1f} s",
                    f"ratio {ratio:.2f} (target <= {TARGETS['run_ratio']}): {'met' if ratio <= TARGETS['run_ratio'] else 'MISSED'}",
                )
            )
            # 4. hypothesis mode
            _, out = timed(
                [*base, "--candidate", "keras", "--conformance-hypothesis", "-m", "hypothesis_mode"], env, cwd=tmp
            )
            for api, n_ex, secs, rate in re.findall(
                r"hypothesis mode: (\S+): (\d+) examples in (\S+) s \((\S+)\)", out
            ):
                rows.append((f"hypothesis mode, {api}", f"{n_ex} examples in {secs} s", rate))

    w = [max(len(r[i]) for r in rows) for i in range(3)]
    print(
        f"machine: {platform.machine()}, {os.cpu_count()} CPUs, Python {platform.python_version()}, median of {args.repeat}"
    )
    for r in [("measurement", "time", "ratio / rate"), tuple("-" * x for x in w), *rows]:
        print("  ".join(c.ljust(x) for c, x in zip(r, w)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
