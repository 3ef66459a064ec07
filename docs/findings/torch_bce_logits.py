"""Keras 3 on the torch backend: binary_crossentropy(from_logits=True) cancels.

keras/src/backend/torch/nn.py calls torch.nn.functional.binary_cross_entropy_with_logits, which
ATen computes as (1 - t)*x - log_sigmoid(x): for a correct-side logit with t = 0 and x < 0 the
two terms are close to |x| each and their difference, the loss, is lost. Needs only keras and torch.
"""

import os

os.environ["KERAS_BACKEND"] = "torch"

import keras  # noqa: E402
import numpy as np  # noqa: E402
import torch  # noqa: E402

f32 = np.float32
print("keras", keras.__version__, "| backend", keras.backend.backend(), "| torch", torch.__version__)


def ulps(got, expected):
    return abs(got - expected) / float(np.spacing(f32(expected)))


print("1. a correct-side negative logit with label 0: the loss cancels to 0")
for case_id, t, x, expected in [
    ("bce-edge-logit-m16-y0-ls0", 0.0, -16.0, 1.1253516838717682e-07),
    ("bce-edge-logit-m17-y0-ls0", 0.0, -17.0, 4.1399376330897474e-08),
    ("bce-edge-logit-m40-y0-ls0", 0.0, -40.0, 4.248354255291589e-18),
    ("bce-edge-logit-16-y1-ls0 (fine)", 1.0, 16.0, 1.1253516838717682e-07),
]:
    got = keras.losses.binary_crossentropy(np.array([t], f32), np.array([x], f32), from_logits=True)
    print(f"  {case_id:31} label {t:.0f} logit {x:<6} got {float(got)!r:24} expected {expected!r}")

print("2. ordinary logits: the cancellation leaves an absolute error of about 2^-24*|x|")
# keras-conformance case bce-loss-None-wscalar-shape2x3x4-logits, rows 0 and 2 of its 6
y_true = np.array([[1.0, 0.0, 1.0, 0.0], [0.0, 0.0, 1.0, 0.0]], f32)
y_pred = np.array(
    [
        [3.6005547046661377, -5.714089393615723, 4.953112602233887, -5.3927507400512695],
        [-4.861614227294922, -11.44675350189209, 7.956412315368652, -3.63095760345459],
    ],
    f32,
)
w = f32(1.9225958585739136)
expected, tolerance = [0.020096784656769448, 0.016445514098659874], [1.44e-8, 1.18e-8]
loss = keras.losses.BinaryCrossentropy(from_logits=True, reduction=None)
got = np.ravel(keras.ops.convert_to_numpy(loss(y_true, y_pred, sample_weight=w)))
for g, e, tol in zip(got.tolist(), expected, tolerance):
    print(f"  got {g!r:22} expected {e!r:22} {ulps(g, e):5.1f} ulp off (tolerance {ulps(e + tol, e):.1f} ulp)")

print("3. the same in torch alone")
x = torch.tensor([-17.0, -5.714089393615723])
t = torch.zeros(2)
bce = torch.nn.functional.binary_cross_entropy_with_logits(x, t, reduction="none")
print("  F.binary_cross_entropy_with_logits", bce.tolist())
print("  F.softplus(x) (the loss)          ", torch.nn.functional.softplus(x).tolist())
