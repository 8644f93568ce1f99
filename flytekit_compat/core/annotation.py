"""`FlyteAnnotation`: free-form metadata attached to a type with `Annotated[T, FlyteAnnotation({...})]`."""

from __future__ import annotations

from typing import Any


class FlyteAnnotation:
    def __init__(self, data: dict[str, Any]):
        if not isinstance(data, dict):
            raise ValueError(f"FlyteAnnotation takes a dict, got {type(data).__name__}")
        self._data = data

    @property
    def data(self) -> dict[str, Any]:
        return self._data

    def __repr__(self) -> str:
        return f"FlyteAnnotation({self._data!r})"


__all__ = ["FlyteAnnotation"]
