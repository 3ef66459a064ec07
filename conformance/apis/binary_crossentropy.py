"""``binary_crossentropy`` and the ``BinaryCrossentropy`` loss class.

PYTEST_DONT_REWRITE: pytest loads this package as its plugin; its asserts need no rewriting, and skipping it keeps start-up fast.
"""

from __future__ import annotations

import dataclasses

from conformance import catalog
from conformance.apis._common import CLIP_HIGH, EPS
from conformance.registry import DocPage, Theme, gradient_of, loss_family

_FN, _CLS = loss_family(
    "binary_crossentropy",
    "BinaryCrossentropy",
    reference="reference.bce:binary_crossentropy",
    cases=(catalog.seed_cases, catalog.bce_function_cases),
    class_cases=(catalog.seed_cases, catalog.loss_class_cases),
    docs="binary_crossentropy",
    draw="conformance.strategies:binary_calls",
)
APIS = (
    _FN,
    _CLS,
    gradient_of(_FN, reference="reference.gradients:bce_vjp", cases=(catalog.grad_bce_function_cases,)),
    gradient_of(_CLS, reference="reference.gradients:bce_vjp", cases=(catalog.grad_bce_class_cases,)),
)

DOCS = (
    DocPage(
        name="binary_crossentropy",
        semantics=f"""## Semantics

`binary_crossentropy(y_true, y_pred, from_logits=False, label_smoothing=0.0, axis=-1)` is the
mean over `axis` of an elementwise loss. Here z is the label, smoothed toward 0.5 when
label_smoothing > 0: `z = y * (1 - ls) + 0.5 * ls`.

| | keras3 (Keras 3, any backend) | keras2 (tf.keras 2.13-2.15, tf_keras <= 2.21) |
|---|---|---|
| probabilities | `p = clip(y_pred, eps, 1 - eps)`; `-(z log p + (1 - z) log(1 - p))` | the same clip, then `-(z log(p + eps) + (1 - z) log(1 - p + eps))`: eps again inside both logs |
| logits | `max(x, 0) - x z + log1p(exp(-abs(x)))` | the same |
| bare function, unequal shapes | rejected | broadcast |

Constants: eps = {EPS}; the upper clip bound is {CLIP_HIGH}. A 1-D input gives a scalar.

`BinaryCrossentropy(from_logits, label_smoothing, axis, reduction)(y_true, y_pred, sample_weight)`
weights the per-sample values and reduces them:
- `sum_over_batch_size` (keras2 `auto`; keras3 also `mean`) is `sum(l w) / size(l w)`:
  the element count, not the sum of the weights;
- keras3 `mean_with_sample_weight` is `sum(l w) / sum(w)`;
- `sum` and `none` are the same in both; keras2 rejects `None`, `mean` and
  `mean_with_sample_weight`, and keras3 rejects `auto`.
""",
        themes=(
            Theme(
                "Seed examples",
                ("seed-002-*", "seed-004-function"),
                "The worked examples of the seed documents (002 and 004).",
            ),
            Theme("Saturation: probabilities at and around the clip bounds", ("bce-edge-prob-*-ls0",)),
            Theme("Saturation: large logits", ("bce-edge-logit-*-ls0",)),
            Theme(
                "Label smoothing on saturated inputs",
                (
                    "bce-edge-prob-0-*-ls0p1",
                    "bce-edge-prob-1-*-ls0p1",
                    "bce-edge-logit-40-*-ls0p1",
                    "bce-edge-logit-m40-*-ls0p1",
                ),
            ),
            Theme(
                "Each reduction",
                ("bce-loss-*-wper-sample-shape4x3-probs",),
                "The same (4, 3) probabilities with a (4,) weight, under every reduction string.",
            ),
            Theme("Weights of every rank", ("bce-loss-default-w*-shape4x3-probs",)),
        ),
        doctests=(
            "seed-002-*",
            "seed-004-function",
            "bce-edge-prob-0-y1-ls0",
            "bce-edge-prob-1-y0-ls0",
            "bce-edge-logit-40-y0-ls0",
        ),
    ),
)

DOCS = (
    dataclasses.replace(
        DOCS[0],
        gradients=(
            Theme(
                "Probabilities and logits",
                ("grad-bce-sweep-*-ls0-shape5x-axism1-hard",),
                "Inside the clip bounds: `-z/p + (1-z)/(1-p)` (keras2: `p + eps`, `1 - p + eps`), "
                "logits `sigmoid(x) - z`, over the mean's count.",
            ),
            Theme(
                "The clip region and saturated logits",
                ("grad-bce-edge-prob-*-ls0", "grad-bce-edge-logit-40-ls0", "grad-bce-edge-logit-m40-ls0"),
                "The clip stops the gradient outside `[eps, 1 - eps]`.",
            ),
            Theme(
                "Exactly at a clip bound (quirk)",
                ("grad-bce-quirk-*",),
                "Implementation-defined: the reference passes the gradient (tf.clip_by_value, torch.clamp); "
                "jnp.clip passes half.",
            ),
            Theme("Each reduction", ("grad-bce-loss-*-wper-sample-shape4x3-*",)),
        ),
        doctests=DOCS[0].doctests + ("grad-bce-edge-logit-m40-ls0",),
    ),
)
