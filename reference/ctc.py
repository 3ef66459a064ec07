"""CTC: ``keras.ops.ctc_loss``, ``keras.losses.ctc`` / ``CTC`` (keras3) and
``backend.ctc_batch_cost`` (keras2) (docs/semantics.md §17).

The per-sample loss is the CTC negative log-likelihood ``-log P(label | frames)``:

    P = sum over the alignments pi of length T_b that collapse to the label
        (merge repeats, then drop blanks) of prod_t p_t(pi_t)

computed by the forward recursion over the extended label ``l' = [b, l1, b, l2, ..., lL, b]``
(S = 2L + 1 states): ``alpha_t(s) = (alpha_{t-1}(s) + alpha_{t-1}(s-1) [+ alpha_{t-1}(s-2)
when l'_s is not the blank and l'_s != l'_{s-2}]) * p_t(l'_s)``, ``P = alpha_T(S-1) +
alpha_T(S-2)``. The reference runs it in *probability* space on mpmath numbers (their
exponent range is unbounded, so nothing underflows and only ``T*K`` exponentials and one
log are needed), exactly on the float32 inputs. No alignment (``T_b < L + repeats``)
gives ``P = 0`` and the loss ``+inf``.

Per profile:

* keras3 ``ops.ctc_loss(target, output, target_length, output_length, mask_index=0)``:
  ``output`` are logits, ``p_t = softmax(output[b, t])``; the blank is ``mask_index``; the
  label is ``target[b, :target_length[b]]`` (its entries are read as they are: a label equal
  to the blank emits the blank's probability); frames ``t >= output_length[b]`` are ignored.
  Result shape ``(B,)``.
* keras3 ``losses.ctc(y_true, y_pred)``: ``y_true`` must be rank 2 and ``y_pred`` rank 3;
  ``target_length = count(y_true != 0)`` per row, ``output_length = T``, ``mask_index = 0``.
  The op then reads the *first* ``count`` entries, so an interior 0 truncates the label
  (keras#21876).
* keras2 ``ctc_batch_cost(y_true, y_pred, input_length, label_length)``: ``y_pred`` are
  probabilities; the inputs of ``tf.compat.v1.nn.ctc_loss`` are ``x = log(y_pred + eps)``,
  which it softmaxes again: ``p_t = (y + eps) / sum(y + eps)``; the blank is the **last**
  class ``K - 1``; the lengths have shape ``(B, 1)``. The kernel rejects a label of length
  0 and a label longer than its frames (``L > T_b``: "Not enough time for target transition
  sequence"), and an ``input_length`` above ``T``; a label that fits only without its
  required blanks gives ``inf``. Result shape ``(B, 1)``.

The rounding budget (``docs/tolerance.md``, "CTC"). A float32 implementation rounds
(1) each log-probability ``lp_t(k) = d_k - log(sum_j exp(d_j))``, ``d_k = x_k - max x``:
by ``u |d_k|``, the log-sum-exp's ``u sum_j w_j (|d_j| + 2) + min((ceil(log2 K) + 2) u,
(s - 1)/s)`` (as for ``categorical_crossentropy``) and the subtraction ``u |lp_t(k)|``;
keras2 first rounds ``y + eps`` (``u``) and its log (``u |x_k|``); and (2) each forward
state ``a_t(s) = log alpha_t(s)``: a log-sum-exp of up to three states and the addition
of ``lp``, at most ``u (4 |a_t(s)| + 8)`` however the terms are grouped (two chained
``logaddexp``, each rounding its result and its own ``exp``/``log1p``; or one 3-term
log-sum-exp). A perturbation ``delta`` of ``a_t(s)`` or of ``lp_t(l'_s)`` moves the loss by
``gamma_t(s) delta``, where ``gamma_t(s)`` is the posterior probability that an alignment is
in state ``s`` at frame ``t`` (``sum_s gamma_t(s) = 1``). So

    B = sum_t sum_s gamma_t(s) [e_t(l'_s) + u (4 |a_t(s)| + 8)] + u (|loss| + 3)

(the last term: the final log-sum-exp of two states). The posteriors come from a
forward-backward pass in float64, which is plenty for a tolerance. An infinite loss gets
no budget: a candidate must return ``inf`` (compared by equality).
"""

