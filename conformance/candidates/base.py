"""The candidate protocol: what an implementation under test provides.

A candidate is an object with a ``name``, the ``profile`` it claims, and any of these
methods (a missing one skips that API's cases; raising ``Unsupported`` skips one case):

* ``binary_crossentropy(y_true, y_pred, **params)`` -> array
* ``categorical_focal_crossentropy(y_true, y_pred, **params)`` -> array
* ``BinaryCrossentropy(**params)`` / ``CategoricalFocalCrossentropy(**params)`` -> a callable
  ``loss(y_true, y_pred, sample_weight=None)``
* ``metrics_BinaryCrossentropy(**params)`` -> an object with ``update_state(y_true, y_pred,
  sample_weight=None)``, ``result()`` and ``reset_state()``

Inputs arrive as float32 numpy arrays; results may be anything ``numpy.asarray`` reads.
``params`` are the case's parameters by their Keras names (a loss class gets
``reduction`` only when the case sets one). A candidate knows nothing of fixtures.
"""

from __future__ import annotations

from typing import Protocol, runtime_checkable

__all__ = ["Candidate", "Unsupported", "METHOD_OF_API"]

METHOD_OF_API = {
    "binary_crossentropy": "binary_crossentropy",
    "categorical_focal_crossentropy": "categorical_focal_crossentropy",
    "BinaryCrossentropy": "BinaryCrossentropy",
    "CategoricalFocalCrossentropy": "CategoricalFocalCrossentropy",
    "metrics.BinaryCrossentropy": "metrics_BinaryCrossentropy",
}


class Unsupported(Exception):
    """The candidate cannot express this case (a parameter, a reduction): skip it."""


@runtime_checkable
class Candidate(Protocol):
    name: str
    profile: str

    def describe(self) -> str:
        """One line for the report header: library versions, backend, device."""
        ...
