"""Golden gradients of ``binary_focal_crossentropy`` (``reference.binary_focal``): the
vector-Jacobian product ``bfce_vjp`` that ``reference.gradients.gradient`` applies.

Per element, with ``z`` the smoothed label, ``s`` the probability (``y_pred``, or
``sigmoid(x)`` for logits), ``f = 1 - p_t = 1 - (z s + (1 - z)(1 - s))``, ``F = f ** gamma``,
``W`` the class-balancing weight (1 without it) and ``bce`` the profile's BCE factor,
``l = W F bce`` and (``df/ds = 1 - 2z``, ``F' = gamma f ** (gamma - 1)``):

* probabilities (both profiles): ``dl/dp = W (F' (1 - 2z) bce + F dbce/dp)``, ``dbce/dp`` the
  clipped BCE's (``reference.gradients._bce_prob_grad``: 0 outside ``[eps, 1 - eps]``, the
  closed interval passing it; keras2 with its double epsilon);
* keras3 logits: ``sigmoid`` first, then the probability path: ``dl/dx = dl/ds * s (1 - s)``
  (so the BCE factor stops contributing where ``sigmoid(x)`` leaves the clip interval,
  ``|x| > 16.118``; the focal factor keeps its part);
* keras2 logits: the exact BCE of the logits: ``dl/dx = W (F' (1 - 2z) bce s (1 - s) + F (s - z))``.

``gamma = 0`` makes ``F = 1``, ``F' = 0``: BCE's gradient (times ``W``). At ``f = 0`` with
``0 < gamma < 1`` the derivative is infinite (no such case is generated); with ``gamma = 0``
autodiff of ``pow`` may form ``0 * f ** -1``: implementation-defined, quirk tier only.

The tolerance rule (``reference.gradients``): **M** is the sum of the absolute values of the
terms (``|W| (|F' (1-2z) bce| + |F| m_bce)`` times the chain factor, ``m_bce`` BCE's own
magnitude); **B** pushes each uncertainty the forward pass leaves in the float32 inputs of
the backward pass through the exact gradient, on whichever side moves it more (as the value
pushes ``f``'s through the power): the smoothed label's ``dz`` (``z`` moves ``f``, ``bce``,
``W``), the rounded sigmoid's ``SIGMOID_ROUNDINGS u s`` (it moves ``f``, the clipped BCE and
the chain ``s (1 - s)``), the roundings of ``p_t`` and ``1 - p_t`` (``f`` alone), a gamma that
is not a float32 (a float64 implementation); plus the BCE value's budget times ``|W F'|``,
the BCE gradient's own (``1 - p``, ``1 - z``, keras2's ``p + eps``) times ``|W F|``, and the
weight's roundings ``dW |g / W|``.
"""

from __future__ import annotations

import math

import mpmath
import numpy as np

from reference.bce import _logits_term
from reference.binary_focal import SIGMOID_ROUNDINGS, balance_weight, base_roundings
from reference.floats import (
    CLIP_HIGH,
    CLIP_LOW,
    EPSILON,
    U64,
    at_reference_precision,
    f64,
    is_f32,
    mpf_array,
    round_f32,
    sigmoid_pair,
    sigmoid_residual,
    to_mpf,
)
from reference.gradients import _obj, _sum_to
from reference.profiles import get_profile
from reference.smoothing import smooth_labels
from reference.tracked import Tracked

__all__ = ["bfce_vjp"]

_ZERO, _ONE = mpmath.mpf(0), mpmath.mpf(1)
_LO, _HI, _EPS = to_mpf(CLIP_LOW), to_mpf(CLIP_HIGH), to_mpf(EPSILON)


def _power_and_slope(f, gamma):
    """``f ** gamma`` and ``gamma f ** (gamma - 1)`` (``0 ** 0 = 1``; slope 0 for gamma 0)."""
    if gamma == 0:
        return _ONE, _ZERO
    if f == 0:
        return _ZERO, (mpmath.inf if gamma < 1 else (gamma if gamma == 1 else _ZERO))
    return f**gamma, gamma * f ** (gamma - 1)