from __future__ import annotations

import math

import mpmath
import numpy as np

from reference.errors import SpecError, UndefinedInput
from reference.exact import FZERO, add, make, mul
from reference.floats import (
    EPSILON,
    UNIT_ROUNDOFF,
    at_reference_precision,
    f64,
    is_f32,
    lost_digits,
    mpf_array,
    object_array,
    to_mpf,
    with_guard_digits,
)
from reference.profiles import Profile, get_profile
from reference.tracked import Tracked

__all__ = ["ctc_loss", "ctc", "ctc_batch_cost"]

_U = float(UNIT_ROUNDOFF)
_EPS = to_mpf(EPSILON)


def _sum_steps(k: int) -> int:
    return math.ceil(math.log2(k)) + 1 if k > 1 else 0


def _probability_rows(q_rows: np.ndarray, pre_budget: np.ndarray):
    """``_softmax_rows(log(q_rows))`` without the logs and exponentials: the softmax of
    ``log q`` is ``q / sum(q)``, so the exact weights are ``q`` itself (keras2's
    ``softmax(log(y + eps))``)."""
    t_len, k = q_rows.shape
    steps = (_sum_steps(k) + 1) * _U
    logp = np.empty((t_len, k))
    err = np.empty((t_len, k))
    sums = []
    for t in range(t_len):
        q = list(q_rows[t])
        s = mpmath.fsum(q)
        sums.append(s)
        qf = np.array([float(v) for v in q])
        sf = float(s)
        df = np.log(qf / qf.max())
        w = qf / sf
        nz = df != 0
        err_l = _U * float(np.sum(w[nz] * (np.abs(df[nz]) + 2))) + min(steps, float((s - max(q)) / s))
        logp[t] = np.log(w)
        err[t] = _U * np.abs(df) + err_l + _U * np.abs(logp[t]) + pre_budget[t] + float(np.sum(w * pre_budget[t]))
    return q_rows, mpmath.log(mpmath.fprod(sums)) if sums else mpmath.mpf(0), logp, err


def _softmax_rows(x_rows: np.ndarray, pre_budget: np.ndarray | None = None):
    """For each row of ``x_rows`` (T, K): the exact ``exp(x_k - max x)`` (mpf, unnormalised)
    and the exact ``sum_t log(sum_k exp(x_k - max x))`` (the normaliser of every frame at
    once: ``alpha`` runs on the unnormalised weights), with float64 log-probabilities and the
    float32 error bound ``e_t(k)`` of each log-probability."""
    t_len, k = x_rows.shape
    weights = np.empty((t_len, k), dtype=object)
    logp = np.empty((t_len, k))
    err = np.empty((t_len, k))
    steps = (_sum_steps(k) + 1) * _U
    one = mpmath.mpf(1)
    sums = []
    exact = x_rows.dtype.kind == "O"  # mpf frames (tests/test_gradients.py); else float32
    rows = x_rows if exact else mpf_array(x_rows)
    for t in range(t_len):
        row = list(rows[t])
        m = max(row)
        d = [v - m for v in row]
        e = [mpmath.exp(v) if v else one for v in d]
        s = mpmath.fsum(e)
        sums.append(s)
        weights[t] = object_array(e, (k,))
        if exact:
            df = np.array([float(v) for v in d])
        else:  # float32 frames: x - max x in float64 rounds the exact difference once, as float(d) does
            xf = x_rows[t].astype(np.float64)
            df = xf - xf.max()
        w = np.array([f64(v) for v in e]) / f64(s)
        lf = math.log(f64(s))  # 1 <= s <= K: a float64 log is plenty for a budget
        nz = df != 0
        err_l = _U * float(np.sum(w[nz] * (np.abs(df[nz]) + 2))) + min(steps, float((s - 1) / s))
        logp[t] = df - lf
        err[t] = _U * np.abs(df) + err_l + _U * np.abs(logp[t])
        if pre_budget is not None:  # roundings before the softmax, moved through it
            err[t] += pre_budget[t] + float(np.sum(w * pre_budget[t]))
    log_norm = mpmath.log(mpmath.fprod(sums)) if sums else mpmath.mpf(0)
    return weights, log_norm, logp, err


