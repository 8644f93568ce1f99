"""`flytekit.core.type_engine`: Python values and types to and from Flyte literals.

The engine is a registry of transformers keyed by Python type. `TypeEngine.to_literal_type(t)`
describes `t` in Flyte's type system, `to_literal` writes a value as a `Literal`,
`to_python_value` reads one back for a requested type, and `guess_python_type` goes from a
literal type back to a Python type. Users extend it by registering their own
`TypeTransformer` (or `AsyncTypeTransformer`) subclasses; the shim then moves values of those
types between tasks as literals made by that transformer, as flytekit does (see
`flytekit_compat/_literal_crossing.py`), while built-in types keep their plain Python form.

Structured values (dataclasses, pydantic models, untyped dicts) are msgpack bytes in a `Binary`
scalar, or, with `FLYTE_USE_OLD_DC_FORMAT=true`, a JSON struct; those encodings, and JSON
schemas, come from `_flyte_types_adapter` (the seam to Flyte 2's type system).
"""

from __future__ import annotations

import asyncio
import collections
import copy
import dataclasses
import datetime
import enum
import inspect
import json
import mimetypes
import os
import sys
import textwrap
import threading
import typing
from abc import ABC, abstractmethod
from collections import OrderedDict
from functools import lru_cache, reduce
from typing import (
    Annotated,
    Any,
    Dict,
    Generic,
    List,
    NamedTuple,
    Optional,
    Type,
    TypeVar,
    Union,
    cast,
    get_args,
    get_origin,
)
from typing import (
    Literal as _TypingLiteral,
)

import msgpack

from .._interface import RestrictedTypeError
from .._typecheck import TypeTransformerFailedError
from ..exceptions import user as user_exceptions
from ..models import interface as _interface_models
from ..models.annotation import TypeAnnotation as TypeAnnotationModel
from ..models.core import types as _core_types
from ..models.literals import (
    Binary,
    Literal,
    LiteralCollection,
    LiteralMap,
    Primitive,
    Scalar,
    Void,
)
from ..models.literals import Union as _UnionLiteral
from ..models.types import LiteralType, SimpleType, TypeStructure, UnionType
from ..utils.asyn import loop_manager
from . import _flyte_types_adapter as _adapter
from .annotation import FlyteAnnotation
from .hash import HashMethod

T = TypeVar("T")
_LOG = __import__("logging").getLogger("flytekit")
logger = _LOG

MESSAGEPACK = "msgpack"
CACHE_KEY_METADATA = "cache-key-metadata"
SERIALIZATION_FORMAT = "serialization-format"
DEFINITIONS = "definitions"
TITLE = "title"
FLYTE_USE_OLD_DC_FORMAT = "FLYTE_USE_OLD_DC_FORMAT"

_UnionTypeClass = getattr(__import__("types"), "UnionType", None)
GenericAlias = getattr(__import__("types"), "GenericAlias", None)


def str2bool(value: Optional[str]) -> bool:
    return str(value).lower() in ("true", "t", "1", "yes", "y") if value is not None else False


def _old_dc_format() -> bool:
    return str2bool(os.getenv(FLYTE_USE_OLD_DC_FORMAT))


def is_annotated(t: Any) -> bool:
    return get_origin(t) is Annotated


def get_underlying_type(t: Any) -> Any:
    """`T` for `Annotated[T, ...]`; any other hint unchanged."""
    return get_args(t)[0] if is_annotated(t) else t


class BatchSize:
    """`Annotated[List[T], BatchSize(n)]`: how many list items flytekit pickles into one file."""

    def __init__(self, val: int):
        self._val = val

    @property
    def val(self) -> int:
        return self._val


def get_batch_size(t: Any) -> Optional[int]:
    if is_annotated(t):
        for a in get_args(t)[1:]:
            if isinstance(a, BatchSize):
                return a.val
    return None


def _is_union_type(t: Any) -> bool:
    return t is typing.Union or get_origin(t) is typing.Union or (
        _UnionTypeClass is not None and isinstance(t, _UnionTypeClass))


# -- generic JSON structs (the pre-1.14 dataclass format) ---------------------------------------------


def _to_struct(obj: Any) -> Any:
    """A protobuf Struct when protobuf is installed (what flytekit stores), else the dict itself."""
    try:
        from google.protobuf import json_format, struct_pb2
    except ImportError:
        return json.loads(json.dumps(obj))
    return json_format.Parse(json.dumps(obj), struct_pb2.Struct())


def _from_struct(struct: Any) -> Any:
    if isinstance(struct, dict):
        return struct
    from google.protobuf import json_format

    return json.loads(json_format.MessageToJson(struct))


# -- transformers --------------------------------------------------------------------------------------


class TypeTransformer(Generic[T]):
    """How values of one Python type become literals and back. Subclass it, implement
    `get_literal_type`, `to_literal` and `to_python_value` (and `guess_python_type` to go back
    from a literal type), and `TypeEngine.register` an instance."""

    def __init__(self, name: str, t: type[T], enable_type_assertions: bool = True):
        self._t = t
        self._name = name
        self._type_assertions_enabled = enable_type_assertions

    @property
    def name(self) -> str:
        return self._name

    @property
    def python_type(self) -> type[T]:
        return self._t

    @property
    def is_async(self) -> bool:
        return False

    @property
    def type_assertions_enabled(self) -> bool:
        return self._type_assertions_enabled

    def isinstance_generic(self, obj: Any, generic_alias: Any) -> None:
        origin = get_origin(generic_alias)
        if not isinstance(obj, origin):
            raise TypeTransformerFailedError(f"Value '{obj}' is not of container type {origin}")

    def assert_type(self, t: type[T], v: T) -> None:
        if GenericAlias is not None and isinstance(t, GenericAlias):
            return self.isinstance_generic(v, t)
        if not hasattr(t, "__origin__") and not isinstance(v, t):
            raise TypeTransformerFailedError(f"Expected value of type {t} but got '{v}' of type {type(v)}")
        return None

    def get_literal_type(self, t: Any) -> LiteralType:
        raise NotImplementedError("Conversion to LiteralType should be implemented")

    def guess_python_type(self, literal_type: LiteralType) -> type[T]:
        raise ValueError("By default, transformers do not translate from Flyte types back to Python types")

    def to_literal(self, ctx: Any, python_val: T, python_type: type[T], expected: Optional[LiteralType]) -> Literal:
        raise NotImplementedError(f"Conversion to Literal for python type {python_type} not implemented")

    def to_python_value(self, ctx: Any, lv: Literal, expected_python_type: type[T]) -> Optional[T]:
        raise NotImplementedError(
            f"Conversion to python value expected type {expected_python_type} from literal not implemented"
        )

    def schema_match(self, schema: dict) -> bool:
        """Whether a JSON schema fragment describes this transformer's type (pydantic models compare
        title, type and required fields with their own schema; other types never match)."""
        if not isinstance(schema, dict):
            return False
        t = self.python_type
        if _adapter._is_pydantic(t) and getattr(t, "__name__", "") != "BaseModel":
            try:
                own = t.model_json_schema()  # type: ignore[attr-defined]
            except Exception:
                return False
            return (schema.get("title") == own.get("title") and schema.get("type") == own.get("type")
                    and set(schema.get("required", [])) == set(own.get("required", [])))
        return False

    def from_binary_idl(self, binary_idl_object: Binary, expected_python_type: type[T]) -> Optional[T]:
        """A value from msgpack bytes (structured values, and attribute access on them)."""
        if binary_idl_object.tag != MESSAGEPACK:
            raise TypeTransformerFailedError(f"Unsupported binary format `{binary_idl_object.tag}`")
        return _adapter.decode(binary_idl_object.value, expected_python_type)

    def from_generic_idl(self, generic: Any, expected_python_type: type[T]) -> Optional[T]:
        raise NotImplementedError(f"Conversion from generic idl to python type {expected_python_type} not implemented")

    def to_html(self, ctx: Any, python_val: T, expected_python_type: type[T]) -> str:
        return str(python_val)

    def __repr__(self) -> str:
        return f"{self._name} Transforms ({self._t}) to Flyte native"

    __str__ = __repr__


class AsyncTypeTransformer(TypeTransformer[T]):
    """A transformer whose conversions are coroutines (`async_to_literal`,
    `async_to_python_value`); the sync methods run them to completion."""

    @property
    def is_async(self) -> bool:
        return True

    async def async_to_literal(self, ctx: Any, python_val: T, python_type: type[T], expected: Optional[LiteralType]) -> Literal:
        raise NotImplementedError(f"Conversion to Literal for python type {python_type} not implemented")

    async def async_to_python_value(self, ctx: Any, lv: Literal, expected_python_type: type[T]) -> Optional[T]:
        raise NotImplementedError(
            f"Conversion to python value expected type {expected_python_type} from literal not implemented"
        )

    def to_literal(self, ctx: Any, python_val: Any, python_type: type[T], expected: Optional[LiteralType]) -> Literal:
        return loop_manager.synced(self.async_to_literal)(ctx, python_val, python_type, expected)

    def to_python_value(self, ctx: Any, lv: Literal, expected_python_type: type[T]) -> Optional[T]:
        return loop_manager.synced(self.async_to_python_value)(ctx, lv, expected_python_type)


