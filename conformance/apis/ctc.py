"""CTC: keras3 ``losses.ctc`` / ``losses.CTC`` and ``ops.ctc_loss``; keras2
``backend.ctc_batch_cost`` (docs/semantics.md §17).

Labels and lengths are integers in Keras' API. Fixtures store them as float32 integers; the
``positional`` shape hands the op's and ``ctc_batch_cost``'s integer inputs to a candidate
as int32 (``Api.integer_args``), and the loss function and class get ``y_true`` as float32,
as Keras' ``Loss.__call__`` itself converts it.

PYTEST_DONT_REWRITE: pytest loads this package as its plugin; its asserts need no rewriting, and skipping it keeps start-up fast.
"""

from __future__ import annotations

import dataclasses
import itertools
from collections.abc import Iterator

import numpy as np

from conformance.apis._common import EPS
from conformance.catalog import Case, _tag, f32, loss_class_sweep
from conformance.registry import Api, DocPage, Theme, gradient_of

FN, CLS, OP, K2 = "ctc", "CTC", "ops.ctc_loss", "backend.ctc_batch_cost"

#: keras/src/losses/losses_test.py@v3.15.1 CTCTest.test_correctness (no docstring has an example)
KERAS_TEST_LOSS = {
    "y_true": f32([[1, 2, 1, 0], [1, 2, 0, 2]]),
    "y_pred": f32((np.arange(24).reshape((2, 4, 3)).astype("float32") - 12) / 100),
}
#: keras/src/ops/nn_test.py@v3.15.1 test_ctc_loss
KERAS_TEST_OP = {
    "target": f32([[1, 2, 1], [1, 2, 2]]),
    "output": f32(
        [
            [[0.4, 0.8, 0.4], [0.2, 0.8, 0.3], [0.9, 0.4, 0.5]],
            [[0.4, 0.8, 0.4], [0.2, 0.3, 0.3], [0.4, 0.3, 0.2]],
        ]
    ),
    "target_length": f32([3, 2]),
    "output_length": f32([3, 2]),
}


def _repeats(label) -> int:
    return sum(1 for a, b in zip(label, label[1:]) if a == b)


def _needed(label) -> int:
    """The fewest frames an alignment of ``label`` needs: a blank between repeats."""
    return len(label) + _repeats(label)


def _label(rng, length, classes, kind="random") -> list[int]:
    """``length`` labels drawn from ``classes`` (never the blank)."""
    classes = list(classes)
    if kind == "same":
        return [int(rng.choice(classes))] * length
    if kind == "distinct" and len(classes) > 1:
        out = [int(rng.choice(classes))]
        while len(out) < length:
            out.append(int(rng.choice([c for c in classes if c != out[-1]])))
        return out
    if kind == "repeats" and length >= 2:
        out = [int(rng.choice(classes)) for _ in range(length)]
        out[1] = out[0]
        return out
    return [int(rng.choice(classes)) for _ in range(length)]


def _op_batch(rng, labels, t_max, k, blank, *, lmax=None, pad=None, frames=None, scale=2.0):
    """An ``ops.ctc_loss`` input dict: labels padded with ``pad`` (default: the blank)."""
    lmax = max([len(x) for x in labels] + [1]) if lmax is None else lmax
    pad = blank if pad is None else pad
    target = np.full((len(labels), lmax), pad, np.float32)
    for i, lab in enumerate(labels):
        target[i, : len(lab)] = lab
    frames = [t_max] * len(labels) if frames is None else frames
    return {
        "target": target,
        "output": f32(rng.normal(0.0, scale, size=(len(labels), t_max, k))),
        "target_length": f32([len(x) for x in labels]),
        "output_length": f32(frames),
    }


def _feasible(rng, t_max, k, blank, lmax, kind="random"):
    """A label that has an alignment in some number of frames in [needed, t_max]."""
    classes = [c for c in range(k) if c != blank]
    for _ in range(100):
        lab = _label(rng, int(rng.integers(0, lmax + 1)), classes, kind)
        if _needed(lab) <= t_max:
            return lab
    return []


# --------------------------------------------------------------------------- ops.ctc_loss
OP_SHAPES = ((1, 4, 3, 2), (2, 6, 4, 3), (3, 8, 5, 4), (2, 12, 6, 5), (4, 5, 3, 2))


