"""Golden gradients of keras3 ``losses.ctc`` / ``CTC`` (``reference.ctc``): the
vector-Jacobian product ``ctc_vjp`` that ``reference.gradients.gradient`` applies.

For one sample with frames ``x_t`` (logits), ``p_t = softmax(x_t)`` and the extended label
``l'`` (``reference.ctc``), the negative log-likelihood ``-log P`` has

    d(-log P) / d x_t(k) = p_t(k) - gamma_t(k),   gamma_t(k) = sum_{s: l'_s = k} alpha_t(s) beta_t(s) / P

where ``alpha_t(s)`` is the forward probability of the frames up to ``t`` ending in state
``s`` (frame ``t``'s own probability included), ``beta_t(s)`` that of the frames after
``t`` from state ``s``, and ``gamma_t(k)`` the posterior probability that frame ``t`` emits
class ``k`` (``sum_k gamma_t(k) = 1``, so the softmax's derivative folds into ``p_t``).
The reference runs both recursions exactly (mpmath, probability space, on the unnormalised
frame weights ``exp(x - max x)``: every alignment holds each frame's normaliser once, so it
cancels in the ratio). A sample's gradient is times its cotangent (``reference.gradients``).

An infeasible label (no alignment: ``P = 0`` for every ``y_pred``) has the loss ``+inf``
for every input, a constant: the reference's convention is the derivative 0 (torch's
``zero_infinity=True``); backends differ (quirk tier only).

The tolerance rule: **M** ``|c| (p_t(k) + gamma_t(k) + 2 p_t(k))``, the terms autodiff adds
(the log-softmax's backward adds ``-p_t(k) sum_j g_t(j)``, a sum of ``p`` and ``gamma`` that
is 0 exactly but not in float32); **B** ``|c| (e_k + p_t(k) sum_j e_j)``, each
``e_j = u p_t(j) (|d_j| + ceil(log2 K) + 3)`` for the float32 softmax (as for
``categorical_crossentropy``) plus ``gamma_t(j) 2 D``, and ``p_t(k) sum_j e_j`` what the
log-softmax's backward carries from every class of the frame into this one: a float32 forward-backward
holds each ``log alpha`` and ``log beta`` off by at most ``D``, the value's per-frame
bound (``reference.ctc``: ``e_t(k) + u (4 |a_t(s)| + 8)``) summed over the frames with the
largest term of each frame, and ``log P`` is one of them; ``gamma = exp(log alpha + log beta
- log P)``, so relatively off by ``2 D``.

Precision: ``p_t(k) - gamma_t(k)`` cancels where a frame is saturated and its posterior
follows it (logit 30: ``p`` and ``gamma`` agree to 27 digits, both near 1 or both near
``e^-30``). ``_sample`` reports the digits its differences lose and runs with that many
guard digits more (``reference.floats.with_guard_digits``), so the gradient holds the working
precision's digits, not what is left after the cancellation (tests/test_reference_precision.py).
"""

from __future__ import annotations

import math

import mpmath
import numpy as np

from reference.ctc import _extended, _skip_allowed, _softmax_rows
from reference.floats import UNIT_ROUNDOFF, at_reference_precision, lost_digits, with_guard_digits
from reference.gradients import _obj
from reference.profiles import get_profile
from reference.tracked import Tracked

__all__ = ["ctc_vjp"]

_U = float(UNIT_ROUNDOFF)
_ZERO, _ONE = mpmath.mpf(0), mpmath.mpf(1)


def _sum_steps(k: int) -> int:
    return math.ceil(math.log2(k)) if k > 1 else 0


