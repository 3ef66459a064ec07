"""The reference's fast paths compute the same numbers as the mpmath expressions they replace.

Generation runs some kernels on mpmath's exact form ``(sign, man, exp, bc)`` with libmp's
functions instead of the ``mpf`` operators, for speed (#17). Each must return the very
number (the same ``_mpf_``) that the plain mpmath expression gives, at the reference
precision and at CTC's guard precisions: a fast path that rounds once more or in another
place would change golden values in their last digits without any test noticing.
"""

from __future__ import annotations

import math

import mpmath
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from reference import exact, memo, profiles
from reference.bce import _logits_term, _probability_term
from reference.floats import (
    DEFAULT_DPS,
    class_rows,
    f64,
    f64_form,
    log1p,
    mpf_array,
    object_array,
    sigmoid_pair,
    sigmoid_residual,
)
from reference.smoothing import smooth_labels, smoothing_classes
from reference.tracked import ftz

F32 = st.floats(width=32, allow_nan=False, allow_infinity=False)
DPS = st.sampled_from([DEFAULT_DPS, DEFAULT_DPS + 15, DEFAULT_DPS + 40])


def _same(a, b) -> bool:
    return a._mpf_ == b._mpf_


@settings(max_examples=300, deadline=None)
@given(x=F32, dps=DPS)
def test_log1p_of_exp_is_mpmaths(x, dps):
    # the BCE logit term's log1p(exp(-|x|)): arguments from 1 down to far below 2^-(prec+10)
    with mpmath.workdps(dps):
        e = mpmath.exp(-abs(mpmath.mpf(x)))
        assert _same(log1p(e), mpmath.log1p(e))


@pytest.mark.parametrize("v", ["0", "1e-400", "2e-61", "3e-60", "0.5", "1", "7.25", "1e30", "-0.5", "inf"])
def test_log1p_at_its_branches_is_mpmaths(v):
    with mpmath.workdps(DEFAULT_DPS):
        x = mpmath.mpf(v)
        assert _same(log1p(x), mpmath.log1p(x))


@settings(max_examples=200, deadline=None)
@given(x=F32, dps=DPS)
def test_sigmoid_pair_is_the_plain_expressions(x, dps):
    with mpmath.workdps(dps):
        m = mpmath.mpf(x)
        s, sc = sigmoid_pair(m)
        assert _same(s, 1 / (1 + mpmath.exp(-m)))
        assert _same(sc, 1 / (1 + mpmath.exp(m)))
        z = mpmath.mpf(0.25)
        assert _same(sigmoid_residual(z, s, sc), (1 - z) * s - z * sc)


def _plain_logits_term(x, z):
    softplus_tail = mpmath.log1p(mpmath.exp(-abs(x)))
    return max(x, 0) - x * z + softplus_tail


def _plain_probability_term(p_in, z, double):
    lo, hi, eps = (mpmath.mpf(float(np.float32(v))) for v in (1e-7, 1 - 1e-7, 1e-7))
    p = min(max(p_in, lo), hi)
    q = 1 - p
    a, b = (p + eps, q + eps) if double else (p, q)
    return -(z * mpmath.log(a) + (1 - z) * mpmath.log(b))


@settings(max_examples=300, deadline=None)
@given(x=F32, z=st.sampled_from([0.0, 1.0, 0.95, 0.05, 0.5]), double=st.booleans())
def test_bce_kernels_are_the_plain_expressions(x, z, double):
    with mpmath.workdps(DEFAULT_DPS):
        xm, zm = mpmath.mpf(x), mpmath.mpf(float(np.float32(z)))
        assert _same(_logits_term(xm, zm, 1e-9)[0], _plain_logits_term(xm, zm))
        p = mpmath.mpf(abs(x) / (1 + abs(x)))  # a probability: clipped at both ends too
        assert _same(_probability_term(p, zm, 1e-9, double)[0], _plain_probability_term(p, zm, double))


@settings(max_examples=100, deadline=None)
@given(y=st.lists(st.sampled_from([0.0, 1.0, 0.5, 0.3]), min_size=1, max_size=6), ls=st.sampled_from([0.1, 0.5, 1.0]))
def test_smoothed_labels_are_the_plain_expressions(y, ls):
    from reference.floats import round_f32

    with mpmath.workdps(DEFAULT_DPS):
        yt = mpf_array(np.asarray(y, np.float32))
        z, _ = smooth_labels(yt, ls, mpmath.mpf(1) / 2, profiles.KERAS3)
        ls_m = mpmath.mpf(ls)
        c1, c2 = round_f32(1 - ls_m), round_f32(ls_m / 2)
        assert all(_same(zi, yi * c1 + c2) for zi, yi in zip(z.flat, yt.flat))


_EDGES = [
    "0",
    "1",
    "-0.5",
    "16777215",
    "16777217",
    "0.1",
    "1e-45",
    "1.2e-38",
    "1.17549435e-38",
    "-1e-40",
    "1e-400",
    "inf",
    "-inf",
    "nan",
]