def _extended(label: list[int], blank: int) -> list[int]:
    ext = [blank]
    for c in label:
        ext += [c, blank]
    return ext


def _skip_allowed(ext: list[int], blank: int) -> list[bool]:
    """A label state (odd s) may be entered from two states back when its label differs
    from the previous label. A label equal to the blank is still a label state."""
    return [s % 2 == 1 and s >= 2 and ext[s] != ext[s - 2] for s in range(len(ext))]


def _sample_nll(x, pre, label: list[int], blank: int):
    """``((loss, budget), lost)`` of one sample from its frames ``x`` (logits), or from
    ``pre`` (keras2's probabilities and their budget); ``lost`` the digits ``-log P``
    cancels (``reference.floats.with_guard_digits``: a saturated sample's loss is a tiny
    difference of two logs)."""
    if pre is not None:
        probs, log_norm, logp, err = _probability_rows(*pre)
    else:
        probs, log_norm, logp, err = _softmax_rows(x)
    return _nll(probs, log_norm, logp, err, label, blank)


def _nll(probs: np.ndarray, log_norm, logp: np.ndarray, err: np.ndarray, label: list[int], blank: int):
    """``((loss, budget), lost)`` of one sample: ``probs`` (T_b, K) exact frame weights whose
    normalisers' logs sum to ``log_norm``; ``logp`` and ``err`` float64 (T_b, K); ``lost``
    the digits ``log_norm - log P`` cancels. See the module docstring."""
    t_len = probs.shape[0]
    ext = _extended(label, blank)
    n = len(ext)
    skip = _skip_allowed(ext, blank)
    if t_len == 0:
        return (mpmath.inf if label else mpmath.mpf(0), mpmath.mpf(0)), 0.0
    # the recursion on mpmath's exact form: the roundings of ``a += alpha[s - 1]`` and
    # ``a * p`` on mpf, without their dispatch (T * S additions and products per sample)
    prec = mpmath.mp.prec
    rows = [[row[c]._mpf_ for c in ext] for row in probs.tolist()]  # p_t(l'_s)
    alpha = [FZERO] * n
    alpha[0] = rows[0][0]
    if n > 1:
        alpha[1] = rows[0][1]
    for row in rows[1:]:
        new = [FZERO] * n
        for s in range(n):
            a = alpha[s]
            if s >= 1:
                a = add(a, alpha[s - 1], prec, "n")
            if skip[s]:
                a = add(a, alpha[s - 2], prec, "n")
            if a != FZERO:
                new[s] = mul(a, row[s], prec, "n")
        alpha = new
    total = make(add(alpha[n - 1], alpha[n - 2] if n > 1 else FZERO, prec, "n"))
    if total == 0:
        return (mpmath.inf, mpmath.mpf(0)), 0.0
    log_total = mpmath.log(total)
    loss = log_norm - log_total
    return (loss, mpmath.mpf(_budget(logp, err, ext, skip, float(loss)))), lost_digits(log_norm, log_total, 1)


