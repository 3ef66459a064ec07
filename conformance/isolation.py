"""Guarding the run against candidates that hang or crash the interpreter.

* ``run_guarded(candidate, case, profile, timeout)`` runs in this process; a case that
  takes longer than ``timeout`` seconds is interrupted (SIGALRM, main thread, POSIX) and
  fails with that message. C code that never returns to Python cannot be interrupted this
  way: use isolation for that.
* ``IsolatedRunner`` runs every case in a worker process (``python -m conformance.isolation
  SPEC``) that loads the candidate once. A case that kills the worker (a segfault, an
  abort, ``os._exit``) or outlives the timeout fails with what happened, naming the case;
  the next case gets a fresh worker, so the run goes on.

PYTEST_DONT_REWRITE: pytest loads this package as its plugin; its asserts need no rewriting, and skipping it keeps start-up fast.
"""

from __future__ import annotations

import dataclasses
import os
import pickle
import select
import signal
import struct
import subprocess
import sys
import threading
import time

import numpy as np

from conformance.runner import Verdict, run_case

__all__ = ["CaseTimeout", "run_guarded", "IsolatedRunner"]


class CaseTimeout(BaseException):
    """Raised into a case that ran out of time (a BaseException, so a candidate's
    ``except Exception`` cannot swallow it)."""


def _timeout_verdict(seconds: float) -> Verdict:
    return Verdict("fail", f"timed out: the candidate did not finish within {seconds:g} s (--case-timeout)")


def run_guarded(candidate, case, profile: str, timeout: float | None) -> Verdict:
    """``run_case`` with a time limit where the platform allows one."""
    usable = timeout and hasattr(signal, "setitimer") and threading.current_thread() is threading.main_thread()
    if not usable:
        return run_case(candidate, case, profile)

    def on_alarm(signum, frame):
        raise CaseTimeout

    previous = signal.signal(signal.SIGALRM, on_alarm)
    signal.setitimer(signal.ITIMER_REAL, timeout)
    try:
        return run_case(candidate, case, profile)
    except CaseTimeout:
        return _timeout_verdict(timeout)
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


# --------------------------------------------------------------------------- framing
def _send(fh, obj) -> None:
    data = pickle.dumps(obj, protocol=pickle.HIGHEST_PROTOCOL)
    fh.write(struct.pack("<Q", len(data)) + data)
    fh.flush()


def _read_exact(fd: int, n: int, deadline: float | None) -> bytes | None:
    """n bytes from fd, or None on EOF; raises TimeoutError past the deadline."""
    chunks, got = [], 0
    while got < n:
        if deadline is not None:
            left = deadline - time.monotonic()
            if left <= 0 or not select.select([fd], [], [], left)[0]:
                raise TimeoutError
        chunk = os.read(fd, n - got)
        if not chunk:
            return None
        chunks.append(chunk)
        got += len(chunk)
    return b"".join(chunks)


def _recv(fd: int, deadline: float | None):
    head = _read_exact(fd, 8, deadline)
    if head is None:
        return None
    body = _read_exact(fd, struct.unpack("<Q", head)[0], deadline)
    return None if body is None else pickle.loads(body)


def _portable(verdict: Verdict) -> Verdict:
    """A verdict whose candidate values pickle anywhere (jax/torch arrays become numpy)."""
    got = []
    for g in verdict.got:
        try:
            got.append(np.asarray(g))
        except Exception:  # noqa: BLE001
            got.append(repr(g))
    return dataclasses.replace(verdict, got=tuple(got))


# --------------------------------------------------------------------------- the worker
class IsolatedRunner:
    """Runs cases in a worker process; restarts it after a crash or a timeout."""

    def __init__(self, spec: str, profile: str, timeout: float | None = None):
        self.spec, self.profile, self.timeout = spec, profile, timeout
        self.proc: subprocess.Popen | None = None

    #: how long a new worker may take to import and load the candidate
    START_TIMEOUT = 300.0
    #: per-case margin over --case-timeout for sending the case and its verdict
    MARGIN = 5.0

    def _start(self) -> str | None:
        """Start a worker and wait until it has loaded the candidate; an error message or None."""
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "conformance.isolation", self.spec],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
        )
        try:
            ready = _recv(self.proc.stdout.fileno(), time.monotonic() + self.START_TIMEOUT)
        except TimeoutError:
            ready = f"--isolate: the worker did not load the candidate within {self.START_TIMEOUT:g} s"
        if ready != "ready":
            self.close()
            return ready if isinstance(ready, str) else "--isolate: the worker died while loading the candidate"
        return None

    def close(self) -> None:
        if self.proc is not None:
            self.proc.kill()
            self.proc.wait()
            self.proc = None

    def run(self, case) -> Verdict:
        if self.proc is None or self.proc.poll() is not None:
            error = self._start()
            if error:
                return Verdict("fail", error)
        deadline = None if not self.timeout else time.monotonic() + self.timeout + self.MARGIN
        try:
            _send(self.proc.stdin, (case, self.profile, self.timeout))
            reply = _recv(self.proc.stdout.fileno(), deadline)
        except TimeoutError:
            self.close()
            return _timeout_verdict(self.timeout)
        except (BrokenPipeError, OSError):
            reply = None
        if reply is None:  # the worker died on this case
            code = self.proc.wait()
            self.proc = None
            how = f"signal {signal.Signals(-code).name}" if code < 0 else f"exit status {code}"
            return Verdict("fail", f"the candidate's process died ({how}) while running this case (--isolate)")
        return reply


def _worker(spec: str) -> int:
    # Frames go to the real stdout; anything the candidate prints goes to stderr.
    out = os.fdopen(os.dup(1), "wb")
    os.dup2(2, 1)
    from conformance.candidates import load_candidate

    try:
        candidate = load_candidate(spec)
    except Exception as exc:  # noqa: BLE001
        _send(out, f"--isolate: cannot load candidate {spec!r}: {type(exc).__name__}: {exc}")
        return 1
    _send(out, "ready")
    fd = sys.stdin.fileno()
    while True:
        msg = _recv(fd, None)
        if msg is None:
            return 0
        case, profile, timeout = msg
        _send(out, _portable(run_guarded(candidate, case, profile, timeout)))


if __name__ == "__main__":
    sys.exit(_worker(sys.argv[1]))
