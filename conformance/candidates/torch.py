"""``torch``: PyTorch's own loss functions, judged against profile keras3.

* ``binary_crossentropy``: ``torch.nn.functional.binary_cross_entropy`` (probabilities) or
  ``binary_cross_entropy_with_logits`` (logits) with ``reduction="none"``. The adapter adds
  Keras' label smoothing (``y*(1-ls) + 0.5*ls``) and the mean over ``axis``. PyTorch does not
  clip probabilities to ``[eps, 1-eps]``; it clamps each log at -100. A saturated term is
  therefore 100 where Keras 3 gives 16.118095: that is a listed deviation, not a tolerance.
* ``BinaryCrossentropy``: the function above per sample, then the Keras 3 weighting and
  reduction steps from ``conformance.candidates.adapter``.
* ``categorical_crossentropy`` with ``from_logits=True``: ``F.cross_entropy`` with
  probability targets, ``label_smoothing`` and ``reduction="none"``, the class axis moved to
  dim 1. torch smooths toward 1/C with C the size of its class dim, which is Keras 3's K
  (the last axis) only when ``axis`` is last or both have the same size: other cases are
  skipped. torch has no probability-input cross-entropy (``nll_loss`` takes class indices):
  ``from_logits=False`` is skipped.
* ``kl_divergence``: ``F.kl_div(log(p), y, reduction="none")`` summed over the last axis;
  the adapter adds Keras' clips of both sides to ``[eps, 1]`` and the log that ``kl_div``
  expects of its input.
* ``poisson``: ``F.poisson_nll_loss(p, y, log_input=False, eps=1e-7, full=False,
  reduction="none")``, which is ``p - y log(p + eps)``, averaged over the last axis.
* The loss classes: those functions per sample, then the Keras 3 weighting and reduction
  steps from ``conformance.candidates.adapter``.
* ``ops.binary_crossentropy``: ``F.binary_cross_entropy_with_logits`` (logits) or
  ``F.binary_cross_entropy`` (probabilities), ``reduction="none"``: elementwise, so the
  adapter adds nothing but the equal-shape check Keras 3 makes (torch checks too). As for
  the function, torch does not clip probabilities (it clamps each log at -100).
* ``ops.categorical_crossentropy`` with ``from_logits=True``: ``F.cross_entropy`` with
  probability targets and ``reduction="none"``, the class axis moved to dim 1 (a rank-1
  pair is torch's unbatched input); probabilities are skipped, as for the function.
* ``sparse_categorical_crossentropy`` / the op / ``SparseCategoricalCrossentropy``:
  ``F.cross_entropy`` (logits) or ``F.nll_loss`` of Keras' ``log(clip(p / sum(p)))``
  (probabilities), integer targets, the class axis at dim 1; the adapter adds Keras 3's label
  steps (squeeze, shape check, ``ignore_class`` mask) and, for the class, the masked
  weighting (``adapter.keras3_masked_loss_class``).
* ``ops_ctc_loss``: ``F.ctc_loss(log_probs, targets, input_lengths, target_lengths,
  blank=mask_index, reduction="none")`` (``zero_infinity=False``). The adapter does what
  Keras' torch backend does around it: ``log_softmax`` over the classes and the transpose
  to time-major. ``ctc`` adds ``losses.ctc``'s lengths (the non-zero labels, every frame),
  ``CTC`` the Keras 3 weighting and reduction steps.
* PyTorch has no categorical focal loss (torchvision's ``sigmoid_focal_loss`` is the binary,
  alpha/(1-alpha) one) and no metric objects: those cases are skipped with that reason.

PYTEST_DONT_REWRITE: pytest loads this package as its plugin; its asserts need no rewriting, and skipping it keeps start-up fast.
"""

from __future__ import annotations

import numpy as np

from conformance.candidates.adapter import keras3_class_gradient, keras3_loss_class
from conformance.candidates.base import Unsupported

__all__ = ["TorchCandidate"]


