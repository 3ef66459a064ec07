"""Keras 3 on the openvino backend: binary_crossentropy(from_logits=True) loses small losses.

The backend computes t*softplus(-x) + (1-t)*softplus(x) with OpenVINO's SoftPlus, which is
log(exp(x) + 1) in float32. Needs only keras and openvino (+ scipy, which the backend imports).
"""

import os

os.environ["KERAS_BACKEND"] = "openvino"

import keras  # noqa: E402
import numpy as np  # noqa: E402
import openvino  # noqa: E402
import openvino.opset14 as ops  # noqa: E402

f32 = np.float32
print("keras", keras.__version__, "| backend", keras.backend.backend(), "| openvino", openvino.__version__)


def ulps(got, expected):
    return abs(got - expected) / float(np.spacing(f32(expected)))


print("1. a correct-side logit: the loss log1p(exp(-|x|)) is below 2^-24 or close to it")
for case_id, t, x, expected in [
    ("bce-edge-logit-16-y1-ls0", 1.0, 16.0, 1.1253516838717682e-07),
    ("bce-edge-logit-17-y1-ls0", 1.0, 17.0, 4.1399376330897474e-08),
    ("bce-edge-logit-40-y1-ls0", 1.0, 40.0, 4.248354255291589e-18),
    ("bce-edge-logit-m17-y0-ls0", 0.0, -17.0, 4.1399376330897474e-08),
    ("bce-random-001 (row 0)", 1.0, 21.766521453857422, 3.5230583996618654e-10),
]:
    got = keras.losses.binary_crossentropy(np.array([t], f32), np.array([x], f32), from_logits=True)
    print(f"  {case_id:26} label {t:.0f} logit {x:<19} got {float(got)!r:24} expected {expected!r}")

print("2. ordinary logits: a loss of 0.02 carries an absolute, not a relative, error")
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

print("3. the op itself: SoftPlus on CPU, folded at compile time (a Constant input: Keras passes numpy inputs so)")
print("   and through the CPU plugin kernel (a Parameter input)")
x = np.array([-17.0, -16.0, -10.0, -3.8868000507354736], f32)
exact = [4.1399376330897474e-08, 1.1253516838717682e-07, 4.5398899216864647e-05, 0.020303359650522451]  # mpmath
folded = openvino.compile_model(openvino.Model([ops.softplus(ops.constant(x))], []), "CPU")({})[0]
p = ops.parameter([4], openvino.Type.f32)
kernel = openvino.compile_model(openvino.Model([ops.softplus(p)], [p]), "CPU")([x])[0]
print("   x                      ", x)
print("   exact log1p(exp(x))    ", np.array(exact, f32))
print("   SoftPlus, folded       ", folded)
print("   SoftPlus, CPU kernel   ", kernel)
print("   numpy float32 log(exp(x) + 1)", np.log(np.exp(x) + f32(1)))
print("   numpy float32 log1p(exp(x))  ", np.log1p(np.exp(x)))
