"""Candidates: the built-in ones, a user's ``package.module:object``, and installed ones.

``load_candidate(spec)`` resolves, in order: a built-in name (``keras``, ``tf_keras``, ``torch``, ``optax``,
``tensorflow``),
a name registered by an installed package in the ``keras_conformance.candidates``
entry-point group, or ``package.module:object``. The object may be a candidate, a class,
or a factory function; classes and factories are called with no arguments.

PYTEST_DONT_REWRITE: pytest loads this package as its plugin; its asserts need no rewriting, and skipping it keeps start-up fast.
"""

from __future__ import annotations

import importlib
from importlib.metadata import entry_points

from conformance.candidates.base import Candidate, Unsupported

__all__ = [
    "BUILTIN",
    "ENTRY_POINT_GROUP",
    "load_candidate",
    "explain_load_error",
    "resolve",
    "to_numpy",
    "Candidate",
    "Unsupported",
]

ENTRY_POINT_GROUP = "keras_conformance.candidates"
BUILTIN = {
    "keras": "conformance.candidates.keras3:Keras3Candidate",
    "tf_keras": "conformance.candidates.tf_keras:TfKerasCandidate",
    "torch": "conformance.candidates.torch:TorchCandidate",
    "optax": "conformance.candidates.optax:OptaxCandidate",
    "tensorflow": "conformance.candidates.tensorflow:TensorflowCandidate",
}


#: the package extra that installs each built-in candidate's library
EXTRA = {"tf_keras": "tf-keras", "torch": "torch", "optax": "optax", "tensorflow": "tensorflow"}
#: Keras 3 backends: the modules each needs, and the extra that installs it
KERAS_BACKENDS = {
    "jax": (("jax",), "keras-jax"),
    "tensorflow": (("tensorflow",), "keras-tensorflow"),
    "torch": (("torch",), "keras-torch"),
    "numpy": (("scipy", "jax"), "keras-numpy"),
    "openvino": (("openvino", "scipy"), "keras-openvino"),
}


def _installed(module: str) -> bool:
    import importlib.util

    try:
        return importlib.util.find_spec(module) is not None
    except (ImportError, ValueError):
        return False


def _keras_default_backend() -> str:
    """The backend Keras picks without KERAS_BACKEND: ~/.keras/keras.json's, else tensorflow."""
    import json
    import os

    path = os.path.join(os.environ.get("KERAS_HOME") or os.path.join(os.path.expanduser("~"), ".keras"), "keras.json")
    try:
        with open(path, encoding="utf-8") as fh:
            return str(json.load(fh).get("backend") or "tensorflow")
    except (OSError, ValueError, AttributeError):
        return "tensorflow"


def explain_load_error(spec: str, exc: BaseException) -> str:
    """What to tell a user whose ``--candidate`` failed to load: the error, and for a
    built-in candidate whose library is missing, what to install or set."""
    import os

    msg = f"--candidate {spec}: cannot load it: {type(exc).__name__}: {exc}"
    if spec not in BUILTIN or not isinstance(exc, ImportError):
        return msg
    if spec == "keras":
        chosen = os.environ.get("KERAS_BACKEND")
        installed = [b for b, (mods, _) in KERAS_BACKENDS.items() if all(_installed(m) for m in mods)]
        if not chosen:
            msg += (
                f"\n  KERAS_BACKEND is not set, so Keras picked its default backend ({_keras_default_backend()}),"
                " which is not installed."
            )
        if installed:
            msg += f"\n  Backends installed here: {', '.join(installed)}. Choose one: KERAS_BACKEND={installed[0]} pytest --candidate keras"
        extras = ", ".join(f"keras-conformance[{x}]" for _, x in KERAS_BACKENDS.values() if x)
        msg += f'\n  Or install a backend with Keras: pip install "keras-conformance[keras-jax]" (any of {extras}).'
        return msg
    return msg + f'\n  Install it with: pip install "keras-conformance[{EXTRA[spec]}]"'


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
    if api.of:  # a gradient API: the candidate's gradient hook over the value API
        return _gradient_impl(candidate, api)
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


def _gradient_impl(candidate, api):
    """``grad.<api>`` of a candidate without a method of that name: its ``gradient(f,
    y_pred)`` hook around what implements the value API, called as the value API is."""
    from conformance import registry

    hook = getattr(candidate, "gradient", None)
    if hook is None:
        raise Unsupported(f"candidate {candidate.name!r} has no gradient method (for {api.name})")
    value = registry.get(api.of)
    impl = resolve(candidate, value)
    if value.shape == "function":

        def grad_fn(y_true, y_pred, **params):
            return hook(lambda yp: impl(y_true, yp, **params), y_pred)

        return grad_fn

    def grad_cls(**params):
        def call(y_true, y_pred, sample_weight=None):
            return hook(lambda yp: impl(**params)(y_true, yp, sample_weight=sample_weight), y_pred)

        return call

    return grad_cls


def to_numpy(candidate, value):
    """A candidate's result through its ``to_numpy`` (a backend tensor to numpy), when it
    has one; otherwise as returned (the comparison reads it with ``numpy.asarray``)."""
    conv = getattr(candidate, "to_numpy", None)
    return conv(value) if conv is not None else value