@pytest.mark.parametrize("v", _EDGES)
def test_exact_forms_float32_tests_are_the_mpf_ones(v):
    # the kernels' budget terms read these on the exact form: ``rounding32`` is the ``u |x|``
    # of ``not is_f32`` and ``ftz64`` is ``f64(ftz(x))``, at 50 digits where 0.1 has > 24 bits
    from reference.floats import U64, is_f32

    with mpmath.workdps(DEFAULT_DPS):
        x = mpmath.mpf(v)
        t = x._mpf_
        finite = mpmath.isfinite(x)
        assert exact.inexact32(t) == (finite and not is_f32(x))
        assert exact.rounding32(t) == (U64 * abs(f64(x)) if finite and not is_f32(x) else 0.0)
        assert exact.flushes32(t) == (0 < abs(x) < mpmath.mpf(2) ** -126)
        assert exact.ftz64(t) == f64(ftz(x))


@pytest.mark.parametrize("v", ["1", "-2.5", "1e-310", "4e-320", "1e308", "1e400", "-1e-400", "0", "inf", "-inf"])
def test_f64_is_the_nearest_double(v):
    x = mpmath.mpf(v)
    assert f64(x) == f64_form(x._mpf_) == float(x) or (math.isnan(f64(x)) and math.isnan(float(x)))


def test_object_arrays_keep_their_shape_and_items():
    items = [mpmath.mpf(i) for i in range(6)]
    a = object_array(items, (2, 3))
    assert a.shape == (2, 3) and a.dtype == object and a[1, 2] is items[5]
    assert object_array([], (0,)).shape == (0,)
    assert object_array([items[0]], ())[()] is items[0]
    shape, (rows,) = class_rows((a,), 0)
    assert shape == (3,) and rows == [[items[0], items[3]], [items[1], items[4]], [items[2], items[5]]]
    assert class_rows((np.empty((2, 0), dtype=object),), 1) == ((2,), [[[], []]])


class _Reads:
    """A profile stand-in that records the fields read."""

    def __init__(self, **fields):
        self.fields, self.read = fields, []

    def __getattr__(self, name):
        self.read.append(name)
        return self.fields[name]


def test_smoothing_classes_reads_the_profile_only_where_it_decides():
    prof = _Reads(cce_smoothing_classes="axis")
    assert smoothing_classes(prof, "cce_smoothing_classes", (2, 3, 4), 1, 0.0) == 4  # no smoothing
    assert smoothing_classes(prof, "cce_smoothing_classes", (2, 3, 4), 2, 0.1) == 4  # the last axis
    assert prof.read == []
    assert smoothing_classes(prof, "cce_smoothing_classes", (2, 3, 4), 1, 0.1) == 3
    assert prof.read == ["cce_smoothing_classes"]


def test_the_memo_does_not_key_on_object_arrays():
    calls = []

    @memo.profile_memo
    def fn(a, *, profile):
        calls.append(1)
        return np.asarray(a).copy()

    x = mpf_array(np.ones(2, np.float32))
    fn(x, profile="keras3")
    fn(x, profile="keras3")
    assert len(calls) == 2  # an object array's bytes are addresses: never a key
    y = np.ones(2, np.float32)
    fn(y, profile="keras3")
    fn(y, profile="keras3")
    assert len(calls) == 3


def _plain_cce_logits_loss(z_row, x_row):
    m = max(x_row)
    d = [x - m for x in x_row]
    e = [mpmath.exp(di) for di in d]
    rest = mpmath.fsum(ei for ei, di in zip(e, d) if di != 0) + (sum(1 for di in d if di == 0) - 1)
    big_l = mpmath.log1p(rest)
    loss = mpmath.mpf(0)
    for z, di in zip(z_row, d):
        if z:
            loss += z * (big_l - di)
    return loss


def _plain_focal_loss(z_row, x_row, alpha, gamma, from_logits):
    lo, hi = (mpmath.mpf(float(np.float32(v))) for v in (1e-7, 1 - 1e-7))
    if from_logits:
        m = max(x_row)
        e = [mpmath.exp(x - m) for x in x_row]
        s = sum(e)
        probs = [ei / s for ei in e]
    else:
        s = sum(x_row)
        probs = [x / s for x in x_row]
    loss = mpmath.mpf(0)
    for z, p_raw in zip(z_row, probs):
        if z:
            p = min(max(p_raw, lo), hi)
            loss += alpha * (1 - p) ** gamma * (-z * mpmath.log(p))
    return loss


ROWS = st.lists(st.floats(-30, 30, width=32), min_size=1, max_size=6)


@settings(max_examples=150, deadline=None)
@given(x=ROWS, hot=st.integers(0, 5), from_logits=st.booleans())
def test_categorical_rows_are_the_plain_expressions(x, hot, from_logits):
    from reference.cce import _logits_row
    from reference.focal import _row as focal_row

    with mpmath.workdps(DEFAULT_DPS):
        xm = [mpmath.mpf(v) for v in x]
        z = [mpmath.mpf(1) if i == hot % len(x) else mpmath.mpf(0) for i in range(len(x))]
        assert _same(_logits_row(z, [0.0] * len(x), xm)[0], _plain_cce_logits_loss(z, xm))
        if not from_logits:
            xm = [abs(v) + 1 for v in xm]  # a row of positive weights, renormalised
        alpha, gamma = [mpmath.mpf(0.25)] * len(x), mpmath.mpf(2)
        got = focal_row(z, [0.0] * len(x), xm, alpha, 2.0, from_logits)[0]
        assert _same(got, _plain_focal_loss(z, xm, alpha[0], gamma, from_logits))