def _sample(x_rows: np.ndarray, label: list[int], blank: int):
    """``((grad, budget, mag), lost)`` of one sample, before its cotangent: lists (T, K),
    and the most decimal digits any ``p - gamma`` lost to cancellation."""
    t_len, k = x_rows.shape
    w, log_norm, logp, err = _softmax_rows(x_rows)
    sums = [mpmath.fsum(w[t]) for t in range(t_len)]
    ext = _extended(label, blank)
    n = len(ext)
    skip = _skip_allowed(ext, blank)
    alpha = [[_ZERO] * n for _ in range(t_len)]
    alpha[0][0] = w[0, ext[0]]
    if n > 1:
        alpha[0][1] = w[0, ext[1]]
    for t in range(1, t_len):
        prev = alpha[t - 1]
        for s in range(n):
            a = prev[s]
            if s >= 1:
                a += prev[s - 1]
            if skip[s]:
                a += prev[s - 2]
            if a:
                alpha[t][s] = a * w[t, ext[s]]
    beta = [[_ZERO] * n for _ in range(t_len)]
    beta[t_len - 1][n - 1] = _ONE
    if n > 1:
        beta[t_len - 1][n - 2] = _ONE
    for t in range(t_len - 2, -1, -1):
        nxt = [beta[t + 1][s] * w[t + 1, ext[s]] for s in range(n)]
        for s in range(n):
            b = nxt[s]
            if s + 1 < n:
                b += nxt[s + 1]
            if s + 2 < n and skip[s + 2]:
                b += nxt[s + 2]
            beta[t][s] = b
    total = alpha[t_len - 1][n - 1] + (alpha[t_len - 1][n - 2] if n > 1 else _ZERO)
    zeros = [[_ZERO] * k for _ in range(t_len)]
    if total == 0:  # no alignment: the loss is +inf whatever y_pred is (see the module)
        return (zeros, [[_ZERO] * k for _ in range(t_len)], [[_ZERO] * k for _ in range(t_len)]), 0.0
    # D: the float32 forward-backward's bound on each log alpha, log beta and log P
    loss = float(log_norm - mpmath.log(total))
    d_bound = _U * (abs(loss) + 3)
    cum = _ZERO
    for t in range(t_len):
        cum += mpmath.log(sums[t])
        logs = [abs(float(mpmath.log(a) - cum)) for a in alpha[t] if a]
        d_bound += float(np.max(err[t, ext])) + _U * (4 * max(logs, default=0.0) + 8)
    steps = _sum_steps(k) + 3
    grad, budget, mag = [], [], []
    lost = 0.0
    for t in range(t_len):
        occ = [_ZERO] * k
        for s in range(n):
            if alpha[t][s] and beta[t][s]:
                occ[ext[s]] += alpha[t][s] * beta[t][s]
        ps = [w[t, j] / sums[t] for j in range(k)]
        gams = [occ[j] / total for j in range(k)]
        log_s = float(mpmath.log(sums[t]))
        own = [
            _U * float(ps[j]) * (abs(float(logp[t, j]) + log_s) + steps) + float(gams[j]) * 2 * d_bound
            for j in range(k)
        ]
        row_err = sum(own)  # the log-softmax's backward adds -p_j * sum_k g_k: every g_k's error
        g_row, b_row, m_row = [], [], []
        for j in range(k):
            p, gam = ps[j], gams[j]
            lost = max(lost, lost_digits(p, gam))
            g_row.append(p - gam)
            m_row.append(p + gam + 2 * p)
            b_row.append(mpmath.mpf(own[j] + float(p) * row_err))
        grad.append(g_row)
        budget.append(b_row)
        mag.append(m_row)
    return (grad, budget, mag), lost


@at_reference_precision
def ctc_vjp(y_true: np.ndarray, y_pred: np.ndarray, cot: np.ndarray, *, profile) -> Tracked:
    """``d sum(cot * ctc(y_true, y_pred)) / d y_pred`` (keras3 ``losses.ctc``: the labels are
    the first ``count(y_true != 0)`` entries of each row, every frame, blank 0)."""
    get_profile(profile)
    yt, yp = np.asarray(y_true), np.asarray(y_pred)
    bsz, t_len, k = yp.shape
    counts = np.sum(yt != 0, axis=-1)
    tgt = yt.astype(np.int64)
    cot = np.asarray(cot, dtype=object).reshape(bsz)
    value, budget, mag = _obj(yp.shape), _obj(yp.shape), _obj(yp.shape)
    for b in range(bsz):
        label = [int(v) for v in tgt[b, : int(counts[b])]]
        rows = np.empty((t_len, k), dtype=object)
        for idx, v in np.ndenumerate(yp[b]):
            rows[idx] = v if isinstance(v, mpmath.mpf) else mpmath.mpf(float(v))
        g, bd, m = with_guard_digits(_sample, rows, label, 0)
        c = cot[b]
        for t in range(t_len):
            for j in range(k):
                value[b, t, j] = c * +g[t][j]  # +: back to the working precision
                budget[b, t, j] = abs(c) * bd[t][j]
                mag[b, t, j] = abs(c) * m[t][j]
    return Tracked(value, budget, mag, np.full(yp.shape, k, int))
