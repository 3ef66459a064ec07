"""Helpers that make the golden-value docs executable (doctests against a candidate).

    >>> k = candidate("numpy-example")
    >>> golden(k.binary_crossentropy([0.0, 1.0], [0.6, 0.3]), 1.0601317780341543, tol=6.96e-7)
    1.06013178

``golden`` prints the *spec's* value when the candidate is within the tolerance, so the
documented output is the golden value whatever the candidate's last bits are, and raises
with the numbers when it is not.

PYTEST_DONT_REWRITE: pytest loads this package as its plugin; its asserts need no rewriting, and skipping it keeps start-up fast.
"""

from __future__ import annotations

import numpy as np

from conformance import registry
from conformance.candidates import load_candidate, resolve, to_numpy

__all__ = ["candidate", "golden", "Golden"]


def _f32(x):
    return None if x is None else np.asarray(x, dtype=np.float32)


class Golden:
    """The spec's value, printed with 9 significant digits (float32's precision)."""

    def __init__(self, expected):
        self.expected = np.asarray(expected, dtype=np.float64)

    def __repr__(self) -> str:
        if self.expected.ndim == 0:
            return f"{float(self.expected):.9g}"
        return "[" + ", ".join(f"{float(v):.9g}" for v in self.expected.ravel()) + "]"


def golden(got, expected, tol) -> Golden:
    """Check ``got`` against the spec's ``expected`` within ``tol`` (absolute, per element)."""
    g = np.asarray(got, dtype=np.float64)
    e = np.asarray(expected, dtype=np.float64)
    if g.shape != e.shape:
        raise AssertionError(f"shape {g.shape}, but the spec's is {e.shape}")
    err = np.abs(g - e)
    if not np.all(err <= np.asarray(tol, dtype=np.float64)):
        raise AssertionError(f"got {g.tolist()}, the spec gives {e.tolist()} within {tol}: off by {err.max():.3g}")
    return Golden(e)


class _Wrapped:
    """Calls through to a candidate (or an object it returned), turning list arguments into
    float32 arrays and results into numpy. An API's method name (``k.BinaryCrossentropy``)
    reaches the API however the candidate implements it (``conformance.candidates.resolve``)."""

    def __init__(self, obj, cand=None):
        self._obj, self._cand = obj, obj if cand is None else cand

    def __getattr__(self, name):
        try:
            attr = getattr(self._obj, name)
        except AttributeError:
            api = registry.by_method(name) if self._obj is self._cand else None
            if api is None:
                raise
            attr = resolve(self._cand, api)
        if not callable(attr):
            return attr

        def call(*args, **kwargs):
            args = [_f32(a) if isinstance(a, list | tuple | int | float) else a for a in args]
            if isinstance(kwargs.get("sample_weight"), list | tuple | int | float):
                kwargs["sample_weight"] = _f32(kwargs["sample_weight"])
            out = attr(*args, **kwargs)
            if callable(out) or hasattr(out, "update_state"):
                return _Wrapped(out, self._cand)
            return None if out is None else to_numpy(self._cand, out)

        return call

    def __call__(self, *args, **kwargs):
        return self.__getattr__("__call__")(*args, **kwargs)


def candidate(spec: str = "keras"):
    """A candidate whose APIs accept plain Python lists (as the docs write inputs)."""
    return _Wrapped(load_candidate(spec))