class SimpleTransformer(TypeTransformer[T]):
    """A transformer made of a literal type and two functions (flytekit uses them for primitives)."""

    def __init__(self, name: str, t: type[T], lt: LiteralType, to_literal_transformer: typing.Callable[[T], Literal],
                 from_literal_transformer: typing.Callable[[Literal], T]):
        super().__init__(name, t)
        self._type = t
        self._lt = lt
        self._to_literal_transformer = to_literal_transformer
        self._from_literal_transformer = from_literal_transformer

    @property
    def base_type(self) -> type:
        return self._type

    def get_literal_type(self, t: Optional[type[T]] = None) -> LiteralType:
        return copy.deepcopy(self._lt)

    def to_literal(self, ctx: Any, python_val: T, python_type: type[T], expected: Optional[LiteralType]) -> Literal:
        if type(python_val) is not self._type:
            raise TypeTransformerFailedError(
                f"Expected value of type {self._type} but got '{python_val}' of type {type(python_val)}"
            )
        return self._to_literal_transformer(python_val)

    def from_binary_idl(self, binary_idl_object: Binary, expected_python_type: type[T]) -> Optional[T]:
        value = super().from_binary_idl(binary_idl_object, expected_python_type)
        if type(value) is not expected_python_type:
            raise TypeTransformerFailedError(f"Cannot convert {value!r} to {expected_python_type}")
        return value

    def to_python_value(self, ctx: Any, lv: Literal, expected_python_type: type[T]) -> T:
        expected_python_type = get_underlying_type(expected_python_type)
        if expected_python_type is not self._type:
            raise TypeTransformerFailedError(
                f"Cannot convert to type {expected_python_type}, only {self._type} is supported"
            )
        if lv.scalar is not None and lv.scalar.binary is not None:
            return self.from_binary_idl(lv.scalar.binary, expected_python_type)  # type: ignore[return-value]
        try:
            res = self._from_literal_transformer(lv)
        except AttributeError:
            raise TypeTransformerFailedError(f"Cannot convert literal {lv} to {self._type}") from None
        if type(res) is not self._type:
            raise TypeTransformerFailedError(f"Cannot convert literal {lv} to {self._type}")
        return res

    def guess_python_type(self, literal_type: LiteralType) -> type[T]:
        if literal_type.simple is not None and literal_type.simple == self._lt.simple and (
                literal_type.annotation is None or not (literal_type.annotation.annotations or {}).get("literal_values")):
            return self.python_type
        raise ValueError(f"Transformer {self} cannot reverse {literal_type}")


class RestrictedTypeTransformer(TypeTransformer[T], ABC):
    """A type that may not be a task input or output (bare tuples, nested NamedTuples)."""

    def get_literal_type(self, t: Optional[type[T]] = None) -> LiteralType:
        raise RestrictedTypeError(f"Transformer for type {self.python_type} is restricted currently")

    def to_literal(self, ctx: Any, python_val: T, python_type: type[T], expected: Optional[LiteralType]) -> Literal:
        raise RestrictedTypeError(f"Transformer for type {self.python_type} is restricted currently")

    def to_python_value(self, ctx: Any, lv: Literal, expected_python_type: type[T]) -> T:
        raise RestrictedTypeError(f"Transformer for type {self.python_type} is restricted currently")


def _struct_annotation() -> TypeAnnotationModel:
    return TypeAnnotationModel({CACHE_KEY_METADATA: {SERIALIZATION_FORMAT: MESSAGEPACK}})


def _field_literal_types(t: Any) -> dict[str, LiteralType]:
    out = {}
    hints = _adapter._hints(t)
    for f in dataclasses.fields(t):
        try:
            out[f.name] = TypeEngine.to_literal_type(hints.get(f.name, f.type))
        except Exception:  # a field the engine cannot describe is left out, as in flytekit
            continue
    return out


class DataclassTransformer(TypeTransformer[object]):
    """Dataclasses, as msgpack bytes of their fields (or a JSON struct with
    FLYTE_USE_OLD_DC_FORMAT=true); the literal type carries the JSON schema and field types."""

    def __init__(self) -> None:
        super().__init__("Object-Dataclass-Transformer", object)

    def assert_type(self, expected_type: Any, v: Any) -> None:
        expected_type = get_underlying_type(expected_type)
        if type(v) is expected_type or (isinstance(expected_type, type) and isinstance(v, expected_type)):
            return
        if not dataclasses.is_dataclass(expected_type):
            raise TypeTransformerFailedError(f"{expected_type} is not a dataclass")
        expected = {f.name: f.type for f in dataclasses.fields(expected_type)}
        hints = _adapter._hints(expected_type)
        expected = {k: hints.get(k, t) for k, t in expected.items()}
        if isinstance(v, dict):
            optional = {k for k, t in expected.items() if UnionTransformer.is_optional_type(t)}
            given, wanted = set(v) - optional, set(expected) - optional
            missing, extra = wanted - given, given - wanted
            if missing:
                raise TypeTransformerFailedError(
                    f"The original fields are missing the following keys from the dataclass fields: {list(missing)}")
            if extra:
                raise TypeTransformerFailedError(
                    f"The original fields have the following extra keys that are not in dataclass fields: {list(extra)}")
            for k, val in v.items():
                want = expected.get(k)
                if want is None:
                    continue
                if isinstance(val, dict):
                    self.assert_type(want, val)
                    continue
                if UnionTransformer.is_optional_type(want):
                    want = UnionTransformer.get_sub_type_in_optional(want)
                if type(val) is not want:
                    raise TypeTransformerFailedError(f"Type of Val '{type(val)}' is not an instance of {want}")
            return
        if not dataclasses.is_dataclass(v):
            raise TypeTransformerFailedError(f"{type(v)} is not a dataclass ({expected_type} expected)")
        own = _adapter._hints(type(v))
        for f in dataclasses.fields(v):
            if f.name not in expected:
                raise TypeTransformerFailedError(
                    f"Field '{f.name}' is not present in the expected dataclass fields {getattr(expected_type, '__name__', expected_type)}")
            have, want = own.get(f.name, f.type), expected[f.name]
            if UnionTransformer.is_optional_type(have):
                have = UnionTransformer.get_sub_type_in_optional(have)
            if UnionTransformer.is_optional_type(want):
                want = UnionTransformer.get_sub_type_in_optional(want)
            val = getattr(v, f.name)
            if dataclasses.is_dataclass(val):
                self.assert_type(want, val)
            elif have != want:
                raise TypeTransformerFailedError(f"Type of Val '{have}' is not an instance of {want}")

    def get_literal_type(self, t: Any) -> LiteralType:
        if is_annotated(t):
            for x in get_args(t)[1:]:
                if isinstance(x, FlyteAnnotation):
                    raise ValueError("Flytekit does not currently have support for FlyteAnnotations applied to "
                                     f"Dataclass.Type {t} cannot be parsed.")
            t = get_args(t)[0]
        schema = None
        try:
            schema = _adapter.json_schema(t)
        except Exception as e:
            _LOG.warning("Failed to extract schema for object %s (will run schemaless): %s", t, e)
        return LiteralType(simple=SimpleType.STRUCT, metadata=schema,
                           structure=TypeStructure(tag="", dataclass_type=_field_literal_types(t)),
                           annotation=_struct_annotation())

    def _make_dataclass_serializable(self, python_val: Any, python_type: Any) -> Any:
        """Strings given for FlyteFile/FlyteDirectory fields become those types (with a warning)."""
        from ..types.directory import FlyteDirectory
        from ..types.file import FlyteFile

        python_type = get_underlying_type(python_type)
        if _is_union_type(python_type):
            if python_val is None:
                return None
            for sub in get_args(python_type):
                try:
                    TypeEngine.get_transformer(sub).assert_type(sub, python_val)
                except Exception:
                    continue
                return self._make_dataclass_serializable(python_val, sub)
            return python_val
        if get_origin(python_type) is list and python_val is not None:
            return [self._make_dataclass_serializable(v, get_args(python_type)[0]) for v in python_val]
        if get_origin(python_type) is dict and python_val is not None:
            return {k: self._make_dataclass_serializable(v, get_args(python_type)[1]) for k, v in python_val.items()}
        if inspect.isclass(python_type) and issubclass(python_type, (FlyteFile, FlyteDirectory)):
            if type(python_val) is str:
                _LOG.warning("Converting string '%s' to %s.\nDirectly using a string instead of %s is not "
                             "recommended.\nflytekit will not support it in the future.",
                             python_val, python_type.__name__, python_type.__name__)
                return python_type(python_val)
            return python_val
        if not dataclasses.is_dataclass(python_type) or not dataclasses.is_dataclass(python_val):
            return python_val
        for name, tp in _adapter._hints(python_type).items():
            if hasattr(python_val, name):
                object.__setattr__(python_val, name, self._make_dataclass_serializable(getattr(python_val, name), tp))
        return python_val

    def _plain(self, python_val: Any, python_type: Any) -> Any:
        if isinstance(python_val, dict):
            return python_val
        if not dataclasses.is_dataclass(python_val):
            raise TypeTransformerFailedError(
                f"{type(python_val)} is not of type @dataclass, only Dataclasses are supported for user defined "
                "datatypes in Flytekit"
            )
        self._make_dataclass_serializable(python_val, python_type)
        to_json = getattr(python_val, "to_json", None)
        if to_json is not None and _is_mashumaro_json(type(python_val)):
            return json.loads(to_json())
        return _adapter.to_plain(python_val, get_underlying_type(python_type))

    def to_generic_literal(self, ctx: Any, python_val: Any, python_type: Any, expected: Optional[LiteralType]) -> Literal:
        return Literal(scalar=Scalar(generic=_to_struct(self._plain(python_val, python_type))))

    def to_literal(self, ctx: Any, python_val: Any, python_type: Any, expected: Optional[LiteralType]) -> Literal:
        if _old_dc_format():
            return self.to_generic_literal(ctx, python_val, python_type, expected)
        if dataclasses.is_dataclass(python_val) and not _is_mashumaro_json(type(python_val)):
            self._make_dataclass_serializable(python_val, python_type)
            value = _adapter.encode(python_val, get_underlying_type(python_type))
        else:
            value = _adapter.pack(self._plain(python_val, python_type))
        return Literal(scalar=Scalar(binary=Binary(value=value, tag=MESSAGEPACK)))

    def from_binary_idl(self, binary_idl_object: Binary, expected_python_type: Any) -> Any:
        if binary_idl_object.tag != MESSAGEPACK:
            raise TypeTransformerFailedError(f"Unsupported binary format: `{binary_idl_object.tag}`")
        if _is_mashumaro_json(get_underlying_type(expected_python_type)):
            return self._from_data(_adapter.unpack(binary_idl_object.value), expected_python_type)
        return _adapter.decode(binary_idl_object.value, get_underlying_type(expected_python_type))

    def _from_data(self, data: Any, expected_python_type: Any) -> Any:
        expected_python_type = get_underlying_type(expected_python_type)
        if _is_mashumaro_json(expected_python_type):
            return expected_python_type.from_json(json.dumps(data))
        return _adapter.from_plain(data, expected_python_type)

    def to_python_value(self, ctx: Any, lv: Literal, expected_python_type: Any) -> Any:
        if not dataclasses.is_dataclass(get_underlying_type(expected_python_type)):
            raise TypeTransformerFailedError(
                f"{expected_python_type} is not of type @dataclass, only Dataclasses are supported for user defined "
                "datatypes in Flytekit"
            )
        if lv.scalar is not None and lv.scalar.binary is not None:
            return self.from_binary_idl(lv.scalar.binary, expected_python_type)
        if lv.scalar is None or lv.scalar.generic is None:
            raise TypeTransformerFailedError(f"Cannot convert from {lv} to {expected_python_type}")
        return self._from_data(_from_struct(lv.scalar.generic), expected_python_type)

    @lru_cache(typed=True)  # noqa: B019  (one class per literal type, so guessed types compare equal)
    def guess_python_type(self, literal_type: LiteralType) -> type:  # type: ignore[override]
        if literal_type.simple == SimpleType.STRUCT and literal_type.metadata is not None:
            if DEFINITIONS in literal_type.metadata:
                name = literal_type.metadata["$ref"].split("/")[-1]
                return convert_marshmallow_json_schema_to_python_class(literal_type.metadata[DEFINITIONS], name)
            if TITLE in literal_type.metadata:
                return convert_mashumaro_json_schema_to_python_class(literal_type.metadata,
                                                                     literal_type.metadata[TITLE])
        raise ValueError(f"Dataclass transformer cannot reverse {literal_type}")


