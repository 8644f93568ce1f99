"""JSON-lines iterators (import-only)."""

from __future__ import annotations

from ..._internal import internal_classes

_WHY = "type transformer"
(JSONIterator, JSONIteratorTransformer,) = internal_classes(
    __name__, _WHY, "JSONIterator", "JSONIteratorTransformer"
)

JSON = dict  # flytekit: `JSON = TypeVar("JSON", ...)` of JSON-able values

__all__ = ["JSONIterator", "JSONIteratorTransformer"]
