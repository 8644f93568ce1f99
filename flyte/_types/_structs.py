"""Transformers for structured values: enums, dataclasses, pydantic models, protobuf messages,
typed tuples, NamedTuples and TypedDicts.

Dataclasses, models, tuples and typed dicts travel as msgpack maps in a binary literal (the SDK's
wire form), typed as a STRUCT whose metadata is the JSON schema of the type; protobuf messages as a
generic Struct; enums as the member name.
"""

from __future__ import annotations

import dataclasses
import enum
import json
import typing
from typing import Any, Optional, Type

from flyteidl2.core import literals_pb2, types_pb2

from . import _msgpack
from ._engine import (
    MESSAGEPACK,
    TITLE,
    Literal,
    LiteralType,
    TypeTransformer,
    TypeTransformerFailedError,
    binary_literal,
    dataclass_class,
    get_underlying_type,
    logger,
    struct_annotation,
)
from ._schema import json_schema, make_dataclass, make_model, type_from_schema

T = typing.TypeVar("T")

# The class name the runtime gives the Enum it builds for a `typing.Literal[...]` of strings.
LITERAL_ENUM = "LiteralEnum"


def _struct_type(schema: Optional[dict], tag: str) -> LiteralType:
    lt = LiteralType(simple=types_pb2.STRUCT, annotation=struct_annotation())
    if schema is not None:
        lt.metadata.update(schema)
    lt.structure.tag = tag
    return lt


def _metadata(lt: LiteralType) -> dict:
    from google.protobuf.json_format import MessageToDict

    return MessageToDict(lt.metadata) if lt.HasField("metadata") else {}


def _generic_to_dict(lv: Literal) -> Any:
    from google.protobuf.json_format import MessageToDict

    return MessageToDict(lv.scalar.generic)


# -- enums ------------------------------------------------------------------------------------------


def _check_transportable(t: Any) -> None:
    """A member crosses by name, so it must be addressable by name again."""
    if not isinstance(t, type):
        raise TypeTransformerFailedError(f"{t} is not an enum type")
    if issubclass(t, enum.Flag):
        raise TypeTransformerFailedError(
            f"{t.__name__} is a Flag enum. A composite member such as 'READ|WRITE' cannot be looked up "
            f"by name, so Flag and IntFlag cannot cross a task boundary. Use an IntEnum, or pass the "
            f"combined value as an int.")
    if not issubclass(t, enum.IntEnum):
        raise TypeTransformerFailedError(
            f"Only string-valued enums and IntEnum are supported, got {t.__name__} with non-string values.")


