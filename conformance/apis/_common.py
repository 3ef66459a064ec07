"""What several declarations' docs share: Keras' float32 constants, as words.

PYTEST_DONT_REWRITE: pytest loads this package as its plugin; its asserts need no rewriting, and skipping it keeps start-up fast.
"""

from __future__ import annotations

import numpy as np

EPS = f"float32(1e-7) = {float(np.float32(1e-7))!r}"
CLIP_HIGH = f"float32(1 - 1e-7) = 1 - 2^-23 = {float(np.float32(1 - 1e-7))!r}"