def _is_mashumaro_json(t: Any) -> bool:
    """A dataclass with mashumaro's DataClassJSONMixin (whose own to_json/from_json flytekit uses)."""
    if not isinstance(t, type):
        return False
    return any(b.__module__.startswith("mashumaro.") and b.__name__ == "DataClassJSONMixin" for b in t.__mro__)


class PydanticTransformer(TypeTransformer[Any]):
    """pydantic models, as msgpack bytes of `model_dump(mode="json")`, with their JSON schema."""

    def __init__(self) -> None:
        from pydantic import BaseModel

        super().__init__("Pydantic Transformer", BaseModel)

    def get_literal_type(self, t: Any) -> LiteralType:
        t = get_underlying_type(t)
        schema = t.model_json_schema()
        literal_types = {}
        for name, info in t.model_fields.items():
            try:
                literal_types[name] = TypeEngine.to_literal_type(info.annotation)
            except Exception:
                continue
        return LiteralType(simple=SimpleType.STRUCT, metadata=schema,
                           structure=TypeStructure(tag="", dataclass_type=literal_types),
                           annotation=_struct_annotation())

    def to_literal(self, ctx: Any, python_val: Any, python_type: Any, expected: Optional[LiteralType]) -> Literal:
        if not hasattr(python_val, "model_dump"):  # None (an Optional's other variant) is not a model
            raise TypeTransformerFailedError(f"Expected a pydantic model of type {python_type}, got {python_val!r}")
        data = _adapter.to_plain(python_val, get_underlying_type(python_type))
        if _old_dc_format():
            return Literal(scalar=Scalar(generic=_to_struct(data)))
        return Literal(scalar=Scalar(binary=Binary(value=_adapter.pack(data), tag=MESSAGEPACK)))

    def from_binary_idl(self, binary_idl_object: Binary, expected_python_type: Any) -> Any:
        if binary_idl_object.tag != MESSAGEPACK:
            raise TypeTransformerFailedError(f"Unsupported binary format: `{binary_idl_object.tag}`")
        return _adapter.decode(binary_idl_object.value, get_underlying_type(expected_python_type))

    def to_python_value(self, ctx: Any, lv: Literal, expected_python_type: Any) -> Any:
        if lv.scalar is not None and lv.scalar.binary is not None:
            return self.from_binary_idl(lv.scalar.binary, expected_python_type)
        return _adapter.from_plain(_from_struct(lv.scalar.generic), get_underlying_type(expected_python_type))


class EnumTransformer(TypeTransformer[enum.Enum]):
    """Enums of string values, as their value (a raw string naming a value is accepted)."""

    def __init__(self) -> None:
        super().__init__(name="DefaultEnumTransformer", t=enum.Enum)

    def get_literal_type(self, t: Any) -> LiteralType:
        if is_annotated(t):
            raise ValueError(f"Flytekit does not currently have support for FlyteAnnotations applied to enums. {t} "
                             "cannot be parsed.")
        values = [v.value for v in t]
        if not isinstance(values[0], str):
            raise TypeTransformerFailedError("Only EnumTypes with value of string are supported")
        return LiteralType(enum_type=_core_types.EnumType(values=values))

    def to_literal(self, ctx: Any, python_val: Any, python_type: Any, expected: Optional[LiteralType]) -> Literal:
        val = python_val.value if isinstance(python_val, enum.Enum) else python_val
        if not isinstance(val, str):
            raise TypeTransformerFailedError(f"Expected an enum or matching string, got {type(python_val)}")
        if val not in [m.value for m in python_type]:
            raise TypeTransformerFailedError(f"Value {python_val} is not in Enum {python_type}")
        return Literal(scalar=Scalar(primitive=Primitive(string_value=val)))

    def to_python_value(self, ctx: Any, lv: Literal, expected_python_type: Any) -> Any:
        if lv.scalar is not None and lv.scalar.binary is not None:
            return self.from_binary_idl(lv.scalar.binary, expected_python_type)
        return expected_python_type(lv.scalar.primitive.string_value)

    def guess_python_type(self, literal_type: LiteralType) -> Any:
        if literal_type.enum_type:
            return enum.Enum("DynamicEnum", {f"{i}": i for i in literal_type.enum_type.values})  # type: ignore[misc]
        raise ValueError(f"Enum transformer cannot reverse {literal_type}")

    def assert_type(self, t: Any, v: Any) -> None:
        val = v.value if isinstance(v, enum.Enum) else v
        if val not in [m.value for m in t]:
            raise TypeTransformerFailedError(f"Value {v} is not in Enum {t}")


class LiteralTypeTransformer(TypeTransformer[object]):
    """`typing.Literal[...]` of values of one primitive type."""

    def __init__(self) -> None:
        super().__init__("LiteralTypeTransformer", object)

    @classmethod
    def get_base_type(cls, t: Any) -> type:
        args = get_args(t)
        if not args:
            raise TypeTransformerFailedError("Literal must have at least one value")
        base = type(args[0])
        if not all(type(a) is base for a in args):
            raise TypeTransformerFailedError("All values must be of the same type")
        return base

    def get_literal_type(self, t: Any) -> LiteralType:
        base = self.get_base_type(t)
        simple = {str: SimpleType.STRING, int: SimpleType.INTEGER, float: SimpleType.FLOAT, bool: SimpleType.BOOLEAN,
                  datetime.datetime: SimpleType.DATETIME, datetime.timedelta: SimpleType.DURATION}.get(base)
        if simple is None:
            raise TypeTransformerFailedError(f"Unsupported type: {base}")
        return LiteralType(simple=simple, annotation=TypeAnnotationModel(annotations={"literal_values": list(get_args(t))}))

    def to_literal(self, ctx: Any, python_val: Any, python_type: Any, expected: Optional[LiteralType]) -> Literal:
        base = self.get_base_type(python_type)
        return TypeEngine.get_transformer(base).to_literal(ctx, python_val, base, expected)

    def to_python_value(self, ctx: Any, lv: Literal, expected_python_type: Any) -> Any:
        base = self.get_base_type(expected_python_type)
        return TypeEngine.get_transformer(base).to_python_value(ctx, lv, base)

    def guess_python_type(self, literal_type: LiteralType) -> Any:
        if literal_type.annotation and literal_type.annotation.annotations:
            values = literal_type.annotation.annotations.get("literal_values")
            if values:
                return _TypingLiteral[tuple(values)]  # type: ignore[return-value]
        raise ValueError(f"LiteralType transformer cannot reverse {literal_type}")

    def assert_type(self, python_type: Any, python_val: Any) -> None:
        base = self.get_base_type(python_type)
        TypeEngine.get_transformer(base).assert_type(base, python_val)


