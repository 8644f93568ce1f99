"""The one place where the shim's type engine meets Flyte 2's type system.

flytekit's type engine turns structured values (dataclasses, pydantic models, untyped dicts) into
msgpack bytes in a `Binary` literal, describes them with a JSON schema in the literal type, and
rebuilds classes from such a schema. Flyte 2 (`flyte.types`) does exactly the same with the same
encodings, so these conversions belong to it rather than to a second engine in the shim.

`flyte.types` is not part of this project's runtime yet; until it is, the functions below carry
the conversions themselves, with the semantics flytekit 1.16 has (mashumaro's):

- `to_plain(value, tp)` / `from_plain(data, tp)`: a value of declared type `tp` to and from
  msgpack-able data, field by field along `tp`'s type hints (never the value's own class: a
  subclass instance is written with the declared class's fields, and read back as the declared
  class). Enums are their values, datetimes and dates ISO strings, timedeltas seconds, and types
  with `_serialize`/`_deserialize` (mashumaro's SerializableType; FlyteFile, FlyteDirectory and
  StructuredDataset have them) write and read themselves.
- `pack` / `unpack`: msgpack bytes.
- `json_schema(tp)`: the JSON schema of a dataclass (mashumaro's, when it is installed) or a
  pydantic model.

When `flyte.types` lands, each of these delegates to it, and the shim's engine keeps only what is
flytekit's own: its literal models, its transformer API and its file, directory, dataset and
pickle types.
"""

from __future__ import annotations

import collections.abc
import dataclasses
import datetime
import decimal
import enum
import typing
import uuid
from typing import Any, Optional

import msgpack

_NoneType = type(None)
_UnionType = getattr(__import__("types"), "UnionType", None)


def pack(data: Any) -> bytes:
    return msgpack.packb(data, use_bin_type=True)


def unpack(data: bytes) -> Any:
    return msgpack.unpackb(data, raw=False, strict_map_key=False)


def _is_union(tp: Any) -> bool:
    origin = typing.get_origin(tp)
    return origin is typing.Union or (_UnionType is not None and isinstance(tp, _UnionType))


def _hints(cls: Any) -> dict[str, Any]:
    try:
        return typing.get_type_hints(cls, include_extras=True)
    except Exception:
        return {f.name: f.type for f in dataclasses.fields(cls)} if dataclasses.is_dataclass(cls) else {}


def _strip_annotated(tp: Any) -> Any:
    while typing.get_origin(tp) is typing.Annotated:
        tp = typing.get_args(tp)[0]
    return tp


def _is_pydantic(tp: Any) -> bool:
    return isinstance(tp, type) and hasattr(tp, "model_fields") and hasattr(tp, "model_validate")


# -- values to plain data --------------------------------------------------------------------------


def to_plain(value: Any, tp: Any = Any) -> Any:
    """`value` (declared as `tp`) as msgpack-able data."""
    tp = _strip_annotated(tp)
    if value is None:
        return None
    if _is_union(tp):
        return to_plain(value, _variant_for(value, tp))
    origin = typing.get_origin(tp)
    args = typing.get_args(tp)
    if origin in (list, collections.abc.Sequence, set, frozenset, tuple) or isinstance(value, (list, set, frozenset)):
        item = args[0] if args and origin is not tuple else Any
        return [to_plain(v, item) for v in value]
    if origin in (dict, collections.abc.Mapping) or isinstance(value, dict):
        kt, vt = args if len(args) == 2 else (Any, Any)
        return {to_plain(k, kt): to_plain(v, vt) for k, v in value.items()}
    serialize = getattr(value, "_serialize", None)
    if serialize is not None and callable(serialize) and hasattr(type(value), "_deserialize"):
        return serialize()
    if isinstance(value, enum.Enum):
        return value.value
    if isinstance(value, (bool, int, float, str, bytes)):
        return value
    if isinstance(value, datetime.datetime) or isinstance(value, datetime.date):
        return value.isoformat()
    if isinstance(value, datetime.time):
        return value.isoformat()
    if isinstance(value, datetime.timedelta):
        return value.total_seconds()
    if isinstance(value, (decimal.Decimal, uuid.UUID)):
        return str(value)
    if _is_pydantic(type(value)):
        if not any(_has_serialize(getattr(value, n, None)) for n in type(value).model_fields):
            return value.model_dump(mode="json")
        # fields that write themselves (files, directories, datasets) do so here too
        hints = _hints(type(value))
        return {n: to_plain(getattr(value, n), hints.get(n, Any)) for n in type(value).model_fields}
    declared = tp if isinstance(tp, type) and dataclasses.is_dataclass(tp) else type(value)
    if dataclasses.is_dataclass(declared) and dataclasses.is_dataclass(value):
        hints = _hints(declared)
        out = {}
        for f in dataclasses.fields(declared):
            # The declared class's fields, read from the value (AttributeError when it lacks one).
            out[f.name] = to_plain(getattr(value, f.name), hints.get(f.name, Any))
        return out
    raise TypeError(f"Object of type {type(value).__name__} cannot be written as structured data ({tp})")


