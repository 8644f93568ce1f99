"""Typed msgpack: a Python value of a declared type to msgpack bytes and back.

Structured values (dataclasses, pydantic models, typed dicts, tuples, dicts with any keys) become
plain msgpack maps and arrays, which is what the SDK puts in a `Binary(tag="msgpack")` literal, so
other tools can read them without Python. Decoding validates against the declared type with
pydantic (in lax mode), which rebuilds nested dataclasses, models, enums, datetimes and flyte.io
values from their plain form.
"""

from __future__ import annotations

import dataclasses
import datetime
import decimal
import enum
import pathlib
import sys
import typing
import uuid
from typing import Any

import msgpack

from .._pydantic import adapter
from ._engine import is_typed_dict


def _plain(obj: Any) -> Any:
    """msgpack's fallback for values a model dump leaves as Python objects."""
    if isinstance(obj, enum.Enum):
        return obj.value
    if isinstance(obj, (datetime.datetime, datetime.date, datetime.time)):
        return obj.isoformat()
    if isinstance(obj, datetime.timedelta):
        return obj.total_seconds()
    if isinstance(obj, (set, frozenset, tuple)):
        return list(obj)
    if isinstance(obj, (uuid.UUID, decimal.Decimal, pathlib.PurePath)):
        return str(obj)
    dump = getattr(obj, "model_dump", None)
    if dump is not None:
        return dump()
    if dataclasses.is_dataclass(obj) and not isinstance(obj, type):
        return adapter(type(obj)).dump_python(obj, mode="python", warnings=False)
    raise TypeError(f"cannot encode a {type(obj).__qualname__} as msgpack")


def _typeddict_fields(tp: Any) -> dict[str, tuple[Any, bool]]:
    """name -> (type, required) of a TypedDict, NotRequired/Required unwrapped. Requiredness is
    read from the hints: `__required_keys__` misses NotRequired in string annotations before 3.12."""
    import typing_extensions as te

    hints = te.get_type_hints(tp, include_extras=True)
    not_required = {te.NotRequired, getattr(typing, "NotRequired", te.NotRequired)}
    required_marks = {te.Required, getattr(typing, "Required", te.Required)}
    total = getattr(tp, "__total__", True)
    out = {}
    for name, hint in hints.items():
        origin = typing.get_origin(hint)
        required = total
        if origin in not_required:
            required, hint = False, typing.get_args(hint)[0]
        elif origin in required_marks:
            required, hint = True, typing.get_args(hint)[0]
        out[name] = (hint, required)
    return out


def _needs_walk(tp: Any, seen: frozenset = frozenset()) -> bool:
    """Whether `tp` holds a `typing.TypedDict`, which pydantic refuses before Python 3.12 (the
    value is then converted field by field here)."""
    if sys.version_info >= (3, 12):
        return False
    if is_typed_dict(tp):
        return True
    if id(tp) in seen:
        return False
    return any(_needs_walk(a, seen | {id(tp)}) for a in typing.get_args(tp) if a is not Ellipsis)


def to_plain(value: Any, tp: Any) -> Any:
    """`value` as plain data (dicts, lists, scalars), laid out as its declared type says."""
    if value is None or tp is Any:
        return value
    if not _needs_walk(tp):
        return adapter(tp).dump_python(value, mode="python", warnings=False)
    if is_typed_dict(tp):
        fields = _typeddict_fields(tp)
        return {k: to_plain(v, fields[k][0]) if k in fields else v for k, v in value.items()}
    origin, args = typing.get_origin(tp), typing.get_args(tp)
    if origin is typing.Annotated:
        return to_plain(value, args[0])
    if origin in (list, set, frozenset) and args:
        return [to_plain(v, args[0]) for v in value]
    if origin is dict and len(args) == 2:
        return {k: to_plain(v, args[1]) for k, v in value.items()}
    if origin is tuple and args:
        if len(args) == 2 and args[1] is Ellipsis:
            return [to_plain(v, args[0]) for v in value]
        return [to_plain(v, a) for v, a in zip(value, args)]
    for a in args:  # a union: the first member the value fits
        try:
            return to_plain(value, a)
        except Exception:
            continue
    return value


def from_plain(data: Any, tp: Any) -> Any:
    """Plain data as a value of `tp` (nested structures rebuilt and checked)."""
    if tp is Any:
        return data
    if not _needs_walk(tp):
        return adapter(tp).validate_python(data, strict=False)
    if data is None:
        return None
    if is_typed_dict(tp):
        if not isinstance(data, dict):
            raise ValueError(f"expected a dict for {tp.__name__}, got {type(data).__name__}")
        fields = _typeddict_fields(tp)
        missing = [k for k, (_, req) in fields.items() if req and k not in data]
        if missing:
            raise ValueError(f"{tp.__name__} is missing required keys {missing}")
        return {k: from_plain(v, fields[k][0]) if k in fields else v for k, v in data.items()}
    origin, args = typing.get_origin(tp), typing.get_args(tp)
    if origin is typing.Annotated:
        return from_plain(data, args[0])
    if origin is list and args:
        return [from_plain(v, args[0]) for v in data]
    if origin in (set, frozenset) and args:
        return origin(from_plain(v, args[0]) for v in data)
    if origin is dict and len(args) == 2:
        return {from_plain(k, args[0]): from_plain(v, args[1]) for k, v in data.items()}
    if origin is tuple and args:
        if len(args) == 2 and args[1] is Ellipsis:
            return tuple(from_plain(v, args[0]) for v in data)
        return tuple(from_plain(v, a) for v, a in zip(data, args))
    errors = []
    for a in args:
        if a is type(None):
            continue
        try:
            return from_plain(data, a)
        except Exception as e:
            errors.append(e)
    raise ValueError(f"{data!r:.100} does not fit {tp}: {errors}")


def encode_as(value: Any, tp: Any) -> bytes:
    """`value`, laid out as its declared type `tp` says, as msgpack bytes."""
    return msgpack.packb(to_plain(value, tp), default=_plain, use_bin_type=True)


def encode_plain(value: Any) -> bytes:
    return msgpack.packb(value, default=_plain, use_bin_type=True)


def decode(data: bytes) -> Any:
    return msgpack.unpackb(data, raw=False, strict_map_key=False)


def decode_as(data: bytes, tp: Any) -> Any:
    """msgpack bytes as a value of `tp` (nested structures rebuilt and checked)."""
    raw = decode(data)
    if tp is Any or tp is None:
        return raw
    return from_plain(raw, tp)
