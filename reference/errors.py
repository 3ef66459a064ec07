"""The one exception the reference raises: an input the spec says must be rejected."""

from __future__ import annotations

__all__ = ["SpecError", "UndefinedInput", "checked_axis"]


class SpecError(ValueError):
    """The profile rejects this input (the candidate must raise too).

    ``kind`` is a short stable name for the rule (``shape_mismatch``, ``unknown_reduction``,
    ``weight_shape``), stored in fixtures as what a candidate must do.
    """

    def __init__(self, kind: str, message: str):
        super().__init__(f"{kind}: {message}")
        self.kind = kind


class UndefinedInput(ValueError):
    """Input the spec leaves undefined (a focal row that sums to 0: Keras divides 0 by 0).

    Not a rejection: Keras returns NaN there without raising. The catalog never contains
    such input (generation fails naming the case) and the hypothesis mode discards it.
    """


def checked_axis(what: str, ndim: int, axis: int) -> int:
    """``axis`` as a non-negative index into an input of rank ``ndim``: the rank and axis
    rules every per-axis loss shares (``what`` names the input in the message)."""
    if ndim == 0:
        raise SpecError("rank", f"{what} needs inputs of rank >= 1")
    if not -ndim <= axis < ndim:
        raise SpecError("axis", f"axis {axis} is out of range for rank {ndim}")
    return axis % ndim