def _variant_for(value: Any, tp: Any) -> Any:
    """The first variant of union `tp` that `value` is an instance of (Any when none is a class)."""
    for arg in typing.get_args(tp):
        arg = _strip_annotated(arg)
        if arg is _NoneType:
            continue
        base = typing.get_origin(arg) or arg
        if isinstance(base, type) and isinstance(value, base) and not (base is int and isinstance(value, bool)):
            return arg
    for arg in typing.get_args(tp):
        if arg is not _NoneType:
            return arg
    return Any


def _has_serialize(value: Any) -> bool:
    return callable(getattr(value, "_serialize", None)) and hasattr(type(value), "_deserialize")


def _writes_itself(tp: Any) -> bool:
    """Whether a field type is (or holds) a type with `_serialize`/`_deserialize`."""
    if tp is None:
        return False
    tp = _strip_annotated(tp)
    if isinstance(tp, type) and hasattr(tp, "_deserialize") and hasattr(tp, "_serialize"):
        return True
    return any(_writes_itself(a) for a in typing.get_args(tp))


# -- plain data to values --------------------------------------------------------------------------


def from_plain(data: Any, tp: Any) -> Any:
    """A value of type `tp` from data `to_plain` wrote (or JSON read from elsewhere)."""
    tp = _strip_annotated(tp)
    if tp is Any or tp is object or isinstance(tp, (typing.TypeVar, str, typing.ForwardRef)):
        return data
    if _is_union(tp):
        if data is None and _NoneType in typing.get_args(tp):
            return None
        errors = []
        for arg in typing.get_args(tp):
            if arg is _NoneType:
                continue
            try:
                return _checked(from_plain(data, arg), arg)
            except Exception as e:  # try the next variant
                errors.append(e)
        raise TypeError(f"{data!r} fits no variant of {tp}: {errors}")
    if data is None:
        return None
    origin = typing.get_origin(tp)
    args = typing.get_args(tp)
    if origin in (list, collections.abc.Sequence):
        return [from_plain(v, args[0] if args else Any) for v in data]
    if origin in (set, frozenset):
        return origin(from_plain(v, args[0] if args else Any) for v in data)
    if origin is tuple:
        return tuple(data)
    if origin in (dict, collections.abc.Mapping):
        kt, vt = args if len(args) == 2 else (Any, Any)
        return {from_plain(k, kt): from_plain(v, vt) for k, v in data.items()}
    if origin is typing.Literal:
        return data
    if not isinstance(tp, type):
        return data
    deserialize = getattr(tp, "_deserialize", None)
    if deserialize is not None and hasattr(tp, "_serialize"):
        return deserialize(data)
    if issubclass(tp, enum.Enum):
        return tp(data)
    if tp is bool or tp is str or tp is bytes:
        return data
    if tp is int:
        return int(data) if isinstance(data, float) and data == int(data) else data
    if tp is float:
        return float(data) if isinstance(data, int) and not isinstance(data, bool) else data
    if tp is datetime.datetime:
        return datetime.datetime.fromisoformat(data) if isinstance(data, str) else data
    if tp is datetime.date:
        return datetime.date.fromisoformat(data) if isinstance(data, str) else data
    if tp is datetime.time:
        return datetime.time.fromisoformat(data) if isinstance(data, str) else data
    if tp is datetime.timedelta:
        return datetime.timedelta(seconds=data) if isinstance(data, (int, float)) else data
    if tp in (decimal.Decimal, uuid.UUID):
        return tp(data)
    if _is_pydantic(tp):
        model: Any = tp
        hints = _hints(model)
        if isinstance(data, dict) and any(_writes_itself(hints.get(n)) for n in model.model_fields):
            values = {n: from_plain(data[n], hints.get(n, Any)) for n in model.model_fields if n in data}
            try:
                return model.model_validate(values)
            except Exception:
                return model.model_construct(**values)
        return model.model_validate(data)
    if dataclasses.is_dataclass(tp):
        if not isinstance(data, dict):
            raise TypeError(f"Expected a mapping for dataclass {tp.__name__}, got {type(data).__name__}")
        hints = _hints(tp)
        kwargs: dict[str, Any] = {}
        late: dict[str, Any] = {}
        for f in dataclasses.fields(tp):
            if f.name not in data:
                if f.default is dataclasses.MISSING and f.default_factory is dataclasses.MISSING:  # type: ignore[misc]
                    raise _MissingField(f"Field {f.name!r} of type {hints.get(f.name, f.type)} in {tp.__qualname__} "
                                        "is missing in the data")
                continue
            value = from_plain(data[f.name], hints.get(f.name, Any))
            (kwargs if f.init else late)[f.name] = value
        obj = tp(**kwargs)
        for k, v in late.items():
            object.__setattr__(obj, k, v)
        return obj
    return data


