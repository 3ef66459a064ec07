"""``binary_focal_crossentropy`` and the ``BinaryFocalCrossentropy`` loss class (docs/semantics.md §15).

PYTEST_DONT_REWRITE: pytest loads this package as its plugin; its asserts need no rewriting, and skipping it keeps start-up fast.
"""

from __future__ import annotations

import dataclasses
import itertools
from collections.abc import Iterator

import numpy as np

from conformance.apis._common import CLIP_HIGH, EPS
from conformance.catalog import EPS as EPS32
from conformance.catalog import (
    HI,
    SHAPES_AXES,
    Case,
    _labels,
    _logits,
    _probs,
    _tag,
    f32,
    loss_class_sweep,
)
from conformance.registry import DocPage, Theme, gradient_of, loss_family

FN, CLS = "binary_focal_crossentropy", "BinaryFocalCrossentropy"
#: the function docstring's inputs (Keras 3 and tf_keras)
DOC_FN = {"y_true": f32([[0, 1], [0, 0]]), "y_pred": f32([[0.6, 0.4], [0.4, 0.6]])}
#: the class docstring's examples 1 and 2 (Keras 3 and tf_keras), all with from_logits=True
DOC1 = {"y_true": f32([0, 1, 0, 0]), "y_pred": f32([-18.6, 0.51, 2.94, -12.8])}
DOC2 = {"y_true": f32([[0, 1], [0, 0]]), "y_pred": f32([[-18.6, 0.51], [2.94, -12.8]])}
#: alpha values: float32-exact ones (0.25 is the default) and two that are not (0.1, 0.9)
ALPHAS = (0.25, 0.5, 0.75, 0.1, 0.9)


def _focal_params(rng) -> dict:
    """gamma, class balancing and alpha for a sweep case."""
    params = {"gamma": float(rng.choice([0.0, 0.5, 1.0, 2.0, 3.0, 5.0]))}
    if rng.random() < 0.5:
        params["apply_class_balancing"] = True
        params["alpha"] = float(rng.choice(ALPHAS))
    return params


