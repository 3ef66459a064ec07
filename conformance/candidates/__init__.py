"""Candidates: the built-in ones, a user's ``package.module:object``, and installed ones.

``load_candidate(spec)`` resolves, in order: a built-in name (``keras``, ``tf_keras``, ``torch``, ``optax``),
a name registered by an installed package in the ``keras_conformance.candidates``
entry-point group, or ``package.module:object``. The object may be a candidate, a class,
or a factory function; classes and factories are called with no arguments.
"""

from __future__ import annotations

import importlib
from importlib.metadata import entry_points

from conformance.candidates.base import METHOD_OF_API, Candidate, Unsupported

__all__ = ["BUILTIN", "ENTRY_POINT_GROUP", "load_candidate", "Candidate", "Unsupported", "METHOD_OF_API"]

ENTRY_POINT_GROUP = "keras_conformance.candidates"
BUILTIN = {
    "keras": "conformance.candidates.keras3:Keras3Candidate",
    "tf_keras": "conformance.candidates.tf_keras:TfKerasCandidate",
    "torch": "conformance.candidates.torch:TorchCandidate",
    "optax": "conformance.candidates.optax:OptaxCandidate",
}


def _resolve(target: str):
    module, _, attr = target.partition(":")
    obj = importlib.import_module(module)
    for part in attr.split(".") if attr else ():
        obj = getattr(obj, part)
    return obj


def load_candidate(spec: str):
    """The candidate named by ``spec`` (see the module docstring)."""
    if spec in BUILTIN:
        target = BUILTIN[spec]
    else:
        eps = {ep.name: ep for ep in entry_points(group=ENTRY_POINT_GROUP)}
        if spec in eps:
            obj = eps[spec].load()
            return _instantiate(obj, spec)
        if ":" not in spec:
            known = sorted(BUILTIN) + sorted(eps)
            raise ValueError(f"unknown candidate {spec!r}: use one of {known} or 'package.module:object'")
        target = spec
    return _instantiate(_resolve(target), spec)


def _instantiate(obj, spec: str):
    if isinstance(obj, type) or (callable(obj) and not hasattr(obj, "profile")):
        obj = obj()
    for attr in ("name", "profile"):
        if not hasattr(obj, attr):
            raise TypeError(f"candidate {spec!r} has no {attr!r} attribute (see conformance.candidates.base)")
    return obj
