"""Run the upgrade atlas: the tox envs ``atlas-keras3.X`` / ``atlas-tfkeras2.Y`` (tox.ini), N at a time.

    python scripts/atlas.py run [ENV ...] [-j N] [--work DIR] [--results DIR] [--cache DIR] [--keep]
    python scripts/atlas.py list

Each env runs in a tox work dir of its own (``WORK/<env>``, so parallel envs never share a
``.pkg`` build) in two steps, each timed: ``tox run --notest`` (create the env, install its pins
and this project's wheel: the install time) and ``tox run`` (the suite, every tier, writing
``RESULTS/results-<env>.json``: the run time). Once the results file is written the env's work
dir is deleted (``--keep`` keeps it), so the disk in use stays near N envs plus the shared
uv/pip cache (``--cache``; uv hardlinks from it into the envs), which is emptied before an
install once it passes ``--cache-limit`` GiB (default 6: each tensorflow release adds ~1-2 GiB). A background sampler records the
peak of ``du`` over the work and cache dirs.

Per env, ``RESULTS/atlas-run.json`` records: install and run seconds, the env's size, the exit
status, the installed versions of keras / jax / jaxlib / numpy / tensorflow-cpu / tf_keras, and the peak disk of the whole run it belonged to; runs accumulate (an env run again
replaces its record). ``keras-conformance atlas RESULTS`` reads it for docs/atlas.md's header.

Run it niced on a shared machine: ``nice -n 19 python scripts/atlas.py run -j 1``. Needs tox
(and, for speed, tox-uv) where ``--tox`` points (default: ``python -m tox`` of this interpreter).
"""

from __future__ import annotations

import argparse
import json
import os
import shlex
import shutil
import subprocess
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
KERAS = [f"atlas-keras3.{i}" for i in range(16)]
TF_KERAS = [f"atlas-tfkeras2.{i}" for i in range(15, 22)]
ENVS = KERAS + TF_KERAS
RECORD = "atlas-run.json"


def du(*paths: Path) -> int:
    """Bytes on disk under ``paths``, hardlinks counted once (``du -scb``)."""
    existing = [str(p) for p in paths if p.exists()]
    if not existing:
        return 0
    out = subprocess.run(["du", "-scb", *existing], capture_output=True, text=True).stdout.strip().splitlines()
    return int(out[-1].split()[0]) if out else 0


class PeakDisk(threading.Thread):
    """Samples ``du`` over the given dirs every ``every`` seconds; ``peak`` is the largest."""

    def __init__(self, paths: list[Path], every: float = 20.0):
        super().__init__(daemon=True)
        self.paths, self.every, self.peak = paths, every, 0
        self._stop_event = threading.Event()

    def run(self):
        while not self._stop_event.is_set():
            self.peak = max(self.peak, du(*self.paths))
            self._stop_event.wait(self.every)

    def stop(self) -> int:
        self._stop_event.set()
        self.join()
        self.peak = max(self.peak, du(*self.paths))
        return self.peak


def _tox(args, tox: list[str], env: str, workdir: Path, environ: dict, log) -> tuple[int, float]:
    t0 = time.monotonic()
    cmd = [*tox, "-c", str(ROOT / "tox.ini"), "run", "-e", env, "--workdir", str(workdir), *args]
    log.write(f"$ {shlex.join(cmd)}\n")
    log.flush()
    rc = subprocess.run(cmd, cwd=ROOT, env=environ, stdout=log, stderr=subprocess.STDOUT).returncode
    return rc, time.monotonic() - t0


PACKAGES = ("keras", "jax", "jaxlib", "numpy", "tensorflow-cpu", "tf_keras")
VERSIONS = "import importlib.metadata as m, json, sys\nv = {}\nfor p in sys.argv[1:]:\n    try:\n        v[p] = m.version(p)\n    except m.PackageNotFoundError:\n        pass\nprint(json.dumps(v))"


def installed(workdir: Path, env: str) -> dict:
    """The versions of the packages that matter, as installed in the env."""
    python = workdir / env / "bin" / "python"
    if not python.exists():
        return {}
    out = subprocess.run([str(python), "-c", VERSIONS, *PACKAGES], capture_output=True, text=True)
    try:
        return json.loads(out.stdout.strip().splitlines()[-1])
    except (IndexError, json.JSONDecodeError):
        return {}


# installs run one at a time, so the cache can be pruned between them without pulling files
# from under an install (an env's files are hardlinks: deleting the cache leaves them whole)
_install_lock = threading.Lock()


def prune_cache(opts) -> int | None:
    """Empty the shared cache when it has grown past ``--cache-limit`` GiB (each jax or
    tensorflow release adds its own wheels; the common ones are cheap to fetch again).
    Returns the size it had when pruned."""
    size = du(Path(opts.cache))
    if opts.cache_limit is None or size <= opts.cache_limit * 2**30:
        return None
    for sub in ("uv", "pip"):
        shutil.rmtree(Path(opts.cache) / sub, ignore_errors=True)
    return size