def function_cases() -> Iterator[Case]:
    rng = np.random.default_rng(20261301)
    yield Case("doc-bfce-function", FN, "core", {"gamma": 2.0}, DOC_FN, "docstring (keras3 and keras2): [0.330, 0.206]")
    yield Case(
        "doc-bfce-function-default-gamma",
        FN,
        "core",
        {},
        DOC_FN,
        "keras3 docstring: prints [0.916, 0.714] as 'binary_crossentropy', but the default gamma is 2: [0.330, 0.206]",
    )
    yield Case(
        "doc-bfce-function-gamma0-is-bce",
        FN,
        "core",
        {"gamma": 0.0},
        DOC_FN,
        "gamma 0 gives the BCE the keras3 docstring prints: [0.916, 0.714] (keras3; keras2 adds its double eps)",
    )
    for from_logits, ls, gamma, (shape, axes) in itertools.product(
        (False, True), (0.0, 0.1, 0.5), (0.0, 0.5, 2.0, 5.0), SHAPES_AXES
    ):
        for axis in axes:
            soft = bool(rng.random() < 0.3)
            yt = f32(rng.uniform(0, 1, size=shape)) if soft else _labels(rng, shape)
            yp = _logits(rng, shape) if from_logits else _probs(rng, shape)
            params = {"gamma": gamma, "from_logits": from_logits, "label_smoothing": ls, "axis": axis}
            balance = bool(rng.random() < 0.5)
            if balance:
                params.update(apply_class_balancing=True, alpha=float(rng.choice(ALPHAS)))
            yield Case(
                f"bfce-sweep-{'logits' if from_logits else 'probs'}-ls{_tag(ls)}-g{_tag(gamma)}-shape{_tag(shape)}"
                f"-axis{_tag(axis)}-{'soft' if soft else 'hard'}{'-balanced' if balance else ''}",
                FN,
                "core",
                params,
                {"y_true": yt, "y_pred": yp},
            )
    for i in range(150):
        from_logits = bool(i % 2)
        shape = (int(rng.integers(1, 5)), int(rng.integers(1, 9)))
        if from_logits:
            yp = f32(rng.uniform(-20, 20, size=shape))
        else:
            yp = f32(10.0 ** rng.uniform(-9, 0, size=shape))
            yp = np.where(rng.random(shape) < 0.5, yp, f32(1) - yp).astype(np.float32)
        params = {
            "from_logits": from_logits,
            "label_smoothing": float(rng.choice([0.0, 0.0, 0.05, 0.2])),
            **_focal_params(rng),
        }
        yield Case(f"bfce-random-{i:03d}", FN, "core", params, {"y_true": _labels(rng, shape), "y_pred": yp})
    # edge: the clip region, element by element
    below_lo, above_lo = np.nextafter(EPS32, np.float32(0)), np.nextafter(EPS32, np.float32(1))
    below_hi, above_hi = np.nextafter(HI, np.float32(0)), np.nextafter(HI, np.float32(2))
    edge_probs = {
        "0": 0.0,
        "1em30": 1e-30,
        "1em10": 1e-10,
        "halfeps": 5e-8,
        "below-eps": below_lo,
        "eps": EPS32,
        "above-eps": above_lo,
        "1em4": 1e-4,
        "0p5": 0.5,
        "below-clip-hi": below_hi,
        "clip-hi": HI,
        "above-clip-hi": above_hi,
        "1": 1.0,
    }
    for (name, p), y, (ls, gamma) in itertools.product(
        edge_probs.items(), (0.0, 1.0), ((0.0, 2.0), (0.0, 0.0), (0.1, 2.0))
    ):
        yield Case(
            f"bfce-edge-prob-{name}-y{int(y)}-ls{_tag(ls)}-g{_tag(gamma)}",
            FN,
            "edge",
            {"gamma": gamma, "label_smoothing": ls},
            {"y_true": f32([y]), "y_pred": f32([p])},
        )
    for x, y, (ls, gamma) in itertools.product(
        (0, 16, -16, 40, -40, 88, -88, 100, -100, 1e4, -1e4), (0.0, 1.0), ((0.0, 2.0), (0.0, 0.0), (0.1, 2.0))
    ):
        yield Case(
            f"bfce-edge-logit-{_tag(x)}-y{int(y)}-ls{_tag(ls)}-g{_tag(gamma)}",
            FN,
            "edge",
            {"gamma": gamma, "from_logits": True, "label_smoothing": ls},
            {"y_true": f32([y]), "y_pred": f32([x])},
        )
    # large gamma: the focal factor underflows for confident predictions
    rows = {"y_true": f32([[0, 1, 0, 1, 1, 0]]), "y_pred": f32([[0.01, 0.99, 0.5, 0.5, 0.2, 0.9]])}
    for gamma, balance in itertools.product((10.0, 25.0, 60.0), (False, True)):
        yield Case(
            f"bfce-edge-large-gamma-g{_tag(gamma)}{'-balanced' if balance else ''}",
            FN,
            "edge",
            {"gamma": gamma, **({"apply_class_balancing": True, "alpha": 0.9} if balance else {})},
            rows,
        )
    # alpha at its ends: one class weighted 0
    for alpha in (0.0, 1.0):
        yield Case(
            f"bfce-edge-alpha{_tag(alpha)}",
            FN,
            "edge",
            {"apply_class_balancing": True, "alpha": alpha},
            {"y_true": f32([[0, 1, 0, 1]]), "y_pred": f32([[0.3, 0.6, 0.8, 0.1]])},
        )
    yield Case(
        "bfce-alpha-unused-without-balancing",
        FN,
        "core",
        {"alpha": 0.9},
        DOC_FN,
        "alpha has no effect unless apply_class_balancing=True (tensorflow#61519)",
    )
    yield Case(
        "bfce-alpha-list-unused-without-balancing",
        FN,
        "core",
        {"alpha": [0.1, 0.9]},
        DOC_FN,
        "an unused alpha may even be a list",
    )
    yield Case(
        "bfce-error-alpha-list-balanced",
        FN,
        "error",
        {"apply_class_balancing": True, "alpha": [0.1, 0.9]},
        DOC_FN,
        "1 - alpha on a Python list: a TypeError in both profiles",
    )
    # whole saturated rows, mixed with ordinary ones
    for ls in (0.0, 0.1):
        yield Case(
            f"bfce-edge-saturated-rows-ls{_tag(ls)}",
            FN,
            "edge",
            {"label_smoothing": ls},
            {"y_true": f32([[1, 0, 1, 0], [0, 1, 1, 0]]), "y_pred": f32([[0, 1, 1, 0], [0.3, 1e-9, 1 - 1e-9, 0.7]])},
        )
    yield Case(
        "bfce-quirk-logits-clipped-in-keras3",
        FN,
        "quirk",
        {"gamma": 0.0, "from_logits": True},
        {"y_true": f32([[0, 1, 1]]), "y_pred": f32([[40, -40, 20]])},
        "keras3 takes sigmoid then the clipped BCE: 10.686827; keras2 the exact BCE of the logits: 26.666668",
    )
    yield Case(
        "bfce-error-shape-2x3-vs-2x4",
        FN,
        "error",
        {},
        {"y_true": _labels(rng, (2, 3)), "y_pred": _probs(rng, (2, 4))},
        "no broadcast exists: both reject",
    )
    yield Case(
        "bfce-error-shape-n-vs-n1",
        FN,
        "quirk",
        {},
        {"y_true": f32([0, 1]), "y_pred": f32([[0.3], [0.6]])},
        "keras3 rejects unequal shapes; keras2 broadcasts (2,) and (2,1) to (2,2)",
    )


