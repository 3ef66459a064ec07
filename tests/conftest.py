"""Shared test setup: the example numpy candidate is importable even when not installed."""

from __future__ import annotations

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
try:
    import kc_numpy_candidate  # noqa: F401
except ImportError:
    sys.path.insert(0, str(ROOT / "examples" / "numpy_candidate" / "src"))

# Keep the fixture cache of the test runs (and of the pytest subprocesses they start) out
# of the user's home.
import os  # noqa: E402
import tempfile  # noqa: E402

os.environ.setdefault("KERAS_CONFORMANCE_CACHE_DIR", tempfile.mkdtemp(prefix="kc-cache-"))
