"""Properties the spec implies, checked on hypothesis-drawn float32 inputs."""

from __future__ import annotations

import mpmath
import numpy as np
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from reference import BinaryCrossentropyMetric, binary_crossentropy, categorical_focal_crossentropy, loss_class
from reference.floats import CLIP_HIGH, CLIP_LOW

SETTINGS = settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
F = np.float32
profiles = st.sampled_from(["keras3", "keras2"])
shapes = st.tuples(st.integers(1, 4), st.integers(2, 5))


def probs(shape, lo=0.0, hi=1.0):
    return arrays(F, shape, elements=st.floats(float(F(lo)), float(F(hi)), width=32))


@st.composite
def bce_inputs(draw, lo=0.0, hi=1.0):
    shape = draw(shapes)
    yt = draw(arrays(F, shape, elements=st.sampled_from([0.0, 1.0])))
    return yt, draw(probs(shape, lo, hi))


@st.composite
def focal_inputs(draw):
    shape = draw(shapes)
    idx = draw(arrays(np.int64, shape[:1], elements=st.integers(0, shape[1] - 1)))
    yt = np.eye(shape[1], dtype=F)[idx]
    yp = draw(probs(shape, 0.01, 1.0))
    return yt, yp


@SETTINGS
@given(bce_inputs(), profiles, st.sampled_from([0.0, 0.1, 0.5]), st.booleans())
def test_losses_are_non_negative(inp, profile, ls, logits):
    yt, yp = inp
    r = binary_crossentropy(
        yt, yp * F(20) - F(10) if logits else yp, from_logits=logits, label_smoothing=ls, profile=profile
    )
    assert all(v >= 0 for v in r.value.ravel())


@SETTINGS
@given(focal_inputs(), profiles)
def test_focal_gamma0_alpha1_is_categorical_crossentropy(inp, profile):
    yt, yp = inp
    r = categorical_focal_crossentropy(yt, yp, alpha=1.0, gamma=0.0, profile=profile)
    with mpmath.workdps(50):
        for row, v in zip(range(yt.shape[0]), r.value):
            p = [mpmath.mpf(float(x)) for x in yp[row]]
            s = sum(p)
            cce = -sum(
                mpmath.mpf(float(t)) * mpmath.log(min(max(x / s, CLIP_LOW), CLIP_HIGH)) for t, x in zip(yt[row], p)
            )
            assert abs(v - cce) <= mpmath.mpf(10) ** -40 * max(1, abs(cce))


@SETTINGS
@given(focal_inputs(), profiles, st.sampled_from([F(2), F(0.5), F(4), F(0.25)]))
def test_focal_is_invariant_to_scaling_a_row_by_a_power_of_two(inp, profile, scale):
    yt, yp = inp
    a = categorical_focal_crossentropy(yt, yp, profile=profile)
    b = categorical_focal_crossentropy(yt, yp * scale, profile=profile)  # exact in float32
    assert all(x == y for x, y in zip(a.value, b.value))


@SETTINGS
@given(arrays(F, st.integers(1, 6), elements=st.floats(-12, 12, width=32)), profiles, st.sampled_from([0.0, 1.0]))
def test_logits_path_equals_probability_path_on_sigmoid_away_from_the_clip(x, profile, y):
    """keras3 only clips, so the probability path on the *exact* sigmoid equals the logits path."""
    yt = np.full(x.shape, y, F)
    r_logits = binary_crossentropy(yt, x, from_logits=True, profile="keras3")
    with mpmath.workdps(60):
        sig = [1 / (1 + mpmath.exp(-mpmath.mpf(float(v)))) for v in x]
        expected = sum(-(y * mpmath.log(s) + (1 - y) * mpmath.log(1 - s)) for s in sig) / len(sig)
        assert abs(r_logits.value[()] - expected) <= mpmath.mpf(10) ** -40 * max(1, abs(expected))


@SETTINGS
@given(bce_inputs(0.01, 0.99), profiles)
def test_sum_equals_sum_over_batch_size_times_count(inp, profile):
    yt, yp = inp
    total = loss_class(binary_crossentropy, yt, yp, reduction="sum", profile=profile)
    mean = loss_class(binary_crossentropy, yt, yp, reduction="sum_over_batch_size", profile=profile)
    n = yt.shape[0]
    with mpmath.workdps(60):
        assert abs(total.value[()] - mean.value[()] * n) <= mpmath.mpf(10) ** -40 * max(1, abs(total.value[()]))


@SETTINGS
@given(bce_inputs(0.01, 0.99), profiles, st.data())
def test_metric_fed_one_batch_is_the_weighted_mean_of_its_per_sample_values(inp, profile, data):
    yt, yp = inp
    w = data.draw(arrays(F, yt.shape[:1], elements=st.floats(float(F(0.1)), 2.0, width=32)))
    m = BinaryCrossentropyMetric(profile=profile)
    m.update_state(yt, yp, w)
    per_sample = binary_crossentropy(yt, yp, profile=profile).value
    with mpmath.workdps(60):
        wm = [mpmath.mpf(float(x)) for x in w]
        expected = sum(v * x for v, x in zip(per_sample, wm)) / sum(wm)
        assert abs(m.result().value[()] - expected) <= mpmath.mpf(10) ** -40 * max(1, abs(expected))


@SETTINGS
@given(bce_inputs(), profiles)
def test_reset_state_restores_the_empty_state(inp, profile):
    yt, yp = inp
    m = BinaryCrossentropyMetric(profile=profile)
    m.update_state(yt, yp)
    m.reset_state()
    assert m.result().value[()] == 0 and m.count == 0
