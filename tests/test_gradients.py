"""The golden gradients (``reference.gradients``) against numerical derivatives of the
value reference itself: ``mpmath.diff`` at 60 digits of ``S(y_pred + h e_i)``, the sum of
the value API's output (``conformance.registry.gradient_of``), away from the kinks (clip
bounds), on the gradient APIs' own core and edge cases."""

from __future__ import annotations

import functools

import mpmath
import numpy as np
import pytest

import reference.bce
import reference.cce
import reference.focal
import reference.gce
import reference.kld
import reference.memo
import reference.poisson
import reference.scce
from conformance import catalog, registry
from conformance.shapes import _arr
from reference.floats import CLIP_HIGH, CLIP_LOW
from reference.gradients import gradient
from reference.losses import loss_class

GRADIENT_APIS = [a for a in registry.apis() if a.shape == "gradient"]
#: value-reference modules whose ``mpf_array`` must let exact mpf inputs through
_MODULES = (
    reference.bce,
    reference.cce,
    reference.kld,
    reference.poisson,
    reference.scce,
    reference.focal,
    reference.gce,
)


@pytest.fixture
def exact_inputs(monkeypatch):
    """Let the value reference take object arrays of mpf (y_pred + h) as they are, and
    keep them out of the memo (its keys hash array bytes)."""
    for mod in _MODULES:
        orig = mod.mpf_array
        monkeypatch.setattr(mod, "mpf_array", lambda v, _o=orig: v if np.asarray(v).dtype == object else _o(v))
    orig_hash = reference.memo._hashable

    def hashable(v):
        if isinstance(v, np.ndarray) and v.dtype == object:
            raise TypeError("exact inputs are not memoised")
        return orig_hash(v)

    monkeypatch.setattr(reference.memo, "_hashable", hashable)


def _cases(api, n_core=6, n_edge=6):
    cs = [c for g in api.cases for c in g() if c.api == api.name]
    return [c for c in cs if c.tier == "core"][:n_core] + [c for c in cs if c.tier == "edge"][:n_edge]


def _near_kink(api, case, idx) -> bool:
    if case.params.get("from_logits"):
        return False
    p = float(case.inputs["y_pred"][idx])
    if api.name.startswith("grad.binary_focal") or api.name.startswith("grad.BinaryFocal"):
        if p <= 0 or p >= 1:  # the domain's edge: 1 - p_t < 0 on one side
            return True
    return min(abs(p - CLIP_LOW), abs(p - CLIP_HIGH)) < 1e-12


def _total(call, base, i, h):
    """S, the sum of the value call's output, with ``y_pred[i]`` moved by ``h`` (exact)."""
    shape, value_fn, yt, sw, reduction, profile, params = call
    x = base.copy()
    x[i] = x[i] + h
    if shape == "loss":
        r = loss_class(value_fn, yt, x, sw, reduction=reduction, profile=profile, **params)
    else:
        r = value_fn(yt, x, profile=profile, **params)
    return mpmath.fsum(np.asarray(r.value).ravel())


@pytest.mark.parametrize("profile", ["keras3", "keras2"])
@pytest.mark.parametrize("api", GRADIENT_APIS, ids=lambda a: a.name)
def test_gradient_matches_numerical_derivative_of_the_value(api, profile, exact_inputs):
    value_api = registry.get(api.of)
    value_fn = registry.load_object(value_api.reference)
    vjp = registry.load_object(api.reference)
    if profile not in api.keras:
        pytest.skip(f"{api.name} is absent in {profile}")
    checked = 0
    for case in _cases(api):
        if profile not in api.keras:
            continue
        params = dict(case.params)
        reduction = params.pop("reduction", "default")
        yt, yp, sw = (_arr(case.inputs.get(k)) for k in ("y_true", "y_pred", "sample_weight"))
        try:
            g = gradient(
                vjp, value_fn, yt, yp, sw, kind=value_api.shape, reduction=reduction, profile=profile, **params
            )
        except Exception as exc:  # a call the profile rejects has no gradient
            if type(exc).__name__ == "SpecError":
                continue
            raise
        with mpmath.workdps(60):
            base = np.empty(yp.shape, dtype=object)
            for i, v in np.ndenumerate(yp):
                base[i] = mpmath.mpf(float(v))
            call = (value_api.shape, value_fn, yt, sw, reduction, profile, params)
            for i in np.ndindex(*yp.shape):
                if _near_kink(api, case, i):
                    continue
                num = mpmath.diff(functools.partial(_total, call, base, i), 0)
                got = g.value[i]
                assert abs(num - got) <= mpmath.mpf(10) ** -25 * max(1, abs(num)), (case.id, i, num, got)
                checked += 1
    assert checked > 0


def test_every_loss_api_with_a_gradient_keeps_its_keras_paths_and_page():
    for api in GRADIENT_APIS:
        value = registry.get(api.of)
        assert api.name == f"grad.{value.name}" and api.keras == value.keras and api.docs == value.docs
        assert api.fixture_file == f"grad.{value.file}.yaml"


def test_gradient_case_ids_are_prefixed():
    for api in GRADIENT_APIS:
        for gen in api.cases:
            for c in gen():
                assert c.id.startswith("grad-"), c.id


def test_catalog_has_the_gradient_cases():
    ids = {c.id for c in catalog.cases()}
    assert "grad-bce-quirk-prob-at-eps" in ids
