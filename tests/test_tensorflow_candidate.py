"""The ``tensorflow`` candidate's adapters for APIs that have no fixtures yet (sparse categorical
cross-entropy and CTC), against values computed here independently: a float64 numpy
log-softmax, a float64 numpy CTC forward algorithm, and hand-checked closed forms. Also its
Unsupported/raise choices. Skipped where tensorflow is not installed (the tensorflow tox env
runs it)."""

from __future__ import annotations

import math

import numpy as np
import pytest

pytest.importorskip("tensorflow")

from conformance.candidates import Unsupported, load_candidate  # noqa: E402

RTOL = 2e-6  # float32 results of O(1) values against float64 references
# tf.nn's softmax cross-entropies compute log(sum(exp(x - max))) - (x[y] - max): a sum near 1 is
# rounded to float32's grid there (2^-23), so a loss much smaller than 1 is good to about 2^-23
# absolutely, not relatively (the fixtures' tolerance rule says the same).
ATOL_LSE = 2.0**-23


@pytest.fixture(scope="module")
def tfc():
    return load_candidate("tensorflow")


def log_softmax(x, axis=-1):
    x = np.asarray(x, np.float64)
    m = x.max(axis=axis, keepdims=True)
    return x - m - np.log(np.exp(x - m).sum(axis=axis, keepdims=True))


def sparse_ref(labels, logits):
    """-log_softmax(logits)[label] per row, float64."""
    lp = log_softmax(logits)
    idx = np.asarray(labels).astype(np.int64)
    return -np.take_along_axis(lp, idx[..., None], axis=-1)[..., 0]


def ctc_ref(labels, label_length, logits, logit_length, blank=0):
    """The CTC negative log-likelihood of one sample: the forward algorithm over the label with
    blanks interleaved, in log space, float64 (Graves et al. 2006)."""
    lp = log_softmax(np.asarray(logits, np.float64)[:logit_length])
    ext = [blank]
    for s in labels[:label_length]:
        ext += [int(s), blank]
    n = len(ext)
    alpha = np.full(n, -np.inf)
    alpha[0] = lp[0, ext[0]]
    if n > 1:
        alpha[1] = lp[0, ext[1]]
    for t in range(1, len(lp)):
        new = np.full(n, -np.inf)
        for s in range(n):
            terms = [alpha[s]]
            if s >= 1:
                terms.append(alpha[s - 1])
            if s >= 2 and ext[s] != blank and ext[s] != ext[s - 2]:
                terms.append(alpha[s - 2])
            new[s] = np.logaddexp.reduce(terms) + lp[t, ext[s]]
        alpha = new
    return -np.logaddexp(alpha[-1], alpha[-2] if n > 1 else -np.inf)


# -- sparse categorical cross-entropy ---------------------------------------------------------


def test_sparse_hand_checked_values(tfc):
    # uniform logits: log K; a one-hot-ish row: log(1 + 2e^-10) for the right class
    out = tfc.sparse_categorical_crossentropy(np.array([1.0, 0.0], np.float32), np.array([[0, 0, 0], [10, 0, 0]], np.float32), from_logits=True)  # fmt: skip
    np.testing.assert_allclose(out, [math.log(3), math.log1p(2 * math.exp(-10))], rtol=RTOL, atol=ATOL_LSE)


def test_sparse_matches_numpy_log_softmax(tfc):
    rng = np.random.default_rng(17)
    for shape in [(5, 4), (2, 3, 6), (7,)]:
        logits = (rng.standard_normal(shape) * 4).astype(np.float32)
        labels = rng.integers(0, shape[-1], size=shape[:-1]).astype(np.float32)
        ref = sparse_ref(labels, logits)
        for fn in (tfc.sparse_categorical_crossentropy, tfc.ops_sparse_categorical_crossentropy):
            got = fn(labels, logits, from_logits=True)
            assert np.shape(got) == shape[:-1]
            np.testing.assert_allclose(got, ref, rtol=RTOL, atol=ATOL_LSE)


def test_sparse_squeezes_a_size_one_label_axis_and_truncates_float_labels(tfc):
    logits = np.array([[0.5, -1.0, 2.0], [3.0, 0.0, -2.0]], np.float32)
    ref = sparse_ref([2, 1], logits)
    got = tfc.sparse_categorical_crossentropy(np.array([[2.0], [1.0]], np.float32), logits, from_logits=True)
    np.testing.assert_allclose(got, ref, rtol=RTOL)
    got = tfc.sparse_categorical_crossentropy(np.array([2.9, 1.7], np.float32), logits, from_logits=True)
    np.testing.assert_allclose(got, ref, rtol=RTOL)


