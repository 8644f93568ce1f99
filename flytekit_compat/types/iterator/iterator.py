"""`FlyteIterator`: what a task declared `-> Iterator[T]` hands on: its items, iterable again.

A generator cannot cross a task boundary, so the items are collected when the task returns
(flytekit does the same when it writes them out); the receiver iterates over them.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import Generic, TypeVar

from ..._internal import internal_classes

T = TypeVar("T")


class FlyteIterator(Generic[T]):
    def __init__(self, items: Iterable[T]):
        self._items = list(items)
        self._position = 0

    def __iter__(self) -> Iterator[T]:
        return iter(self._items)

    def __next__(self) -> T:
        if self._position >= len(self._items):
            raise StopIteration
        item = self._items[self._position]
        self._position += 1
        return item

    def __len__(self) -> int:
        return len(self._items)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, FlyteIterator) and self._items == other._items

    __hash__ = object.__hash__



# Printed as flytekit prints it (the default object repr, under flytekit's module name); the
# module name resolves to this module through the `flytekit` alias, so pickling still works.
FlyteIterator.__module__ = "flytekit.types.iterator.iterator"


(IteratorTransformer,) = internal_classes(__name__, "type transformer", "IteratorTransformer")

__all__ = ["FlyteIterator", "IteratorTransformer"]