class ProtobufTransformer(TypeTransformer[Any]):
    """Protobuf messages, as a JSON struct tagged with the message class."""

    PB_FIELD_KEY = "pb_type"

    def __init__(self) -> None:
        from google.protobuf.message import Message

        super().__init__("Protobuf-Transformer", Message)

    @staticmethod
    def tag(expected_python_type: Any) -> str:
        return f"{expected_python_type.__module__}.{expected_python_type.__name__}"

    def get_literal_type(self, t: Any) -> LiteralType:
        return LiteralType(simple=SimpleType.STRUCT, metadata={self.PB_FIELD_KEY: self.tag(t)})

    def to_literal(self, ctx: Any, python_val: Any, python_type: Any, expected: Optional[LiteralType]) -> Literal:
        from google.protobuf import json_format, struct_pb2

        struct = struct_pb2.Struct()
        try:
            struct.update(json_format.MessageToDict(python_val))
        except Exception:
            raise TypeTransformerFailedError("Failed to convert to generic protobuf struct") from None
        return Literal(scalar=Scalar(generic=struct))

    def to_python_value(self, ctx: Any, lv: Literal, expected_python_type: Any) -> Any:
        from google.protobuf import json_format

        if not (lv and lv.scalar and lv.scalar.generic is not None):
            raise TypeTransformerFailedError("Can only convert a generic literal to a Protobuf")
        pb_obj = expected_python_type()
        json_format.Parse(json_format.MessageToJson(lv.scalar.generic), pb_obj)
        return pb_obj

    def guess_python_type(self, literal_type: LiteralType) -> Any:
        if literal_type.simple == SimpleType.STRUCT and literal_type.metadata and self.PB_FIELD_KEY in literal_type.metadata:
            import importlib

            module, _, name = literal_type.metadata[self.PB_FIELD_KEY].rpartition(".")
            return getattr(importlib.import_module(module), name)
        raise ValueError(f"Transformer {self} cannot reverse {literal_type}")


# -- JSON schemas back to Python types -------------------------------------------------------------------


def _match_registered_type_from_schema(schema: dict) -> Optional[type]:
    """A registered transformer's type whose schema the fragment describes (None if none does)."""
    for transformer in list(TypeEngine._REGISTRY.values()):
        if transformer.schema_match(schema):
            return transformer.python_type
    return None


def _resolve_ref(element: dict, schema: Optional[dict]) -> Optional[Any]:
    if not (element.get("$ref") and schema is not None):
        return None
    name = element["$ref"].split("/")[-1]
    defs = schema.get("$defs", schema.get("definitions", {}))
    if name not in defs:
        return str
    ref = dict(defs[name])
    if ref.get("enum"):
        return str
    matched = _match_registered_type_from_schema(ref)
    if matched is not None:
        return matched
    if "$defs" not in ref and defs:
        ref["$defs"] = defs
    return convert_mashumaro_json_schema_to_python_class(ref, name)


def _get_element_type(element_property: dict, schema: Optional[dict] = None) -> Any:
    """The Python type a JSON schema fragment describes (as flytekit reads pydantic/mashumaro schemas)."""
    resolved = _resolve_ref(element_property, schema)
    if resolved is not None:
        return resolved
    if element_property.get("anyOf"):
        variants = element_property["anyOf"]
        non_null = [v for v in variants if v.get("type") != "null"]
        if not non_null:
            return type(None)
        inner = _get_element_type(non_null[0], schema)
        return Optional[inner] if len(non_null) < len(variants) else inner
    kind = element_property.get("type", "string")
    fmt = element_property.get("format")
    if isinstance(kind, list):  # marshmallow's ["integer", "null"]
        return Optional[_get_element_type({"type": kind[0]}, schema)]
    if kind == "string":
        return str
    if kind == "integer":
        return int
    if kind == "boolean":
        return bool
    if kind == "number":
        return int if fmt == "integer" else float
    if kind == "array":
        return List[_get_element_type(element_property.get("items", {}), schema)]  # type: ignore[misc]
    if kind == "object":
        if element_property.get("additionalProperties"):
            return Dict[str, _get_element_type(element_property["additionalProperties"], schema)]  # type: ignore[misc]
        return dict
    if kind == "null":
        return type(None)
    return str


def _handle_json_schema_property(property_key: str, property_val: dict, schema: Optional[dict] = None) -> tuple:
    if property_val.get("anyOf"):
        if any(item.get("anyOf") for item in property_val["anyOf"]):
            raise ValueError(f"The property with name {property_key} has a nested Optional or Union type, this is "
                             "not allowed for dataclass JSON deserialization.")
        types = [_handle_json_schema_property(property_key, item, schema)[1] for item in property_val["anyOf"]]
        return property_key, reduce(lambda a, b: Union[a, b], types)
    if property_val.get("$ref"):
        return property_key, _get_element_type(property_val, schema)
    kind = "enum" if property_val.get("enum") else property_val["type"]
    if kind == "array":
        return property_key, List[_get_element_type(property_val["items"], schema)]  # type: ignore[misc]
    if kind == "null":
        return property_key, type(None)
    if kind == "object":
        if property_val.get("additionalProperties"):
            return property_key, Dict[str, _get_element_type(property_val["additionalProperties"], schema)]  # type: ignore[misc]
        if property_val.get("title"):
            matched = _match_registered_type_from_schema(property_val)
            if matched is not None:
                return property_key, matched
            return property_key, convert_mashumaro_json_schema_to_python_class(property_val, property_val["title"])
        return property_key, dict
    if kind == "enum":
        return property_key, str
    return property_key, _get_element_type(property_val, schema)


def generate_attribute_list_from_dataclass_json_mixin(schema: dict, schema_name: Any) -> list:
    attributes: list = []
    defs = schema.get("$defs", schema.get("definitions", {}))
    for key, val in schema["properties"].items():
        if val.get("$ref"):
            name = val["$ref"].split("/")[-1]
            if name not in defs:
                raise ValueError(f"Cannot find definition for $ref '{val['$ref']}' in schema")
            ref = dict(defs[name])
            if ref.get("enum"):
                attributes.append((key, str))
                continue
            matched = _match_registered_type_from_schema(ref)
            if matched is not None:
                attributes.append((key, matched))
                continue
            if "$defs" not in ref and defs:
                ref["$defs"] = defs
            attributes.append((key, convert_mashumaro_json_schema_to_python_class(ref, name)))
            continue
        attributes.append(_handle_json_schema_property(key, val, schema))
    return attributes


def generate_attribute_list_from_dataclass_json(schema: dict, schema_name: Any) -> list:
    attributes: list = []
    for key, val in schema[schema_name]["properties"].items():
        kind = val["type"]
        if kind == "array":
            attributes.append((key, List[_get_element_type(val["items"])]))  # type: ignore[misc]
        elif kind == "object":
            if val.get("$ref"):
                attributes.append((key, convert_marshmallow_json_schema_to_python_class(schema, val["$ref"].split("/")[-1])))
            elif val.get("additionalProperties") is not None:
                extra = val["additionalProperties"]
                attributes.append((key, dict if extra == {} else Dict[str, _get_element_type(extra)]))  # type: ignore[misc]
        else:
            attributes.append((key, _get_element_type(val)))
    return attributes


def _make_class(name: str, attributes: list) -> type:
    cls = dataclasses.make_dataclass(name, attributes)
    try:
        from dataclasses_json import dataclass_json
    except ImportError:
        return cls
    return dataclass_json(cls)


def convert_marshmallow_json_schema_to_python_class(schema: dict, schema_name: Any) -> type:
    """A dataclass built from a marshmallow-jsonschema schema (`definitions` and a schema name)."""
    return _make_class(schema_name, generate_attribute_list_from_dataclass_json(schema, schema_name))


def convert_mashumaro_json_schema_to_python_class(schema: dict, schema_name: Any) -> type:
    """A dataclass built from a mashumaro (or pydantic) JSON schema."""
    return _make_class(schema_name, generate_attribute_list_from_dataclass_json_mixin(schema, schema_name))


def dataclass_from_dict(cls: Any, src: dict[str, Any]) -> Any:
    """A dataclass instance from a dict, nested dataclass fields included."""
    types = {f.name: f.type for f in dataclasses.fields(cls)}
    kwargs = {k: dataclass_from_dict(types[k], v) if dataclasses.is_dataclass(types[k]) else v for k, v in src.items()}
    return cls(**kwargs)


# -- the engine -------------------------------------------------------------------------------------------


class _LRU(OrderedDict):
    """flytekit's small cache of value -> literal conversions (a dict, so `.clear()` and `== {}` work)."""

    def __init__(self, maxsize: int = 128):
        super().__init__()
        self.maxsize = maxsize

    def __getitem__(self, key: Any) -> Any:
        value = super().__getitem__(key)
        self.move_to_end(key)
        return value

    def __setitem__(self, key: Any, value: Any) -> None:
        super().__setitem__(key, value)
        if len(self) > self.maxsize:
            self.popitem(last=False)


