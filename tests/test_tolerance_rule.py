"""The tolerance rule is tight where float32 loses nothing and roomy where it must."""

from __future__ import annotations

import itertools

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


def test_the_bce_op_gives_each_element_the_budget_of_a_one_element_row():
    """ops.binary_crossentropy is elementwise: no mean, so each element's tolerance is the
    loss function's on that element alone."""
    from reference.ops import binary_crossentropy_op

    rng = np.random.default_rng(7)
    for profile, from_logits in itertools.product(("keras3", "keras2"), (False, True)):
        yt = F(rng.integers(0, 2, size=(3, 4)))
        yp = F(rng.normal(0, 8, size=(3, 4))) if from_logits else F(rng.uniform(0, 1, size=(3, 4)))
        op = binary_crossentropy_op(yt, yp, from_logits=from_logits, profile=profile)
        op_tol = tolerance_of(op)
        for idx in np.ndindex(3, 4):
            one = binary_crossentropy(yt[idx][None], yp[idx][None], from_logits=from_logits, profile=profile)
            assert op.value[idx] == one.value[()]
            assert op_tol[idx] == tolerance_of(one)[()]


def test_the_keras2_bce_op_keeps_its_double_epsilon_and_keras3_is_outside_it():
    from reference.ops import binary_crossentropy_op

    k2 = binary_crossentropy_op(F([1]), F([0]), profile="keras2")
    v, tol = float(k2.value[0]), float(tolerance_of(k2)[0])
    assert abs(v - 15.424949) < 1e-5
    assert abs(16.118095 - v) > 1000 * tol


def test_the_bce_op_does_not_excuse_a_cancelling_logits_formula():
    """Logit -16, t = 0: exact 1.1253517e-07. torch's (1-t)x - log_sigmoid(x) gives 0.0 in
    float32; the element is alone, so nothing dilutes that error."""
    from reference.ops import binary_crossentropy_op

    r = binary_crossentropy_op(F([0]), F([-16]), from_logits=True)
    v, tol = float(r.value[0]), float(tolerance_of(r)[0])
    assert abs(v - 1.1253517e-07) < 1e-13
    x = F(-16)
    torch_like = F(x - F(x - np.log1p(np.exp(x))))  # (1 - t) x - log_sigmoid(x), t = 0
    assert abs(float(torch_like) - v) > tol


def test_a_metric_reuses_its_functions_budget_and_only_adds_the_counts_terms():
    """An unweighted batch: the metric's result is the loss class's sum_over_batch_size,
    and its tolerance that of the loss widened only by the terms of ``count``."""
    from reference import loss_class
    from reference.cce import categorical_crossentropy
    from reference.kld import kl_divergence
    from reference.metric import CategoricalCrossentropyMetric, KLDivergenceMetric, PoissonMetric
    from reference.poisson import poisson

    rng = np.random.default_rng(11)
    yt = F(rng.dirichlet(np.ones(4), size=3))
    yp = F(rng.dirichlet(np.ones(4), size=3))
    for cls, fn in (
        (CategoricalCrossentropyMetric, categorical_crossentropy),
        (KLDivergenceMetric, kl_divergence),
        (PoissonMetric, poisson),
    ):
        for profile in ("keras3", "keras2"):
            m = cls(profile=profile)
            m.update_state(yt, yp)
            got = m.result()
            loss = loss_class(fn, yt, yp, None, reduction="sum_over_batch_size", profile=profile)
            assert abs(got.value[()] - loss.value[()]) < 1e-30
            t_m, t_l = float(tolerance_of(got)[()]), float(tolerance_of(loss)[()])
            assert t_l <= t_m <= 1.5 * t_l


def test_sparse_categorical_crossentropy_docstring_and_the_two_probability_paths():
    """docs/tolerance.md: keras3 renormalises then clips, keras2 clips then log-softmaxes;
    on the docstring both are inside each other's tolerance, on an unnormalised row or a
    row of clipped zeros they are far apart."""
    from reference.scce import sparse_categorical_crossentropy as scce

    yt, yp = F([1, 2]), F([[0.05, 0.95, 0], [0.1, 0.8, 0.1]])
    k3, k2 = scce(yt, yp, profile="keras3"), scce(yt, yp, profile="keras2")
    v3, v2 = np.array(k3.value, dtype=float), np.array(k2.value, dtype=float)
    t3 = np.array(tolerance_of(k3), dtype=float)
    assert abs(v3[0] - 0.051293296) < 1e-9 and abs(v2[0] - 0.051293396) < 1e-9
    assert np.all(np.abs(v2 - v3) <= t3)
    r = scce(F([1]), F([[1, 2, 1]]), profile="keras3")
    assert abs(float(r.value[0]) - 0.6931472) < 1e-7
    assert abs(1.0986123 - float(r.value[0])) > float(tolerance_of(r)[0])
    r = scce(F([0]), F([[0.5] + [0] * 9 + [0.5]]), profile="keras3")
    assert abs(0.69314814 - float(r.value[0])) > float(tolerance_of(r)[0])  # tensorflow's value


