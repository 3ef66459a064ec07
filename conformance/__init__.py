"""keras-conformance: golden fixtures for Keras' probabilistic losses and metrics, and
the pytest plugin that runs them against a candidate implementation."""

__version__ = "0.1.0"
