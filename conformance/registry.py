"""The API registry: one declaration per API, from which every other layer derives.

Each module of ``conformance/apis/`` declares a family of APIs (a function, its loss
class, a metric) in ``APIS`` and its golden-doc page in ``DOCS``; the registry finds the
modules on first use, as ONNX registers its node cases, so no table of API names is kept
anywhere else. From a declaration come:

* the fixture file (``file``), the schema's ``api`` enum and the test items' markers;
* the call shape (``conformance.shapes``): how a case runs on a candidate, how its
  inputs are written and read, its reproduce snippet and its doctest;
* the reference evaluator (``reference``, imported only when generating);
* the case generators (``cases``) of the catalog;
* the hypothesis strategy (``draw``, imported only in that mode);
* candidate dispatch: a Keras-like candidate finds the API at ``keras[profile]`` in its
  namespace (``losses.BinaryCrossentropy``), any candidate may define ``method``.

Importing this module is cheap (no numpy, no reference): the plugin reads it at start-up.

PYTEST_DONT_REWRITE: pytest loads this package as its plugin; its asserts need no rewriting, and skipping it keeps start-up fast.
"""

from __future__ import annotations

import importlib
import pkgutil
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

__all__ = [
    "Api",
    "DocPage",
    "Theme",
    "loss_family",
    "gradient_of",
    "apis",
    "get",
    "by_method",
    "doc_pages",
    "load_object",
    "evaluate",
]


@dataclass(frozen=True)
class Api:
    """One API of Keras under test.

    ``name`` is the API's id in fixtures and reports: the Keras attribute name, with
    ``metrics.`` for metrics that share a name with a loss class. ``shape`` names its call
    shape (``function``, ``loss``, ``metric``). ``keras`` maps each profile that has the
    API to its dotted path in the Keras namespace; a profile missing there does not have it.
    ``reference`` is ``module:attr`` of the reference evaluator (for a loss class, the
    function it wraps; for a metric, its state machine). ``cases`` are the catalog's
    generators that yield its cases (each generator runs once, whatever it yields).
    ``draw`` is ``module:attr`` of a hypothesis strategy of calls (``None``: no property).
    ``args`` (shape ``positional`` only) names the array inputs, in the order the API takes
    them positionally (``ops.ctc_loss(target, output, target_length, output_length)``);
    ``integer_args`` are those of them that Keras takes as integers: fixtures store them as
    float32 integers and the shape hands them to the candidate as int32.
    """

    name: str
    shape: str
    keras: Mapping[str, str]
    reference: str
    cases: tuple[Callable[[], Any], ...]
    docs: str
    draw: str | None = None
    file: str = ""
    args: tuple[str, ...] = ()
    integer_args: tuple[str, ...] = ()
    #: shape ``gradient`` only: the name of the API whose gradient this is (``gradient_of``)
    of: str = ""

    def __post_init__(self):
        if not self.file:
            object.__setattr__(self, "file", next(iter(self.keras.values())))

    @property
    def method(self) -> str:
        """The candidate method that implements it (``metrics_BinaryCrossentropy``)."""
        return self.name.replace(".", "_")

    @property
    def marker(self) -> str:
        return self.method

    @property
    def fixture_file(self) -> str:
        return f"{self.file}.yaml"

    @property
    def call(self):
        """The call shape object (``conformance.shapes``)."""
        from conformance.shapes import SHAPES

        return SHAPES[self.shape].bound(self)


def loss_family(
    function: str,
    loss_class: str,
    *,
    reference: str,
    cases: tuple[Callable[[], Any], ...],
    class_cases: tuple[Callable[[], Any], ...],
    docs: str,
    draw: str | None,
    profiles: tuple[str, ...] = ("keras3", "keras2"),
) -> tuple[Api, Api]:
    """A loss function and the loss class that wraps it (``keras.losses.<name>`` in each of
    ``profiles``): the common case, declared in one call."""
    fn = Api(function, "function", {p: f"losses.{function}" for p in profiles}, reference, cases, docs, draw)
    cls = Api(loss_class, "loss", {p: f"losses.{loss_class}" for p in profiles}, reference, class_cases, docs, draw)
    return fn, cls


