"""``binary_focal_crossentropy``: binary crossentropy times a focal factor, per profile.

Per element, with ``z`` the (smoothed) label (``y * (1 - ls) + 0.5 * ls``, as BCE:
``reference.smoothing``) and ``s`` the probability (``y_pred``, or ``sigmoid(y_pred)`` with
``from_logits=True``), keras3 (keras/src/losses/losses.py@v3.15.1) and keras2
(tf_keras/backend.py@v2.21.0 ``binary_focal_crossentropy``) alike:

* ``bce``: the BCE of ``reference.bce``. Probabilities: ``p = clip(s, eps, 1 - eps)`` and
  ``-(z log p + (1 - z) log(1 - p))``, keras2 with its extra ``eps`` inside both logs.
  Logits (``Profile.binary_focal_logits_bce``): keras3 hands ``ops.sigmoid(x)`` to the
  backend BCE with ``from_logits=False``, so it is the clipped probability path on
  ``sigmoid(x)`` (saturating at 16.118095 / 15.942385); keras2 hands the logits to its BCE
  with ``from_logits=True``, the exact ``max(x,0) - x z + log1p(exp(-|x|))``.
* the focal factor from the **unclipped** ``s`` and the **smoothed** ``z``:
  ``p_t = z s + (1 - z)(1 - s)``, ``F = (1 - p_t) ** gamma`` (``0 ** 0 = 1``: gamma 0 is BCE).
* ``l = F * bce``; with ``apply_class_balancing`` also times
  ``W = z * alpha + (1 - z) * (1 - alpha)`` (alpha a scalar, or ``1 - alpha`` is a TypeError; without balancing alpha is unused, a list
  included).

The result is the mean of ``l`` over ``axis``. alpha, ``1 - alpha`` (computed in Python) and
gamma are float32 constants, as the backends make them.

The rounding budget (docs/tolerance.md) adds to BCE's: the rounding of ``sigmoid(x)``
(``SIGMOID_ROUNDINGS`` u relatively; it moves the BCE where the clip does not bind, and
``p_t``); each inexact intermediate of ``p_t`` and ``1 - p_t``; the whole uncertainty of
``f = 1 - p_t`` is pushed through the power exactly (``|(f + d)^g - f^g|``, not to first
order: ``1 - (1 - s)`` for a small ``s`` can be off by a large fraction of itself); the
weight's own roundings; and a focal factor below the smallest normal, which may be flushed.
"""

from __future__ import annotations

import math

import mpmath
import numpy as np

from reference.bce import _logits_term, _probability_term, binary_inputs
from reference.errors import SpecError, UndefinedInput, checked_axis
from reference.exact import FONE, add, make, mul, rounding32, sub
from reference.floats import (
    CLIP_HIGH,
    CLIP_LOW,
    EPSILON,
    U64,
    at_reference_precision,
    elementwise_arrays,
    f64,
    f64_form,
    is_f32,
    round_f32,
    sigmoid_pair,
    to_mpf,
)
from reference.memo import profile_memo
from reference.profiles import Profile, get_profile
from reference.smoothing import smoothed
from reference.tracked import Tracked, ftz

__all__ = ["binary_focal_crossentropy", "SIGMOID_ROUNDINGS", "focal_factor"]

_LO, _HI, _EPS = to_mpf(CLIP_LOW), to_mpf(CLIP_HIGH), to_mpf(EPSILON)
_EPS64 = float(EPSILON)
#: Roundings of a float32 ``sigmoid(x) = 1 / (1 + exp(-x))``, relative to its value: the
#: exp (up to 1 ulp, 2u), the sum and the division.
SIGMOID_ROUNDINGS = 4


def base_roundings(a1, w, q, a2, p_t, f) -> float:
    """The roundings of a float32 ``f = 1 - p_t``, on exact forms: ``z s``, ``1 - z``, ``1 - s``
    (each moving its product), ``(1 - z)(1 - s)``, ``p_t`` and ``f`` (a budget: a float)."""
    return (
        rounding32(a1)
        + rounding32(w) * abs(f64_form(q))
        + rounding32(q) * abs(f64_form(w))
        + rounding32(a2)
        + rounding32(p_t)
        + rounding32(f)
    )


def balance_weight(z, w, a32, c32):
    """The class-balancing weight ``W = z a + (1 - z)(1 - a)`` with float32 ``a32`` and
    ``c32 = 1 - a``, ``w = 1 - z``, and the roundings of its float32 evaluation: ``z a``,
    ``1 - z`` (moving its product), ``w c`` and the sum (a budget: a float)."""
    b1, b2 = z * a32, w * c32
    W = b1 + b2
    return W, rounding32(b1._mpf_) + rounding32(w._mpf_) * f64(c32) + rounding32(b2._mpf_) + rounding32(W._mpf_)


def _power_spread(f: float, df: float, g: float) -> float:
    """``max(|(f + df)^g - f^g|, |f^g - max(f - df, 0)^g|)`` for ``f >= 0``, ``df >= 0``,
    ``g > 0``, in double precision without cancellation: ``f^g expm1(g log1p(+-df/f))``."""
    if df == 0.0:
        return 0.0
    if f == 0.0:
        return df**g
    fg = f**g
    up = fg * math.expm1(g * math.log1p(df / f))
    down = fg if df >= f else -fg * math.expm1(g * math.log1p(-df / f))
    return max(up, down)


