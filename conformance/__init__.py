"""keras-conformance: golden fixtures for Keras' probabilistic losses and metrics, and
the pytest plugin that runs them against a candidate implementation."""

from pathlib import Path

__version__ = "0.1.0"


def default_fixtures_dir() -> Path:
    """The fixtures inside the installed package, or the checkout's ``fixtures/``."""
    here = Path(__file__).parent
    packaged = here / "fixtures"
    return packaged if packaged.is_dir() else here.parent / "fixtures"
