"""`flytekit.types.iterator`: `FlyteIterator` (what an `Iterator[T]` output hands on) and `JSON`
(the item type of a JSON-lines stream, `Iterator[JSON]`)."""

from .iterator import FlyteIterator
from .json_iterator import JSON, JSONIterator

__all__ = ["JSON", "FlyteIterator", "JSONIterator"]