def run_env(env: str, opts, environ: dict) -> dict:
    workdir = Path(opts.work) / env
    results = Path(opts.results) / f"results-{env}.json"
    logpath = Path(opts.results) / f"log-{env}.txt"
    with open(logpath, "w", encoding="utf-8") as log:
        with _install_lock:
            pruned = prune_cache(opts)
            if pruned:
                log.write(f"atlas: emptied the cache ({pruned / 2**30:.2f} GiB > --cache-limit {opts.cache_limit})\n")
            rc_install, t_install = _tox(["--notest"], opts.tox, env, workdir, environ, log)
        env_bytes = du(workdir)
        packages = installed(workdir, env)
        rc_run, t_run = _tox([], opts.tox, env, workdir, environ, log) if rc_install == 0 else (rc_install, 0.0)
    rec = {
        "install_s": round(t_install, 1),
        "run_s": round(t_run, 1),
        "env_bytes": max(env_bytes, du(workdir)),
        "rc": rc_run,
        "packages": packages,
        "results": results.name if results.is_file() else None,
        "finished": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
        "log": logpath.name,
    }
    if not opts.keep and results.is_file():
        shutil.rmtree(workdir, ignore_errors=True)
    status = "ok" if rec["results"] else f"NO RESULTS (rc {rc_run}, see {logpath})"
    print(
        f"atlas: {env}: install {rec['install_s']:.0f} s, run {rec['run_s']:.0f} s, "
        f"env {rec['env_bytes'] / 2**30:.2f} GiB: {status}",
        flush=True,
    )
    return rec


_record_lock = threading.Lock()


def save(results: Path, env: str | None = None, rec: dict | None = None, run_info: dict | None = None) -> Path:
    """Merge one env's record (as soon as it finishes, so an interrupted run keeps what it did)
    or a whole run's summary into ``RESULTS/atlas-run.json``."""
    path = results / RECORD
    with _record_lock:
        record = json.loads(path.read_text(encoding="utf-8")) if path.is_file() else {"envs": {}, "runs": []}
        if run_info is not None:
            record["runs"].append(run_info)
        if env is not None:
            record["envs"][env] = {**rec, "run_index": len(record["runs"])}
        path.write_text(json.dumps(record, indent=1, sort_keys=True) + "\n", encoding="utf-8")
    return path


def cmd_run(opts) -> int:
    envs = opts.envs or ENVS
    unknown = [e for e in envs if e not in ENVS]
    if unknown:
        print(f"atlas: unknown env(s) {unknown}; `python scripts/atlas.py list` lists them", file=sys.stderr)
        return 2
    for d in (opts.work, opts.results, opts.cache):
        Path(d).mkdir(parents=True, exist_ok=True)
    environ = dict(os.environ)
    environ.update(
        ATLAS_RESULTS=str(Path(opts.results).resolve()),
        UV_CACHE_DIR=str(Path(opts.cache, "uv").resolve()),
        PIP_CACHE_DIR=str(Path(opts.cache, "pip").resolve()),
    )
    sampler = PeakDisk([Path(opts.work), Path(opts.cache)])
    sampler.start()
    t0 = time.monotonic()

    def one(env: str) -> dict:
        rec = run_env(env, opts, environ)
        save(Path(opts.results), env, {**rec, "peak_disk_so_far_bytes": sampler.peak})
        return rec

    with ThreadPoolExecutor(max_workers=opts.jobs) as pool:
        recs = dict(zip(envs, pool.map(one, envs)))
    wall = time.monotonic() - t0
    peak = sampler.stop()
    cache = du(Path(opts.cache))
    run_info = {
        "envs": envs,
        "jobs": opts.jobs,
        "wall_s": round(wall, 1),
        "peak_disk_bytes": peak,
        "cache_bytes": cache,
        "cpus": os.cpu_count(),
        "finished": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
    }
    path = save(Path(opts.results), run_info=run_info)
    print(
        f"atlas: {len(envs)} env(s) in {wall:.0f} s, peak disk {peak / 2**30:.2f} GiB "
        f"(cache {cache / 2**30:.2f} GiB); record in {path}"
    )
    return 0 if all(r["results"] for r in recs.values()) else 1


def main(argv=None) -> int:
    p = argparse.ArgumentParser(prog="scripts/atlas.py", description=__doc__.split("\n\n")[0])
    sub = p.add_subparsers(dest="command", required=True)
    sub.add_parser("list", help="the atlas envs, oldest first")
    r = sub.add_parser("run", help="run atlas envs (all by default), N at a time")
    r.add_argument("envs", nargs="*", metavar="ENV", help="envs to run (default: all, see `list`)")
    r.add_argument("-j", "--jobs", type=int, default=1, help="envs at a time (default 1)")
    r.add_argument("--work", default=str(ROOT / ".tox" / "atlas-work"), help="tox work dirs, one per env")
    r.add_argument("--results", default=str(ROOT / ".tox" / "atlas"), help="results-<env>.json, logs, atlas-run.json")
    r.add_argument("--cache", default=str(ROOT / ".tox" / "atlas-cache"), help="the shared uv and pip caches")
    r.add_argument(
        "--cache-limit",
        type=float,
        default=6.0,
        metavar="GIB",
        help="empty the cache before an install when it is larger than this (default %(default)s GiB; "
        "peak disk is about this plus one env per job)",
    )
    r.add_argument("--keep", action="store_true", help="keep each env after its results are written")
    r.add_argument("--tox", default=f"{sys.executable} -m tox", help="the tox command (default: %(default)s)")
    opts = p.parse_args(argv)
    if opts.command == "list":
        print("\n".join(ENVS))
        return 0
    opts.tox = shlex.split(opts.tox)
    return cmd_run(opts)


if __name__ == "__main__":
    sys.exit(main())
