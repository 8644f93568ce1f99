"""Remote typed interfaces (import-only)."""

from __future__ import annotations

from .._internal import internal_classes

_WHY = "Flyte backend client"
(TypedInterface,) = internal_classes(
    __name__, _WHY, "TypedInterface"
)

__all__ = ["TypedInterface"]