class TypeEngine(Generic[T]):
    """The registry of transformers by Python type, and conversions through them."""

    _REGISTRY: dict[Any, TypeTransformer] = {}
    _RESTRICTED_TYPES: list[Any] = []
    _DATACLASS_TRANSFORMER: TypeTransformer = DataclassTransformer()
    _ENUM_TRANSFORMER: TypeTransformer = EnumTransformer()
    _LITERAL_TYPE_TRANSFORMER: TypeTransformer = LiteralTypeTransformer()
    lazy_import_lock = threading.RLock()
    _LITERAL_CACHE: _LRU = _LRU(128)
    # Types whose transformers the shim itself registers; values of every other registered type
    # cross task boundaries as literals made by their (user's) transformer.
    _BUILTIN_TRANSFORMERS: set[int] = set()
    # The shim's own types that cross task boundaries as literals all the same (datasets: their
    # encoders and decoders are the behaviour).
    _CROSS_AS_LITERAL: set[type] = set()
    _lazy_done: set[str] = set()

    @classmethod
    def register(cls, transformer: TypeTransformer, additional_types: Optional[list[Any]] = None) -> None:
        for t in [transformer.python_type, *(additional_types or [])]:
            if t in cls._REGISTRY:
                existing = cls._REGISTRY[t]
                raise ValueError(f"Transformer {existing.name} for type {t} is already registered. Cannot override "
                                 f"with {transformer.name}")
            cls._REGISTRY[t] = transformer
        from .. import _literal_crossing

        _literal_crossing._cache.clear()  # a type registered now may cross tasks as its literal

    @classmethod
    def register_restricted_type(cls, name: str, type: Any) -> None:
        cls._RESTRICTED_TYPES.append(type)
        cls.register(RestrictedTypeTransformer(name, type))

    @classmethod
    def register_additional_type(cls, transformer: TypeTransformer, additional_type: Any, override: bool = False) -> None:
        if additional_type not in cls._REGISTRY or override:
            cls._REGISTRY[additional_type] = transformer

    @classmethod
    def _get_transformer(cls, python_type: Any) -> Optional[TypeTransformer]:
        cls.lazy_import_transformers()
        if is_annotated(python_type):
            args = get_args(python_type)
            for a in args:
                if isinstance(a, TypeTransformer):
                    return a
            return cls.get_transformer(args[0])
        if inspect.isclass(python_type) and issubclass(python_type, enum.Enum):
            return cls._ENUM_TRANSFORMER
        if get_origin(python_type) is _TypingLiteral:
            return cls._LITERAL_TYPE_TRANSFORMER
        if hasattr(python_type, "__origin__"):
            try:
                if python_type in cls._REGISTRY:
                    return cls._REGISTRY[python_type]
            except TypeError:
                pass
            if python_type.__origin__ in cls._REGISTRY:
                return cls._REGISTRY[python_type.__origin__]
        if _UnionTypeClass is not None and isinstance(python_type, _UnionTypeClass):
            return cls._REGISTRY[_UnionTypeClass]
        try:
            return cls._REGISTRY.get(python_type)
        except TypeError:
            return None

    @classmethod
    def get_transformer(cls, python_type: Any) -> TypeTransformer:
        """The transformer for `python_type`: registered for it or a base class, the dataclass
        transformer, or (with a warning) pickling."""
        found = cls._get_transformer(python_type)
        if found is not None:
            return found
        if hasattr(python_type, "__mro__"):
            for base in inspect.getmro(python_type):
                found = cls._get_transformer(base)
                if found is not None:
                    return found
        if dataclasses.is_dataclass(python_type):
            return cls._DATACLASS_TRANSFORMER
        display_pickle_warning(str(python_type))
        from ..types.pickle.pickle import FlytePickleTransformer

        return FlytePickleTransformer()

    @classmethod
    def lazy_import_transformers(cls) -> None:
        """Registers transformers for optional libraries once they are imported (pydantic, numpy,
        pandas, protobuf)."""
        if len(cls._lazy_done) == len(_LAZY):
            return
        with cls.lazy_import_lock:
            for module, register in _LAZY.items():
                if module not in cls._lazy_done and module in sys.modules:
                    cls._lazy_done.add(module)
                    try:
                        register()
                    except (ImportError, ValueError):
                        pass

    @classmethod
    def to_literal_type(cls, python_type: Any) -> LiteralType:
        transformer = cls.get_transformer(python_type)
        res = transformer.get_literal_type(python_type)
        data = None
        if is_annotated(python_type):
            for x in get_args(python_type)[1:]:
                if not isinstance(x, FlyteAnnotation):
                    continue
                if data is not None:
                    raise ValueError(f"More than one FlyteAnnotation used within {python_type} typehint. Flytekit "
                                     "requires a max of one.")
                data = x.data
        if data is not None:
            if CACHE_KEY_METADATA in data:
                raise AssertionError(f"FlyteAnnotation cannot contain `{CACHE_KEY_METADATA}`.")
            annotation = TypeAnnotationModel(annotations=data)
            if res.annotation:
                annotation = TypeAnnotationModel.merge_annotations(annotation, res.annotation)
            res = copy.deepcopy(res)
            res.annotation = annotation
        return res

    @classmethod
    def to_literal_checks(cls, python_val: Any, python_type: Any, expected: Optional[LiteralType]) -> None:
        if isinstance(python_val, tuple):
            raise AssertionError(
                f"Tuples are not a supported type for individual values in Flyte - got a tuple - {python_val}. If using "
                "named tuple in an inner task, please, de-reference the actual attribute that you want to use. For "
                "example, in NamedTuple('OP', x=int) then return v.x, instead of v, even if this has a single element"
            )
        if (python_val is None and python_type is not type(None) and expected is not None
                and expected.union_type is None and python_type is not Any):
            raise TypeTransformerFailedError(f"Python value cannot be None, expected {python_type}/{expected}")

    @classmethod
    def calculate_hash(cls, python_val: Any, python_type: Any) -> Optional[str]:
        """The value's hash from a `HashMethod` in its Annotated type (None without one)."""
        if is_annotated(python_type):
            for a in get_args(python_type)[1:]:
                if isinstance(a, HashMethod):
                    return a.calculate(python_val)
        return None

    @classmethod
    def to_literal(cls, ctx: Any, python_val: Any, python_type: Any, expected: Optional[LiteralType]) -> Literal:
        return loop_manager.synced(cls.async_to_literal)(ctx, python_val, python_type, expected)

    @classmethod
    async def async_to_literal(cls, ctx: Any, python_val: Any, python_type: Any,
                               expected: Optional[LiteralType]) -> Literal:
        cls.to_literal_checks(python_val, python_type, expected)
        transformer = cls.get_transformer(python_type)
        if transformer.type_assertions_enabled:
            transformer.assert_type(python_type, python_val)
        if isinstance(transformer, AsyncTypeTransformer):
            lv = await transformer.async_to_literal(ctx, python_val, python_type, expected)
        else:
            lv = transformer.to_literal(ctx, python_val, python_type, expected)
        lv.hash = cls.calculate_hash(python_val, python_type)
        return lv

    @classmethod
    def to_python_value(cls, ctx: Any, lv: Literal, expected_python_type: Any) -> Any:
        transformer = cls.get_transformer(expected_python_type)
        if isinstance(transformer, AsyncTypeTransformer):
            return loop_manager.synced(transformer.async_to_python_value)(ctx, lv, expected_python_type)
        return transformer.to_python_value(ctx, lv, expected_python_type)

    @classmethod
    async def async_to_python_value(cls, ctx: Any, lv: Literal, expected_python_type: Any) -> Any:
        transformer = cls.get_transformer(expected_python_type)
        if isinstance(transformer, AsyncTypeTransformer):
            return await transformer.async_to_python_value(ctx, lv, expected_python_type)
        return transformer.to_python_value(ctx, lv, expected_python_type)

    @classmethod
    async def unwrap_offloaded_literal(cls, ctx: Any, lv: Literal) -> Literal:
        if not lv.offloaded_metadata:
            return lv
        raise NotImplementedError("Offloaded literals live in a Flyte backend's blob store; the shim keeps none")

    @classmethod
    def to_html(cls, ctx: Any, python_val: Any, expected_python_type: Any) -> str:
        transformer = cls.get_transformer(expected_python_type)
        if is_annotated(expected_python_type):
            for arg in get_args(expected_python_type)[1:]:
                if hasattr(arg, "to_html"):
                    return arg.to_html(python_val)
        return transformer.to_html(ctx, python_val, expected_python_type)

    @classmethod
    def named_tuple_to_variable_map(cls, t: Any) -> _interface_models.VariableMap:
        variables = {}
        for idx, (name, tp) in enumerate(t.__annotations__.items()):
            variables[name] = _interface_models.Variable(type=cls.to_literal_type(tp), description=f"{idx}")
        return _interface_models.VariableMap(variables=variables)

    @classmethod
    def literal_map_to_kwargs(cls, ctx: Any, lm: LiteralMap, python_types: Optional[dict[str, Any]] = None,
                              literal_types: Optional[dict[str, _interface_models.Variable]] = None) -> dict[str, Any]:
        return loop_manager.synced(cls._literal_map_to_kwargs)(ctx, lm, python_types, literal_types)

    @classmethod
    async def _literal_map_to_kwargs(cls, ctx: Any, lm: LiteralMap, python_types: Optional[dict[str, Any]] = None,
                                     literal_types: Optional[dict[str, _interface_models.Variable]] = None) -> dict[str, Any]:
        if python_types is None and literal_types is None:
            raise ValueError("At least one of python_types or literal_types must be provided")
        types = ({k: cls.guess_python_type(v.type) for k, v in literal_types.items()} if literal_types
                 else dict(python_types or {}))
        if not types:
            return {}
        if len(lm.literals) > len(types):
            raise ValueError(f"Received more input values {len(lm.literals)} than allowed by the input spec {len(types)}")
        out = {}
        for k, lit in lm.literals.items():
            try:
                out[k] = await cls.async_to_python_value(ctx, lit, types[k])
            except Exception as e:
                raise TypeTransformerFailedError(
                    f"Error converting input '{k}':\nLiteral value: {lit!r}\nExpected Python type: {types[k]!r}\n"
                    f"Exception: {e}"
                ) from None
        return out

    @classmethod
    def dict_to_literal_map(cls, ctx: Any, d: dict[str, Any], type_hints: Optional[dict[str, Any]] = None) -> LiteralMap:
        return loop_manager.synced(cls._dict_to_literal_map)(ctx, d, type_hints)

    @classmethod
    async def _dict_to_literal_map(cls, ctx: Any, d: dict[str, Any], type_hints: Optional[dict[str, Any]] = None) -> LiteralMap:
        hints = type_hints or {}
        out = {}
        for k, v in d.items():
            tp = hints.get(k, type(v))
            try:
                out[k] = await cls.async_to_literal(ctx, v, tp, cls.to_literal_type(tp))
            except TypeError:
                raise user_exceptions.FlyteTypeException(type(v), tp, received_value=v) from None
        return LiteralMap(out)

    @classmethod
    def get_available_transformers(cls) -> typing.KeysView[Any]:
        return cls._REGISTRY.keys()

    @classmethod
    def guess_python_types(cls, flyte_variable_dict: dict[str, _interface_models.Variable]) -> dict[str, Any]:
        return {k: cls.guess_python_type(v.type) for k, v in flyte_variable_dict.items()}

    @classmethod
    def guess_python_type(cls, flyte_type: LiteralType) -> Any:
        """A Python type for a literal type (the first registered transformer that can reverse it)."""
        cls.lazy_import_transformers()
        for transformer in list(cls._REGISTRY.values()):
            try:
                return transformer.guess_python_type(flyte_type)
            except ValueError:
                continue
        try:
            return cls._DATACLASS_TRANSFORMER.guess_python_type(flyte_type)
        except ValueError:
            pass
        raise ValueError(f"No transformers could reverse Flyte literal type {flyte_type}")


