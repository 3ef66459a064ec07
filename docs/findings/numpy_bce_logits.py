"""Keras 3 on the numpy backend: binary_crossentropy(from_logits=True) is sigmoid, clip, log.

keras/src/backend/numpy/nn.py takes sigmoid(x) in float32, clips it to [eps, 1 - eps] and takes
logs, so a large logit saturates and a moderate one loses digits. Needs only keras (+ scipy and
jax, which the numpy backend imports).
"""

import os

os.environ["KERAS_BACKEND"] = "numpy"

import keras  # noqa: E402
import numpy as np  # noqa: E402

f32 = np.float32
print("keras", keras.__version__, "| backend", keras.backend.backend(), "| numpy", np.__version__)


def ulps(got, expected):
    return abs(got - expected) / float(np.spacing(f32(expected)))


print("1. large logits saturate at -log(eps) = 16.118095 / -log(1 - (1 - eps)) = 15.942385")
for case_id, t, x, expected in [
    ("bce-edge-logit-40-y0-ls0", 0.0, 40.0, 40.0),
    ("bce-edge-logit-100-y0-ls0", 0.0, 100.0, 100.0),
    ("bce-edge-logit-17-y0-ls0", 0.0, 17.0, 17.000000041399375),
    ("bce-edge-logit-16-y1-ls0", 1.0, 16.0, 1.1253516838717682e-07),
    ("bce-edge-logit-40-y1-ls0", 1.0, 40.0, 4.248354255291589e-18),
]:
    got = keras.losses.binary_crossentropy(np.array([t], f32), np.array([x], f32), from_logits=True)
    print(f"  {case_id:26} label {t:.0f} logit {x:<6} got {float(got)!r:24} expected {expected!r}")

print("2. ordinary logits lose digits to the rounding of sigmoid(x)")
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
