"""The API declarations: one module per family of APIs (a function, its loss class, its
metric), each with ``APIS`` (``conformance.registry.Api``) and ``DOCS`` (its golden-doc
page). ``conformance.registry`` finds every module here; adding an API is adding or
extending one module (plus its reference module, and adapters for non-Keras libraries).

PYTEST_DONT_REWRITE: pytest loads this package as its plugin; its asserts need no rewriting, and skipping it keeps start-up fast.
"""