class EnumTransformer(TypeTransformer[enum.Enum]):
    """An enum as its member names; a member crosses as its name."""

    def __init__(self) -> None:
        super().__init__(name="DefaultEnumTransformer", t=enum.Enum)

    def get_literal_type(self, t: Any) -> LiteralType:
        t = get_underlying_type(t)
        members = list(t)
        if not members:
            raise TypeTransformerFailedError(f"{getattr(t, '__name__', t)} has no members, so there is nothing "
                                             "to put on the wire.")
        if not isinstance(members[0].value, str):
            _check_transportable(t)
        if getattr(t, "__name__", "") == LITERAL_ENUM:
            return LiteralType(enum_type=types_pb2.EnumType(values=[m.value for m in members]))
        return LiteralType(enum_type=types_pb2.EnumType(values=[m.name for m in members]))

    def assert_type(self, t: Any, v: Any) -> None:
        t = get_underlying_type(t)
        if isinstance(v, enum.Enum):
            if not isinstance(v, t):
                raise TypeTransformerFailedError(f"Value {v} is not in Enum {t}")
            return
        if v not in [m.name for m in t] and v not in [m.value for m in t]:
            raise TypeTransformerFailedError(f"Value {v} is not in Enum {t}")

    async def to_literal(self, python_val: Any, python_type: Any, expected: LiteralType) -> Literal:
        if expected is None or not expected.HasField("enum_type"):
            expected = self.get_literal_type(python_type)
        allowed = list(expected.enum_type.values)
        if isinstance(python_val, enum.Enum):
            if not isinstance(python_val.value, str):
                _check_transportable(type(python_val))
            name = python_val.value if getattr(type(python_val), "__name__", "") == LITERAL_ENUM else python_val.name
            return Literal(scalar=literals_pb2.Scalar(primitive=literals_pb2.Primitive(string_value=name)))
        if isinstance(python_val, str):
            if python_val not in allowed:
                # a value given where a name is expected (e.g. from a CLI or JSON) is accepted
                members = [m for m in get_underlying_type(python_type) if m.value == python_val] \
                    if isinstance(get_underlying_type(python_type), type) else []
                if not members:
                    raise TypeTransformerFailedError(f"Value {python_val} is not valid value, expected - {allowed}")
                python_val = members[0].name
            return Literal(scalar=literals_pb2.Scalar(primitive=literals_pb2.Primitive(string_value=python_val)))
        raise TypeTransformerFailedError("Expected an enum")

    async def to_python_value(self, lv: Literal, expected_python_type: Any) -> Any:
        t = get_underlying_type(expected_python_type)
        if lv.HasField("scalar") and lv.scalar.HasField("binary"):
            return self.from_binary_idl(lv.scalar.binary, t)
        name = lv.scalar.primitive.string_value
        if getattr(t, "__name__", "") == LITERAL_ENUM:
            return name
        try:
            return t[name]
        except KeyError:
            for m in t:  # written by something that sent the value
                if m.value == name:
                    return m
            raise KeyError(name)

    def guess_python_type(self, literal_type: LiteralType) -> Any:
        if literal_type.HasField("enum_type"):
            return enum.Enum("DynamicEnum", {v: v for v in literal_type.enum_type.values})  # type: ignore[misc]
        raise ValueError(f"Enum transformer cannot reverse {literal_type}")


# -- dataclasses and pydantic models ---------------------------------------------------------------


async def invoke_lazy_uploaders(value: Any) -> None:
    """Give flyte.io values nested in a struct the chance to upload before the struct is encoded."""
    return None