class _MissingField(LookupError):
    """A required dataclass field is absent from the data (mashumaro's MissingField is a LookupError)."""


def _checked(value: Any, tp: Any) -> Any:
    """`value` when it is plausibly of `tp` (used to pick a union variant while reading)."""
    tp = _strip_annotated(tp)
    base = typing.get_origin(tp) or tp
    if isinstance(base, type) and not isinstance(value, base):
        if base is float and isinstance(value, int) and not isinstance(value, bool):
            return float(value)
        raise TypeError(f"{value!r} is not a {tp}")
    if base is int and isinstance(value, bool):
        raise TypeError(f"{value!r} is a bool, not an int")
    return value


# -- JSON schema -------------------------------------------------------------------------------------


def json_schema(tp: Any) -> Optional[dict[str, Any]]:
    """The JSON schema flytekit stores in a dataclass's or pydantic model's literal type."""
    if _is_pydantic(tp):
        return tp.model_json_schema()
    try:
        from mashumaro.jsonschema import build_json_schema
    except ImportError:
        return _dataclass_schema(tp)
    try:
        return build_json_schema(tp).to_dict()
    except Exception:
        return _dataclass_schema(tp)


def _dataclass_schema(tp: Any) -> dict[str, Any]:
    hints = _hints(tp)
    props: dict[str, Any] = {}
    required = []
    for f in dataclasses.fields(tp):
        prop = _schema_of(hints.get(f.name, Any))
        if f.default is not dataclasses.MISSING and isinstance(f.default, (bool, int, float, str)):
            prop = {**prop, "default": f.default}
        elif f.default is dataclasses.MISSING and f.default_factory is dataclasses.MISSING:  # type: ignore[misc]
            required.append(f.name)
        props[f.name] = prop
    schema: dict[str, Any] = {"type": "object", "title": tp.__name__, "properties": props,
                              "additionalProperties": False}
    if required:
        schema["required"] = required
    return schema


def _schema_of(tp: Any) -> dict[str, Any]:
    tp = _strip_annotated(tp)
    if _is_union(tp):
        return {"anyOf": [_schema_of(a) for a in typing.get_args(tp)]}
    origin = typing.get_origin(tp)
    args = typing.get_args(tp)
    if origin in (list, set, frozenset, collections.abc.Sequence):
        return {"type": "array", "items": _schema_of(args[0]) if args else {}}
    if origin in (dict, collections.abc.Mapping):
        return {"type": "object", "additionalProperties": _schema_of(args[1]) if len(args) == 2 else {},
                "propertyNames": {"type": "string"}}
    simple = {_NoneType: {"type": "null"}, bool: {"type": "boolean"}, int: {"type": "integer"},
              float: {"type": "number"}, str: {"type": "string"},
              datetime.datetime: {"type": "string", "format": "date-time"},
              datetime.date: {"type": "string", "format": "date"},
              datetime.timedelta: {"type": "number", "format": "time-delta"}}
    if tp in simple:
        return simple[tp]
    if isinstance(tp, type) and issubclass(tp, enum.Enum):
        return {"enum": [m.value for m in tp]}
    if isinstance(tp, type) and dataclasses.is_dataclass(tp):
        return _dataclass_schema(tp)
    if _is_pydantic(tp):
        return tp.model_json_schema()
    return {}



__all__ = ["from_plain", "json_schema", "pack", "to_plain", "unpack"]