def focal_factor(z, dz, s, ds, gamma, q):
    """``F = (1 - p_t) ** gamma`` with ``p_t = z s + (1 - z)(1 - s)``, and its budget.

    ``dz`` and ``ds`` are the absolute uncertainties of the label and of the probability
    (the rounding of a sigmoid). The uncertainty of ``f = 1 - p_t`` is summed to first
    order, then pushed through the power exactly, on whichever side moves ``F`` more
    (``_power_spread``). The budget is a Python float (``reference.floats.f64``).
    ``q`` is ``1 - s``, formed without cancellation where ``s`` is a sigmoid (its complement);
    ``f`` is formed as ``z q + (1 - z) s``, which ``1 - p_t`` equals without its cancellation."""
    # on mpmath's exact form: the roundings of the mpf expressions in the comments
    prec, zt, st, qt = mpmath.mp.prec, z._mpf_, s._mpf_, q._mpf_
    w = sub(FONE, zt, prec, "n")  # 1 - z
    a1, a2 = mul(zt, st, prec, "n"), mul(w, qt, prec, "n")  # z * s, w * q
    p_t = add(a1, a2, prec, "n")
    ft = add(mul(zt, qt, prec, "n"), mul(w, st, prec, "n"), prec, "n")  # z * q + w * s
    f = make(ft)
    df = abs(f64_form(sub(st, qt, prec, "n"))) * dz + abs(f64_form(sub(zt, w, prec, "n"))) * ds
    df += base_roundings(a1, w, qt, a2, p_t, ft)
    if gamma == 0:
        return mpmath.mpf(1), 0.0, f
    if ft[0]:  # f < 0 (the sign bit: mpmath has no negative zero)
        raise UndefinedInput("1 - p_t < 0 (a probability outside [0, 1]): a negative base of a power")
    F = f**gamma
    return F, _power_spread(f64(f), df, f64(gamma)), f


def _element(y, x, z, dz, *, from_logits, gamma, gamma_exact, balance, alpha, prof):
    u = U64
    if from_logits:
        s, q = sigmoid_pair(x)
        ds = SIGMOID_ROUNDINGS * u * f64(s) if not is_f32(s) else 0.0
    else:
        s, q, ds = x, make(sub(FONE, x._mpf_, mpmath.mp.prec, "n")), 0.0  # 1 - x
    # the BCE factor
    if from_logits and prof.binary_focal_logits_bce == "logits":
        bce, dbce = _logits_term(x, z, dz)
    else:
        double = prof.bce_double_epsilon and not from_logits
        bce, dbce = _probability_term(s, z, dz, double)
        if ds and _LO < s < _HI:  # the rounded sigmoid moves the clipped path where the clip does not bind
            sf, zf = f64(s), f64(z)
            a, b = (sf + _EPS64, 1 - sf + _EPS64) if double else (sf, 1 - sf)
            dbce += abs(-zf / a + (1 - zf) / b) * ds
    # the focal factor
    F, dF, f = focal_factor(z, dz, s, ds, gamma, q)
    Ff, ff = f64(F), f64(f)
    # (gamma's own exact forms compared first: the usual gamma is a float32, and f > 0 is not read)
    if gamma._mpf_ != gamma_exact._mpf_ and gamma != 0 and f > 0:  # a float64 implementation uses the exact gamma
        dF += abs(Ff * math.log(ff)) * abs(f64(gamma - gamma_exact))
    # the class-balancing weight
    W, dW = mpmath.mpf(1), 0.0
    if balance:
        a32, c32, a_exact = alpha
        wz = 1 - z
        W, rounded = balance_weight(z, wz, a32, c32)
        dW = abs(f64(a32 - c32)) * dz + rounded
        dW += abs(f64(z)) * abs(f64(a32 - a_exact)) + abs(f64(wz)) * abs(f64(c32 - (1 - a_exact)))
    prec = mpmath.mp.prec
    loss = make(mul(mul(W._mpf_, F._mpf_, prec, "n"), bce._mpf_, prec, "n"))  # W * F * bce
    Wf, bf = f64(W), f64(bce)
    budget = abs(Wf * Ff) * dbce + abs(Wf * bf) * (dF + f64(ftz(F))) + abs(Ff * bf) * dW
    return loss, budget


@profile_memo
@at_reference_precision
def binary_focal_crossentropy(
    y_true: np.ndarray,
    y_pred: np.ndarray,
    *,
    apply_class_balancing: bool = False,
    alpha: float = 0.25,
    gamma: float = 2.0,
    from_logits: bool = False,
    label_smoothing: float = 0.0,
    axis: int = -1,
    profile: str | Profile = "keras3",
) -> Tracked:
    """``keras.losses.binary_focal_crossentropy``: the elementwise loss, mean over ``axis``."""
    prof = get_profile(profile)
    yt, yp = binary_inputs(y_true, y_pred, prof)
    if apply_class_balancing and np.ndim(alpha) != 0:
        # ``1 - alpha`` on a Python list: a TypeError in both profiles
        raise SpecError("alpha_shape", "with apply_class_balancing, alpha must be a scalar (1 - list is a TypeError)")
    ax = checked_axis("binary_focal_crossentropy", yp.ndim, axis)
    z, dz = smoothed(yt, label_smoothing, mpmath.mpf(1) / 2, prof)
    gamma_exact = to_mpf(gamma)
    gamma32 = round_f32(gamma_exact)
    alpha_c = None  # unused without class balancing (any alpha is accepted then)
    if apply_class_balancing:
        alpha_c = (round_f32(to_mpf(alpha)), round_f32(to_mpf(1.0 - float(alpha))), to_mpf(alpha))
    terms = [
        _element(
            y,
            x,
            zi,
            dzi,
            from_logits=from_logits,
            gamma=gamma32,
            gamma_exact=gamma_exact,
            balance=apply_class_balancing,
            alpha=alpha_c,
            prof=prof,
        )
        for y, x, zi, dzi in zip(yt.flat, yp.flat, z.flat, dz.flat)
    ]
    return Tracked.elementwise(*elementwise_arrays(terms, yp.shape)).mean(axis=ax)