@lru_cache
def display_pickle_warning(python_type: str) -> None:
    _LOG.warning(f"Unsupported Type {python_type} found, Flyte will default to use PickleFile as the transport. "
                 "Pickle can only be used to send objects between the exact same version of Python, and we strongly "
                 "recommend to use python type that flyte support.")


class ListTransformer(AsyncTypeTransformer[T]):
    """`List[T]`, as a collection of literals."""

    def __init__(self) -> None:
        super().__init__("Typed List", list)  # type: ignore[arg-type]

    @staticmethod
    def get_sub_type(t: Any) -> Any:
        sub = ListTransformer.get_sub_type_or_none(t)
        if sub is None:
            raise ValueError("Only generic univariate typing.List[T] type is supported.")
        return sub

    @staticmethod
    def get_sub_type_or_none(t: Any) -> Optional[Any]:
        if hasattr(t, "__origin__"):
            if is_annotated(t):
                return ListTransformer.get_sub_type(get_args(t)[0])
            if t.__origin__ is list and get_args(t):
                return get_args(t)[0]
        return None

    def get_literal_type(self, t: Any) -> LiteralType:
        try:
            return LiteralType(collection_type=TypeEngine.to_literal_type(self.get_sub_type(t)))
        except Exception as e:
            raise ValueError(f"Type of Generic List type is not supported, {e}") from None

    async def async_to_literal(self, ctx: Any, python_val: Any, python_type: Any, expected: Optional[LiteralType]) -> Literal:
        if type(python_val) is not list:
            raise TypeTransformerFailedError("Expected a list")
        t = self.get_sub_type(python_type)
        sub = expected.collection_type if expected is not None else None
        items = [await TypeEngine.async_to_literal(ctx, x, t, sub) for x in python_val]
        return Literal(collection=LiteralCollection(literals=items))

    async def async_to_python_value(self, ctx: Any, lv: Literal, expected_python_type: Any) -> Any:
        if lv is not None and lv.scalar is not None and lv.scalar.binary is not None:
            return self.from_binary_idl(lv.scalar.binary, expected_python_type)  # type: ignore[return-value]
        if lv is None or lv.collection is None:
            raise TypeTransformerFailedError(
                f"The expected python type is '{expected_python_type}' but the received Flyte literal value is not a "
                "collection (Flyte's representation of Python lists)."
            )
        st = self.get_sub_type(expected_python_type)
        return [await TypeEngine.async_to_python_value(ctx, x, st) for x in lv.collection.literals]

    def guess_python_type(self, literal_type: LiteralType) -> Any:
        if literal_type.collection_type:
            return List[TypeEngine.guess_python_type(literal_type.collection_type)]  # type: ignore[misc]
        raise ValueError(f"List transformer cannot reverse {literal_type}")


def _add_tag_to_type(x: LiteralType, tag: str) -> LiteralType:
    x.structure = TypeStructure(tag=tag)
    return x


def _type_essence(x: LiteralType) -> LiteralType:
    """`x` without its metadata, structure and annotation (a copy; `x` is left as it is)."""
    if x.metadata is not None or x.structure is not None or x.annotation is not None:
        x = copy.copy(x)
        x.metadata = None
        x.structure = None
        x.annotation = None
    return x


def _are_types_castable(upstream: Any, downstream: Any) -> bool:
    """Whether a value of literal type `upstream` may be bound where `downstream` is expected."""
    if upstream.union_type is not None:
        return all(_are_types_castable(v, downstream) for v in upstream.union_type.variants)
    if downstream.union_type is not None:
        if any(_are_types_castable(upstream, v) for v in downstream.union_type.variants):
            return True
    if upstream.collection_type is not None:
        return downstream.collection_type is not None and _are_types_castable(upstream.collection_type,
                                                                              downstream.collection_type)
    if upstream.map_value_type is not None:
        return downstream.map_value_type is not None and _are_types_castable(upstream.map_value_type,
                                                                             downstream.map_value_type)
    if upstream.structured_dataset_type is not None:
        if downstream.structured_dataset_type is None:
            return False
        u, d = upstream.structured_dataset_type, downstream.structured_dataset_type
        if (u.format, u.external_schema_type, u.external_schema_bytes) != (d.format, d.external_schema_type,
                                                                         d.external_schema_bytes):
            return False
        if len(u.columns) != len(d.columns):
            return False
        return all(a.name == b.name and _are_types_castable(a.literal_type, b.literal_type)
                   for a, b in zip(u.columns, d.columns))
    if upstream.enum_type is not None and downstream.simple == SimpleType.STRING:
        return True
    return _type_essence(upstream) == _type_essence(downstream)


def literal_types_match(downstream: LiteralType, upstream: LiteralType) -> bool:
    """Whether two literal types are the same, ignoring metadata and structure."""
    if downstream == upstream:
        return True
    if downstream.collection_type is not None:
        return upstream.collection_type is not None and literal_types_match(downstream.collection_type,
                                                                           upstream.collection_type)
    if downstream.map_value_type is not None:
        return upstream.map_value_type is not None and literal_types_match(downstream.map_value_type,
                                                                          upstream.map_value_type)
    return _type_essence(downstream) == _type_essence(upstream)


class UnionTransformer(AsyncTypeTransformer[T]):
    """`Union[...]`/`Optional[...]`: the value as the one variant that accepts it, tagged with it."""

    def __init__(self) -> None:
        super().__init__("Typed Union", typing.Union)  # type: ignore[arg-type]

    @staticmethod
    def is_optional_type(t: Any) -> bool:
        return _is_union_type(t) and type(None) in get_args(t)

    @staticmethod
    def get_sub_type_in_optional(t: Any) -> Any:
        return get_args(t)[0]

    def assert_type(self, t: Any, v: Any) -> None:
        python_type = get_underlying_type(t)
        if not _is_union_type(python_type):
            return
        for sub in get_args(python_type):
            if sub is Any:
                return
            try:
                trans = TypeEngine.get_transformer(sub)
                if trans.type_assertions_enabled:
                    trans.assert_type(sub, v)
                return
            except (TypeTransformerFailedError, TypeError):
                continue
        raise TypeTransformerFailedError(f"Value {v} is not of type {t}")

    def get_literal_type(self, t: Any) -> LiteralType:
        t = get_underlying_type(t)
        try:
            variants = [_add_tag_to_type(TypeEngine.to_literal_type(x), TypeEngine.get_transformer(x).name)
                        for x in get_args(t)]
        except Exception as e:
            raise ValueError(f"Type of Generic Union type is not supported, {e}") from None
        return LiteralType(union_type=UnionType(variants))

    async def async_to_literal(self, ctx: Any, python_val: Any, python_type: Any, expected: Optional[LiteralType]) -> Literal:
        python_type = get_underlying_type(python_type)
        matches = []
        for i, t in enumerate(get_args(python_type)):
            try:
                trans = TypeEngine.get_transformer(t)
                sub_expected = expected.union_type.variants[i] if expected is not None and expected.union_type else None
                if isinstance(trans, AsyncTypeTransformer):
                    res = await trans.async_to_literal(ctx, python_val, t, sub_expected)
                else:
                    res = trans.to_literal(ctx, python_val, t, sub_expected)
                matches.append((t, res, _add_tag_to_type(trans.get_literal_type(t), trans.name)))
            except Exception:
                continue
        if not matches:
            raise TypeTransformerFailedError(f"Cannot convert from {python_val} to {python_type}")
        if len(matches) > 1:
            exact = [m for m in matches if m[0] is str] if type(python_val) is str else []
            if len(exact) != 1:
                raise TypeError(
                    "Ambiguous choice of variant for union type.\n"
                    f"Potential types: {[m[0] for m in matches]}\n"
                    "These types are structurally the same, because it's attributes have the same names and "
                    "associated types."
                )
            matches = exact
        _, res, res_type = matches[0]
        return Literal(scalar=Scalar(union=_UnionLiteral(value=res, stored_type=res_type)))

    async def async_to_python_value(self, ctx: Any, lv: Literal, expected_python_type: Any) -> Any:
        expected_python_type = get_underlying_type(expected_python_type)
        tag = stored = None
        if lv.scalar is not None and lv.scalar.union is not None:
            stored = lv.scalar.union.stored_type
            if stored.structure is not None:
                tag = stored.structure.tag
        found, res, res_tag = False, None, None
        for v in get_args(expected_python_type):
            try:
                trans = TypeEngine.get_transformer(v)
                if tag is not None:
                    if trans.name != tag or not _are_types_castable(stored, TypeEngine.to_literal_type(v)):
                        continue
                    inner = lv if lv.scalar.binary else lv.scalar.union.value
                else:
                    inner = lv
                if isinstance(trans, AsyncTypeTransformer):
                    value = await trans.async_to_python_value(ctx, inner, v)
                else:
                    value = trans.to_python_value(ctx, inner, v)
                if found:
                    raise _Ambiguous(res_tag, trans.name)
                found, res, res_tag = True, value, trans.name
            except _Ambiguous as a:
                raise TypeError(f"Ambiguous choice of variant for union type. Both {a.args[0]} and {a.args[1]} "
                                "transformers match") from None
            except Exception:
                continue
        if found:
            return res
        raise TypeError(f"Cannot convert from {lv!r} to {expected_python_type} (using tag {tag})")

    def guess_python_type(self, literal_type: LiteralType) -> Any:
        if literal_type.union_type is not None:
            return Union[tuple(TypeEngine.guess_python_type(v) for v in literal_type.union_type.variants)]  # type: ignore[return-value]
        raise ValueError(f"Union transformer cannot reverse {literal_type}")


