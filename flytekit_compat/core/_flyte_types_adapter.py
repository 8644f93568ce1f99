"""The one place where the shim's type engine meets Flyte 2's type system (`flyte.types`).

flytekit's type engine turns structured values (dataclasses, pydantic models, untyped dicts) into
msgpack bytes in a `Binary` literal, describes them with a JSON schema in the literal type, and
rebuilds classes from such a schema. Flyte 2's engine does the same with the same encodings, so
where the two agree the shim's engine hands the value to `flyte.types` (through its public
`TypeEngine`/`TypeTransformer` API), and keeps only what is flytekit's own:

- `encode(value, tp)`: a dataclass is written by `flyte.types`' dataclass transformer (the same
  msgpack map of the declared class's fields: enums by value, datetimes as ISO strings,
  timedeltas as seconds).
- `decode(data, tp)`: dataclasses, pydantic models and untyped dicts are read by `flyte.types`
  (checked and coerced as flytekit's mashumaro decoder does: `"1"` for an int field is 1; a
  missing required field is still flytekit's LookupError).

The shim keeps its own conversion (`to_plain`/`from_plain`, `pack`/`unpack`) where flytekit and
Flyte 2 differ, for these reasons:

- Values that write themselves. flytekit's FlyteFile, FlyteDirectory and StructuredDataset (and a
  user's mashumaro `SerializableType`) are written by their own `_serialize`/`_deserialize`
  inside a dataclass or model. Flyte 2's engine knows its own `flyte.io` types, not that
  protocol, so a structure holding such a field anywhere is converted here.
- Pydantic models are *written* here: flytekit writes `model_dump(mode="json")`, enum fields by
  value, while Flyte 2 writes enum fields by member name (as the real Flyte 2 SDK does). Reading
  goes through `flyte.types`, which accepts both.
- JSON schemas stay flytekit's: a dataclass's is mashumaro's (`build_json_schema`, as flytekit
  and the real Flyte 2 SDK store it; this runtime's `flyte.types` stores pydantic's instead), a
  model's is `model_json_schema()` (Flyte 2 lists enum members by name). Classes guessed back
  from a schema are flytekit's too.
- Dataclasses with mashumaro's `DataClassJSONMixin` use their own `to_json`/`from_json`, and the
  pre-1.14 JSON-struct format (`FLYTE_USE_OLD_DC_FORMAT`) is flytekit's alone.

`to_plain`/`from_plain` follow flytekit 1.16 (mashumaro's semantics): a value of declared type
`tp` to and from msgpack-able data, field by field along `tp`'s type hints (never the value's
own class: a subclass instance is written with the declared class's fields).
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


# -- Flyte 2's engine, where it carries a value as flytekit does ---------------------------------------

_flyte_types_carries_cache: dict[Any, bool] = {}
_DELEGATED = {"Object-Dataclass-Transformer", "Pydantic Transformer"}


def encode(value: Any, tp: Any) -> bytes:
    """msgpack bytes of `value` (declared as `tp`), as flytekit writes them."""
    tp = _strip_annotated(tp)
    if (isinstance(tp, type) and dataclasses.is_dataclass(tp) and dataclasses.is_dataclass(value)
            and _flyte_types_carries(tp)):
        transformer = _flyte_transformer(tp)
        literal = _run_now(lambda: transformer.to_literal(value, tp, None))
        return literal.scalar.binary.value
    return pack(to_plain(value, tp))


def decode(data: bytes, tp: Any) -> Any:
    """A value of type `tp` from msgpack bytes `encode` (or flytekit, or Flyte 2) wrote."""
    tp = _strip_annotated(tp)
    if not _flyte_types_carries(tp):
        return from_plain(unpack(data), tp)
    from flyteidl2.core import literals_pb2

    try:
        return _flyte_transformer(tp).from_binary_idl(literals_pb2.Binary(value=data, tag="msgpack"), tp)
    except Exception as e:
        missing = _missing_fields(e)
        if missing:  # flytekit's error for a required field that is not in the data
            raise _MissingField(f"Field {missing[0]!r} in {getattr(tp, '__qualname__', tp)} is missing in the data") from e
        raise


def _flyte_types_carries(tp: Any) -> bool:
    """Whether `flyte.types` reads and writes `tp` as flytekit does (cached per type): an untyped
    dict, or a dataclass or pydantic model with no field, however deep, that writes itself."""
    try:
        return _flyte_types_carries_cache[tp]
    except (KeyError, TypeError):
        pass
    if tp is dict:
        result = True
    elif not isinstance(tp, type) or not (dataclasses.is_dataclass(tp) or _is_pydantic(tp)):
        result = False
    elif any(b.__module__.startswith("mashumaro.") for b in tp.__mro__):
        result = False
    else:
        result = not _holds_self_writing(tp, set()) and _flyte_transformer(tp).name in _DELEGATED
    try:
        _flyte_types_carries_cache[tp] = result
    except TypeError:
        pass
    return result


def _holds_self_writing(tp: Any, seen: set) -> bool:
    tp = _strip_annotated(tp)
    if isinstance(tp, type):
        if hasattr(tp, "_serialize") and hasattr(tp, "_deserialize"):
            return True
        if (dataclasses.is_dataclass(tp) or _is_pydantic(tp)) and id(tp) not in seen:
            seen.add(id(tp))
            return any(_holds_self_writing(h, seen) for h in _hints(tp).values())
    return any(_holds_self_writing(a, seen) for a in typing.get_args(tp) if a is not Ellipsis)


def _flyte_transformer(tp: Any) -> Any:
    import flyte.types

    return flyte.types.TypeEngine.get_transformer(tp)


def _run_now(make_coro: Any) -> Any:
    """The result of a coroutine that never suspends (Flyte 2's struct transformers do no I/O),
    without the cost of an event loop; one that does suspend is started again and run to
    completion by `flyte.syncify` (which works inside a running loop too)."""
    coro = make_coro()
    try:
        coro.send(None)
    except StopIteration as done:
        return done.value
    coro.close()
    import flyte.syncify

    async def again() -> Any:
        return await make_coro()

    return flyte.syncify.syncify(again)()


def _missing_fields(error: Exception) -> list[str]:
    errors = getattr(error, "errors", None)
    if not callable(errors):
        return []
    try:
        found = errors()
    except Exception:
        return []
    return [".".join(str(p) for p in e.get("loc", ())) for e in found if e.get("type") == "missing"]


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



__all__ = ["decode", "encode", "from_plain", "json_schema", "pack", "to_plain", "unpack"]
