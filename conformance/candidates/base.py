"""The candidate protocol: what an implementation under test provides.

A candidate is an object with a ``name``, the ``profile`` it claims, a ``describe()``
line, and a way to reach each API (``conformance.candidates.resolve``), tried in order:

1. a method named after the API (``Api.method``: ``binary_crossentropy``,
   ``BinaryCrossentropy``, ``metrics_BinaryCrossentropy``): an explicit adapter or an
   override of one API;
2. a Keras-shaped ``namespace`` (an object with ``losses``, ``metrics`` and ``ops``, as
   ``keras`` or ``tf_keras``): the API's path in the candidate's profile
   (``Api.keras[profile]``, e.g. ``losses.BinaryCrossentropy``) is looked up there, so a
   Keras-like library needs no code per API.

What is found is called as Keras is, by the API's call shape:

* a function: ``fn(y_true, y_pred, **params)`` -> array;
* a loss class: ``Cls(**params)`` -> ``loss(y_true, y_pred, sample_weight=None)`` -> array;
* a metric: ``Cls(**params)`` -> an object with ``update_state(y_true, y_pred,
  sample_weight=None)``, ``result()`` and ``reset_state()``.

Inputs arrive as float32 numpy arrays. Results may be anything ``numpy.asarray`` reads,
or anything the candidate's optional ``to_numpy(x)`` turns into an array (a backend
tensor). ``params`` are the case's parameters by their Keras names (a loss class gets
``reduction`` only when the case sets one). An API the candidate cannot reach is skipped;
raising ``Unsupported`` skips one case. A candidate knows nothing of fixtures.

Gradients (``grad.<api>``, ``conformance.registry.gradient_of``) are optional. A
candidate with autodiff offers ``gradient(f, y_pred)``: the gradient of ``sum(f(y_pred))``
with respect to ``y_pred`` (a float32 numpy array), where ``f`` maps its framework's
tensor of ``y_pred`` to the value API's output; the suite builds ``f`` from the value API
(``f = lambda yp: loss(y_true, yp, sample_weight=w)``) and the hook returns an array
shaped like ``y_pred``. A candidate without autodiff may instead define a method per
gradient API, named after it (``grad_binary_crossentropy``), called exactly as the value
API and returning ``d sum(output) / d y_pred``. Neither: the gradient cases are skipped.

PYTEST_DONT_REWRITE: pytest loads this package as its plugin; its asserts need no rewriting, and skipping it keeps start-up fast.
"""

from __future__ import annotations

from typing import Protocol, runtime_checkable

__all__ = ["Candidate", "Unsupported", "tf_gradient"]


class Unsupported(Exception):
    """The candidate cannot express this case (a parameter, a reduction): skip it."""


@runtime_checkable
class Candidate(Protocol):
    name: str
    profile: str

    def describe(self) -> str:
        """One line for the report header: library versions, backend, device."""
        ...


def tf_gradient(f, y_pred):
    """``d sum(f(y)) / d y`` at ``y_pred`` through ``tf.GradientTape`` (a ``None``
    gradient, ``f`` not depending on ``y``, is zeros)."""
    import numpy as np
    import tensorflow as tf

    y = tf.constant(np.asarray(y_pred, np.float32))
    with tf.GradientTape() as tape:
        tape.watch(y)
        s = tf.reduce_sum(f(y))
    g = tape.gradient(s, y)
    return np.zeros(np.shape(y_pred), np.float32) if g is None else g.numpy()
