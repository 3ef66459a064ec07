"""Keras 3 on the openvino backend: ops.ctc_loss fails unless the labels have as many
columns as there are frames.

Needs only keras and openvino (+ scipy, which the openvino backend imports).
"""

import math
import os

os.environ["KERAS_BACKEND"] = "openvino"

import keras  # noqa: E402
import numpy as np  # noqa: E402
import openvino  # noqa: E402

print("keras", keras.__version__, "| backend", keras.backend.backend(), "| openvino", openvino.__version__)

# keras-conformance case ctc-op-edge-uniform-t4-l2: uniform logits over K=3 classes, T=4
# frames, label [1, 2]: 15 of the 3^4 paths collapse to the label, so the loss is log(81/15).
output = np.zeros((1, 4, 3), np.float32)
output_length = np.array([4], np.int32)
target_length = np.array([2], np.int32)
expected = math.log(81 / 15)  # 1.6863989535702288; the fixture's mpmath value is 1.68639895

for name, target in (
    ("labels (1, 2), as Keras documents them", np.array([[1, 2]], np.int32)),
    ("labels padded to (1, T) = (1, 4)", np.array([[1, 2, 0, 0]], np.int32)),
):
    try:
        got = keras.ops.ctc_loss(target, output, target_length, output_length, mask_index=0)
        print(f"{name}: {keras.ops.convert_to_numpy(got).tolist()} (expected [{expected!r}])")
    except Exception as exc:  # noqa: BLE001
        print(f"{name}: {type(exc).__name__}: {str(exc).splitlines()[0][:160]}")
