"""`TypeEngine` names legacy code imports; values are checked by the shim's own rules."""

from __future__ import annotations

from typing import Any, Generic, TypeVar

from .._typecheck import TypeTransformerFailedError, convert

T = TypeVar("T")


class BatchSize:
    """`Annotated[List[T], BatchSize(n)]`: a hint for how many items to pickle together."""

    def __init__(self, val: int):
        self.val = val


class TypeTransformer(Generic[T]):
    def __init__(self, name: str, t: type[T], enable_type_assertions: bool = True):
        self.name, self.python_type = name, t


class TypeEngine:
    _REGISTRY: dict = {}

    @classmethod
    def register(cls, transformer: TypeTransformer, additional_types: Any = None) -> None:
        cls._REGISTRY[transformer.python_type] = transformer

    @classmethod
    def to_python_value(cls, ctx: Any, value: Any, expected_python_type: Any) -> Any:
        return convert(value, expected_python_type)


__all__ = ["BatchSize", "TypeEngine", "TypeTransformer", "TypeTransformerFailedError"]
