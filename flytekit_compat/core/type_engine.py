"""`flytekit.core.type_engine`: the names legacy code imports.

The shim has no literal layer: values stay Python objects and are checked against type hints
by `flytekit_compat._typecheck` with flytekit's rules. What has meaning without literals is
real here (type assertions, castability of hints, `Annotated` helpers, registering a
transformer by type); conversions to and from flyteidl literals are import-only.
"""

from __future__ import annotations

import dataclasses
import typing
from typing import (
    Annotated,
    Any,
    Dict,
    Generic,
    List,
    Literal,
    NamedTuple,
    Optional,
    OrderedDict,
    Type,
    TypeVar,
    Union,
    cast,
    get_args,
    get_origin,
)

from .._interface import RestrictedTypeError
from .._internal import internal_classes, internal_functions
from .._typecheck import TypeTransformerFailedError, _Mismatch, convert

T = TypeVar("T")

_LITERALS = "flyteidl literal conversion"


class BatchSize:
    """`Annotated[List[T], BatchSize(n)]`: a hint for how many items to pickle together."""

    def __init__(self, val: int):
        self.val = val


def is_annotated(t: Any) -> bool:
    return typing.get_origin(t) is typing.Annotated


def get_underlying_type(t: Any) -> Any:
    """`T` for `Annotated[T, ...]`; any other hint unchanged."""
    return typing.get_args(t)[0] if is_annotated(t) else t


class TypeTransformer(Generic[T]):
    """Base of custom type transformers. Registered transformers are recorded by type; the shim
    carries their values as Python objects (pickled when crossing processes)."""

    def __init__(self, name: str, t: type[T], enable_type_assertions: bool = True):
        self._name = name
        self._t = t
        self._type_assertions_enabled = enable_type_assertions

    @property
    def name(self) -> str:
        return self._name

    @property
    def python_type(self) -> type[T]:
        return self._t

    @property
    def type_assertions_enabled(self) -> bool:
        return self._type_assertions_enabled

    def assert_type(self, t: type[T], v: T) -> None:
        """Raise TypeTransformerFailedError unless `v` is a valid value of type `t`."""
        if not self._type_assertions_enabled:
            return
        try:
            convert(v, t)
        except _Mismatch as m:
            raise TypeTransformerFailedError(f"Type of Val '{v}' is not an instance of {t}: {m}") from None

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self._name!r}, {self._t!r})"


class SimpleTransformer(TypeTransformer[T]):
    """A transformer defined by a pair of functions (flytekit uses them for primitives)."""

    def __init__(self, name: str, t: type[T], lt: Any = None, to_literal_transformer: Any = None,
                 from_literal_transformer: Any = None):
        super().__init__(name, t)
        self._lt = lt
        self._to_literal_transformer = to_literal_transformer
        self._from_literal_transformer = from_literal_transformer


class DataclassTransformer(TypeTransformer[object]):
    def __init__(self) -> None:
        super().__init__("Object-Dataclass-Transformer", object)

    def assert_type(self, expected_type: Any, v: Any) -> None:
        """Fields of `v` (a dataclass, or a dict of its fields) must fit the dataclass `expected_type`."""
        expected_type = get_underlying_type(expected_type)
        if v is None:
            return
        if isinstance(v, dict):
            hints = typing.get_type_hints(expected_type)
            for name, value in v.items():
                if name in hints:
                    self._check_field(expected_type, name, value, hints[name])
            return
        if not dataclasses.is_dataclass(v):
            raise TypeTransformerFailedError(f"{type(v)} is not a dataclass ({expected_type} expected)")
        if not dataclasses.is_dataclass(expected_type):
            raise TypeTransformerFailedError(f"{expected_type} is not a dataclass")
        expected_hints = typing.get_type_hints(expected_type)
        for f in dataclasses.fields(v):
            if f.name not in expected_hints:
                raise TypeTransformerFailedError(f"Field {f.name!r} of {type(v).__name__} is not in {expected_type}")
            self._check_field(expected_type, f.name, getattr(v, f.name), expected_hints[f.name])

    @staticmethod
    def _check_field(owner: Any, name: str, value: Any, tp: Any) -> None:
        if dataclasses.is_dataclass(get_underlying_type(tp)) and dataclasses.is_dataclass(value):
            DataclassTransformer().assert_type(tp, value)
            return
        try:
            convert(value, tp)
        except _Mismatch as m:
            raise TypeTransformerFailedError(
                f"Type of Val '{value}' is not an instance of {tp} (field {name!r} of {getattr(owner, '__name__', owner)}): {m}"
            ) from None