def test_sparse_ignore_class_function_and_class(tfc):
    labels = np.array([1, 2, -1, 0], np.float32)
    logits = np.array([[0.1, 2.0, -1.0], [1.0, 1.0, 3.0], [5.0, 5.0, 5.0], [0.0, -2.0, 1.0]], np.float32)
    valid = sparse_ref([1, 2, 0], logits[[0, 1, 3]])
    expected = np.array([valid[0], valid[1], 0.0, valid[2]])
    got = tfc.sparse_categorical_crossentropy(labels, logits, from_logits=True, ignore_class=-1)
    np.testing.assert_allclose(got, expected, rtol=RTOL)
    assert got[2] == 0.0

    def cls(**kw):
        return tfc.SparseCategoricalCrossentropy(from_logits=True, ignore_class=-1, **kw)

    # Keras 3's mask: the mean is over the valid entries
    np.testing.assert_allclose(cls()(labels, logits), valid.sum() / 3, rtol=RTOL)
    np.testing.assert_allclose(cls(reduction="sum")(labels, logits), valid.sum(), rtol=RTOL)
    np.testing.assert_allclose(cls(reduction="mean_with_sample_weight")(labels, logits), valid.sum() / 3, rtol=RTOL)
    w = np.array([1, 2, 3, 4], np.float32)
    np.testing.assert_allclose(cls()(labels, logits, sample_weight=w), (valid * [1, 2, 4]).sum() / 3, rtol=RTOL)
    np.testing.assert_allclose(
        cls(reduction="mean_with_sample_weight")(labels, logits, sample_weight=w),
        (valid * [1, 2, 4]).sum() / 7,
        rtol=RTOL,
    )
    np.testing.assert_allclose(cls(reduction="none")(labels, logits), expected, rtol=RTOL)
    assert cls()(np.full(4, -1, np.float32), logits) == 0.0  # all ignored: divide_no_nan


def test_sparse_class_without_ignore_class_is_the_plain_mean(tfc):
    labels = np.array([[1], [0]], np.float32)
    logits = np.array([[0.0, 1.0], [2.0, -1.0]], np.float32)
    ref = sparse_ref([1, 0], logits)
    np.testing.assert_allclose(
        tfc.SparseCategoricalCrossentropy(from_logits=True)(labels, logits), ref.mean(), rtol=RTOL
    )


def test_sparse_what_tf_nn_cannot_express_or_rejects(tfc):
    logits = np.zeros((2, 3), np.float32)
    with pytest.raises(Unsupported):
        tfc.sparse_categorical_crossentropy(np.zeros(2, np.float32), logits + 0.3)  # probabilities
    with pytest.raises(Unsupported):
        tfc.ops_sparse_categorical_crossentropy(np.zeros((3,), np.float32), np.zeros((2, 3, 4), np.float32), from_logits=True, axis=1)  # fmt: skip
    with pytest.raises(ValueError):
        tfc.ops_sparse_categorical_crossentropy(np.zeros((3,), np.float32), logits, from_logits=True)  # shapes
    with pytest.raises(Exception):  # noqa: B017 - TF's InvalidArgumentError on CPU for a label >= K
        tfc.sparse_categorical_crossentropy(np.array([0, 3], np.float32), logits, from_logits=True)


# -- CTC ---------------------------------------------------------------------------------------


def test_ctc_uniform_logits_closed_form(tfc):
    # T=3, 3 classes, label [1, 1]: the only path is 1, blank, 1, each step 1/3
    got = tfc.ops_ctc_loss(np.array([[1, 1]]), np.zeros((1, 3, 3), np.float32), np.array([2]), np.array([3]))
    np.testing.assert_allclose(got, [3 * math.log(3)], rtol=RTOL)


def test_ctc_keras_ops_test_values(tfc):
    # keras/src/ops/nn_test.py::test_ctc_loss (Keras 3.15.1)
    labels = np.array([[1, 2, 1], [1, 2, 2]])
    outputs = np.array(
        [[[0.4, 0.8, 0.4], [0.2, 0.8, 0.3], [0.9, 0.4, 0.5]], [[0.4, 0.8, 0.4], [0.2, 0.3, 0.3], [0.4, 0.3, 0.2]]],
        np.float32,
    )
    got = tfc.ops_ctc_loss(labels, outputs, np.array([3, 2]), np.array([3, 2]))
    ref = [ctc_ref(labels[i], n, outputs[i], t) for i, (n, t) in enumerate([(3, 3), (2, 2)])]
    np.testing.assert_allclose(got, ref, rtol=RTOL)
    np.testing.assert_allclose(got, [3.4411672, 1.91680186], rtol=RTOL)