def op_cases() -> Iterator[Case]:
    rng = np.random.default_rng(20261701)
    yield Case(
        "keras-test-ops-ctc-loss", OP, "core", {}, KERAS_TEST_OP, "keras ops/nn_test.py: [3.4411672, 1.91680186]"
    )
    for (b, t, k, lmax), where, kind in itertools.product(
        OP_SHAPES, ("first", "middle", "last"), ("random", "repeats")
    ):
        blank = {"first": 0, "middle": k // 2, "last": k - 1}[where]
        labels = [_feasible(rng, t, k, blank, lmax, kind) for _ in range(b)]
        frames = [int(rng.integers(_needed(x), t + 1)) if _needed(x) else int(rng.integers(0, t + 1)) for x in labels]
        yield Case(
            f"ctc-op-sweep-b{b}-t{t}-k{k}-blank-{where}-{kind}",
            OP,
            "core",
            {"mask_index": blank},
            _op_batch(rng, labels, t, k, blank, lmax=lmax, frames=frames),
        )
    for i in range(80):
        b, t, k = int(rng.integers(1, 5)), int(rng.integers(1, 13)), int(rng.integers(2, 7))
        lmax = int(rng.integers(1, 6))
        blank = int(rng.choice([0, 0, k - 1, int(rng.integers(0, k))]))
        kind = str(rng.choice(["random", "random", "repeats", "same", "distinct"]))
        labels = [_feasible(rng, t, k, blank, lmax, kind) for _ in range(b)]
        frames = [int(rng.integers(_needed(x), t + 1)) for x in labels]
        pad = int(rng.integers(0, k)) if i % 4 == 3 else None  # padding is never read
        yield Case(
            f"ctc-op-random-{i:03d}",
            OP,
            "core",
            {"mask_index": blank} if blank else {},
            _op_batch(rng, labels, t, k, blank, lmax=lmax, pad=pad, frames=frames, scale=float(rng.uniform(0.3, 6))),
        )
    limits = {
        "label-length-0": ([[]], 4, 3, None),
        "label-length-0-and-1-frame": ([[]], 1, 3, None),
        "output-length-0-label-0": ([[]], 3, 3, [0]),
        "one-label-one-frame": ([[1]], 1, 3, None),
        "label-fills-every-frame": ([[1, 2, 1, 2]], 4, 3, None),
        "label-fills-output-length": ([[2, 1, 2]], 6, 3, [3]),
        "repeat-needs-the-blank-exactly": ([[1, 1]], 3, 3, None),
        "all-same-exact": ([[2, 2, 2]], 5, 3, None),
        "all-same-roomy": ([[2, 2, 2]], 9, 3, None),
        "repeats-at-the-limit": ([[1, 1, 2, 2, 1]], 7, 3, None),
        "longest-with-repeats": ([[1, 1, 1, 1, 1]], 9, 2, None),
        "output-length-below-t": ([[1, 2], [2, 2]], 8, 3, [3, 5]),
        "mixed-lengths": ([[1], [1, 2, 3], [], [3, 3]], 7, 4, [2, 7, 4, 3]),
        "two-classes-only": ([[1, 1, 1]], 6, 2, None),
    }
    for name, (labels, t, k, frames) in limits.items():
        yield Case(f"ctc-op-limit-{name}", OP, "core", {}, _op_batch(rng, labels, t, k, 0, frames=frames))
    # a label equal to the blank (torch's documentation forbids it; every backend reads it as
    # a label that emits the blank's probability)
    for i, (labels, t, k) in enumerate((([[1, 0, 2]], 4, 3), ([[0]], 3, 3), ([[2, 0, 0]], 6, 3), ([[1, 0]], 3, 4))):
        yield Case(
            f"ctc-op-quirk-label-is-blank-{i}",
            OP,
            "quirk",
            {},
            _op_batch(rng, labels, t, k, 0, pad=1),
            "a label equal to mask_index: an ordinary label state emitting the blank's probability",
        )
    # saturated and uniform logits
    for x in (10.0, 30.0, 80.0):
        for name, cls in (("on-path", [0, 1, 0, 2]), ("off-path", [2, 2, 1, 1])):
            out = np.zeros((1, 4, 3), np.float32)
            for tt, c in enumerate(cls):
                out[0, tt, c] = x
            yield Case(
                f"ctc-op-edge-saturated-{_tag(x)}-{name}",
                OP,
                "edge",
                {},
                {"target": f32([[1, 2]]), "output": out, "target_length": f32([2]), "output_length": f32([4])},
            )
    for t, lab in ((3, [1, 1]), (4, [1, 2]), (6, [2, 1, 2])):
        yield Case(
            f"ctc-op-edge-uniform-t{t}-l{len(lab)}",
            OP,
            "edge",
            {},
            {
                "target": f32([lab]),
                "output": np.zeros((1, t, 3), np.float32),
                "target_length": f32([len(lab)]),
                "output_length": f32([t]),
            },
            "uniform logits: the loss is T ln 3 - ln(number of alignments)",
        )
    for scale in (20.0, 60.0):
        yield Case(
            f"ctc-op-edge-large-logits-{_tag(scale)}",
            OP,
            "edge",
            {},
            _op_batch(rng, [[1, 2, 2], [3, 1]], 8, 4, 0, scale=scale),
        )
    yield Case(
        "ctc-op-edge-shifted-logits",
        OP,
        "edge",
        {},
        {**_op_batch(rng, [[1, 2]], 5, 3, 0), "output": f32(1000 + rng.normal(0, 1, size=(1, 5, 3)))},
        "logits near 1000: log_softmax must subtract the max",
    )
    # no alignment: the exact loss is +inf
    impossible = {
        "label-longer-than-t": ([[1, 2, 1]], 2, None),
        "repeat-without-room-for-blank": ([[1, 1]], 2, None),
        "output-length-0": ([[1]], 3, [0]),
        "output-length-too-short": ([[1, 2, 3]], 6, [2]),
        "one-of-two-samples": ([[1, 2], [2, 2, 2]], 4, None),
    }
    for name, (labels, t, frames) in impossible.items():
        yield Case(
            f"ctc-op-quirk-impossible-{name}",
            OP,
            "quirk",
            {},
            _op_batch(rng, labels, t, 4, 0, frames=frames),
            "no alignment: the loss is +inf (jax/numpy return ~1e5 from log_epsilon, tensorflow ~709)",
        )
    yield Case(
        "ctc-op-error-batch-mismatch",
        OP,
        "error",
        {},
        {
            "target": f32([[1, 2], [2, 1]]),
            "output": f32(rng.normal(size=(3, 4, 3))),
            "target_length": f32([2, 2]),
            "output_length": f32([4, 4]),
        },
        "target and output disagree on the batch size",
    )


# --------------------------------------------------------------------------- losses.ctc / CTC
def _loss_inputs(rng, labels, t, k, lmax=None, scale=2.0):
    lmax = max([len(x) for x in labels] + [1]) if lmax is None else lmax
    y = np.zeros((len(labels), lmax), np.float32)
    for i, lab in enumerate(labels):
        y[i, : len(lab)] = lab
    return {"y_true": y, "y_pred": f32(rng.normal(0.0, scale, size=(len(labels), t, k)))}


def function_cases() -> Iterator[Case]:
    rng = np.random.default_rng(20261702)
    yield Case(
        "keras-test-ctc-function",
        FN,
        "core",
        {},
        KERAS_TEST_LOSS,
        "keras losses_test.py CTCTest inputs (its mean is 2.448645); row 2's interior 0 cuts its label to [1, 2, 0]",
    )
    for (b, t, k, lmax), kind in itertools.product(OP_SHAPES, ("random", "repeats", "distinct", "same")):
        labels = [_feasible(rng, t, k, 0, lmax, kind) for _ in range(b)]
        yield Case(f"ctc-sweep-b{b}-t{t}-k{k}-{kind}", FN, "core", {}, _loss_inputs(rng, labels, t, k, lmax))
    for i in range(40):
        b, t, k, lmax = (
            int(rng.integers(1, 5)),
            int(rng.integers(1, 13)),
            int(rng.integers(2, 7)),
            int(rng.integers(1, 6)),
        )
        labels = [_feasible(rng, t, k, 0, lmax) for _ in range(b)]
        yield Case(
            f"ctc-random-{i:03d}", FN, "core", {}, _loss_inputs(rng, labels, t, k, lmax, float(rng.uniform(0.3, 6)))
        )
    yield Case(
        "ctc-all-labels-zero", FN, "core", {}, _loss_inputs(rng, [[], []], 5, 3, 3), "label length 0: only blanks"
    )
    yield Case("ctc-label-fills-t", FN, "core", {}, _loss_inputs(rng, [[1, 2, 3, 1]], 4, 4))
    yield Case("ctc-repeats-exact", FN, "core", {}, _loss_inputs(rng, [[1, 1, 1]], 5, 3))
    for i, row in enumerate(([1, 0, 2, 0], [0, 1, 2], [2, 0, 0, 1], [0, 0, 1])):
        yield Case(
            f"ctc-quirk-interior-zero-{i}",
            FN,
            "quirk",
            {},
            {"y_true": f32([row]), "y_pred": f32(rng.normal(0, 2, size=(1, 5, 3)))},
            "label_length counts the non-zeros, the op reads the first ones: a 0 inside the label is read (keras#21876)",
        )
    for x in (30.0, 80.0):
        out = np.zeros((2, 4, 3), np.float32)
        out[0, :, 0] = x  # blank everywhere: the label [1, 2] is unlikely
        out[1, [0, 1, 2, 3], [1, 0, 2, 0]] = x  # the path 1, -, 2, -
        yield Case(f"ctc-edge-saturated-{_tag(x)}", FN, "edge", {}, {"y_true": f32([[1, 2], [1, 2]]), "y_pred": out})
    yield Case(
        "ctc-quirk-impossible-label-longer-than-t",
        FN,
        "quirk",
        {},
        _loss_inputs(rng, [[1, 2, 1], [1]], 2, 3),
        "no alignment: +inf (jax/numpy ~1e5 from log_epsilon, tensorflow ~709)",
    )
    yield Case(
        "ctc-error-y-true-rank-1",
        FN,
        "error",
        {},
        {"y_true": f32([1, 2]), "y_pred": f32(rng.normal(size=(2, 4, 3)))},
        "y_true must be (batch, max_length)",
    )
    yield Case(
        "ctc-error-y-pred-rank-2",
        FN,
        "error",
        {},
        {"y_true": f32([[1, 2]]), "y_pred": f32(rng.normal(size=(4, 3)))},
        "y_pred must be (batch, T, classes)",
    )


def _sweep_labels(rng, shape):
    """Labels for ``loss_class_sweep``: shape (B, L), at most 2 labels then zero padding (a
    rank-3 request stays rank 3, which ``ctc`` rejects)."""
    if len(shape) != 2:
        return f32(rng.integers(0, 3, size=shape))
    n = min(shape[1], 2)
    return f32([_label(rng, n, (1, 2)) + [0] * (shape[1] - n) for _ in range(shape[0])])


def _sweep_logits(rng, shape):
    """Logits (B, 5, 3) for ``loss_class_sweep``: 5 frames align any 2 labels."""
    if len(shape) != 2:
        return f32(rng.normal(0, 2, size=shape))
    return f32(rng.normal(0, 2, size=(shape[0], 5, 3)))


def class_cases() -> Iterator[Case]:
    rng = np.random.default_rng(20261703)
    yield Case("keras-test-ctc-class", CLS, "core", {}, KERAS_TEST_LOSS, "keras losses_test.py CTCTest: 2.448645")
    yield Case("keras-test-ctc-class-none", CLS, "core", {"reduction": "none"}, KERAS_TEST_LOSS)
    yield from loss_class_sweep(rng, CLS, "ctc", _sweep_labels, _sweep_logits, logits=False, smoothing=False)


# --------------------------------------------------------------------------- keras2 ctc_batch_cost
def _probs(rng, b, t, k, kind="softmax"):
    if kind == "softmax":
        x = rng.normal(0, 2, size=(b, t, k))
        e = np.exp(x - x.max(-1, keepdims=True))
        return f32(e / e.sum(-1, keepdims=True))
    if kind == "dirichlet":
        return f32(rng.dirichlet(np.full(k, 0.5), size=(b, t)))
    if kind == "unnormalised":
        return f32(rng.uniform(0, 3, size=(b, t, k)))
    raise ValueError(kind)


def _k2_inputs(rng, labels, t, k, *, lmax=None, frames=None, kind="softmax", pad=0.0):
    lmax = max([len(x) for x in labels] + [1]) if lmax is None else lmax
    y = np.full((len(labels), lmax), pad, np.float32)
    for i, lab in enumerate(labels):
        y[i, : len(lab)] = lab
    frames = [t] * len(labels) if frames is None else frames
    return {
        "y_true": y,
        "y_pred": _probs(rng, len(labels), t, k, kind),
        "input_length": f32([[f] for f in frames]),
        "label_length": f32([[len(x)] for x in labels]),
    }


def _k2_label(rng, t, k, lmax, kind="random"):
    """A label of length >= 1 over the classes 0..K-2 (K-1 is the blank) that aligns in t frames."""
    for _ in range(100):
        lab = _label(rng, int(rng.integers(1, lmax + 1)), range(k - 1), kind)
        if _needed(lab) <= t:
            return lab
    return [0]


def k2_cases() -> Iterator[Case]:
    rng = np.random.default_rng(20261704)
    for (b, t, k, lmax), kind, pkind in itertools.product(
        OP_SHAPES, ("random", "repeats"), ("softmax", "dirichlet", "unnormalised")
    ):
        labels = [_k2_label(rng, t, k, lmax, kind) for _ in range(b)]
        frames = [int(rng.integers(_needed(x), t + 1)) for x in labels]
        yield Case(
            f"ctc-k2-sweep-b{b}-t{t}-k{k}-{kind}-{pkind}",
            K2,
            "core",
            {},
            _k2_inputs(rng, labels, t, k, lmax=lmax, frames=frames, kind=pkind),
        )
    for i in range(50):
        b, t, k, lmax = (
            int(rng.integers(1, 5)),
            int(rng.integers(1, 13)),
            int(rng.integers(2, 7)),
            int(rng.integers(1, 6)),
        )
        kind = str(rng.choice(["random", "random", "repeats", "same", "distinct"]))
        labels = [_k2_label(rng, t, k, lmax, kind) for _ in range(b)]
        frames = [int(rng.integers(_needed(x), t + 1)) for x in labels]
        yield Case(
            f"ctc-k2-random-{i:03d}",
            K2,
            "core",
            {},
            _k2_inputs(rng, labels, t, k, lmax=lmax, frames=frames, kind=str(rng.choice(["softmax", "dirichlet"]))),
        )
    limits = {
        "label-fills-every-frame": ([[0, 1, 0]], 3, 3, None),
        "repeat-needs-the-blank-exactly": ([[1, 1]], 3, 3, None),
        "all-same-exact": ([[0, 0, 0]], 5, 2, None),
        "input-length-below-t": ([[0, 1], [1]], 6, 3, [3, 1]),
        "one-frame": ([[2]], 1, 4, None),
    }
    for name, (labels, t, k, frames) in limits.items():
        yield Case(f"ctc-k2-limit-{name}", K2, "core", {}, _k2_inputs(rng, labels, t, k, frames=frames))
    onehot = np.zeros((1, 4, 3), np.float32)
    onehot[0, [0, 1, 2, 3], [0, 2, 1, 2]] = 1.0
    yield Case(
        "ctc-k2-edge-one-hot-on-path",
        K2,
        "edge",
        {},
        {"y_true": f32([[0, 1]]), "y_pred": onehot, "input_length": f32([[4]]), "label_length": f32([[2]])},
        f"zeros become log(eps), eps = {EPS}",
    )
    yield Case(
        "ctc-k2-edge-one-hot-off-path",
        K2,
        "edge",
        {},
        {"y_true": f32([[1, 0]]), "y_pred": onehot, "input_length": f32([[4]]), "label_length": f32([[2]])},
    )
    for p in (1e-9, 1e-7, 1e-4):
        y = np.full((1, 3, 3), p, np.float32)
        y[0, :, 2] = 1 - 2 * p
        yield Case(
            f"ctc-k2-edge-tiny-{_tag(p)}",
            K2,
            "edge",
            {},
            {"y_true": f32([[0]]), "y_pred": y, "input_length": f32([[3]]), "label_length": f32([[1]])},
        )
    yield Case(
        "ctc-k2-edge-unnormalised-times-3",
        K2,
        "edge",
        {},
        _k2_inputs(rng, [[0, 1]], 3, 4, kind="unnormalised"),
        "rows are renormalised after log(y + eps)",
    )
    yield Case(
        "ctc-k2-quirk-impossible-repeat-without-blank",
        K2,
        "quirk",
        {},
        _k2_inputs(rng, [[1, 1]], 2, 3),
        "L <= T passes the kernel's check, but the repeat needs a blank: inf",
    )
    yield Case(
        "ctc-k2-quirk-impossible-one-of-two",
        K2,
        "quirk",
        {},
        _k2_inputs(rng, [[0, 1], [0, 0, 0]], 4, 3),
    )
    errors = {
        "label-length-0": (_k2_inputs(rng, [[]], 3, 3), "tf.compat.v1.nn.ctc_loss: Labels length is zero"),
        "label-longer-than-input": (_k2_inputs(rng, [[0, 1, 0]], 4, 3, frames=[2]), "Not enough time"),
        "input-length-above-t": (_k2_inputs(rng, [[0]], 3, 3, frames=[4]), "sequence_length(0) <= T"),
        "lengths-rank-1": (
            {**_k2_inputs(rng, [[0, 1], [1, 0]], 4, 3), "input_length": f32([4, 4]), "label_length": f32([2, 2])},
            "the lengths must be (B, 1)",
        ),
    }
    for name, (inputs, note) in errors.items():
        yield Case(f"ctc-k2-error-{name}", K2, "error", {}, inputs, note)


# --------------------------------------------------------------------------- gradients (keras3)
def grad_function_cases() -> Iterator[Case]:
    """``grad.ctc``: ``softmax - posterior`` per frame; a small sweep (label kinds, T <= 6,
    K <= 4, B <= 2), seeded random calls, an empty label, a label that fills every frame,
    saturated logits (edge), an interior 0 and an impossible label (quirk), ranks (error)."""
    rng = np.random.default_rng(20261711)
    api = f"grad.{FN}"
    yield Case(
        "grad-keras-test-ctc-function",
        api,
        "quirk",
        {},
        KERAS_TEST_LOSS,
        "keras losses_test.py CTCTest inputs: row 2's label is read as [1, 2, 0], the blank as a label (keras#21876)",
    )
    for (b, t, k, lmax), kind in itertools.product(
        ((1, 4, 3, 2), (2, 5, 3, 2), (2, 6, 4, 3)), ("random", "repeats", "distinct", "same")
    ):
        labels = [_feasible(rng, t, k, 0, lmax, kind) for _ in range(b)]
        yield Case(f"grad-ctc-sweep-b{b}-t{t}-k{k}-{kind}", api, "core", {}, _loss_inputs(rng, labels, t, k, lmax))
    for i in range(6):
        b, t, k, lmax = (
            int(rng.integers(1, 3)),
            int(rng.integers(1, 7)),
            int(rng.integers(2, 5)),
            int(rng.integers(1, 4)),
        )
        labels = [_feasible(rng, t, k, 0, lmax) for _ in range(b)]
        scale = float(rng.uniform(0.3, 6))
        yield Case(f"grad-ctc-random-{i:02d}", api, "core", {}, _loss_inputs(rng, labels, t, k, lmax, scale))
    yield Case(
        "grad-ctc-all-labels-zero", api, "core", {}, _loss_inputs(rng, [[], []], 4, 3, 2), "label length 0: only blanks"
    )
    yield Case("grad-ctc-label-fills-t", api, "core", {}, _loss_inputs(rng, [[1, 2, 3, 1]], 4, 4))
    yield Case("grad-ctc-repeats-exact", api, "core", {}, _loss_inputs(rng, [[1, 1, 1]], 5, 3))
    for x in (30.0, 80.0):
        out = np.zeros((2, 4, 3), np.float32)
        out[0, :, 0] = x  # blank everywhere: the label [1, 2] is unlikely
        out[1, [0, 1, 2, 3], [1, 0, 2, 0]] = x  # the path 1, -, 2, -
        yield Case(
            f"grad-ctc-edge-saturated-{_tag(x)}",
            api,
            "edge",
            {},
            {"y_true": f32([[1, 2], [1, 2]]), "y_pred": out},
            "row 1: softmax 1 on the blank, the posterior on the label's few alignments; row 2: the one path, 0",
        )
    yield Case("grad-ctc-edge-wide-logits", api, "edge", {}, _loss_inputs(rng, [[1, 2], [2]], 5, 3, scale=12.0))
    yield Case(
        "grad-ctc-quirk-interior-zero",
        api,
        "quirk",
        {},
        {"y_true": f32([[1, 0, 2, 0]]), "y_pred": f32(rng.normal(0, 2, size=(1, 5, 3)))},
        "label_length counts the non-zeros, the op reads the first ones: the label is [1, 0] (keras#21876)",
    )
    yield Case(
        "grad-ctc-quirk-impossible-label-longer-than-t",
        api,
        "quirk",
        {},
        _loss_inputs(rng, [[1, 2, 1], [1]], 2, 3),
        "row 1 has no alignment: the loss is +inf for every y_pred, the reference's derivative 0 "
        "(torch's zero_infinity=True); backends differ",
    )
    yield Case(
        "grad-ctc-error-y-true-rank-1",
        api,
        "error",
        {},
        {"y_true": f32([1, 2]), "y_pred": f32(rng.normal(size=(2, 4, 3)))},
        "y_true must be (batch, max_length)",
    )


def grad_class_cases() -> Iterator[Case]:
    """``grad.CTC``: the keras test's call under two reductions, the reduction and weight sweep,
    saturated frames, and one- and two-frame calls."""
    from conformance.catalog import grad_loss_class_sweep

    rng = np.random.default_rng(20261712)
    api = f"grad.{CLS}"
    note = "keras losses_test.py CTCTest inputs: row 2's label is read as [1, 2, 0], the blank as a label (keras#21876)"
    yield Case("grad-keras-test-ctc-class", api, "quirk", {}, KERAS_TEST_LOSS, note)
    yield Case("grad-keras-test-ctc-class-sum", api, "quirk", {"reduction": "sum"}, KERAS_TEST_LOSS, note)
    yield from grad_loss_class_sweep(rng, api, "ctc", _sweep_labels, _sweep_logits, logits=False)
    out = np.zeros((2, 4, 3), np.float32)
    out[0, :, 0] = 30.0  # blank everywhere: the label [1, 2] is unlikely
    out[1, [0, 1, 2, 3], [1, 0, 2, 0]] = 30.0  # the path 1, -, 2, -
    yield Case(
        "grad-ctc-loss-edge-saturated-weighted",
        api,
        "edge",
        {},
        {"y_true": f32([[1, 2], [1, 2]]), "y_pred": out, "sample_weight": f32([2, 0.5])},
        "the function's saturated rows (logit 30) under the default reduction, weighted",
    )
    # One and two frames: the float32 forward-backward's bound D grows with T, so these are the
    # class's tightest gradients, and a small uniform error in its gradient shows here first.
    srng = np.random.default_rng(20261713)
    for t, params in ((1, {}), (1, {"reduction": "sum"}), (2, {})):
        labels = [[int(srng.integers(1, 4))] for _ in range(2)]
        tag = params.get("reduction", "default")
        yield Case(f"grad-ctc-loss-short-t{t}-{tag}", api, "core", params, _loss_inputs(srng, labels, t, 4, 1))


APIS = (
    Api(FN, "function", {"keras3": "losses.ctc"}, "reference.ctc:ctc", (function_cases,), "ctc"),
    Api(CLS, "loss", {"keras3": "losses.CTC"}, "reference.ctc:ctc", (class_cases,), "ctc", file="losses.CTC.class"),
    Api(
        OP,
        "positional",
        {"keras3": "ops.ctc_loss"},
        "reference.ctc:ctc_loss",
        (op_cases,),
        "ctc",
        file="ops.ctc_loss",
        args=("target", "output", "target_length", "output_length"),
        integer_args=("target", "target_length", "output_length"),
    ),
    Api(
        K2,
        "positional",
        {"keras2": "backend.ctc_batch_cost"},
        "reference.ctc:ctc_batch_cost",
        (k2_cases,),
        "ctc",
        file="backend.ctc_batch_cost",
        args=("y_true", "y_pred", "input_length", "label_length"),
        integer_args=("y_true", "input_length", "label_length"),
    ),
)

APIS = (
    *APIS,
    gradient_of(APIS[0], reference="reference.gradients_ctc:ctc_vjp", cases=(grad_function_cases,)),
    gradient_of(APIS[1], reference="reference.gradients_ctc:ctc_vjp", cases=(grad_class_cases,)),
)

DOCS = (
    DocPage(
        name="ctc",
        semantics=f"""## Semantics

The per-sample loss is CTC's negative log-likelihood `-log P(label | frames)`, P summed over
every alignment of the frames that collapses (merge repeats, drop blanks) to the label: the
forward recursion over `[blank, l1, blank, l2, ..., lL, blank]`. A repeated label needs a
blank between its copies, so a label needs `L + repeats` frames; with fewer there is no
alignment and the loss is `+inf`.

| | keras3 `ops.ctc_loss(target, output, target_length, output_length, mask_index=0)` | keras3 `losses.ctc(y_true, y_pred)`, `CTC` | keras2 `backend.ctc_batch_cost(y_true, y_pred, input_length, label_length)` |
|---|---|---|---|
| frames | `log_softmax(output)`: logits | the same | `log(y_pred + eps)`, softmaxed again by `tf.compat.v1.nn.ctc_loss`: probabilities, `(y + eps) / sum(y + eps)` |
| blank | `mask_index` | 0 | the **last** class, K - 1 |
| label | `target[b, :target_length[b]]` | the first `count(y_true != 0)` entries (an interior 0 is read: keras#21876) | `y_true[b, :label_length[b, 0]]` |
| frames used | `output_length[b]` | all T | `input_length[b, 0]` |
| shape | (B,) | (B,); `CTC` reduces like every loss class | (B, 1) |
| no alignment | +inf (torch); jax/numpy ~1e5 (`log_epsilon = -1e5`), tensorflow ~709 | the same | inf; a label longer than its frames, or of length 0, is rejected |

Constants: eps = {EPS}. Labels and lengths are integers: the fixtures store them as float32
integers and the op and `ctc_batch_cost` receive them as int32. See docs/semantics.md §17.
""",
        themes=(
            Theme("Keras' own test values", ("keras-test-*",), "From keras/src/ops/nn_test.py and losses_test.py."),
            Theme("Lengths at their limits", ("ctc-op-limit-*",)),
            Theme("No alignment", ("ctc-op-quirk-impossible-*", "ctc-k2-quirk-*")),
            Theme("A label equal to the blank; interior zeros", ("ctc-op-quirk-label-is-blank-*", "ctc-quirk-*")),
            Theme("Saturated and uniform frames", ("ctc-op-edge-*", "ctc-edge-*")),
            Theme("keras2 `ctc_batch_cost`", ("ctc-k2-limit-*", "ctc-k2-edge-*", "ctc-k2-error-*")),
        ),
        doctests=("keras-test-*", "ctc-op-limit-label-length-0", "ctc-op-limit-repeat-needs-the-blank-exactly"),
    ),
)

DOCS = (
    dataclasses.replace(
        DOCS[0],
        gradients=(
            Theme(
                "softmax - posterior (keras3 losses.ctc)",
                ("grad-ctc-sweep-b1-*", "grad-ctc-label-fills-t", "grad-ctc-all-labels-zero"),
                "`d(-log P)/dx_t(k) = softmax_t(k) - gamma_t(k)`, `gamma_t(k)` the posterior probability that "
                "frame t emits class k (an exact forward-backward).",
            ),
            Theme("Saturated frames", ("grad-ctc-edge-*",)),
            Theme(
                "A blank inside the label; no alignment",
                ("grad-ctc-quirk-*", "grad-keras-test-ctc-function"),
                "No alignment: the loss is +inf for every input, the reference's derivative 0; backends differ.",
            ),
            Theme("Each reduction", ("grad-ctc-loss-*-wper-sample-shape4x3-*",)),
        ),
    ),
)