class TypeEngine:
    """The registry of transformers by Python type (custom types register here)."""

    _REGISTRY: dict[Any, TypeTransformer] = {}
    # flytekit memoizes Python-value -> literal conversions here. The shim converts no literals
    # (values cross tasks through the flyte runtime), so it stays empty; code that clears it works.
    _LITERAL_CACHE: dict[Any, Any] = {}

    @classmethod
    def register(cls, transformer: TypeTransformer, additional_types: Optional[list[type]] = None) -> None:
        for t in [transformer.python_type, *(additional_types or [])]:
            cls._REGISTRY[t] = transformer

    @classmethod
    def register_additional_type(cls, transformer: TypeTransformer, additional_type: type, override: bool = False) -> None:
        if override or additional_type not in cls._REGISTRY:
            cls._REGISTRY[additional_type] = transformer

    @classmethod
    def get_transformer(cls, python_type: Any) -> TypeTransformer:
        python_type = get_underlying_type(python_type)
        for t in (python_type, typing.get_origin(python_type)):
            if t in cls._REGISTRY:
                return cls._REGISTRY[t]
        if isinstance(python_type, type):
            for base in python_type.__mro__[1:]:
                if base in cls._REGISTRY:
                    return cls._REGISTRY[base]
        if dataclasses.is_dataclass(python_type):
            return DataclassTransformer()
        raise ValueError(f"Type {python_type} not supported currently")

    @classmethod
    def to_python_value(cls, ctx: Any, value: Any, expected_python_type: Any) -> Any:
        return convert(value, expected_python_type)

    to_literal = classmethod(internal_functions(__name__, _LITERALS, "TypeEngine.to_literal")[0])  # type: ignore[assignment]
    to_literal_type = classmethod(internal_functions(__name__, _LITERALS, "TypeEngine.to_literal_type")[0])  # type: ignore[assignment]
    guess_python_type = classmethod(internal_functions(__name__, _LITERALS, "TypeEngine.guess_python_type")[0])  # type: ignore[assignment]
    literal_map_to_kwargs = classmethod(internal_functions(__name__, _LITERALS, "TypeEngine.literal_map_to_kwargs")[0])  # type: ignore[assignment]
    dict_to_literal_map = classmethod(internal_functions(__name__, _LITERALS, "TypeEngine.dict_to_literal_map")[0])  # type: ignore[assignment]


(BoolTransformer, DictTransformer, EnumTransformer, FloatTransformer, IntTransformer,
 LiteralsResolver, StrTransformer, BinaryIOTransformer, TextIOTransformer) = internal_classes(
    __name__, _LITERALS, "BoolTransformer", "DictTransformer", "EnumTransformer", "FloatTransformer", "IntTransformer",
    "LiteralsResolver", "StrTransformer", "BinaryIOTransformer", "TextIOTransformer",
)


class ListTransformer(TypeTransformer[list]):
    """Lists. Its type helpers work on Python types; literal conversion is flytekit's internal."""

    def __init__(self) -> None:
        super().__init__("Typed List", list)

    @staticmethod
    def get_sub_type(t: Any) -> Any:
        """The element type of `List[T]` (through `Annotated`); ValueError for anything else."""
        sub = ListTransformer.get_sub_type_or_none(t)
        if sub is None:
            raise ValueError("Only generic univariate typing.List[T] type is supported.")
        return sub

    @staticmethod
    def get_sub_type_or_none(t: Any) -> Optional[Any]:
        t = get_underlying_type(t)
        if typing.get_origin(t) is list:
            args = typing.get_args(t)
            if len(args) == 1:
                return args[0]
        return None


class UnionTransformer(TypeTransformer[Any]):
    """Unions. Its type helpers work on Python types; literal conversion is flytekit's internal."""

    def __init__(self) -> None:
        super().__init__("Typed Union", typing.Union)  # type: ignore[arg-type]

    @staticmethod
    def is_optional_type(t: Any) -> bool:
        """Whether `t` is a union that admits None (`Optional[X]`, `X | None`, `Union[X, Y, None]`)."""
        return _is_union(t) and type(None) in typing.get_args(t)


def _is_union(t: Any) -> bool:
    origin = typing.get_origin(t)
    return origin is typing.Union or (_UnionType is not None and origin is _UnionType)


_UnionType = getattr(__import__("types"), "UnionType", None)

# flytekit's versions of these take flyteidl LiteralTypes and JSON schemas, not Python types.
(_are_types_castable, _get_element_type) = internal_functions(
    __name__, "flyteidl literal-type castability", "_are_types_castable", "_get_element_type"
)

(_match_registered_type_from_schema, convert_marshmallow_json_schema_to_python_class,
 convert_mashumaro_json_schema_to_python_class, dataclass_from_dict, strict_type_hint_matching) = internal_functions(
    __name__, _LITERALS, "_match_registered_type_from_schema", "convert_marshmallow_json_schema_to_python_class",
    "convert_mashumaro_json_schema_to_python_class", "dataclass_from_dict", "strict_type_hint_matching",
)

__all__ = [
    "BatchSize", "BinaryIOTransformer", "BoolTransformer", "DataclassTransformer", "DictTransformer", "EnumTransformer",
    "FloatTransformer", "IntTransformer", "ListTransformer", "LiteralsResolver", "RestrictedTypeError",
    "SimpleTransformer", "StrTransformer", "TextIOTransformer", "TypeEngine", "TypeTransformer",
    "TypeTransformerFailedError", "UnionTransformer", "convert_marshmallow_json_schema_to_python_class",
    "convert_mashumaro_json_schema_to_python_class", "dataclass_from_dict", "get_underlying_type", "is_annotated",
    "strict_type_hint_matching",
    # flytekit's module has no __all__, so `import *` from it also gives the typing names it imports
    "Annotated", "Dict", "List", "Literal", "NamedTuple", "Optional", "OrderedDict", "Type", "Union", "cast",
    "get_args", "get_origin",
]
