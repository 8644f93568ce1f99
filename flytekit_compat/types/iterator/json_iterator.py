"""`typing.Iterator[JSON]`: a stream of JSON values that flytekit hands between tasks as a
JSON-lines file. The receiving task reads it once, front to back; an empty stream cannot be sent.
(flytekit registers this for `typing.Iterator[JSON]` only: `collections.abc.Iterator[JSON]` is
an ordinary iterator of values, re-readable, and may be empty.)"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import Any, Dict, List, TypeAlias, Union

from ..._internal import internal_classes

JSONCollection: TypeAlias = Union[Dict[str, Any], List[Any]]
JSONScalar: TypeAlias = Union[bool, float, int, str]
JSON: TypeAlias = Union[JSONCollection, JSONScalar]


class JSONIterator(Iterator[JSON]):
    """The values a task receives for an `Iterator[JSON]` input or output: consumed as it is read."""

    def __init__(self, values: Iterable[JSON]):
        self._values = iter(values)

    def __iter__(self) -> JSONIterator:
        return self

    def __next__(self) -> JSON:
        return next(self._values)


(JSONIteratorTransformer,) = internal_classes(__name__, "type transformer", "JSONIteratorTransformer")

__all__ = ["JSON", "JSONCollection", "JSONIterator", "JSONIteratorTransformer", "JSONScalar"]