class DataclassTransformer(TypeTransformer[object]):
    """A dataclass as a msgpack map of its fields; a plain dict is accepted and checked."""

    def __init__(self) -> None:
        super().__init__("Object-Dataclass-Transformer", object)

    def assert_type(self, t: Any, v: Any) -> None:
        if isinstance(v, dict):
            return
        cls = dataclass_class(get_underlying_type(t))
        if not dataclasses.is_dataclass(v):
            raise TypeTransformerFailedError(f"{type(v)} is not of type @dataclass, only Dataclasses are supported "
                                             "for user defined datatypes in Flyte")
        if isinstance(cls, type) and not isinstance(v, cls) and type(v).__name__ != cls.__name__:
            raise TypeTransformerFailedError(f"Type of Val '{v}' is not an instance of {cls}")

    def get_literal_type(self, t: Any) -> LiteralType:
        t = get_underlying_type(t)
        try:
            schema: Optional[dict] = dataclass_schema(t)
        except Exception as e:
            logger.error(f"Failed to extract schema for object {t}, error: {e}")
            schema = None
        # a schema holding a value JSON cannot (a pydantic dataclass's `Field(...)` default, which
        # mashumaro writes as the default as it is) fails here, as in the SDK
        return _struct_type(schema, self.name)

    async def to_literal(self, python_val: Any, python_type: Any, expected: LiteralType) -> Literal:
        t = get_underlying_type(python_type)
        if isinstance(python_val, dict):
            try:
                python_val = _msgpack.adapter(t).validate_python(python_val)
            except Exception as e:
                raise TypeTransformerFailedError(f"Failed to coerce dict into {python_type}: {e}") from e
        if not dataclasses.is_dataclass(python_val):
            raise TypeTransformerFailedError(f"{type(python_val)} is not of type @dataclass, only Dataclasses are "
                                             "supported for user defined datatypes in Flyte")
        try:
            return binary_literal(_msgpack.encode_as(python_val, t))
        except Exception as e:
            raise TypeTransformerFailedError(f"Cannot encode {python_val!r:.200} as {t}: {e}") from e

    def from_binary_idl(self, binary_idl_object: literals_pb2.Binary, expected_python_type: Any) -> Any:
        if binary_idl_object.tag != MESSAGEPACK:
            raise TypeTransformerFailedError(f"Unsupported binary format: `{binary_idl_object.tag}`")
        return _msgpack.decode_as(binary_idl_object.value, expected_python_type)

    async def to_python_value(self, lv: Literal, expected_python_type: Any) -> Any:
        t = get_underlying_type(expected_python_type)
        if not dataclasses.is_dataclass(dataclass_class(t)):
            raise TypeTransformerFailedError(f"{expected_python_type} is not of type @dataclass, only Dataclasses "
                                             "are supported for user defined datatypes in Flyte")
        if lv.HasField("scalar") and lv.scalar.HasField("binary"):
            return self.from_binary_idl(lv.scalar.binary, t)
        if lv.HasField("scalar") and lv.scalar.HasField("generic"):
            return _msgpack.adapter(t).validate_python(_generic_to_dict(lv))
        raise TypeTransformerFailedError(f"Cannot convert {lv} to {t}")

    def guess_python_type(self, literal_type: LiteralType) -> Any:
        if literal_type.simple == types_pb2.STRUCT and literal_type.HasField("metadata"):
            if literal_type.HasField("structure") and literal_type.structure.tag not in ("", self.name):
                raise ValueError(f"Dataclass transformer cannot reverse {literal_type}")
            schema = _metadata(literal_type)
            if TITLE in schema:
                return _guessed(schema, make_dataclass)
        raise ValueError(f"Dataclass transformer cannot reverse {literal_type}")


_guess_cache: dict[tuple[str, str], Any] = {}


def _guessed(schema: dict, factory: Any) -> Any:
    """The same class for the same schema, so two guesses of one type compare equal."""
    key = (json.dumps(schema, sort_keys=True, default=str), factory.__name__)
    found = _guess_cache.get(key)
    if found is None:
        found = _guess_cache[key] = type_from_schema(schema, factory)
    return found


def _optional_inner(tp: Any) -> Any:
    from ._engine import is_union_type

    if is_union_type(tp):
        rest = [a for a in typing.get_args(tp) if a is not type(None)]
        if len(rest) == 1:
            return rest[0]
    return tp


def enum_names(value: Any, tp: Any, to_names: bool) -> Any:
    """Enum members in a model's plain data as their names (`to_names`), or names (and values)
    back to members, guided by the declared type: the SDK puts enum *names* on the wire for
    pydantic models."""
    if value is None:
        return None
    tp = _optional_inner(get_underlying_type(tp))
    if isinstance(tp, type) and issubclass(tp, enum.Enum):
        if to_names:
            if isinstance(value, enum.Enum):
                return value.name
            try:
                return tp(value).name
            except (ValueError, KeyError):
                return value
        if isinstance(value, str) and value in tp.__members__:
            return tp[value]
        return value
    fields = getattr(tp, "model_fields", None)
    if isinstance(tp, type) and fields is not None and isinstance(value, dict):
        try:
            hints = typing.get_type_hints(tp, include_extras=True)
        except Exception:
            hints = {}
        return {k: enum_names(v, hints[k], to_names) if k in hints else v for k, v in value.items()}
    origin, args = typing.get_origin(tp), typing.get_args(tp)
    if origin is list and args and isinstance(value, list):
        return [enum_names(v, args[0], to_names) for v in value]
    if origin is dict and len(args) == 2 and isinstance(value, dict):
        return {enum_names(k, args[0], to_names): enum_names(v, args[1], to_names) for k, v in value.items()}
    return value