def _element(z, s, x, f, gamma, alpha, mode, double, sc):
    """``dl/dy_pred`` of one element and its magnitude (both exact), and the budget of the
    BCE factors' own roundings (a float: those of ``reference.bce``'s terms and of
    ``reference.gradients._bce_prob_grad``). ``mode``: ``probs``, ``k3logits``, ``k2logits``;
    ``sc`` is ``1 - s`` formed without cancellation where ``s`` is a sigmoid (its complement)."""
    u = U64
    F, Fp = _power_and_slope(f, gamma)
    W = _ONE
    if alpha is not None:
        W = z * alpha[0] + (1 - z) * alpha[1]
    m_w = abs(W)
    dfds = 1 - 2 * z
    omz = 1 - z
    omz_inexact = not is_f32(omz)
    if mode == "k2logits":
        bce, dbce = _logits_term(x, z, _ZERO)
        chain = s * sc
        g = W * (Fp * dfds * bce * chain + F * sigmoid_residual(z, s, sc))
        mag = m_w * (abs(Fp * dfds * bce) * chain + abs(F) * (s + abs(z)))
        return g, mag, f64(m_w * abs(Fp * dfds) * chain) * dbce
    p = min(max(s, _LO), _HI)
    q = 1 - p
    a, b = (p + _EPS, q + _EPS) if double else (p, q)
    log_b = mpmath.log(b)
    bce = -(z * mpmath.log(a) + omz * log_b)
    inside = _LO <= s <= _HI
    g_b = -z / a + omz / b if inside else _ZERO
    m_b = abs(z) / a + abs(omz) / b if inside else _ZERO
    chain = s * sc if mode == "k3logits" else _ONE
    g = W * (Fp * dfds * bce + F * g_b) * chain
    mag = m_w * (abs(Fp * dfds * bce) + abs(F) * m_b) * chain
    # the roundings the BCE value and its gradient reuse: 1 - z, 1 - p, keras2's p + eps, 1 - p + eps
    a6, b6, z6, omz6 = f64(a), f64(b), abs(f64(z)), abs(f64(omz))
    dbce = db = 0.0
    if omz_inexact:
        dbce += u * omz6 * abs(f64(log_b))
        db += u * omz6 / b6
    if not is_f32(q):
        dbce += u * omz6 * f64(q) / b6
        db += u * omz6 * f64(q) / (b6 * b6)
    if double:
        if not is_f32(a):
            dbce += u * z6
            db += u * z6 / a6
        if not is_f32(b):
            dbce += u * omz6
            db += u * omz6 / b6
    if not inside:
        db = 0.0
    ch6 = f64(chain)
    return g, mag, f64(m_w * abs(Fp * dfds)) * ch6 * dbce + f64(m_w * abs(F)) * ch6 * db


_LO64, _HI64, _EPS64 = float(CLIP_LOW), float(CLIP_HIGH), float(EPSILON)


def _element64(z, s, x, f, gamma, alpha, mode, double, inside=None) -> float:
    """``_element``'s gradient in double precision, for the budget's perturbations (their
    differences are many orders above double's own error). ``f`` is passed, not formed:
    ``f = s + z - 2 z s`` is linear in each, so a perturbed one is the exact one plus a step.
    ``inside`` (where the clip passes the gradient) is the exact ``s``'s: a perturbation does
    not carry ``s`` across a clip bound (a sigmoid that rounds onto the other side of one is a
    kink that no case comes near)."""
    if gamma == 0:
        F, Fp = 1.0, 0.0
    elif f <= 0:
        F, Fp = 0.0, (math.inf if gamma < 1 else (gamma if gamma == 1 else 0.0))
    else:
        F, Fp = f**gamma, gamma * f ** (gamma - 1)
    W = 1.0 if alpha is None else z * alpha[0] + (1 - z) * alpha[1]
    dfds = 1 - 2 * z
    if mode == "k2logits":
        bce = max(x, 0.0) - x * z + math.log1p(math.exp(-abs(x)))
        return W * (Fp * dfds * bce * s * (1 - s) + F * (s - z))
    p = min(max(s, _LO64), _HI64)
    a, b = (p + _EPS64, 1 - p + _EPS64) if double else (p, 1 - p)
    bce = -(z * math.log(a) + (1 - z) * math.log(b))
    if inside is None:
        inside = _LO64 <= s <= _HI64
    g_b = -z / a + (1 - z) / b if inside else 0.0
    chain = s * (1 - s) if mode == "k3logits" else 1.0
    return W * (Fp * dfds * bce + F * g_b) * chain


def _spread(fn, steps) -> float:
    """``max |fn(step) - fn(0)|`` over the steps (a float)."""
    base = fn(0.0)
    return max(abs(fn(h) - base) for h in steps)