def test_sparse_loss_class_ignore_class_averages_over_valid_entries_only():
    """docs/semantics.md §12.4: 0.9549014 over the 3 valid entries; 0.7161760 over all 4 fails."""
    from reference import loss_class
    from reference.scce import sparse_categorical_crossentropy_loss

    yt = F([1, 2, -1, 0])
    yp = F([[0.05, 0.95, 0], [0.1, 0.8, 0.1], [0.3, 0.3, 0.4], [0.6, 0.2, 0.2]])
    r = loss_class(sparse_categorical_crossentropy_loss, yt, yp, None, ignore_class=-1, profile="keras3")
    v, tol = float(r.value[()]), float(tolerance_of(r)[()])
    assert abs(v - 0.9549014) <= tol < 2e-6
    assert abs(0.7161760 - v) > tol


def test_binary_focal_factor_of_a_small_p_gets_room_for_one_minus_one_minus_p():
    """y = 0, p = 1e-3, gamma = 2: Keras' focal factor is (1 - float32(1 - p))^2, off by up to
    2^-25 / p relatively; the float32 algorithm passes, a 1e-3 relative error does not."""
    from reference.binary_focal import binary_focal_crossentropy

    r = binary_focal_crossentropy(F([0]), F([1e-3]), gamma=2.0)
    v, tol = float(r.value[()]), float(tolerance_of(r)[()])
    assert abs(v - 1.0005005e-09) < 1e-16
    s = F(1e-3)
    keras_f32 = float((F(1) - (F(1) - s)) ** F(2) * -np.log(F(1) - s))
    assert abs(keras_f32 - v) <= tol
    assert 1e-3 * v > tol


def test_binary_focal_logits_keras3_clips_and_the_exact_logit_path_is_caught():
    """Logit 40, label 0: keras3 (sigmoid, then the clipped BCE) gives 15.942385; Keras 3 on
    tensorflow and keras2 compute the exact 40 and are far outside keras3's tolerance."""
    from reference.binary_focal import binary_focal_crossentropy

    r3 = binary_focal_crossentropy(F([0]), F([40]), from_logits=True)
    r2 = binary_focal_crossentropy(F([0]), F([40]), from_logits=True, profile="keras2")
    v3, tol3 = float(r3.value[()]), float(tolerance_of(r3)[()])
    assert abs(v3 - 15.942385) < 1e-6 and abs(float(r2.value[()]) - 40.0) < 1e-6
    assert abs(40.0 - v3) > 1e5 * tol3


def test_binary_focal_factor_of_a_rounded_sigmoid_is_allowed():
    """Logit 10, label 1, gamma 2: 1 - float32(sigmoid(10)) carries the sigmoid's rounding."""
    from reference.binary_focal import binary_focal_crossentropy

    r = binary_focal_crossentropy(F([1]), F([10]), from_logits=True, gamma=2.0)
    v, tol = float(r.value[()]), float(tolerance_of(r)[()])
    s = F(1) / (F(1) + np.exp(F(-10)))
    keras_f32 = float((F(1) - s) ** F(2) * -np.log(s))
    assert abs(keras_f32 - v) <= tol < 0.05 * v


def test_binary_focal_gamma_0_is_binary_crossentropy():
    from reference.binary_focal import binary_focal_crossentropy

    yt, yp = F([[0, 1, 1, 0]]), F([[0.3, 0.6, 1e-9, 1.0]])
    for profile in ("keras3", "keras2"):
        a = binary_focal_crossentropy(yt, yp, gamma=0.0, profile=profile)
        b = binary_crossentropy(yt, yp, profile=profile)
        assert a.value[0] == b.value[0]


def test_generalized_ce_near_q_0_allows_the_cancellation_of_1_minus_p_to_the_q():
    """p = 0.5, q = 1e-3: 0.69290701 with a tolerance of 1.8e-4; float32 (1 - 0.5^q)/q is well
    inside, and the q -> 0 limit ln 2 is caught."""
    from reference.gce import categorical_generalized_cross_entropy

    r = categorical_generalized_cross_entropy(F(0), F([0.5, 0.5]), q=1e-3)
    v, tol = float(r.value[()]), float(tolerance_of(r)[()])
    assert abs(v - 0.69290701) < 1e-8 and 1.7e-4 < tol < 1.9e-4
    keras_f32 = float((F(1) - np.power(F(0.5), F(1e-3))) / F(1e-3))
    assert abs(keras_f32 - v) <= 0.1 * tol
    assert abs(np.log(2) - v) > tol


