"""Label smoothing as Keras computes it, with the rounding budget of each smoothed label."""

from __future__ import annotations

import mpmath
import numpy as np

from reference.exact import add, ftz64, make, mul, rounding32
from reference.floats import elementwise_arrays, f64, f64_form, mp, round_f32, to_mpf
from reference.profiles import Profile
from reference.tracked import ftz

__all__ = ["smooth_labels", "smoothed", "smoothing_classes"]


def smooth_labels(
    y_true: np.ndarray, label_smoothing: float, toward: mpmath.mpf, profile: Profile
) -> tuple[np.ndarray, np.ndarray]:
    """``z = y * (1 - ls) + ls * toward`` with Keras' float32 constants, and each ``|dz|``.

    ``toward`` is 1/2 for binary crossentropy (squeeze toward 0.5) and 1/K for
    categorical focal crossentropy. The constants are rounded as the profile rounds them:
    keras3 rounds ``1.0 - ls`` (computed in Python) once; keras2 first makes ``ls`` a
    float32 tensor. The budget ``|dz|`` counts the constants' own roundings (a float64
    implementation uses the unrounded ones), the product ``y * c1`` and the sum, each
    only where the exact value is not already a float32; and a constant or smoothed label
    below the smallest normal, which XLA flushes to zero (``ls = 2^-126`` makes ``ls / K``
    subnormal).
    """
    ls = to_mpf(label_smoothing)
    # a float32 ``ls`` is the same tensor or not, so the profile field is read only when it
    # can matter (a read is a dependency: ``reference.memo``)
    ls32 = round_f32(ls)
    ls_seen = ls32 if ls32 != ls and profile.label_smoothing_as_tensor else ls
    exact_c1, exact_c2 = 1 - ls, ls * toward
    c1 = round_f32(1 - ls_seen)
    c2 = round_f32(ls32 * toward) if toward != mpmath.mpf(1) / 2 else round_f32(ls_seen / 2)
    per_y = f64(abs(c1 - exact_c1))  # budgets are Python floats (reference.floats.f64)
    constant = f64(abs(c2 - exact_c2)) + f64(ftz(c2))
    # per element, on mpmath's exact form (the same roundings as ``y * c1 + c2`` on mpf)
    prec, c1t, c2t = mp.prec, c1._mpf_, c2._mpf_
    results = []
    for y in y_true.flat:
        yt = y._mpf_ if type(y) is mpmath.mpf else mpmath.mpf(y)._mpf_
        prod = mul(yt, c1t, prec, "n")  # y * c1
        val = add(prod, c2t, prec, "n")  # prod + c2
        budget = abs(f64_form(yt)) * per_y + constant + ftz64(val) + rounding32(prod) + rounding32(val)
        results.append((make(val), budget))
    return elementwise_arrays(results, y_true.shape)


def smoothing_classes(profile: Profile, field: str, shape: tuple, ax: int, label_smoothing: float) -> int:
    """K, the class count categorical label smoothing divides by: the size of the last axis
    or of ``ax``, as the profile's ``field`` says. The field is read only where the choice
    can change K (smoothing on, ``ax`` not the last axis): a profile field read is a
    dependency (``reference.memo``), and one that cannot change the result would keep
    profiles that agree from sharing an evaluation."""
    if not label_smoothing or ax == len(shape) - 1:
        return shape[-1]
    return shape[-1] if getattr(profile, field) == "last" else shape[ax]


def smoothed(y_true: np.ndarray, label_smoothing: float, toward: mpmath.mpf, profile: Profile):
    """``smooth_labels``, or the labels as they are with a zero budget when ``label_smoothing``
    is 0 (Keras skips the arithmetic then)."""
    if label_smoothing:
        return smooth_labels(y_true, label_smoothing, toward, profile)
    return y_true, np.full(y_true.shape, 0.0, dtype=object)