_NAMES_GENERATOR: Any = None


def _names_schema_generator() -> Any:
    """A pydantic schema generator that lists enum members by name, as they travel."""
    global _NAMES_GENERATOR
    if _NAMES_GENERATOR is None:
        from pydantic.json_schema import GenerateJsonSchema

        class EnumNamesSchema(GenerateJsonSchema):
            def enum_schema(self, schema: Any) -> Any:
                out = super().enum_schema(schema)
                out["enum"] = [m.name for m in schema["cls"]]
                out["type"] = "string"
                out.pop("const", None)
                return out

        _NAMES_GENERATOR = EnumNamesSchema
    return _NAMES_GENERATOR


_SCHEMA_PLUGIN: Any = None


def dataclass_schema(t: Any) -> dict:
    """The JSON schema of dataclass `t` as the SDK writes it: mashumaro's (no field titles, nested
    dataclasses written out in place and closed with `additionalProperties: false`, pydantic
    constraints in `Annotated` not shown), with each pydantic model, and each flyte.io value,
    described by its own `model_json_schema`. A dataclass mashumaro cannot describe (a field of a
    type it does not know) gets pydantic's schema instead, where the SDK would have none."""
    from mashumaro.exceptions import UnserializableField
    from mashumaro.jsonschema import build_json_schema

    try:
        return build_json_schema(t, plugins=[_schema_plugin()]).to_dict()
    except (UnserializableField, NotImplementedError):
        return json_schema(t)


def _schema_plugin() -> Any:
    global _SCHEMA_PLUGIN
    if _SCHEMA_PLUGIN is None:
        from mashumaro.jsonschema.models import JSONSchema
        from mashumaro.jsonschema.plugins import BasePlugin

        class ModelSchemas(BasePlugin):
            def get_schema(self, instance: Any, ctx: Any, schema: Any = None) -> Any:
                from pydantic import BaseModel

                from ..io import IOValue

                tp = instance.type
                if isinstance(tp, type) and issubclass(tp, BaseModel):
                    return JSONSchema.from_dict(tp.model_json_schema(schema_generator=_names_schema_generator()))
                if isinstance(tp, type) and issubclass(tp, IOValue):
                    return JSONSchema.from_dict(tp.model_json_schema())
                return None

        _SCHEMA_PLUGIN = ModelSchemas()
    return _SCHEMA_PLUGIN