def class_cases() -> Iterator[Case]:
    rng = np.random.default_rng(20261302)
    logits = {"from_logits": True}
    for balance in (False, True):
        b = {"apply_class_balancing": True} if balance else {}
        sfx = "-balanced" if balance else ""
        printed = {
            "ex1": ("0.691", "0.51"),
            "ex2": ("0.647", "0.482"),
            "weighted": ("0.133", "0.097"),
            "sum": ("1.222", "0.914"),
            "none": ("[0.0017, 1.1561]", "[0.0004, 0.8670]"),
        }
        doc = "docstring (keras3 and tf_keras)"
        yield Case(
            f"doc-bfce-class-ex1{sfx}",
            CLS,
            "core",
            {"gamma": 2.0, **logits, **b},
            DOC1,
            f"{doc}: {printed['ex1'][balance]}",
        )
        yield Case(
            f"doc-bfce-class-ex2{sfx}",
            CLS,
            "core",
            {"gamma": 3.0, **logits, **b},
            DOC2,
            f"{doc}: {printed['ex2'][balance]}",
        )
        yield Case(
            f"doc-bfce-class-ex2-weighted{sfx}",
            CLS,
            "core",
            {"gamma": 3.0, **logits, **b},
            {**DOC2, "sample_weight": f32([0.8, 0.2])},
            f"{doc}: {printed['weighted'][balance]}",
        )
        yield Case(
            f"doc-bfce-class-ex2-sum{sfx}",
            CLS,
            "core",
            {"gamma": 4.0, **logits, **b, "reduction": "sum"},
            DOC2,
            f"{doc}: {printed['sum'][balance]}",
        )
        yield Case(
            f"doc-bfce-class-ex2-none{sfx}",
            CLS,
            "core",
            {"gamma": 5.0, **logits, **b, "reduction": None},
            DOC2,
            f"keras3 docstring (reduction=None; keras2 rejects None): {printed['none'][balance]}",
        )
        yield Case(
            f"doc-bfce-class-ex2-none-string{sfx}",
            CLS,
            "core",
            {"gamma": 5.0, **logits, **b, "reduction": "none"},
            DOC2,
            f"tf_keras docstring (Reduction.NONE): {printed['none'][balance]}",
        )
    yield from loss_class_sweep(rng, CLS, "bfce", _labels, _probs, _focal_params)
    for i in range(20):
        shape = (int(rng.integers(1, 6)), int(rng.integers(1, 6)))
        from_logits = bool(i % 2)
        yp = f32(rng.uniform(-25, 25, size=shape)) if from_logits else _probs(rng, shape)
        params = {"from_logits": from_logits, "label_smoothing": float(rng.choice([0.0, 0.1])), **_focal_params(rng)}
        params["reduction"] = str(rng.choice(["sum_over_batch_size", "sum", "none"]))
        yield Case(
            f"bfce-loss-random-focal-{i:03d}",
            CLS,
            "core",
            params,
            {"y_true": _labels(rng, shape), "y_pred": yp, "sample_weight": f32(rng.uniform(0, 3, size=shape[:1]))},
        )
    yield Case(
        "bfce-loss-error-alpha-list-balanced",
        CLS,
        "error",
        {"apply_class_balancing": True, "alpha": [0.1, 0.9]},
        DOC_FN,
        "1 - alpha on a Python list: a TypeError in both profiles",
    )


