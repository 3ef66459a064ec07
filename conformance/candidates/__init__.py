"""Candidates: the built-in ones, a user's ``package.module:object``, and installed ones.

``load_candidate(spec)`` resolves, in order: a built-in name (``keras``, ``tf_keras``, ``torch``, ``optax``),
a name registered by an installed package in the ``keras_conformance.candidates``
entry-point group, or ``package.module:object``. The object may be a candidate, a class,
or a factory function; classes and factories are called with no arguments.
"""

from __future__ import annotations

import importlib
from importlib.metadata import entry_points

from conformance.candidates.base import Candidate, Unsupported

__all__ = ["BUILTIN", "ENTRY_POINT_GROUP", "load_candidate", "resolve", "to_numpy", "Candidate", "Unsupported"]

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


def resolve(candidate, api):
    """What implements ``api`` (an ``Api`` or its name) in ``candidate``: its method of the
    API's name, else the API's path in its Keras-shaped ``namespace``. Raises
    ``Unsupported`` when neither exists (that API's cases are skipped)."""
    from conformance import registry

    api = registry.get(api) if isinstance(api, str) else api
    method = getattr(candidate, api.method, None)
    if method is not None:
        return method
    namespace = getattr(candidate, "namespace", None)
    path = api.keras.get(getattr(candidate, "profile", ""))
    if namespace is not None and path:
        obj = namespace
        try:
            for part in path.split("."):
                obj = getattr(obj, part)
        except AttributeError:
            raise Unsupported(f"candidate {candidate.name!r} has no {path} (for {api.name})") from None
        return obj
    raise Unsupported(f"candidate {candidate.name!r} does not implement {api.name}")


def to_numpy(candidate, value):
    """A candidate's result through its ``to_numpy`` (a backend tensor to numpy), when it
    has one; otherwise as returned (the comparison reads it with ``numpy.asarray``)."""
    conv = getattr(candidate, "to_numpy", None)
    return conv(value) if conv is not None else value
