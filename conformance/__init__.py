"""keras-conformance: golden fixtures for Keras' probabilistic losses and metrics, and
the pytest plugin that runs them against a candidate implementation.

PYTEST_DONT_REWRITE: pytest loads this package as its plugin; its asserts need no rewriting, and skipping it keeps start-up fast.
"""

from pathlib import Path

__version__ = "0.1.0"

#: the spec's profiles, in the order fixture files list them (``reference.profiles`` defines them)
PROFILES = ("keras3", "keras2")
#: the tiers, in the order reports list them
TIERS = ("core", "edge", "quirk", "error")


def default_fixtures_dir() -> Path:
    """The fixtures inside the installed package, or the checkout's ``fixtures/``."""
    here = Path(__file__).parent
    packaged = here / "fixtures"
    return packaged if packaged.is_dir() else here.parent / "fixtures"