def _budget(logp, err, ext, skip, loss: float) -> float:
    """``sum_t sum_s gamma_t(s) [e_t(l'_s) + u (4 |a_t(s)| + 8)] + u (|loss| + 3)``, float64."""
    t_len, n = logp.shape[0], len(ext)
    lp = logp[:, ext]  # (T, S)
    ninf = -np.inf
    sk = np.array(skip)
    a = np.full((t_len, n), ninf)
    a[0, : min(n, 2)] = lp[0, : min(n, 2)]
    with np.errstate(invalid="ignore"):
        for t in range(1, t_len):
            prev = a[t - 1]
            one = np.concatenate(([ninf], prev[:-1]))
            two = np.where(sk, np.concatenate(([ninf, ninf], prev[:-2]))[:n], ninf)
            a[t] = np.logaddexp(np.logaddexp(prev, one), two) + lp[t]
        b = np.full((t_len, n), ninf)  # b[t, s]: log prob of the frames after t, from state s
        b[t_len - 1, max(n - 2, 0) :] = 0.0
        sk2 = np.concatenate((sk[2:], [False, False]))[:n]  # may s jump to s + 2
        for t in range(t_len - 2, -1, -1):
            nx = b[t + 1] + lp[t + 1]
            one = np.concatenate((nx[1:], [ninf]))
            two = np.where(sk2, np.concatenate((nx[2:], [ninf, ninf]))[:n], ninf)
            b[t] = np.logaddexp(np.logaddexp(nx, one), two)
    with np.errstate(invalid="ignore"):
        gamma = np.exp(a + b + loss)
    gamma = np.where(np.isfinite(a), gamma, 0.0)
    local = err[:, ext] + _U * (4 * np.abs(np.where(np.isfinite(a), a, 0.0)) + 8)
    return float(np.sum(gamma * local)) + _U * (abs(loss) + 3)


def _ints(a: np.ndarray, what: str) -> np.ndarray:
    if not np.all(np.isfinite(a)) or not np.all(a == np.round(a)):
        raise UndefinedInput(f"{what} must hold integers")
    return a.astype(np.int64)


def _check_rank(a: np.ndarray, rank: int, what: str):
    if a.ndim != rank:
        raise SpecError("rank", f"{what} must have rank {rank}, got shape {a.shape}")


def _per_sample(output, labels, frames, blank, pre=None) -> Tracked:
    """Tracked (B,) losses: ``labels[b]`` a list of ints, ``frames[b]`` the frame count."""
    bsz, t_max, k = output.shape
    value = np.empty((bsz,), dtype=object)
    budget = np.empty((bsz,), dtype=object)
    for b in range(bsz):
        t_b = frames[b]
        if any(not 0 <= c < k for c in labels[b]):
            raise UndefinedInput(f"sample {b}: a label is outside [0, {k})")
        pre_b = None if pre is None else (pre[0][b, :t_b], pre[1][b, :t_b])
        loss, budget[b] = with_guard_digits(_sample_nll, output[b, :t_b], pre_b, labels[b], blank)
        value[b] = +loss  # back to the working precision
    mag = np.array([abs(v) if mpmath.isfinite(v) else mpmath.mpf(0) for v in value], dtype=object)
    return Tracked(value, budget, mag, np.ones((bsz,), int))


@at_reference_precision
def ctc_loss(
    target: np.ndarray,
    output: np.ndarray,
    target_length: np.ndarray,
    output_length: np.ndarray,
    *,
    mask_index: int = 0,
    profile: str | Profile = "keras3",
) -> Tracked:
    """``keras.ops.ctc_loss``: (B,) negative log-likelihoods (see the module docstring)."""
    get_profile(profile)
    target, output = np.asarray(target), np.asarray(output)
    tl, ol = np.asarray(target_length), np.asarray(output_length)
    _check_rank(target, 2, "target")
    _check_rank(output, 3, "output")
    bsz, lmax = target.shape
    if output.shape[0] != bsz or tl.shape != (bsz,) or ol.shape != (bsz,):
        raise SpecError(
            "shape",
            f"batch sizes differ: target {target.shape}, output {output.shape}, "
            f"target_length {tl.shape}, output_length {ol.shape}",
        )
    t_max, k = output.shape[1:]
    if not 0 <= mask_index < k:
        raise UndefinedInput(f"mask_index {mask_index} is outside [0, {k})")
    tgt, tl, ol = _ints(target, "target"), _ints(tl, "target_length"), _ints(ol, "output_length")
    if np.any(tl < 0) or np.any(tl > lmax) or np.any(ol < 0) or np.any(ol > t_max):
        raise UndefinedInput("a length is outside [0, max length]: backends disagree (torch raises)")
    labels = [list(tgt[b, : tl[b]]) for b in range(bsz)]
    return _per_sample(output, labels, [int(v) for v in ol], mask_index)


