"""`HashMethod`: a custom hash for a value, used in cache keys (`Annotated[pd.DataFrame, HashMethod(fn)]`)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Generic, TypeVar

T = TypeVar("T")


class HashMethod(Generic[T]):
    def __init__(self, function: Callable[[T], str]):
        self._function = function

    def calculate(self, obj: T) -> str:
        return self._function(obj)


class HashOnReferenceMixin:
    def __hash__(self) -> int:
        return hash(id(self))

