"""One entry point over every API the spec covers, at the reference's precision."""

from __future__ import annotations

from typing import Any

import numpy as np

from reference.bce import binary_crossentropy
from reference.floats import DEFAULT_DPS, at_reference_precision
from reference.focal import categorical_focal_crossentropy
from reference.losses import loss_class
from reference.metric import BinaryCrossentropyMetric
from reference.profiles import Profile, get_profile
from reference.tracked import Tracked

__all__ = ["APIS", "DEFAULT_DPS", "evaluate"]

#: API name -> which loss function a loss class wraps (None for the functions/metric).
APIS = {
    "binary_crossentropy": None,
    "categorical_focal_crossentropy": None,
    "BinaryCrossentropy": "binary_crossentropy",
    "CategoricalFocalCrossentropy": "categorical_focal_crossentropy",
    "metrics.BinaryCrossentropy": None,
}


def _arr(x):
    return None if x is None else np.asarray(x, dtype=np.float32)


@at_reference_precision
def evaluate(api: str, inputs: dict[str, Any], params: dict[str, Any], profile: str | Profile) -> list[Tracked]:
    """The results of one call (or, for the metric, of each ``result`` step of a stream).

    ``inputs`` holds ``y_true``, ``y_pred`` and optionally ``sample_weight`` (float32
    arrays), or for the metric ``steps``: a list of ``{"op": "update_state", ...}``,
    ``{"op": "reset_state"}`` and ``{"op": "result"}``. Works at ``DEFAULT_DPS`` digits, or
    at the caller's precision when that is higher. Raises ``SpecError`` for rejected input.
    """
    prof = get_profile(profile)
    if api == "metrics.BinaryCrossentropy":
        metric = BinaryCrossentropyMetric(profile=prof, **params)
        results = []
        for step in inputs["steps"]:
            if step["op"] == "update_state":
                metric.update_state(step["y_true"], step["y_pred"], step.get("sample_weight"))
            elif step["op"] == "reset_state":
                metric.reset_state()
            elif step["op"] == "result":
                results.append(metric.result())
            else:
                raise ValueError(f"unknown metric op {step['op']!r}")
        return results
    yt, yp = _arr(inputs["y_true"]), _arr(inputs["y_pred"])
    if api == "binary_crossentropy":
        return [binary_crossentropy(yt, yp, profile=prof, **params)]
    if api == "categorical_focal_crossentropy":
        return [categorical_focal_crossentropy(yt, yp, profile=prof, **params)]
    if api in APIS:
        kwargs = dict(params)
        reduction = kwargs.pop("reduction", "default")
        return [
            loss_class(
                APIS[api], yt, yp, _arr(inputs.get("sample_weight")), reduction=reduction, profile=prof, **kwargs
            )
        ]
    raise ValueError(f"unknown api {api!r}; known: {sorted(APIS)}")