APIS = loss_family(
    FN,
    CLS,
    reference="reference.binary_focal:binary_focal_crossentropy",
    cases=(function_cases,),
    class_cases=(class_cases,),
    docs=FN,
    draw=None,
)


# --------------------------------------------------------------------------- gradients
def grad_function_cases() -> Iterator[Case]:
    """``grad.binary_focal_crossentropy``: a sweep (input kind, smoothing, gamma, shape and
    axis, class balancing), seeded random calls, the clip region of the probabilities and
    saturated logits (edge: keras3 clips ``sigmoid(x)``, so its BCE factor stops contributing
    past ``|x| = 16.118``), the clip bounds themselves and the profiles' logits paths (quirk)."""
    rng = np.random.default_rng(20261311)
    api = f"grad.{FN}"
    yield Case("grad-doc-bfce-function", api, "core", {"gamma": 2.0}, DOC_FN, "the function docstring's call")
    shapes_axes = (((5,), -1), ((3, 4), -1), ((3, 4), 0), ((2, 3, 2), 1))
    for i, (from_logits, ls, gamma) in enumerate(itertools.product((False, True), (0.0, 0.1), (0.0, 0.5, 2.0, 5.0))):
        shape, axis = shapes_axes[i % 4]
        soft = i % 3 == 2
        yt = f32(rng.uniform(0, 1, size=shape)) if soft else _labels(rng, shape)
        yp = _logits(rng, shape) if from_logits else _probs(rng, shape)
        params = {"gamma": gamma, "from_logits": from_logits, "label_smoothing": ls, "axis": axis}
        balance = i % 2 == 1
        if balance:
            params.update(apply_class_balancing=True, alpha=ALPHAS[i % 5])
        yield Case(
            f"grad-bfce-sweep-{'logits' if from_logits else 'probs'}-ls{_tag(ls)}-g{_tag(gamma)}-shape{_tag(shape)}"
            f"-axis{_tag(axis)}-{'soft' if soft else 'hard'}{'-balanced' if balance else ''}",
            api,
            "core",
            params,
            {"y_true": yt, "y_pred": yp},
        )
    for i in range(6):
        from_logits = bool(i % 2)
        shape = (int(rng.integers(1, 3)), int(rng.integers(1, 4)))
        yp = f32(rng.uniform(-12, 12, size=shape)) if from_logits else _probs(rng, shape)
        params = {"from_logits": from_logits, "label_smoothing": float(rng.choice([0.0, 0.2]))}
        params["gamma"] = float(rng.choice([1.0, 2.0, 3.0]))
        if i % 3 == 0:
            params.update(apply_class_balancing=True, alpha=float(rng.choice(ALPHAS)))
        yield Case(f"grad-bfce-random-{i:02d}", api, "core", params, {"y_true": _labels(rng, shape), "y_pred": yp})
    below_lo, above_lo = np.nextafter(EPS32, np.float32(0)), np.nextafter(EPS32, np.float32(1))
    below_hi, above_hi = np.nextafter(HI, np.float32(0)), np.nextafter(HI, np.float32(2))
    edge_probs = {
        "0": 0.0,
        "1em10": 1e-10,
        "below-eps": below_lo,
        "above-eps": above_lo,
        "0p5": 0.5,
        "below-clip-hi": below_hi,
        "above-clip-hi": above_hi,
        "1": 1.0,
    }
    for (name, p), ls in itertools.product(edge_probs.items(), (0.0, 0.1)):
        yield Case(
            f"grad-bfce-edge-prob-{name}-ls{_tag(ls)}",
            api,
            "edge",
            {"label_smoothing": ls},
            {"y_true": f32([0, 1]), "y_pred": f32([p, p])},
            "outside [eps, 1 - eps] the clip stops the BCE factor's gradient; the focal factor's part stays",
        )
    for x in (0, 15, -15, 17, -17, 40, -40, 88, -100):
        yield Case(
            f"grad-bfce-edge-logit-{_tag(x)}",
            api,
            "edge",
            {"from_logits": True},
            {"y_true": f32([0, 1]), "y_pred": f32([x, x])},
            "keras3 clips sigmoid(x): past |x| = 16.118 only the focal factor's part is left; keras2 "
            "differentiates the exact BCE of the logits",
        )
    yield Case(
        "grad-bfce-edge-large-gamma-balanced",
        api,
        "edge",
        {"gamma": 25.0, "apply_class_balancing": True, "alpha": 0.9},
        {"y_true": f32([[0, 1, 0, 1, 1, 0]]), "y_pred": f32([[0.01, 0.99, 0.5, 0.5, 0.2, 0.9]])},
    )
    yield Case(
        "grad-bfce-edge-alpha0",
        api,
        "edge",
        {"apply_class_balancing": True, "alpha": 0.0},
        {"y_true": f32([[0, 1, 0, 1]]), "y_pred": f32([[0.3, 0.6, 0.8, 0.1]])},
        "alpha 0: the positive class is weighted 0, so is its gradient",
    )
    for name, p in (("eps", EPS32), ("clip-hi", HI)):
        yield Case(
            f"grad-bfce-quirk-prob-at-{name}",
            api,
            "quirk",
            {},
            {"y_true": f32([0, 1]), "y_pred": f32([p, p])},
            "exactly at a clip bound the clip's derivative is implementation-defined; the reference "
            "passes it (tf.clip_by_value, torch.clamp)",
        )
    yield Case(
        "grad-bfce-quirk-logits-clipped-in-keras3",
        api,
        "quirk",
        {"gamma": 0.0, "from_logits": True},
        {"y_true": f32([[0, 1, 0]]), "y_pred": f32([[40, -40, 20]])},
        "keras3 differentiates BCE of the clipped sigmoid: 0 past |x| = 16.118; keras2 the exact one: "
        "(sigmoid(x) - z) / 3",
    )
    yield Case(
        "grad-bfce-quirk-gamma0-focal-base-0",
        api,
        "quirk",
        {"gamma": 0.0, "from_logits": True},
        {"y_true": f32([1, 0]), "y_pred": f32([20, -20])},
        "gamma 0 is BCE (F = 1, F' = 0), but float32 sigmoid(20) is 1, so 1 - p_t is 0 and autodiff of "
        "pow(0, 0) may form 0 * 0 ** -1 = nan (tf.pow, lax.pow); torch's pow gives 0",
    )
    yield Case(
        "grad-bfce-quirk-shape-n-vs-n1",
        api,
        "quirk",
        {},
        {"y_true": f32([0, 1]), "y_pred": f32([[0.3], [0.6]])},
        "keras3 rejects unequal shapes; keras2 broadcasts (2,) and (2,1) to (2,2), the gradient summed back",
    )
    yield Case(
        "grad-bfce-error-shape-2x3-vs-2x4",
        api,
        "error",
        {},
        {"y_true": _labels(rng, (2, 3)), "y_pred": _probs(rng, (2, 4))},
        "no broadcast exists: both reject",
    )
    yield Case(
        "grad-bfce-error-alpha-list-balanced",
        api,
        "error",
        {"apply_class_balancing": True, "alpha": [0.1, 0.9]},
        DOC_FN,
        "1 - alpha on a Python list: a TypeError in both profiles",
    )


