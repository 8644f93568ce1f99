"""Iterator transformers (import-only)."""

from __future__ import annotations

from ..._internal import internal_classes

_WHY = "type transformer"
(FlyteIterator, IteratorTransformer,) = internal_classes(
    __name__, _WHY, "FlyteIterator", "IteratorTransformer"
)

__all__ = ["FlyteIterator", "IteratorTransformer"]