def _element_tracked(z, dz, xin, gamma32, gamma_exact, alpha, mode, double):
    """The element's gradient, magnitude and budget (see the module)."""
    if mode == "probs":
        s, q, ds = xin, 1 - xin, 0.0
    else:
        s, q = sigmoid_pair(xin)
        ds = SIGMOID_ROUNDINGS * U64 * f64(s) if not is_f32(s) else 0.0
    w = 1 - z
    a1, a2 = z * s, w * q
    f = z * q + w * s  # 1 - (a1 + a2) without its cancellation
    g, mag, bud = _element(z, s, xin, f, gamma32, alpha, mode, double, q)
    budget = bud
    z6, s6, x6, f6, g6 = f64(z), f64(s), f64(xin), f64(f), f64(gamma32)
    al6 = None if alpha is None else (f64(alpha[0]), f64(alpha[1]))
    dz6 = f64(dz)
    if dz6:  # the smoothed label: z moves f, the BCE and W
        budget += _spread(
            lambda h: _element64(z6 + h, s6, x6, f6 + h * (1 - 2 * s6), g6, al6, mode, double), (-dz6, dz6)
        )
    if ds:  # the rounded sigmoid: s moves f, the clipped BCE and the chain
        steps = (max(-ds, -s6), min(ds, 1 - s6))
        inside = _LO <= s <= _HI
        budget += _spread(
            lambda h: _element64(z6, s6 + h, x6, f6 + h * (1 - 2 * z6), g6, al6, mode, double, inside), steps
        )
    # the roundings of z s, 1 - z, 1 - s, (1 - z)(1 - s), p_t, 1 - p_t: f alone
    df = base_roundings(a1._mpf_, w._mpf_, q._mpf_, a2._mpf_, (a1 + a2)._mpf_, f._mpf_)
    if gamma32 != 0 and df:
        steps = (max(-df, -f6), df)
        budget += _spread(lambda h: _element64(z6, s6, x6, f6 + h, g6, al6, mode, double), steps)
    if gamma32 != gamma_exact:  # a float64 implementation uses the exact gamma
        budget += abs(_element64(z6, s6, x6, f6, f64(gamma_exact), al6, mode, double) - f64(g))
    if alpha is not None:
        a32, c32 = alpha
        _, dw = balance_weight(z, w, a32, c32)
        if dw:  # the weight's roundings: dW times the unweighted gradient
            budget += dw * abs(_element64(z6, s6, x6, f6, g6, None, mode, double))
    return g, mag, budget


@at_reference_precision
def bfce_vjp(
    y_true: np.ndarray,
    y_pred: np.ndarray,
    cot: np.ndarray,
    *,
    apply_class_balancing: bool = False,
    alpha: float = 0.25,
    gamma: float = 2.0,
    from_logits: bool = False,
    label_smoothing: float = 0.0,
    axis: int = -1,
    profile,
) -> Tracked:
    """``d sum(cot * binary_focal_crossentropy(y_true, y_pred)) / d y_pred``: each element's
    derivative times its sample's cotangent over the mean's count (see the module)."""
    prof = get_profile(profile)
    yt, yp = mpf_array(y_true), mpf_array(y_pred)
    pred_shape = yp.shape
    if yt.shape != yp.shape:  # keras2's bare function broadcasts (the value call accepted it)
        yt, yp = np.broadcast_arrays(yt, yp)
    if label_smoothing:
        z, dz = smooth_labels(yt, label_smoothing, mpmath.mpf(1) / 2, prof)
    else:
        z, dz = yt, _obj(yt.shape)
    gamma_exact = to_mpf(gamma)
    gamma32 = round_f32(gamma_exact)
    alpha_c = None
    if apply_class_balancing:
        alpha_c = (round_f32(to_mpf(alpha)), round_f32(to_mpf(1.0 - float(alpha))))
    if not from_logits:
        mode = "probs"
    else:
        mode = "k2logits" if prof.binary_focal_logits_bce == "logits" else "k3logits"
    double = prof.bce_double_epsilon and not from_logits
    ax = axis % yp.ndim
    n = yp.shape[ax]
    c = np.broadcast_to(np.expand_dims(np.asarray(cot, dtype=object), ax), yp.shape)
    value, budget, mag = _obj(yp.shape), _obj(yp.shape), _obj(yp.shape)
    for idx in np.ndindex(*yp.shape):
        g, m, b = _element_tracked(z[idx], dz[idx], yp[idx], gamma32, gamma_exact, alpha_c, mode, double)
        k = c[idx] / n
        value[idx], budget[idx], mag[idx] = g * k, to_mpf(b) * abs(k), m * abs(k)
    if yp.shape != pred_shape:
        value, budget, mag = (_sum_to(a, pred_shape) for a in (value, budget, mag))
    return Tracked(value, budget, mag, np.ones(pred_shape, int))