def gradient_of(api: Api, *, reference: str, cases: tuple[Callable[[], Any], ...]) -> Api:
    """The gradient API of a loss function or loss class, derived from its declaration.

    ``grad.<name>`` is called exactly as ``api`` is (same inputs, same parameters) and
    returns ``d S / d y_pred``, one array shaped like ``y_pred``, where ``S`` is the SUM
    of ``api``'s output: the sum of a function's per-sample values, a loss class's reduced
    value (the sum of its weighted values under ``reduction="none"``). It keeps ``api``'s
    Keras paths (a candidate differentiates the value API it already has, through its
    ``gradient`` hook; ``conformance.candidates.resolve``), doc page and profiles; its
    fixtures are ``grad.<file>.yaml``. ``reference`` is ``module:attr`` of the analytic
    vector-Jacobian product of the function ``api`` wraps (``reference.gradients``)."""
    if api.shape not in ("function", "loss"):
        raise ValueError(f"{api.name}: only loss functions and loss classes have gradients, not shape {api.shape!r}")
    return Api(
        f"grad.{api.name}",
        "gradient",
        api.keras,
        reference,
        cases,
        api.docs,
        None,
        file=f"grad.{api.file}",
        of=api.name,
    )


@dataclass(frozen=True)
class Theme:
    """A table of a golden-doc page: cases selected by id patterns."""

    title: str
    patterns: tuple[str, ...]
    intro: str = ""


@dataclass(frozen=True)
class DocPage:
    """One page of ``docs/golden``: its semantics section, themes and doctests."""

    name: str
    semantics: str
    themes: tuple[Theme, ...]
    doctests: tuple[str, ...] = field(default=())
    #: tables of the page's gradient cases (``grad.<api>``), shown after the value tables
    gradients: tuple[Theme, ...] = field(default=())


_APIS: dict[str, Api] | None = None
_PAGES: dict[str, DocPage] | None = None


def _load() -> tuple[dict[str, Api], dict[str, DocPage]]:
    global _APIS, _PAGES
    if _APIS is None:
        import conformance.apis as pkg

        found: dict[str, Api] = {}
        pages: dict[str, DocPage] = {}
        files: dict[str, str] = {}
        for info in sorted(pkgutil.iter_modules(pkg.__path__), key=lambda m: m.name):
            if info.name.startswith("_"):
                continue
            mod = importlib.import_module(f"{pkg.__name__}.{info.name}")
            for api in getattr(mod, "APIS", ()):
                if api.name in found:
                    raise RuntimeError(f"API {api.name!r} is declared twice ({mod.__name__})")
                if api.file in files:
                    raise RuntimeError(f"{api.name!r} and {files[api.file]!r} share the fixture file {api.file}")
                found[api.name], files[api.file] = api, api.name
            for page in getattr(mod, "DOCS", ()):
                pages[page.name] = page
        for api in found.values():
            if api.docs not in pages:
                raise RuntimeError(f"API {api.name!r} names the doc page {api.docs!r}, which no module declares")
        _APIS, _PAGES = found, pages
    return _APIS, _PAGES


def apis() -> tuple[Api, ...]:
    """Every declared API, in declaration order (modules by name)."""
    return tuple(_load()[0].values())


def get(name: str) -> Api:
    try:
        return _load()[0][name]
    except KeyError:
        raise KeyError(f"unknown API {name!r}; known: {sorted(_load()[0])}") from None


def by_method(method: str) -> Api | None:
    """The API a candidate method name implements, or None."""
    return next((a for a in apis() if a.method == method), None)


def doc_pages() -> tuple[DocPage, ...]:
    return tuple(_load()[1].values())


def load_object(target: str):
    """``module:attr`` imported on demand (keeps reference and hypothesis out of start-up)."""
    module, _, attr = target.partition(":")
    obj = importlib.import_module(module)
    for part in attr.split("."):
        obj = getattr(obj, part)
    return obj


def evaluate(name: str, inputs: dict, params: dict, profile: str) -> list:
    """The reference's results (``Tracked``) for one case of API ``name`` in ``profile``:
    one per output (a metric stream has one per ``result`` step). Raises the reference's
    ``SpecError`` for input the profile rejects."""
    from reference.floats import DEFAULT_DPS, mp

    api = get(name)
    with mp.workdps(max(mp.dps, DEFAULT_DPS)):
        return api.call.expected(api, inputs, params, profile)