class PydanticTransformer(TypeTransformer[Any]):
    """A pydantic model as a msgpack map of its fields; a plain dict is validated into the model."""

    def __init__(self) -> None:
        from pydantic import BaseModel

        super().__init__("Pydantic Transformer", BaseModel, enable_type_assertions=False)

    def get_literal_type(self, t: Any) -> LiteralType:
        return _struct_type(get_underlying_type(t).model_json_schema(schema_generator=_names_schema_generator()),
                            self.name)

    async def to_literal(self, python_val: Any, python_type: Any, expected: LiteralType) -> Literal:
        t = get_underlying_type(python_type)
        if isinstance(python_val, dict):
            try:
                python_val = t.model_validate(python_val, strict=False)
            except Exception as e:
                raise TypeTransformerFailedError(f"Failed to coerce dict into {python_type}: {e}") from e
        if not isinstance(python_val, t):
            raise TypeTransformerFailedError(f"Expected value of type {t} but got '{python_val}' of type "
                                             f"{type(python_val)}")
        try:
            data = enum_names(python_val.model_dump(mode="python", warnings=False), type(python_val), True)
            return binary_literal(_msgpack.encode_plain(data))
        except Exception as e:
            raise TypeTransformerFailedError(f"Cannot encode {python_val!r:.200}: {e}") from e

    def from_binary_idl(self, binary_idl_object: literals_pb2.Binary, expected_python_type: Any) -> Any:
        if binary_idl_object.tag != MESSAGEPACK:
            raise TypeTransformerFailedError(f"Unsupported binary format: `{binary_idl_object.tag}`")
        data = enum_names(_msgpack.decode(binary_idl_object.value), expected_python_type, False)
        return expected_python_type.model_validate(data, strict=False)

    async def to_python_value(self, lv: Literal, expected_python_type: Any) -> Any:
        t = get_underlying_type(expected_python_type)
        if lv.HasField("scalar") and lv.scalar.HasField("binary"):
            return self.from_binary_idl(lv.scalar.binary, t)
        if lv.HasField("scalar") and lv.scalar.HasField("generic"):
            return t.model_validate(enum_names(_generic_to_dict(lv), t, False), strict=False)
        raise TypeTransformerFailedError(f"Cannot convert {lv} to {t}")

    def guess_python_type(self, literal_type: LiteralType) -> Any:
        if literal_type.simple == types_pb2.STRUCT and literal_type.HasField("metadata") and \
                literal_type.HasField("structure") and literal_type.structure.tag == self.name:
            schema = _metadata(literal_type)
            if TITLE in schema:
                return _guessed(schema, make_model)
        raise ValueError(f"PydanticTransformer cannot reverse {literal_type}")


# -- protobuf messages -------------------------------------------------------------------------------


class ProtobufTransformer(TypeTransformer[Any]):
    """A protobuf message as a generic Struct (its JSON mapping)."""

    PB_FIELD_KEY = "pb_type"

    def __init__(self) -> None:
        from google.protobuf.message import Message

        super().__init__("Protobuf-Transformer", Message)

    @staticmethod
    def tag(expected_python_type: Any) -> str:
        return f"{expected_python_type.__module__}.{expected_python_type.__name__}"

    def get_literal_type(self, t: Any) -> LiteralType:
        lt = LiteralType(simple=types_pb2.STRUCT)
        lt.metadata.update({self.PB_FIELD_KEY: self.tag(t)})
        return lt

    async def to_literal(self, python_val: Any, python_type: Any, expected: LiteralType) -> Literal:
        from google.protobuf.json_format import MessageToDict
        from google.protobuf.struct_pb2 import ListValue, Struct

        from ._engine import TypeEngine

        try:
            if type(python_val) is ListValue:
                items = [await TypeEngine.to_literal(v, type(v), TypeEngine.to_literal_type(type(v))) for v in python_val]
                return Literal(collection=literals_pb2.LiteralCollection(literals=items))
            struct = Struct()
            struct.update(MessageToDict(python_val))
            return Literal(scalar=literals_pb2.Scalar(generic=struct))
        except Exception as e:
            raise TypeTransformerFailedError(f"Failed to convert to generic protobuf struct: {e}")

    async def to_python_value(self, lv: Literal, expected_python_type: Any) -> Any:
        from google.protobuf.json_format import ParseDict

        if not (lv.HasField("scalar") and lv.scalar.HasField("generic")):
            raise TypeTransformerFailedError("Can only convert a generic literal to a Protobuf")
        return ParseDict(_generic_to_dict(lv), expected_python_type())


# -- typed tuples, NamedTuples and TypedDicts ---------------------------------------------------------


