"""Keras 3 on the openvino backend: categorical_focal_crossentropy rejects a list alpha.

Needs only keras and openvino (+ scipy, which the openvino backend imports).
"""

import os

os.environ["KERAS_BACKEND"] = "openvino"

import keras  # noqa: E402
import numpy as np  # noqa: E402
import openvino  # noqa: E402

print("keras", keras.__version__, "| backend", keras.backend.backend(), "| openvino", openvino.__version__)

# keras-conformance case focal-sweep-probs-ls0-g2-shape3x-axism1-alphalist
y_true = np.array([0.0, 1.0, 0.0], np.float32)
y_pred = np.array([0.06602657586336136, 0.41483932733535767, 0.5191341042518616], np.float32)
alpha = [0.38623887300491333, 0.1415712982416153, 0.512001097202301]
expected = 0.042652160128957344  # mpmath, 50 digits, from the float32 inputs above

for a in (alpha, tuple(alpha), np.array(alpha, np.float32)):
    try:
        got = keras.losses.categorical_focal_crossentropy(y_true, y_pred, alpha=a, gamma=2.0)
        print(f"alpha as {type(a).__name__:8}: {float(keras.ops.convert_to_numpy(got))!r} (expected {expected!r})")
    except Exception as exc:  # noqa: BLE001
        print(f"alpha as {type(a).__name__:8}: {type(exc).__name__}: {exc}")
