"""The expected values the reproductions print, recomputed with mpmath at 50 digits.

Each is keras-conformance's fixture value for that case (its mpmath reference, the same
formulas): Keras' algorithm evaluated exactly on the float32 inputs. Needs numpy and mpmath.
"""

import mpmath
import numpy as np

mpmath.mp.dps = 50
f32 = np.float32


def exact(v):
    return mpmath.mpf(float(f32(v)))  # the float32 input, exactly


def bce_logit(t, x):
    """max(x, 0) - x*z + log1p(exp(-|x|)), as tf.nn.sigmoid_cross_entropy_with_logits."""
    x, t = exact(x), exact(t)
    return max(x, 0) - x * t + mpmath.log1p(mpmath.exp(-abs(x)))


print("binary_crossentropy(from_logits=True), one element")
for t, x in [(1, 16), (1, 17), (1, 40), (0, -17), (0, 40), (0, 17), (1, 21.766521453857422)]:
    print(f"  label {t} logit {x:<19} {mpmath.nstr(bce_logit(t, x), 17)}")

print("BinaryCrossentropy(from_logits=True, reduction=None), sample_weight w: w * mean of the row")
w = exact(1.9225958585739136)
rows = [
    ([1, 0, 1, 0], [3.6005547046661377, -5.714089393615723, 4.953112602233887, -5.3927507400512695]),
    ([0, 0, 1, 0], [-4.861614227294922, -11.44675350189209, 7.956412315368652, -3.63095760345459]),
]
for ts, xs in rows:
    print("  ", mpmath.nstr(w * sum(bce_logit(t, x) for t, x in zip(ts, xs)) / 4, 17))

print("categorical_focal_crossentropy(alpha=[...], gamma=2): p = y_pred / sum(y_pred), clipped to [eps, 1-eps]")
y_true = [0, 1, 0]
y_pred = [exact(v) for v in (0.06602657586336136, 0.41483932733535767, 0.5191341042518616)]
alpha = [exact(v) for v in (0.38623887300491333, 0.1415712982416153, 0.512001097202301)]
eps = exact(1e-7)
s = sum(y_pred)
p = [min(max(v / s, eps), 1 - eps) for v in y_pred]
loss = sum(-t * a * (1 - q) ** 2 * mpmath.log(q) for t, a, q in zip(y_true, alpha, p))
print("  ", mpmath.nstr(loss, 17))
