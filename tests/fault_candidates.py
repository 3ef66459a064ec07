"""Candidates that misbehave in the ways a real one can: each fault must become that
case's failure (or skip) with a clear message, and never stop the run."""

from __future__ import annotations

import numpy as np
from kc_numpy_candidate import NumpyKeras3

from conformance.candidates import Unsupported


class Raises(NumpyKeras3):
    def binary_crossentropy(self, *a, **k):
        raise RuntimeError("kernel exploded on purpose")


class ReturnsNaN(NumpyKeras3):
    def binary_crossentropy(self, *a, **k):
        return np.full(np.shape(super().binary_crossentropy(*a, **k)), np.nan, np.float32)


class ReturnsInf(NumpyKeras3):
    def binary_crossentropy(self, *a, **k):
        return np.full(np.shape(super().binary_crossentropy(*a, **k)), np.inf, np.float32)


class WrongShape(NumpyKeras3):
    def binary_crossentropy(self, *a, **k):
        return np.atleast_1d(super().binary_crossentropy(*a, **k))[..., None]


class NonNumeric(NumpyKeras3):
    def binary_crossentropy(self, *a, **k):
        return "0.5"


class NoLogits(NumpyKeras3):
    """Cannot express from_logits=True: those cases are skipped with the reason."""

    def binary_crossentropy(self, y_true, y_pred, from_logits=False, **k):
        if from_logits:
            raise Unsupported("no logits path in this library")
        return super().binary_crossentropy(y_true, y_pred, **k)


class OnlyFunctions:
    """Implements nothing but the BCE function; everything else is skipped."""

    name = "only-functions"
    profile = "keras3"

    def describe(self):
        return "only binary_crossentropy"

    def binary_crossentropy(self, *a, **k):
        return NumpyKeras3().binary_crossentropy(*a, **k)


class ReturnsFloat16(NumpyKeras3):
    def binary_crossentropy(self, *a, **k):
        return np.float16(super().binary_crossentropy(*a, **k))


class Hangs(NumpyKeras3):
    """Never returns from binary_crossentropy (a Python-level hang)."""

    def binary_crossentropy(self, *a, **k):
        while True:
            pass


class HangsInC(NumpyKeras3):
    """Blocks SIGALRM, then hangs: only a process kill can stop it."""

    def binary_crossentropy(self, *a, **k):
        import signal
        import time

        signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGALRM})
        time.sleep(3600)


class Crashes(NumpyKeras3):
    """Kills the interpreter (SIGSEGV) inside binary_crossentropy."""

    def binary_crossentropy(self, *a, **k):
        import os
        import signal

        os.kill(os.getpid(), signal.SIGSEGV)


class CrashesAndSaysSo(Crashes):
    """``Crashes``, naming why it needs a worker process: the plugin isolates it unasked."""

    isolate = "binary_crossentropy kills the interpreter"


class WarnsAndIsOff(NumpyKeras3):
    """Warns on every call (as torch's __array__ or Keras' size-1 softmax do) and is off by 1e-3."""

    def binary_crossentropy(self, *a, **k):
        import warnings

        warnings.warn("this kernel is experimental", UserWarning, stacklevel=2)
        return super().binary_crossentropy(*a, **k) * np.float32(1.001)