class _Ambiguous(Exception):
    pass


class DictTransformer(AsyncTypeTransformer[dict]):
    """`Dict[str, T]` as a map of literals; any other dict as msgpack bytes (or a JSON struct)."""

    def __init__(self) -> None:
        super().__init__("Typed Dict", dict)

    @staticmethod
    def extract_types(t: Any) -> tuple:
        if t is None:
            return None, None
        origin, args = get_origin(t), get_args(t)
        if origin is None:
            return None, None
        if origin is Annotated:
            if not args:
                return None, None
            for x in args[1:]:
                if isinstance(x, FlyteAnnotation):
                    raise ValueError(f"Flytekit does not currently have support for FlyteAnnotations applied to "
                                     f"dicts. {t} cannot be parsed.")
            return DictTransformer.extract_types(args[0])
        if origin is dict:
            return args
        raise ValueError(f"Trying to extract dictionary type information from a non-dict type {t}")

    @staticmethod
    def is_pickle(python_type: Any) -> bool:
        if get_origin(python_type) is Annotated:
            for meta in get_args(python_type)[1:]:
                if isinstance(meta, OrderedDict):
                    return bool(meta.get("allow_pickle", False))
        return False

    def get_literal_type(self, t: Any) -> LiteralType:
        tp = DictTransformer.extract_types(t)
        if tp and tp[0] is str:
            try:
                return LiteralType(map_value_type=TypeEngine.to_literal_type(tp[1]))
            except Exception as e:
                raise ValueError(f"Type of Generic List type is not supported, {e}") from None
        return LiteralType(simple=SimpleType.STRUCT, annotation=_struct_annotation())

    async def async_to_literal(self, ctx: Any, python_val: Any, python_type: Any, expected: Optional[LiteralType]) -> Literal:
        if type(python_val) is not dict:
            raise TypeTransformerFailedError("Expected a dict")
        if expected is None:
            expected = self.get_literal_type(python_type)
        if expected.simple == SimpleType.STRUCT:
            try:
                data = _adapter.to_plain(python_val, get_underlying_type(python_type))
                if _old_dc_format():
                    return Literal(scalar=Scalar(generic=_to_struct(data)), metadata={"format": "json"})
                return Literal(scalar=Scalar(binary=Binary(value=_adapter.pack(data), tag=MESSAGEPACK)))
            except TypeError as e:
                if self.is_pickle(python_type):
                    from ..types.pickle.pickle import FlytePickle

                    uri = await FlytePickle.to_pickle(ctx, python_val)
                    return Literal(scalar=Scalar(generic=_to_struct({"pickle_file": uri})), metadata={"format": "pickle"})
                raise TypeTransformerFailedError(f"Cannot convert `{python_val}` to Flyte Literal.\nError Message: {e}") from None
        _, v_type = self.extract_types(python_type)
        out = {}
        for k, v in python_val.items():
            if type(k) is not str:
                raise ValueError("Flyte MapType expects all keys to be strings")
            out[k] = await TypeEngine.async_to_literal(ctx, v, v_type, expected.map_value_type)
        return Literal(map=LiteralMap(literals=out))

    async def async_to_python_value(self, ctx: Any, lv: Literal, expected_python_type: Any) -> dict:
        if lv is not None and lv.scalar is not None and lv.scalar.binary is not None:
            return self.from_binary_idl(lv.scalar.binary, expected_python_type)  # type: ignore[return-value]
        if lv is not None and lv.map is not None and lv.map.literals is not None:
            tp = DictTransformer.extract_types(expected_python_type)
            if not tp or tp[0] is None:
                raise TypeError("TypeMismatch: Cannot convert to python dictionary from Flyte Literal Dictionary as the "
                                "given dictionary does not have sub-type hints or they do not match with the "
                                "originating dictionary source. Flytekit does not currently support implicit conversions")
            if tp[0] is not str:
                raise TypeError("TypeMismatch. Destination dictionary does not accept 'str' key")
            return {k: await TypeEngine.async_to_python_value(ctx, v, tp[1]) for k, v in lv.map.literals.items()}
        if lv is not None and lv.scalar is not None and lv.scalar.generic is not None:
            data = _from_struct(lv.scalar.generic)
            if lv.metadata and lv.metadata.get("format") == "pickle":
                from ..types.pickle.pickle import FlytePickle

                return await FlytePickle.from_pickle(data.get("pickle_file"))
            return _adapter.from_plain(data, get_underlying_type(expected_python_type))
        raise TypeTransformerFailedError(f"Cannot convert from {lv} to {expected_python_type}")

    def guess_python_type(self, literal_type: LiteralType) -> Any:
        if literal_type.map_value_type:
            return Dict[str, TypeEngine.guess_python_type(literal_type.map_value_type)]  # type: ignore[misc]
        if literal_type.simple == SimpleType.STRUCT and literal_type.metadata is None:
            return dict
        raise ValueError(f"Dictionary transformer cannot reverse {literal_type}")


class TextIOTransformer(TypeTransformer[typing.TextIO]):
    def __init__(self) -> None:
        super().__init__(name="TextIO", t=typing.cast(Any, typing.TextIO))

    def _blob_type(self) -> _core_types.BlobType:
        return _core_types.BlobType(format=mimetypes.types_map[".txt"],
                                    dimensionality=_core_types.BlobType.BlobDimensionality.SINGLE)

    def get_literal_type(self, t: Any) -> LiteralType:
        return LiteralType(blob=self._blob_type())

    def to_literal(self, ctx: Any, python_val: Any, python_type: Any, expected: Optional[LiteralType]) -> Literal:
        raise NotImplementedError("Implement handle for TextIO")

    def to_python_value(self, ctx: Any, lv: Literal, expected_python_type: Any) -> typing.TextIO:
        local = ctx.file_access.get_random_local_path()
        ctx.file_access.get_data(lv.scalar.blob.uri, local, is_multipart=False)
        return open(local)


class BinaryIOTransformer(TypeTransformer[typing.BinaryIO]):
    def __init__(self) -> None:
        super().__init__(name="BinaryIO", t=typing.cast(Any, typing.BinaryIO))

    def _blob_type(self) -> _core_types.BlobType:
        return _core_types.BlobType(format=mimetypes.types_map[".bin"],
                                    dimensionality=_core_types.BlobType.BlobDimensionality.SINGLE)

    def get_literal_type(self, t: Any) -> LiteralType:
        return LiteralType(blob=self._blob_type())

    def to_literal(self, ctx: Any, python_val: Any, python_type: Any, expected: Optional[LiteralType]) -> Literal:
        raise NotImplementedError("Implement handle for TextIO")

    def to_python_value(self, ctx: Any, lv: Literal, expected_python_type: Any) -> typing.BinaryIO:
        local = ctx.file_access.get_random_local_path()
        ctx.file_access.get_data(lv.scalar.blob.uri, local, is_multipart=False)
        return open(local, "rb")


def strict_type_hint_matching(input_val: Any, target_literal_type: LiteralType) -> type:
    """`type(input_val)` when its literal type is the target one (ValueError otherwise)."""
    native = type(input_val)
    inferred = TypeEngine.get_transformer(native).get_literal_type(native)
    if literal_types_match(inferred, target_literal_type):
        return native
    raise ValueError(f"Transformer for {native} returned literal type {inferred} which doesn't match "
                     f"{target_literal_type}")


# -- primitives --------------------------------------------------------------------------------------------


def _int_from(lv: Literal) -> int:
    p = lv.scalar.primitive
    if p.integer is not None:
        return p.integer
    if p.float_value is not None:  # a console's JSON number
        return int(p.float_value)
    raise TypeTransformerFailedError(f"Cannot convert literal {lv} to int")


def _float_from(lv: Literal) -> float:
    p = lv.scalar.primitive
    if p.float_value is not None:
        return p.float_value
    if p.integer is not None:
        return float(p.integer)
    raise TypeTransformerFailedError(f"Cannot convert literal {lv} to float")


