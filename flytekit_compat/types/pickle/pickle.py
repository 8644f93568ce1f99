"""`flytekit.types.pickle`: values of types flytekit does not know are pickled."""

from __future__ import annotations

from typing import Any, Generic, TypeVar

T = TypeVar("T")


class FlytePickle(Generic[T]):
    """Marker type: `FlytePickle[MyClass]`. Any value is carried by pickle here."""

    @classmethod
    def python_type(cls) -> Any:
        return cls


__all__ = ["FlytePickle"]
