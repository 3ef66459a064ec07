"""``categorical_generalized_cross_entropy``: keras3 only (Keras 3.10+; no keras2 equivalent).

keras/src/losses/losses.py@v3.15.1::

    one_hot = cast(one_hot(cast(y_true, "int"), num_classes=shape(y_pred)[-1]), y_pred.dtype)
    p = sum(y_pred * one_hot, axis=-1)     # no from_logits, no renormalisation, no clip, no axis
    return (1 - p ** q) / q

* Labels are integer class indices, truncated toward zero by the cast (1.7 is class 1); a
  negative label one-hot encodes to all zeros on every backend, so ``p = 0`` and the loss is
  ``1 / q``. A label >= K is backend-defined (jax and tensorflow give zeros, numpy and torch
  raise): the spec leaves it undefined.
* ``one_hot(labels)`` has shape ``labels.shape + (K,)`` and broadcasts against ``y_pred``: a
  ``(B, 1)`` label array against ``(B, K)`` predictions gives a ``(B, B)`` result (the
  docstring's ``[batch_size, 1]`` form is silently wrong, docs/semantics.md §16).
* ``p`` is one entry of ``y_pred``, exactly (a sum of it and zeros). ``q`` is a float32
  constant. ``p < 0`` (NaN) and ``q = 0`` (a division by zero) are undefined input.
* The bare function takes any ``q``; the class ``CategoricalGeneralizedCrossEntropy``
  rejects ``q`` outside ``(0, 1)`` (``ValueError``): ``class_function`` is its reference.

Rounding budget: ``P = p ** q`` is held as a float32 that ``1 - P`` may cancel, so its own
error (``POW_ROUNDINGS`` u relatively) moves the loss by ``POW_ROUNDINGS u P / q``; ``1 - P``
rounds (``u |1 - P| / q``); and a float64 implementation that uses the exact Python ``q``
differs by ``|dl/dq| |q32 - q|``.
"""

from __future__ import annotations

import mpmath
import numpy as np

from reference.errors import SpecError, UndefinedInput
from reference.floats import UNIT_ROUNDOFF, at_reference_precision, is_f32, mpf_array, round_f32, to_mpf
from reference.memo import profile_memo
from reference.profiles import Profile, get_profile
from reference.tracked import Tracked

__all__ = ["categorical_generalized_cross_entropy", "class_function", "POW_ROUNDINGS"]

#: Roundings of a float32 ``p ** q`` relative to its value: a pow within 1 ulp (2u) and,
#: where it is built as ``exp(q log p)``, the rounding of ``q log p`` (about u at P near 1).
POW_ROUNDINGS = 3


def _element(p, q32, q_exact):
    u = UNIT_ROUNDOFF
    if p < 0:
        raise UndefinedInput("p < 0 for the true class: p ** q is NaN")
    if p == 0:
        big_p, one_minus = mpmath.mpf(0), mpmath.mpf(1)
    else:  # 1 - p ** q as -expm1(q log p): it does not cancel where p ** q is near 1
        big_p = p**q32
        one_minus = -mpmath.expm1(q32 * mpmath.log(p))
    loss = one_minus / q32
    budget = POW_ROUNDINGS * u * big_p / abs(q32)
    if not is_f32(one_minus):
        budget += u * abs(one_minus) / abs(q32)
    if q32 != q_exact:
        dq = -one_minus / q32**2
        if p != 0:
            dq += -big_p * mpmath.log(p) / q32
        budget += abs(dq) * abs(q32 - q_exact)
    return loss, budget


@profile_memo
@at_reference_precision
def categorical_generalized_cross_entropy(
    y_true: np.ndarray,
    y_pred: np.ndarray,
    *,
    q: float,
    profile: str | Profile = "keras3",
) -> Tracked:
    """``keras.losses.categorical_generalized_cross_entropy(y_true, y_pred, q)``."""
    get_profile(profile)
    labels = np.asarray(y_true, dtype=np.float64)
    yp = mpf_array(y_pred)
    if yp.ndim == 0:
        raise SpecError("rank", "y_pred needs a class axis")
    k = yp.shape[-1]
    q_exact = to_mpf(q)
    q32 = round_f32(q_exact)
    if q32 == 0:
        raise UndefinedInput("q = 0: the loss divides by zero")
    idx = np.trunc(labels)  # cast to int: toward zero
    if (idx >= k).any():
        raise UndefinedInput(f"a label >= K = {k}: backend-defined (zeros on jax/tensorflow, an error on numpy/torch)")
    try:
        full = np.broadcast_shapes(labels.shape + (k,), yp.shape)
    except ValueError:
        raise SpecError(
            "shape_mismatch", f"one_hot(y_true) of shape {labels.shape + (k,)} does not broadcast to {yp.shape}"
        ) from None
    lab = np.broadcast_to(idx[..., None], full)[..., 0]
    pred = np.broadcast_to(yp, full)
    out_shape = full[:-1]
    loss = np.empty(out_shape, dtype=object)
    budget = np.empty(out_shape, dtype=object)
    for i in np.ndindex(*out_shape):
        c = int(lab[i])
        p = pred[i][c] if c >= 0 else mpmath.mpf(0)  # a negative label one-hot encodes to zeros
        loss[i], budget[i] = _element(p, q32, q_exact)
    return Tracked.elementwise(loss, budget)


@at_reference_precision
def class_function(y_true: np.ndarray, y_pred: np.ndarray, *, q: float = 0.5, profile="keras3") -> Tracked:
    """What ``CategoricalGeneralizedCrossEntropy(q)`` wraps: the function, after the
    constructor's check ``0 < q < 1``."""
    if not 0 < q < 1:
        raise SpecError("q_range", f"q must be in the interval (0, 1); got {q}")
    return categorical_generalized_cross_entropy(y_true, y_pred, q=q, profile=profile)