def grad_class_cases() -> Iterator[Case]:
    """``grad.BinaryFocalCrossentropy``: the docstring calls, the reduction and weight sweep
    (default gamma 2), and saturated inputs with class balancing."""
    from conformance.catalog import grad_loss_class_sweep

    rng = np.random.default_rng(20261312)
    api = f"grad.{CLS}"
    yield Case("grad-doc-bfce-class-ex1", api, "core", {"gamma": 2.0, "from_logits": True}, DOC1)
    yield Case(
        "grad-doc-bfce-class-ex2-weighted-balanced",
        api,
        "core",
        {"gamma": 3.0, "from_logits": True, "apply_class_balancing": True},
        {**DOC2, "sample_weight": f32([0.8, 0.2])},
    )
    yield from grad_loss_class_sweep(rng, api, "bfce", _labels, _probs)
    for from_logits in (False, True):
        yield Case(
            f"grad-bfce-loss-edge-saturated-{'logits' if from_logits else 'probs'}",
            api,
            "edge",
            {"from_logits": from_logits, "label_smoothing": 0.1, "apply_class_balancing": True, "alpha": 0.75},
            {
                "y_true": f32([[1, 0, 1], [0, 1, 0]]),
                "y_pred": f32([[-40, 40, 88], [-100, 17, 0.5]]) if from_logits else f32([[0, 1, 1e-9], [0.3, 1, 1e-6]]),
                "sample_weight": f32([0.5, 2]),
            },
        )