def _none_from(lv: Literal) -> None:
    if lv.scalar.none_type is None:
        raise TypeTransformerFailedError(f"Cannot convert literal {lv} to None")
    return None


def _primitive_literal(**kw: Any) -> Literal:
    return Literal(scalar=Scalar(primitive=Primitive(**kw)))


IntTransformer: SimpleTransformer = SimpleTransformer(
    "int", int, LiteralType(simple=SimpleType.INTEGER), lambda x: _primitive_literal(integer=x), _int_from)
FloatTransformer: SimpleTransformer = SimpleTransformer(
    "float", float, LiteralType(simple=SimpleType.FLOAT), lambda x: _primitive_literal(float_value=x), _float_from)
BoolTransformer: SimpleTransformer = SimpleTransformer(
    "bool", bool, LiteralType(simple=SimpleType.BOOLEAN), lambda x: _primitive_literal(boolean=x),
    lambda lv: lv.scalar.primitive.boolean)
StrTransformer: SimpleTransformer = SimpleTransformer(
    "str", str, LiteralType(simple=SimpleType.STRING), lambda x: _primitive_literal(string_value=x),
    lambda lv: lv.scalar.primitive.string_value)
DatetimeTransformer: SimpleTransformer = SimpleTransformer(
    "datetime", datetime.datetime, LiteralType(simple=SimpleType.DATETIME), lambda x: _primitive_literal(datetime=x),
    lambda lv: lv.scalar.primitive.datetime)
TimedeltaTransformer: SimpleTransformer = SimpleTransformer(
    "timedelta", datetime.timedelta, LiteralType(simple=SimpleType.DURATION), lambda x: _primitive_literal(duration=x),
    lambda lv: lv.scalar.primitive.duration)
DateTransformer: SimpleTransformer = SimpleTransformer(
    "date", datetime.date, LiteralType(simple=SimpleType.DATETIME),
    lambda x: _primitive_literal(datetime=datetime.datetime.combine(x, datetime.time.min)),
    lambda lv: lv.scalar.primitive.datetime.date())
NoneTransformer: SimpleTransformer = SimpleTransformer(
    "none", type(None), LiteralType(simple=SimpleType.NONE), lambda x: Literal(scalar=Scalar(none_type=Void())),
    _none_from)


def _register_pydantic() -> None:
    TypeEngine.register(PydanticTransformer())
    TypeEngine._BUILTIN_TRANSFORMERS.add(id(TypeEngine._REGISTRY[sys.modules["pydantic"].BaseModel]))


def _register_protobuf() -> None:
    t = ProtobufTransformer()
    TypeEngine.register(t)
    TypeEngine._BUILTIN_TRANSFORMERS.add(id(t))


def _register_shim_types() -> None:
    """The transformers of the shim's own types (files, directories, datasets, pickles, iterators),
    registered on first use of the engine: their modules import this one."""
    from ..types import _register_transformers

    _register_transformers()


# Registered when the engine is first used and the named module has been imported (by anyone).
_LAZY: dict[str, typing.Callable[[], None]] = {
    __name__: _register_shim_types, "pydantic": _register_pydantic, "google.protobuf": _register_protobuf,
}


def _register_default_type_transformers() -> None:
    for t in (IntTransformer, FloatTransformer, StrTransformer, DatetimeTransformer, DateTransformer,
              TimedeltaTransformer, BoolTransformer):
        TypeEngine.register(t)
    TypeEngine.register(NoneTransformer, [None])
    TypeEngine.register(ListTransformer())
    TypeEngine.register(UnionTransformer(), [_UnionTypeClass] if _UnionTypeClass is not None else None)
    TypeEngine.register(DictTransformer())
    TypeEngine.register(TextIOTransformer())
    TypeEngine.register(BinaryIOTransformer())
    TypeEngine.register(EnumTransformer())
    TypeEngine.register_restricted_type("non typed tuple", tuple)
    TypeEngine.register_restricted_type("non typed tuple", typing.Tuple)
    TypeEngine.register_restricted_type("named tuple", NamedTuple)
    TypeEngine._BUILTIN_TRANSFORMERS.update(id(t) for t in TypeEngine._REGISTRY.values())
    TypeEngine._BUILTIN_TRANSFORMERS.update(id(t) for t in (TypeEngine._DATACLASS_TRANSFORMER, TypeEngine._ENUM_TRANSFORMER,
                                                           TypeEngine._LITERAL_TYPE_TRANSFORMER))


_register_default_type_transformers()


class LiteralsResolver(collections.UserDict):
    """A map of literals read as Python values on demand, with the types given, hinted or guessed."""

    def __init__(self, literals: dict[str, Literal], variable_map: Optional[dict[str, _interface_models.Variable]] = None,
                 ctx: Any = None):
        if literals is None:
            raise ValueError("Cannot instantiate LiteralsResolver without a map of Literals.")
        super().__init__(literals)
        self._literals = literals
        self._variable_map = variable_map
        self._native_values: dict[str, Any] = {}
        self._type_hints: dict[str, Any] = {}
        self._ctx = ctx

    def __str__(self) -> str:
        if self._literals and len(self._literals) == len(self._native_values):
            return str(self._native_values)
        return str(self._literals) if self._literals else "{}"

    __repr__ = __str__

    @property
    def native_values(self) -> dict[str, Any]:
        return self._native_values

    @property
    def variable_map(self) -> Optional[dict[str, _interface_models.Variable]]:
        return self._variable_map

    @property
    def literals(self) -> dict[str, Literal]:
        return self._literals

    def update_type_hints(self, type_hints: dict[str, Any]) -> None:
        self._type_hints.update(type_hints)

    def get_literal(self, key: str) -> Literal:
        if key not in self._literals:
            raise ValueError(f"Key {key} is not in the literal map")
        return self._literals[key]

    def as_python_native(self, python_interface: Any) -> Any:
        if not self._literals:
            return None
        if self._variable_map is None:
            raise AssertionError(f"Variable map is empty in literals resolver with {self._literals}")
        for key in self._literals:
            self.get(key, as_type=python_interface.outputs.get(key))
        if len(self._native_values) == 1:
            return next(iter(self._native_values.values()))
        out: tuple = ()
        for name in python_interface.outputs:
            if name not in self._native_values:
                raise ValueError(f"Key {name} is not in the native values")
            out += (self._native_values[name],)
        return out

    def __getitem__(self, key: str) -> Any:
        if key not in self._literals:
            raise ValueError(f"Key {key} is not in the literal map")
        if key in self._native_values:
            return self._native_values[key]
        return self.get(key)

    def get(self, attr: str, as_type: Optional[Any] = None) -> Any:  # type: ignore[override]
        if attr not in self._literals:
            raise AttributeError(f"Attribute {attr} not found")
        if attr in self._native_values:
            return self._native_values[attr]
        if as_type is None:
            if attr in self._type_hints:
                as_type = self._type_hints[attr]
            elif self._variable_map and attr in self._variable_map:
                as_type = TypeEngine.guess_python_type(self._variable_map[attr].type)
            else:
                raise ValueError("as_type argument not supplied and Variable map not specified in LiteralsResolver")
        from .context_manager import FlyteContext

        value = TypeEngine.to_python_value(self._ctx or FlyteContext.current_context(), self._literals[attr], as_type)
        self._native_values[attr] = value
        return value


def literal_map_string_repr(lm: Any) -> dict[str, Any]:
    literals = lm.literals if isinstance(lm, LiteralMap) else lm
    return {k: v for k, v in (literals or {}).items()}


__all__ = [
    "AsyncTypeTransformer", "BatchSize", "BinaryIOTransformer", "BoolTransformer", "DataclassTransformer",
    "DateTransformer", "DatetimeTransformer", "DictTransformer", "EnumTransformer", "FloatTransformer",
    "IntTransformer", "ListTransformer", "LiteralTypeTransformer", "LiteralsResolver", "NoneTransformer",
    "ProtobufTransformer", "PydanticTransformer", "RestrictedTypeError", "RestrictedTypeTransformer",
    "SimpleTransformer", "StrTransformer", "TextIOTransformer", "TimedeltaTransformer", "TypeEngine",
    "TypeTransformer", "TypeTransformerFailedError", "UnionTransformer", "convert_marshmallow_json_schema_to_python_class",
    "convert_mashumaro_json_schema_to_python_class", "dataclass_from_dict", "get_batch_size", "get_underlying_type",
    "is_annotated", "literal_map_string_repr", "literal_types_match", "str2bool", "strict_type_hint_matching",
    # flytekit's module has no __all__, so `import *` from it also gives the names it imports
    "Annotated", "Any", "Binary", "CACHE_KEY_METADATA", "DEFINITIONS", "Dict", "FLYTE_USE_OLD_DC_FORMAT",
    "FlyteAnnotation", "HashMethod", "List", "Literal", "LiteralCollection", "LiteralMap", "LiteralType", "MESSAGEPACK",
    "NamedTuple", "Optional", "OrderedDict", "Primitive", "SERIALIZATION_FORMAT", "Scalar", "SimpleType", "TITLE",
    "Type", "TypeAnnotationModel", "TypeStructure", "Union", "UnionType", "Void", "abstractmethod", "asyncio",
    "cast", "collections", "copy", "dataclasses", "datetime", "enum", "get_args", "get_origin", "inspect", "json",
    "logger", "loop_manager", "mimetypes", "msgpack", "os", "sys", "textwrap", "threading", "typing", "user_exceptions",
]