class TorchCandidate:
    name = "torch"
    profile = "keras3"
    deviations_file = "torch.yaml"

    def __init__(self):
        import torch

        self._torch = torch

    def describe(self) -> str:
        return f"torch {self._torch.__version__} (torch.nn.functional)"

    def binary_crossentropy(self, y_true, y_pred, from_logits=False, label_smoothing=0.0, axis=-1):
        torch, fn = self._torch, self._torch.nn.functional
        t = torch.from_numpy(np.ascontiguousarray(y_true, np.float32))
        p = torch.from_numpy(np.ascontiguousarray(y_pred, np.float32))
        if label_smoothing:
            t = t * (1.0 - label_smoothing) + 0.5 * label_smoothing
        elem = (
            fn.binary_cross_entropy_with_logits(p, t, reduction="none")
            if from_logits
            else fn.binary_cross_entropy(p, t, reduction="none")
        )
        return elem.mean(dim=axis).numpy()

    def BinaryCrossentropy(self, reduction="sum_over_batch_size", **params):  # noqa: N802
        return keras3_loss_class(lambda yt, yp: self.binary_crossentropy(yt, yp, **params), reduction)

    def _t(self, x):
        # np.array, not np.ascontiguousarray: that one makes a 0-d input 1-d
        return self._torch.from_numpy(np.array(x, np.float32, order="C"))

    def categorical_crossentropy(self, y_true, y_pred, from_logits=False, label_smoothing=0.0, axis=-1):
        if not from_logits:
            raise Unsupported("PyTorch has no probability-input categorical cross-entropy (nll_loss takes indices)")
        shape = np.shape(y_pred)
        if np.shape(y_true) != shape:
            raise ValueError(f"shapes differ: {np.shape(y_true)} vs {shape}")
        if label_smoothing and shape[axis] != shape[-1]:
            raise Unsupported("torch smooths labels over its class dim (Keras 3.15 over the last axis)")
        x = self._t(np.moveaxis(y_pred, axis, 1) if len(shape) > 1 else y_pred)
        t = self._t(np.moveaxis(y_true, axis, 1) if len(shape) > 1 else y_true)
        out = self._torch.nn.functional.cross_entropy(x, t, reduction="none", label_smoothing=float(label_smoothing))
        return out.numpy()

    def kl_divergence(self, y_true, y_pred):
        eps = np.float32(1e-7)
        yt = self._t(np.clip(np.asarray(y_true, np.float32), eps, np.float32(1)))
        yp = self._t(np.clip(np.asarray(y_pred, np.float32), eps, np.float32(1)))
        yt, yp = self._torch.broadcast_tensors(yt, yp)
        return self._torch.nn.functional.kl_div(self._torch.log(yp), yt, reduction="none").sum(dim=-1).numpy()

    def poisson(self, y_true, y_pred):
        yt, yp = self._torch.broadcast_tensors(self._t(y_true), self._t(y_pred))
        out = self._torch.nn.functional.poisson_nll_loss(
            yp, yt, log_input=False, full=False, eps=1e-7, reduction="none"
        )
        return out.mean(dim=-1).numpy()

    def CategoricalCrossentropy(self, reduction="sum_over_batch_size", **params):  # noqa: N802
        return keras3_loss_class(lambda yt, yp: self.categorical_crossentropy(yt, yp, **params), reduction)

    def KLDivergence(self, reduction="sum_over_batch_size"):  # noqa: N802
        return keras3_loss_class(self.kl_divergence, reduction)

    def Poisson(self, reduction="sum_over_batch_size"):  # noqa: N802
        return keras3_loss_class(self.poisson, reduction)

    def categorical_focal_crossentropy(self, *a, **k):
        raise Unsupported("PyTorch has no categorical focal loss (torchvision's sigmoid_focal_loss is binary)")

    def CategoricalFocalCrossentropy(self, **params):  # noqa: N802
        raise Unsupported("PyTorch has no categorical focal loss (torchvision's sigmoid_focal_loss is binary)")

    def metrics_BinaryCrossentropy(self, **params):  # noqa: N802
        raise Unsupported("PyTorch has no metric objects (torchmetrics is a separate library)")

    def ops_binary_crossentropy(self, target, output, from_logits=False):
        if np.shape(target) != np.shape(output):
            raise ValueError(f"shapes differ: {np.shape(target)} vs {np.shape(output)}")
        fn = self._torch.nn.functional
        t, x = self._t(target), self._t(output)
        if from_logits:
            return fn.binary_cross_entropy_with_logits(x, t, reduction="none").numpy()
        return fn.binary_cross_entropy(x, t, reduction="none").numpy()

    def ops_categorical_crossentropy(self, target, output, from_logits=False, axis=-1):
        if not from_logits:
            raise Unsupported("PyTorch has no probability-input categorical cross-entropy (nll_loss takes indices)")
        shape = np.shape(output)
        if np.shape(target) != shape:
            raise ValueError(f"shapes differ: {np.shape(target)} vs {shape}")
        if len(shape) == 0:
            raise ValueError("categorical cross-entropy needs rank >= 1")
        x = self._t(np.moveaxis(output, axis, 1) if len(shape) > 1 else output)
        t = self._t(np.moveaxis(target, axis, 1) if len(shape) > 1 else target)
        if len(shape) == 1 and axis not in (0, -1):
            raise ValueError(f"axis {axis} is out of range for rank 1")
        return self._torch.nn.functional.cross_entropy(x, t, reduction="none").numpy()

    def metrics_CategoricalCrossentropy(self, **params):  # noqa: N802
        raise Unsupported("PyTorch has no metric objects (torchmetrics is a separate library)")

    def metrics_KLDivergence(self, **params):  # noqa: N802
        raise Unsupported("PyTorch has no metric objects (torchmetrics is a separate library)")

    def metrics_Poisson(self, **params):  # noqa: N802
        raise Unsupported("PyTorch has no metric objects (torchmetrics is a separate library)")

    def _sparse(self, y_true, y_pred, from_logits, axis, ignore_class, squeeze_last):
        """``sparse_categorical_crossentropy``: the kernel is ``F.cross_entropy`` (logits) or
        ``F.nll_loss`` (probabilities), both with integer targets, the class axis at dim 1
        and ``reduction="none"``. The adapter does only what Keras 3 adds: the label steps of
        ``adapter.keras3_sparse_labels`` (squeeze, shape check, ``ignore_class`` masked and
        its loss set to 0) and, for probabilities, Keras' ``log(clip(p / sum(p), eps, 1 - eps))``
        before ``nll_loss`` (exactly the keras3 majority algorithm, renormalise then clip).
        torch's own ``ignore_index`` keeps its default (-100), so a label -100 gives 0 where
        Keras rejects it (a listed deviation)."""
        from conformance.candidates.adapter import keras3_sparse_labels

        torch, fn = self._torch, self._torch.nn.functional
        labels, valid = keras3_sparse_labels(y_true, y_pred, axis, ignore_class, squeeze_last)
        x = self._t(y_pred)
        t = torch.as_tensor(np.asarray(labels, np.int64))
        if x.dim() == 1:
            x, t = x.unsqueeze(0), t.unsqueeze(0)
        else:
            x = x.movedim(axis % x.dim(), 1)
        if from_logits:
            out = fn.cross_entropy(x, t, reduction="none")
        else:
            eps = float(np.float32(1e-7))
            p = torch.clip(x / torch.sum(x, dim=1, keepdim=True), eps, 1.0 - eps)
            out = fn.nll_loss(torch.log(p), t, reduction="none")
        out = out.reshape(labels.shape).numpy()
        if valid is not None:
            out = np.where(valid, out, np.float32(0))
        return out, valid

    def sparse_categorical_crossentropy(self, y_true, y_pred, from_logits=False, ignore_class=None, axis=-1):
        return self._sparse(y_true, y_pred, from_logits, axis, ignore_class, False)[0]

    def ops_sparse_categorical_crossentropy(self, target, output, from_logits=False, axis=-1):
        return self._sparse(target, output, from_logits, axis, None, True)[0]

    def SparseCategoricalCrossentropy(  # noqa: N802
        self, from_logits=False, ignore_class=None, reduction="sum_over_batch_size", axis=-1
    ):
        from conformance.candidates.adapter import keras3_masked_loss_class

        return keras3_masked_loss_class(
            lambda yt, yp: self._sparse(yt, yp, from_logits, axis, ignore_class, False), reduction
        )

    def ops_ctc_loss(self, target, output, target_length, output_length, mask_index=0):
        torch = self._torch
        logp = torch.nn.functional.log_softmax(self._t(output), dim=-1).transpose(0, 1)
        out = torch.nn.functional.ctc_loss(
            logp,
            torch.from_numpy(np.asarray(target, np.int64)),
            torch.from_numpy(np.asarray(output_length, np.int64)),
            torch.from_numpy(np.asarray(target_length, np.int64)),
            blank=int(mask_index),
            reduction="none",
        )
        return out.numpy()

    def ctc(self, y_true, y_pred):
        yt, yp = np.asarray(y_true), np.asarray(y_pred)
        if yt.ndim != 2 or yp.ndim != 3:
            raise ValueError(f"ctc needs y_true (B, L) and y_pred (B, T, K), got {yt.shape} and {yp.shape}")
        return self.ops_ctc_loss(yt, yp, np.sum(yt != 0, axis=-1), np.full(yp.shape[:1], yp.shape[1]))

    def CTC(self, reduction="sum_over_batch_size"):  # noqa: N802
        return keras3_loss_class(self.ctc, reduction)

    # ------------------------------------------------------------------ gradients
    def _bce_vjp(self, y_true, y_pred, cot, from_logits=False, label_smoothing=0.0, axis=-1):
        """``torch.autograd`` of ``sum(cot * mean(F.binary_cross_entropy[_with_logits](...), axis))``:
        the function's own autodiff (no clip, so its derivative does not stop outside
        ``[eps, 1 - eps]``)."""
        torch, fn = self._torch, self._torch.nn.functional
        if np.shape(y_true) != np.shape(y_pred):
            raise ValueError(f"shapes differ: {np.shape(y_true)} vs {np.shape(y_pred)}")
        t = self._t(y_true)
        p = self._t(y_pred).requires_grad_(True)
        if label_smoothing:
            t = t * (1.0 - label_smoothing) + 0.5 * label_smoothing
        elem = (
            fn.binary_cross_entropy_with_logits(p, t, reduction="none")
            if from_logits
            else fn.binary_cross_entropy(p, t, reduction="none")
        )
        (g,) = torch.autograd.grad(torch.sum(self._t(cot) * elem.mean(dim=axis)), p)
        return g.numpy()

    def _grad_function(self, fn, vjp, y_true, y_pred, **params):
        """A function's gradient: its vjp with a cotangent of ones (after the value call,
        which rejects what the function rejects)."""
        values = fn(y_true, y_pred, **params)
        return vjp(y_true, y_pred, np.ones(np.shape(values), np.float32), **params)

    def _grad_class(self, cls, fn, vjp, reduction, params):
        """A loss class's gradient: the vjp with the cotangent of Keras 3's weighting and
        reduction (``adapter.keras3_class_gradient``)."""
        return keras3_class_gradient(
            cls(reduction, **params),
            lambda yt, yp: fn(yt, yp, **params),
            lambda yt, yp, cot: vjp(yt, yp, cot, **params),
            reduction,
        )

    def _autograd(self, total, y_pred):
        p = self._t(y_pred).requires_grad_(True)
        (g,) = self._torch.autograd.grad(total(p), p)
        return g.numpy()

    def _cce_vjp(self, y_true, y_pred, cot, from_logits=False, label_smoothing=0.0, axis=-1):
        """``torch.autograd`` of ``sum(cot * F.cross_entropy(x, t, label_smoothing))``, the
        class axis moved to dim 1, as the function (logits only)."""
        self.categorical_crossentropy(y_true, y_pred, from_logits, label_smoothing, axis)  # its checks
        torch = self._torch
        shape = np.shape(y_pred)
        t = self._t(np.moveaxis(y_true, axis, 1) if len(shape) > 1 else y_true)

        def total(p):
            x = torch.movedim(p, axis, 1) if len(shape) > 1 else p
            out = torch.nn.functional.cross_entropy(x, t, reduction="none", label_smoothing=float(label_smoothing))
            return torch.sum(self._t(cot) * out)

        return self._autograd(total, y_pred)

    def _kld_vjp(self, y_true, y_pred, cot):
        """``torch.autograd`` of ``sum(cot * sum(F.kl_div(log(clamp(p, eps, 1)), clamp(y, eps, 1)), -1))``:
        the adapter's clip of ``y_pred`` is ``torch.clamp``, which passes the gradient on the
        closed interval."""
        torch, eps = self._torch, 1e-7
        yt = torch.clamp(self._t(y_true), eps, 1.0)

        def total(p):
            yp = torch.clamp(p, eps, 1.0)
            a, b = torch.broadcast_tensors(yt, yp)
            kl = torch.nn.functional.kl_div(torch.log(b), a, reduction="none").sum(dim=-1)
            return torch.sum(self._t(cot) * kl)

        return self._autograd(total, y_pred)

    def _poisson_vjp(self, y_true, y_pred, cot):
        """``torch.autograd`` of ``sum(cot * mean(F.poisson_nll_loss(p, y, eps=1e-7), -1))``."""
        torch = self._torch

        def total(p):
            yt, yp = torch.broadcast_tensors(self._t(y_true), p)
            out = torch.nn.functional.poisson_nll_loss(yp, yt, log_input=False, full=False, eps=1e-7, reduction="none")
            return torch.sum(self._t(cot) * out.mean(dim=-1))

        return self._autograd(total, y_pred)

    def grad_binary_crossentropy(self, y_true, y_pred, **params):
        return self._grad_function(self.binary_crossentropy, self._bce_vjp, y_true, y_pred, **params)

    def grad_BinaryCrossentropy(self, reduction="sum_over_batch_size", **params):  # noqa: N802
        return self._grad_class(self.BinaryCrossentropy, self.binary_crossentropy, self._bce_vjp, reduction, params)

    def grad_categorical_crossentropy(self, y_true, y_pred, **params):
        return self._grad_function(self.categorical_crossentropy, self._cce_vjp, y_true, y_pred, **params)

    def grad_CategoricalCrossentropy(self, reduction="sum_over_batch_size", **params):  # noqa: N802
        return self._grad_class(
            self.CategoricalCrossentropy, self.categorical_crossentropy, self._cce_vjp, reduction, params
        )

    def grad_kl_divergence(self, y_true, y_pred):
        return self._grad_function(self.kl_divergence, self._kld_vjp, y_true, y_pred)

    def grad_KLDivergence(self, reduction="sum_over_batch_size"):  # noqa: N802
        return self._grad_class(lambda r: self.KLDivergence(r), self.kl_divergence, self._kld_vjp, reduction, {})

    def grad_poisson(self, y_true, y_pred):
        return self._grad_function(self.poisson, self._poisson_vjp, y_true, y_pred)

    def grad_Poisson(self, reduction="sum_over_batch_size"):  # noqa: N802
        return self._grad_class(lambda r: self.Poisson(r), self.poisson, self._poisson_vjp, reduction, {})

    def _scce_vjp(self, y_true, y_pred, cot, from_logits=False, ignore_class=None, axis=-1):
        """``torch.autograd`` of ``sum(cot * l)`` with ``l`` the function's per-row losses as
        ``_sparse`` computes them (``F.cross_entropy``, or ``F.nll_loss`` of Keras'
        ``log(clamp(p / sum(p), eps, 1 - eps))``), an ignored row's loss selected away
        (``torch.where``, as Keras 3 does): its gradient is 0."""
        from conformance.candidates.adapter import keras3_sparse_labels

        torch, fn = self._torch, self._torch.nn.functional
        labels, valid = keras3_sparse_labels(y_true, y_pred, axis, ignore_class, False)
        t = torch.as_tensor(np.asarray(labels, np.int64))
        c = self._t(np.asarray(cot, np.float32).reshape(labels.shape))

        def total(p):
            x, tt = p, t
            if x.dim() == 1:
                x, tt = x.unsqueeze(0), tt.unsqueeze(0)
            else:
                x = x.movedim(axis % x.dim(), 1)
            if from_logits:
                out = fn.cross_entropy(x, tt, reduction="none")
            else:
                eps = float(np.float32(1e-7))
                out = fn.nll_loss(
                    torch.log(torch.clip(x / torch.sum(x, dim=1, keepdim=True), eps, 1.0 - eps)), tt, reduction="none"
                )
            out = out.reshape(labels.shape)
            if valid is not None:
                out = torch.where(torch.as_tensor(valid), out, torch.zeros_like(out))
            return torch.sum(c * out)

        return self._autograd(total, y_pred)

    def grad_sparse_categorical_crossentropy(self, y_true, y_pred, **params):
        return self._grad_function(self.sparse_categorical_crossentropy, self._scce_vjp, y_true, y_pred, **params)

    def grad_SparseCategoricalCrossentropy(  # noqa: N802
        self, from_logits=False, ignore_class=None, reduction="sum_over_batch_size", axis=-1
    ):
        from conformance.candidates.adapter import keras3_masked_class_gradient

        params = {"from_logits": from_logits, "ignore_class": ignore_class, "axis": axis}
        return keras3_masked_class_gradient(
            self.SparseCategoricalCrossentropy(reduction=reduction, **params),
            lambda yt, yp: self._sparse(yt, yp, from_logits, axis, ignore_class, False),
            lambda yt, yp, cot: self._scce_vjp(yt, yp, cot, **params),
            reduction,
        )

    def grad_categorical_focal_crossentropy(self, *a, **k):
        raise Unsupported("PyTorch has no categorical focal loss (torchvision's sigmoid_focal_loss is binary)")

    def grad_CategoricalFocalCrossentropy(self, **params):  # noqa: N802
        raise Unsupported("PyTorch has no categorical focal loss (torchvision's sigmoid_focal_loss is binary)")

    def _ctc_vjp(self, y_true, y_pred, cot):
        """``torch.autograd`` of ``sum(cot * ctc(y_true, y_pred))`` through the adapter's
        ``log_softmax`` and ``F.ctc_loss`` (``losses.ctc``'s lengths), as the function."""
        torch = self._torch
        yt = np.asarray(y_true)
        bsz, t_len = np.shape(y_pred)[:2]

        def total(p):
            logp = torch.nn.functional.log_softmax(p, dim=-1).transpose(0, 1)
            out = torch.nn.functional.ctc_loss(
                logp,
                torch.from_numpy(yt.astype(np.int64)),
                torch.full((bsz,), t_len, dtype=torch.int64),
                torch.from_numpy(np.sum(yt != 0, axis=-1).astype(np.int64)),
                blank=0,
                reduction="none",
            )
            return torch.sum(self._t(cot) * out)

        return self._autograd(total, y_pred)

    def grad_ctc(self, y_true, y_pred):
        return self._grad_function(self.ctc, self._ctc_vjp, y_true, y_pred)

    def grad_CTC(self, reduction="sum_over_batch_size"):  # noqa: N802
        return self._grad_class(lambda r: self.CTC(r), self.ctc, self._ctc_vjp, reduction, {})