APIS = (
    *APIS,
    gradient_of(APIS[0], reference="reference.gradients_focal:bfce_vjp", cases=(grad_function_cases,)),
    gradient_of(APIS[1], reference="reference.gradients_focal:bfce_vjp", cases=(grad_class_cases,)),
)

DOCS = (
    DocPage(
        name=FN,
        semantics=f"""## Semantics

`binary_focal_crossentropy(y_true, y_pred, apply_class_balancing=False, alpha=0.25, gamma=2.0,
from_logits=False, label_smoothing=0.0, axis=-1)` is the mean over `axis` of an elementwise loss:

```
z = y * (1 - ls) + 0.5 * ls                     # smoothed toward 0.5, as binary_crossentropy
s = sigmoid(y_pred) if from_logits else y_pred  # the probability, UNclipped
p_t = z * s + (1 - z) * (1 - s)                 # the focal factor uses the smoothed z and the unclipped s
l = (1 - p_t) ** gamma * bce                    # 0 ** 0 = 1: gamma = 0 is binary_crossentropy
if apply_class_balancing:
    l = (z * alpha + (1 - z) * (1 - alpha)) * l # without it alpha is unused
```

| `bce` | keras3 (Keras 3, any backend) | keras2 (tf_keras <= 2.21) |
|---|---|---|
| probabilities | `p = clip(s, eps, 1 - eps)`; `-(z log p + (1 - z) log(1 - p))` | the same clip, and eps again inside both logs |
| logits | **`sigmoid` first, then the clipped probability path**: saturates at 16.118095 / 15.942385 | exact: `max(x, 0) - x z + log1p(exp(-abs(x)))` |
| bare function, unequal shapes | rejected | broadcast |

Constants: eps = {EPS}; the upper clip bound is {CLIP_HIGH}; alpha, `1 - alpha` and gamma are
float32. alpha must be a scalar when class balancing is on (`1 - [list]` is a TypeError). Keras 3
on the tensorflow backend recovers the logits from `ops.sigmoid`'s output and computes the exact
BCE (keras2's numbers): a listed deviation of that backend from the keras3 algorithm.
`BinaryFocalCrossentropy(...)(y_true, y_pred, sample_weight)` reduces exactly like
`BinaryCrossentropy`. See docs/semantics.md §15.
""",
        themes=(
            Theme("Docstring examples", ("doc-bfce-*",), "The examples of the Keras 3 and tf_keras docstrings."),
            Theme("Saturation: probabilities at and around the clip bounds", ("bfce-edge-prob-*-ls0-g2",)),
            Theme("gamma 0 is binary crossentropy", ("bfce-edge-prob-*-ls0-g0",)),
            Theme("Saturation: large logits", ("bfce-edge-logit-*-ls0-g2", "bfce-quirk-logits-clipped-in-keras3")),
            Theme("Large gamma and alpha at its ends", ("bfce-edge-large-gamma-*", "bfce-edge-alpha*")),
            Theme("Each reduction", ("bfce-loss-*-wper-sample-shape4x3-probs",)),
        ),
        doctests=(
            "doc-bfce-function*",
            "bfce-quirk-logits-clipped-in-keras3",
            "bfce-edge-prob-1-y1-ls0-g2",
            "bfce-edge-logit-40-y0-ls0-g2",
        ),
    ),
)

DOCS = (
    dataclasses.replace(
        DOCS[0],
        gradients=(
            Theme(
                "Probabilities and logits",
                ("grad-bfce-sweep-*-ls0-g2-*", "grad-doc-bfce-*"),
                "`W (F' (1 - 2z) bce + F dbce/dp)` with `F = (1 - p_t) ** gamma`, `F' = gamma (1 - p_t) ** (gamma - 1)`; "
                "for logits times `sigmoid(x) (1 - sigmoid(x))` (keras3) or with the exact `sigmoid(x) - z` (keras2).",
            ),
            Theme(
                "The clip region and saturated logits",
                ("grad-bfce-edge-prob-*-ls0", "grad-bfce-edge-logit-*"),
                "keras3 clips `sigmoid(x)`: past `|x| = 16.118` only the focal factor's part is left.",
            ),
            Theme("Kinks and the profiles' logits paths", ("grad-bfce-quirk-*",)),
            Theme("Each reduction", ("grad-bfce-loss-*-wper-sample-shape4x3-*",)),
        ),
        doctests=DOCS[0].doctests + ("grad-bfce-edge-logit-40",),
    ),
)
