"""The one exception the reference raises: an input the spec says must be rejected."""

from __future__ import annotations

__all__ = ["SpecError"]


class SpecError(ValueError):
    """The profile rejects this input (the candidate must raise too).

    ``kind`` is a short stable name for the rule (``shape_mismatch``, ``unknown_reduction``,
    ``weight_shape``), stored in fixtures as what a candidate must do.
    """

    def __init__(self, kind: str, message: str):
        super().__init__(f"{kind}: {message}")
        self.kind = kind