def test_generalized_ce_of_the_docstring_still_catches_a_relative_error_of_1e_5():
    """p^q (0.84, 0.89) cancels about 5x in 1 - p^q: some tens of ulps, well under 1e-5."""
    from reference.gce import categorical_generalized_cross_entropy

    r = categorical_generalized_cross_entropy(F([0, 1]), F([[0.7, 0.3], [0.2, 0.8]]), q=0.5)
    for v, tol in zip(r.value, tolerance_of(r)):
        assert float(tol) / ulp32(v) <= 40 and float(tol) < 1e-5 * float(v)


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


# --------------------------------------------------------------------------- gradients (issue #14)
def _grad(api, yt, yp, sw=None, profile="keras3", **params):
    from conformance import registry

    inputs = {"y_true": F(yt), "y_pred": F(yp), **({} if sw is None else {"sample_weight": F(sw)})}
    (r,) = registry.evaluate(api, inputs, params, profile)
    return np.array([float(v) for v in r.value.ravel()]), np.array([float(t) for t in tolerance_of(r).ravel()])


def test_gradient_well_conditioned_gets_a_few_ulps_and_keras2_double_epsilon_shows_near_the_bound():
    g, tol = _grad("grad.binary_crossentropy", [0, 1], [0.3, 0.6])
    assert np.allclose(g, [1 / 0.7 / 2, -1 / 0.6 / 2], rtol=1e-7)
    assert all(2 <= t / ulp32(v) <= 16 for t, v in zip(tol, g))
    g2, _ = _grad("grad.binary_crossentropy", [0, 1], [0.3, 0.6], profile="keras2")
    assert np.all(np.abs(g2 - g) <= tol)  # 1e-7 apart: inside
    g, tol = _grad("grad.binary_crossentropy", [1], [1e-4])
    g2, _ = _grad("grad.binary_crossentropy", [1], [1e-4], profile="keras2")
    assert np.all(np.abs(g2 - g) > 100 * tol)


def test_gradient_that_cancels_gets_the_room_of_its_terms():
    g, tol = _grad("grad.binary_crossentropy", [0.5, 0.25], [0.5, 0.25])
    assert np.all(g == 0) and np.all(tol > 1e-7) and np.all(tol < 1e-5)


def test_gradient_of_saturated_logits_catches_the_naive_probability_path():
    g, tol = _grad("grad.binary_crossentropy", [0, 1], [-40, -40], from_logits=True)
    assert abs(g[1] + 0.5) < 1e-12 and tol[0] < 1e-23
    assert abs(0.0 - g[1]) > tol[1]  # the clipped sigmoid stops the gradient: 0


def test_gradient_reduction_scaled_by_the_wrong_count_is_caught():
    g, tol = _grad("grad.BinaryCrossentropy", [[0, 1], [1, 0]], [[0.3, 0.6], [0.8, 0.1]], [1, 3])
    assert np.all(np.abs(g / 2 - g) > tol)


def test_gradient_of_cce_logits_counts_the_label_sum():
    g, tol = _grad("grad.categorical_crossentropy", [[0.5, 1, 0.5]], [[1, -1, 0.5]], from_logits=True)
    x = np.array([1, -1, 0.5])
    sm = np.exp(x) / np.exp(x).sum()
    assert np.allclose(g, 2 * sm - [0.5, 1, 0.5], rtol=1e-9)
    assert np.all(np.abs((sm - [0.5, 1, 0.5]) - g) > tol)  # tensorflow's kernel gradient


def test_gradient_of_binary_focal_crossentropy_worked_example():
    """docs/tolerance.md, Gradients: binary focal crossentropy (reference/gradients_focal.py)."""
    g, tol = _grad("grad.binary_focal_crossentropy", [0, 1], [0.3, 0.6], gamma=2.0)
    assert np.allclose(g, [0.17128821, -0.33766353], rtol=1e-7)
    assert all(2 <= t / ulp32(v) <= 16 for t, v in zip(tol, g))
    assert np.all(np.abs(np.array([0.06428571, -0.13333333]) - g) > tol)  # the focal factor held constant
    g3, tol3 = _grad("grad.binary_focal_crossentropy", [0, 1], [-40, -40], from_logits=True)
    g2, _ = _grad("grad.binary_focal_crossentropy", [0, 1], [-40, -40], profile="keras2", from_logits=True)
    assert abs(g3[1] + 6.8475380e-17) < 1e-23 and abs(g2[1] + 0.5) < 1e-12
    assert abs(g2[1] - g3[1]) > tol3[1]  # keras3's clipped sigmoid vs the exact BCE of the logits