class _ItemsTransformer(TypeTransformer[T]):
    """Shared by typed tuples and NamedTuples: the items travel as a msgpack map keyed by field
    name (`item_0`, ... for plain tuples), described by an object schema titled `<prefix><name>`."""

    prefix = ""

    def fields(self, t: Any) -> list[tuple[str, Any]]:
        raise NotImplementedError

    def build(self, t: Any, values: list[Any]) -> Any:
        raise NotImplementedError

    def title(self, t: Any) -> str:
        return f"{self.prefix}{getattr(t, '__name__', None) or 'tuple'}"

    def get_literal_type(self, t: Any) -> LiteralType:
        t = get_underlying_type(t)
        from ._schema import object_schema

        return _struct_type(object_schema(self.title(t), [(n, tp, True) for n, tp in self.fields(t)]), self.name)

    def assert_type(self, t: Any, v: Any) -> None:
        if not isinstance(v, (tuple, list)):
            raise TypeTransformerFailedError(f"Expected a tuple for {t}, got {type(v)}")

    async def to_literal(self, python_val: Any, python_type: Any, expected: LiteralType) -> Literal:
        t = get_underlying_type(python_type)
        fields = self.fields(t)
        if isinstance(python_val, dict):
            items = [python_val.get(n) for n, _ in fields]
        elif isinstance(python_val, (tuple, list)):
            items = list(python_val)
        else:
            raise TypeTransformerFailedError(f"Expected a tuple for {t}, got {type(python_val)}")
        if len(items) != len(fields):
            raise TypeTransformerFailedError(f"Expected {len(fields)} items for {t}, got {len(items)}")
        try:
            data = {n: _msgpack.to_plain(_msgpack.from_plain(_msgpack.to_plain(v, tp), tp), tp)
                    for (n, tp), v in zip(fields, items)}
            return binary_literal(_msgpack.encode_plain(data))
        except Exception as e:
            raise TypeTransformerFailedError(f"Cannot convert {python_val!r:.200} to {t}: {e}") from e

    async def to_python_value(self, lv: Literal, expected_python_type: Any) -> Any:
        t = get_underlying_type(expected_python_type)
        if lv.HasField("scalar") and lv.scalar.HasField("binary"):
            data = _msgpack.decode(lv.scalar.binary.value)
        elif lv.HasField("scalar") and lv.scalar.HasField("generic"):
            data = _generic_to_dict(lv)
        else:
            raise TypeTransformerFailedError(f"Cannot convert {lv} to {t}")
        fields = self.fields(t)
        if isinstance(data, list):
            data = dict(zip([n for n, _ in fields], data))
        return self.build(t, [_msgpack.from_plain(data.get(n), tp) for n, tp in fields])

    def guess_python_type(self, literal_type: LiteralType) -> Any:
        schema = _metadata(literal_type)
        title = str(schema.get(TITLE, ""))
        if literal_type.simple == types_pb2.STRUCT and title.startswith(self.prefix):
            model = _guessed(schema, make_model)
            return self.rebuild(title[len(self.prefix):], [(f, i.annotation) for f, i in model.model_fields.items()])
        raise ValueError(f"{self.name} cannot reverse {literal_type}")

    def rebuild(self, name: str, fields: list[tuple[str, Any]]) -> Any:
        raise NotImplementedError


class TupleTransformer(_ItemsTransformer[tuple]):
    """`tuple[A, B, ...]` (fixed length) or `tuple[A, ...]` (one `items` list)."""

    prefix = "TupleWrapper_"

    def __init__(self) -> None:
        super().__init__("Typed Tuple", tuple)

    def title(self, t: Any) -> str:
        return f"{self.prefix}tuple"

    def fields(self, t: Any) -> list[tuple[str, Any]]:
        args = typing.get_args(t)
        if len(args) == 2 and args[1] is Ellipsis:
            return [("items", typing.List[args[0]])]  # type: ignore[valid-type]
        return [(f"item_{i}", a) for i, a in enumerate(args)]

    async def to_literal(self, python_val: Any, python_type: Any, expected: LiteralType) -> Literal:
        args = typing.get_args(get_underlying_type(python_type))
        if len(args) == 2 and args[1] is Ellipsis and isinstance(python_val, (tuple, list)):
            python_val = (list(python_val),)
        return await super().to_literal(python_val, python_type, expected)

    def build(self, t: Any, values: list[Any]) -> Any:
        args = typing.get_args(t)
        if len(args) == 2 and args[1] is Ellipsis:
            return tuple(values[0])
        return tuple(values)

    def rebuild(self, name: str, fields: list[tuple[str, Any]]) -> Any:
        if [n for n, _ in fields] == ["items"]:
            return tuple[typing.get_args(fields[0][1])[0], ...]  # type: ignore[misc]
        order = sorted(fields, key=lambda f: int(f[0].split("_")[1]))
        return tuple[tuple(tp for _, tp in order)]  # type: ignore[misc]


