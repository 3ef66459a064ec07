"""The tolerance rule is tight where float32 loses nothing and roomy where it must."""

from __future__ import annotations

import numpy as np

from reference import binary_crossentropy, tolerance_of
from reference.floats import ulp32

F = np.float32


def tol_ulps(yt, yp, **kw):
    r = binary_crossentropy(F(yt), F(yp), **kw)
    v = float(r.value[()])
    return float(tolerance_of(r)[()]) / ulp32(v), float(tolerance_of(r)[()]), v


def test_a_well_conditioned_case_gets_a_few_ulps():
    ulps, _, _ = tol_ulps([0, 1, 0, 1], [0.3, 0.6, 0.2, 0.9])
    assert 2 <= ulps <= 16


def test_numpy_backend_sigmoid_then_log_at_logit_10_is_caught():
    """docs/semantics.md §10: exact 4.5398899e-05, numpy backend 4.5419773e-05 (rel 4.6e-4)."""
    _, tol, v = tol_ulps([1], [10], from_logits=True)
    assert abs(v - 4.5398899e-05) < 1e-12
    assert abs(4.5419773e-05 - v) > tol


def test_numpy_backend_with_label_smoothing_is_caught():
    """docs/semantics.md quotes 0.50004540 (exact constants); Keras' float32 constants
    f32(0.9) + f32(0.05) give 0.5000456: both are inside the rule's room for the
    smoothed label, and the numpy backend's 0.5000226 is far outside it."""
    _, tol, v = tol_ulps([1], [10], from_logits=True, label_smoothing=0.1)
    assert abs(v - 0.50004540) <= tol
    assert abs(0.5000226 - v) > 10 * tol


def test_one_minus_p_rounding_required_by_the_algorithm_is_allowed():
    """y=0, p=1e-7: Keras gives -log(float32(1 - 1e-7)) = 1.1920929e-07, exact is 1.0e-07,
    torch's log1p path gives 1.0000001e-07: all three are conformant."""
    _, tol, v = tol_ulps([0], [1e-7])
    for got in (1.1920929e-07, 1.0000001e-07):
        assert abs(got - v) <= tol


def test_a_large_logit_times_a_smoothed_label_gets_room_for_its_cancellation():
    _, tol, v = tol_ulps([1], [100], from_logits=True, label_smoothing=0.1)
    # x*z rounds at 95 * 2^-24 absolute: the rule must allow at least that
    assert tol >= 95 * 2.0**-24
    # and still catch a 1e-5 relative error
    assert tol < 1e-5 * v


def test_relative_error_of_1e_5_is_outside_every_unsaturated_probability_case():
    rng = np.random.default_rng(0)
    for _ in range(50):
        yp = rng.uniform(0.01, 0.99, size=6)
        yt = rng.integers(0, 2, size=6)
        _, tol, v = tol_ulps(yt, yp)
        assert tol < 1e-5 * v


def test_a_per_element_loss_that_a_backend_flushes_to_zero_is_allowed_for_after_weighting():
    """Logit 88 with label 1: the loss 6.05e-39 is subnormal, and XLA on CPU flushes it to 0.
    Weighted by 2 the result, 1.21e-38, is a normal float32; a flushing backend returns 0
    (found by the hypothesis mode on Keras 3 with jax)."""
    from reference import loss_class

    r = loss_class(binary_crossentropy, F([[1.0]]), F([[88.0]]), F(2.0), from_logits=True, profile="keras3")
    v, tol = float(r.value[()]), float(tolerance_of(r)[()])
    assert 1.2e-38 < v < 1.22e-38
    assert abs(0.0 - v) <= tol
    assert tol < 1.3 * v  # and no more than that flush


def test_categorical_logits_near_zero_allow_a_float32_logsumexp_but_not_a_clipped_softmax():
    """Logits [0, 40, 0], right class: exact 8.5e-18. A float32 log-sum-exp rounds the sum
    to 1 and returns 0; softmax-then-clip returns -log(1 - 2^-23) = 1.19e-7."""
    from reference.cce import categorical_crossentropy

    r = categorical_crossentropy(F([[0, 1, 0]]), F([[0, 40, 0]]), from_logits=True)
    v, tol = float(r.value[0]), float(tolerance_of(r)[0])
    assert abs(v - 8.4967085e-18) < 1e-24
    assert abs(0.0 - v) <= tol
    assert abs(float(-np.log(F(1) - F(2.0**-23))) - v) > tol


def test_a_subnormal_label_smoothing_constant_may_be_flushed():
    """ls = 2^-126 with K = 2 makes ls / K subnormal: XLA flushes it, and the smoothed
    label of class 0 loses it (found by the hypothesis mode on Keras with jax)."""
    from reference.cce import categorical_crossentropy

    ls = float(F(2.0**-126))
    r = categorical_crossentropy(F([1, 0]), F([88, 0]), from_logits=True, label_smoothing=ls)
    v, tol = float(r.value[()]), float(tolerance_of(r)[()])
    assert v > 5e-37 and abs(0.0 - v) <= tol


def test_ctc_keras_test_values_pass_and_a_relative_error_of_1e_5_is_caught():
    """Keras' ops test: [3.4411672, 1.91680186]; jax gives 3.441167 and 1.9168018."""
    from conformance.apis.ctc import KERAS_TEST_OP as K
    from reference.ctc import ctc_loss

    r = ctc_loss(K["target"], K["output"], K["target_length"], K["output_length"])
    v, tol = [float(x) for x in r.value], [float(t) for t in tolerance_of(r)]
    assert abs(v[0] - 3.4411671827) < 1e-9 and abs(v[1] - 1.9168018519) < 1e-9
    for got, exp, t in zip((3.441167, 1.9168018), v, tol):
        assert abs(float(F(got)) - exp) <= t
        assert 1e-5 * exp > t  # a relative error of 1e-5 is outside


def test_ctc_a_repeat_needs_its_blank_and_no_alignment_is_inf():
    """Uniform logits, label [1, 1], 3 frames: one alignment, exactly 3 ln 3. Skipping the
    blank between the repeats adds alignments: caught. Two frames: no alignment, +inf, and
    the jax backend's 1e5 is not within the tolerance."""
    import math

    from reference.ctc import ctc_loss

    r = ctc_loss(F([[1, 1]]), np.zeros((1, 3, 3), F), F([2]), F([3]))
    v, tol = float(r.value[0]), float(tolerance_of(r)[0])
    assert abs(v - 3 * math.log(3)) < 1e-12
    no_blank = -math.log(3 * (1 / 3) ** 3 + (1 / 3) ** 3)  # 1 1 1 counted as [1, 1] too, etc.
    assert abs(no_blank - v) > tol
    r = ctc_loss(F([[1, 1]]), np.zeros((1, 2, 3), F), F([2]), F([2]))
    assert math.isinf(float(r.value[0])) and float(tolerance_of(r)[0]) < 1e-37