@at_reference_precision
def ctc(y_true: np.ndarray, y_pred: np.ndarray, *, profile: str | Profile = "keras3") -> Tracked:
    """``keras.losses.ctc``: lengths from the non-zero labels, every frame, blank 0."""
    y_true, y_pred = np.asarray(y_true), np.asarray(y_pred)
    _check_rank(y_true, 2, "y_true")
    _check_rank(y_pred, 3, "y_pred")
    bsz, t_max = y_pred.shape[:2]
    label_length = np.sum(y_true != 0, axis=-1).astype(np.float32)
    return ctc_loss(y_true, y_pred, label_length, np.full((bsz,), t_max, np.float32), mask_index=0, profile=profile)


@at_reference_precision
def ctc_batch_cost(
    y_true: np.ndarray,
    y_pred: np.ndarray,
    input_length: np.ndarray,
    label_length: np.ndarray,
    *,
    profile: str | Profile = "keras2",
) -> Tracked:
    """keras2 ``backend.ctc_batch_cost``: (B, 1) losses of softmax(log(y_pred + eps)),
    blank = the last class (see the module docstring)."""
    get_profile(profile)
    y_true, y_pred = np.asarray(y_true), np.asarray(y_pred)
    il, ll = np.asarray(input_length), np.asarray(label_length)
    _check_rank(y_true, 2, "y_true")
    _check_rank(y_pred, 3, "y_pred")
    bsz, lmax = y_true.shape
    t_max, k = y_pred.shape[1:]
    if y_pred.shape[0] != bsz or il.shape != (bsz, 1) or ll.shape != (bsz, 1):
        raise SpecError(
            "shape",
            f"y_true {y_true.shape}, y_pred {y_pred.shape}, input_length {il.shape}, label_length {ll.shape}: "
            "the lengths must be (B, 1) and the batch sizes equal",
        )
    tgt, il, ll = _ints(y_true, "y_true"), _ints(il[:, 0], "input_length"), _ints(ll[:, 0], "label_length")
    if np.any(ll > lmax) or np.any(ll < 0) or np.any(il < 0):
        raise UndefinedInput("a length is outside [0, max length]")
    if np.any(il > t_max):
        raise SpecError("sequence_length", f"input_length {il.tolist()} exceeds the {t_max} frames")
    if np.any(ll == 0):
        raise SpecError("empty_label", "tf.compat.v1.nn.ctc_loss rejects a label of length 0")
    if np.any(ll > il):
        raise SpecError("not_enough_time", "a label is longer than its input_length")
    labels = [list(tgt[b, : ll[b]]) for b in range(bsz)]
    if any(not 0 <= c < k - 1 for lab in labels for c in lab):
        raise UndefinedInput("a label is the blank (K - 1) or outside [0, K)")
    # x = log(y + eps): y + eps rounds to float32 (u in the log), then the log (u |x|);
    # the kernel's softmax of x is (y + eps) / sum(y + eps), run on the weights q = y + eps
    q = np.empty(y_pred.shape, dtype=object)
    pre = np.zeros(y_pred.shape)
    for idx, v in np.ndenumerate(y_pred):
        q[idx] = to_mpf(v) + _EPS
        if q[idx] <= 0:
            raise UndefinedInput("y_pred + eps <= 0: log of a non-positive number")
        pre[idx] = (0.0 if is_f32(q[idx]) else _U) + _U * abs(math.log(float(q[idx])))
    out = _per_sample(q, labels, [int(v) for v in il], k - 1, pre=(q, pre))
    return out.reshape((bsz, 1))
