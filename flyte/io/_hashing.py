"""Hash methods for content-based cache keys of files and dataframes."""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from typing import Any, Protocol, runtime_checkable


@runtime_checkable
class HashMethod(Protocol):
    def update(self, data: Any) -> None: ...

    def result(self) -> str: ...


class HashFunction:
    """A HashMethod from a function of the whole value (e.g. a dataframe hasher)."""

    def __init__(self, fn: Callable[[Any], str]):
        self._fn = fn
        self._value: Any = None
        self._chunks: list = []

    @classmethod
    def from_fn(cls, fn: Callable[[Any], str]) -> HashFunction:
        return cls(fn)

    def update(self, data: Any) -> None:
        if isinstance(data, (bytes, bytearray)):
            self._chunks.append(bytes(data))
        else:
            self._value = data

    def result(self) -> str:
        if self._chunks:
            return self._fn(b"".join(self._chunks))
        return self._fn(self._value)


class Sha256:
    """Plain SHA-256 over the bytes."""

    def __init__(self) -> None:
        self._h = hashlib.sha256()

    def update(self, data: Any) -> None:
        self._h.update(data if isinstance(data, (bytes, bytearray)) else repr(data).encode())

    def result(self) -> str:
        return self._h.hexdigest()