class NamedTupleTransformer(_ItemsTransformer[tuple]):
    prefix = "NamedTupleWrapper_"

    def __init__(self) -> None:
        super().__init__("NamedTuple", tuple)

    def fields(self, t: Any) -> list[tuple[str, Any]]:
        hints = typing.get_type_hints(t)
        return [(name, hints.get(name, Any)) for name in t._fields]

    def build(self, t: Any, values: list[Any]) -> Any:
        return t(*values)

    def rebuild(self, name: str, fields: list[tuple[str, Any]]) -> Any:
        return typing.NamedTuple(name, fields)  # type: ignore[misc]


class TypedDictTransformer(TypeTransformer[dict]):
    """A TypedDict as a msgpack map (keys as declared; NotRequired keys may be absent)."""

    prefix = "TypedDictWrapper_"

    def __init__(self) -> None:
        super().__init__("TypedDict", dict)

    def get_literal_type(self, t: Any) -> LiteralType:
        t = get_underlying_type(t)
        schema = dict(json_schema(t))
        schema[TITLE] = f"{self.prefix}{t.__name__}"
        return _struct_type(schema, self.name)

    def assert_type(self, t: Any, v: Any) -> None:
        if not isinstance(v, dict):
            raise TypeTransformerFailedError(f"Expected a dict for {t}, got {type(v)}")

    async def to_literal(self, python_val: Any, python_type: Any, expected: LiteralType) -> Literal:
        t = get_underlying_type(python_type)
        try:
            checked = _msgpack.from_plain(_msgpack.to_plain(python_val, t), t)
            return binary_literal(_msgpack.encode_as(checked, t))
        except Exception as e:
            raise TypeTransformerFailedError(f"Cannot convert {python_val!r:.200} to {t.__name__}: {e}") from e

    async def to_python_value(self, lv: Literal, expected_python_type: Any) -> Any:
        t = get_underlying_type(expected_python_type)
        if lv.HasField("scalar") and lv.scalar.HasField("binary"):
            return _msgpack.decode_as(lv.scalar.binary.value, t)
        if lv.HasField("scalar") and lv.scalar.HasField("generic"):
            return _msgpack.from_plain(_generic_to_dict(lv), t)
        raise TypeTransformerFailedError(f"Cannot convert {lv} to {t}")

    def guess_python_type(self, literal_type: LiteralType) -> Any:
        schema = _metadata(literal_type)
        title = str(schema.get(TITLE, ""))
        if literal_type.simple == types_pb2.STRUCT and title.startswith(self.prefix):
            import typing_extensions as te

            model = _guessed({**schema, TITLE: title[len(self.prefix):]}, make_model)
            required = set(schema.get("required", []))
            fields = {f: (info.annotation if f in required else te.NotRequired[info.annotation])
                      for f, info in model.model_fields.items()}
            return te.TypedDict(title[len(self.prefix):], fields)  # type: ignore[operator]
        raise ValueError(f"TypedDict transformer cannot reverse {literal_type}")


def is_pydantic_model(t: Any) -> bool:
    try:
        from pydantic import BaseModel
    except ImportError:
        return False
    return isinstance(t, type) and issubclass(t, BaseModel)


__all__ = ["DataclassTransformer", "EnumTransformer", "NamedTupleTransformer", "ProtobufTransformer",
           "PydanticTransformer", "TupleTransformer", "TypedDictTransformer", "Type"]