def test_ctc_matches_the_numpy_forward_algorithm(tfc):
    rng = np.random.default_rng(5)
    for batch, steps, classes, max_len in [(3, 8, 4, 3), (2, 10, 5, 4), (4, 6, 3, 2)]:
        logits = rng.standard_normal((batch, steps, classes)).astype(np.float32) * 2
        labels = rng.integers(1, classes, size=(batch, max_len))
        lab_len = rng.integers(1, max_len + 1, size=batch)
        log_len = rng.integers(2 * max_len + 1, steps + 1, size=batch)
        got = tfc.ops_ctc_loss(labels.astype(np.float32), logits, lab_len, log_len)
        ref = [ctc_ref(labels[i], lab_len[i], logits[i], log_len[i]) for i in range(batch)]
        np.testing.assert_allclose(got, ref, rtol=1e-5)


def test_ctc_loss_function_and_class_derive_keras_lengths(tfc):
    # keras/src/losses/losses_test.py::CTCTest::test_correctness: 2.448645 (Keras 3.15.1)
    logits = (np.arange(24).reshape((2, 4, 3)).astype("float32") - 12) / 100
    y_true = np.array([[1, 2, 1, 0], [1, 2, 0, 2]], np.float32)
    per_sample = tfc.ctc(y_true, logits)
    # Keras' lengths: T for every sample, the count of non-zeros for the labels, read from the
    # front. The second label is thus [1, 2, 0] with an interior blank, which the forward
    # algorithm here does not model: its value is the one docs/semantics.md §17.1 verified on
    # Keras 3.15.1 jax and numpy.
    np.testing.assert_allclose(per_sample[0], ctc_ref([1, 2, 1], 3, logits[0], 4), rtol=RTOL)
    np.testing.assert_allclose(per_sample, [2.4429314, 2.4543598], rtol=RTOL)
    np.testing.assert_allclose(tfc.CTC()(y_true, logits), 2.448645, rtol=RTOL)
    np.testing.assert_allclose(tfc.CTC(reduction="sum")(y_true, logits), 2.4429314 + 2.4543598, rtol=RTOL)
    with pytest.raises(ValueError):
        tfc.ctc(y_true[0], logits)
    with pytest.raises(ValueError):
        tfc.ctc(y_true, logits[0])


def test_what_tf_nn_has_not_is_skipped(tfc):
    for call in (
        lambda: tfc.poisson(np.ones(2, np.float32), np.ones(2, np.float32)),
        lambda: tfc.Poisson(),
        lambda: tfc.binary_crossentropy(np.ones(2, np.float32), np.full(2, 0.5, np.float32)),
        lambda: tfc.categorical_crossentropy(np.ones(2, np.float32), np.full(2, 0.5, np.float32)),
        lambda: tfc.metrics_BinaryCrossentropy(),
    ):
        with pytest.raises(Unsupported):
            call()


# -- binary cross-entropy: the chosen function and the documented alternative -----------------


def test_bce_uses_sigmoid_ce_and_the_weighted_alternative_cancels_as_documented(tfc):
    weighted = load_candidate("conformance.candidates.tensorflow:TensorflowWeightedCandidate")
    z, x = np.zeros((1, 2), np.float32), np.array([[-16.0, -5.0]], np.float32)
    exact = [math.log1p(math.exp(-16.0)), math.log1p(math.exp(-5.0))]
    kw = dict(from_logits=True, axis=0)
    np.testing.assert_allclose(tfc.binary_crossentropy(z, x, **kw), exact, rtol=RTOL)
    got = weighted.binary_crossentropy(z, x, **kw)
    assert got[0] == 0.0  # (1-z)*x + (log1p(exp(-|x|)) + relu(-x)) = -16 + 16.0000001 in float32
    assert abs(got[1] / exact[1] - 1) > 1e-6
    np.testing.assert_allclose(weighted.binary_crossentropy(z, -x, **kw), [16.0, 5.0 + exact[1]], rtol=RTOL)
