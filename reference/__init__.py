"""The spec in code: what Keras' algorithm gives on exact float32 inputs, in mpmath.

Pure functions, no I/O, no Keras: each function returns a ``Tracked`` result (exact
value, rounding budget, magnitude) or raises ``SpecError`` for input the profile must
reject; ``tolerance_of`` turns a result into its float32 tolerance by the rule
documented in ``reference.tracked``. Which function evaluates which Keras API is
declared once, in ``conformance/apis/`` (``conformance.registry.evaluate``).

Profiles: ``keras3`` (Keras 3.7+ on any backend) and ``keras2`` (tf.keras 2.13-2.15,
tf_keras <= 2.21); their differences are data in ``reference.profiles``.
"""

from __future__ import annotations

from reference.bce import binary_crossentropy
from reference.errors import SpecError, UndefinedInput
from reference.floats import DEFAULT_DPS
from reference.focal import categorical_focal_crossentropy
from reference.losses import loss_class
from reference.metric import BinaryCrossentropyMetric
from reference.profiles import KERAS2, KERAS3, PROFILES, Profile, get_profile
from reference.tracked import Tracked, tolerance_of

__all__ = [
    "DEFAULT_DPS",
    "binary_crossentropy",
    "categorical_focal_crossentropy",
    "loss_class",
    "BinaryCrossentropyMetric",
    "SpecError",
    "UndefinedInput",
    "Profile",
    "PROFILES",
    "KERAS2",
    "KERAS3",
    "get_profile",
    "Tracked",
    "tolerance_of",
]
