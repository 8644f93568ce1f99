"""Command-line options generated from a task's type hints."""

from __future__ import annotations

import dataclasses
import datetime
import enum
import json
import typing
from pathlib import Path
from typing import Any, Optional

import click


def _is_pydantic(tp: Any) -> bool:
    return isinstance(tp, type) and hasattr(tp, "model_validate") and hasattr(tp, "model_fields")


def coerce(value: Any, tp: Any) -> Any:
    """Turn parsed JSON (or a string) into a value of type `tp` (dataclasses, pydantic, enums, io)."""
    if tp is Any or value is None:
        return value
    origin = typing.get_origin(tp)
    args = typing.get_args(tp)
    if origin is typing.Annotated:
        return coerce(value, args[0])
    if origin is typing.Union or (origin is not None and type(tp).__name__ == "UnionType"):
        for arg in args:
            if arg is type(None):
                continue
            try:
                return coerce(value, arg)
            except (TypeError, ValueError):
                continue
        return value
    if origin is list:
        return [coerce(v, args[0]) if args else v for v in value]
    if origin is dict:
        return {coerce(k, args[0]) if args else k: coerce(v, args[1]) if len(args) > 1 else v for k, v in value.items()}
    if origin is tuple:
        return tuple(coerce(v, a) for v, a in zip(value, args)) if args else tuple(value)
    if dataclasses.is_dataclass(tp) and isinstance(tp, type):
        if not isinstance(value, dict):
            raise TypeError(f"expected a JSON object for {tp.__name__}")
        hints = typing.get_type_hints(tp)
        return tp(**{k: coerce(v, hints.get(k, Any)) for k, v in value.items()})
    if _is_pydantic(tp):
        return tp.model_validate(value)
    if isinstance(tp, type) and issubclass(tp, enum.Enum):
        try:
            return tp(value)
        except ValueError:
            return tp[value]
    if tp is datetime.datetime:
        return datetime.datetime.fromisoformat(value) if isinstance(value, str) else value
    if tp is datetime.date:
        return datetime.date.fromisoformat(value) if isinstance(value, str) else value
    if tp is datetime.timedelta:
        return datetime.timedelta(seconds=float(value))
    if tp is float and isinstance(value, int):
        return float(value)
    if isinstance(tp, type) and tp.__module__.startswith("flyte.io"):
        io_type: Any = tp  # File, Dir or DataFrame
        if isinstance(value, str):
            if tp.__name__ == "DataFrame":
                return io_type.from_existing_remote(value)
            return io_type(path=value)
        return io_type._from_dict(value)
    if isinstance(tp, type) and tp.__name__ == "DataFrame" and tp.__module__.startswith("pandas"):
        import pandas as pd

        return pd.read_parquet(value) if str(value).endswith(".parquet") else pd.read_csv(value)
    return value


class JsonParam(click.ParamType):
    """Accepts JSON (lists, dicts, dataclasses, pydantic models) and converts it to the hinted type."""

    name = "json"

    def __init__(self, tp: Any):
        self.tp = tp

    def convert(self, value: Any, param: Optional[click.Parameter], ctx: Optional[click.Context]) -> Any:
        if not isinstance(value, str):
            return value
        try:
            parsed = json.loads(value)
        except json.JSONDecodeError as e:
            self.fail(f"{value!r} is not valid JSON: {e}", param, ctx)
        try:
            return coerce(parsed, self.tp)
        except Exception as e:
            self.fail(f"{value!r} does not fit {getattr(self.tp, '__name__', self.tp)}: {e}", param, ctx)


class PathParam(click.ParamType):
    name = "path"

    def __init__(self, tp: Any):
        self.tp = tp

    def convert(self, value: Any, param: Optional[click.Parameter], ctx: Optional[click.Context]) -> Any:
        return coerce(str(value), self.tp) if isinstance(value, (str, Path)) else value


class ScalarParam(click.ParamType):
    """Dates, enums and other one-token values."""

    def __init__(self, tp: Any):
        self.tp = tp
        self.name = getattr(tp, "__name__", "value").lower()

    def convert(self, value: Any, param: Optional[click.Parameter], ctx: Optional[click.Context]) -> Any:
        try:
            return coerce(value, self.tp)
        except Exception as e:
            self.fail(f"{value!r} is not a valid {self.name}: {e}", param, ctx)


class EnumParam(click.Choice):
    """A choice among an enum's values (or names), converted to the member."""

    def __init__(self, tp: Any):
        super().__init__([str(m.value) for m in tp])
        self.tp = tp

    def convert(self, value: Any, param: Optional[click.Parameter], ctx: Optional[click.Context]) -> Any:
        if isinstance(value, self.tp):
            return value
        if isinstance(value, str) and value in self.tp.__members__:
            return self.tp[value]
        return coerce(super().convert(value, param, ctx), self.tp)


def click_type(tp: Any) -> Any:
    """(click type, is_flag) for a type hint."""
    origin = typing.get_origin(tp)
    args = typing.get_args(tp)
    if origin is typing.Annotated:
        return click_type(args[0])
    if origin is typing.Union or (origin is not None and type(tp).__name__ == "UnionType"):
        members = [a for a in args if a is not type(None)]
        if len(members) == 1:
            return click_type(members[0])
        return JsonParam(tp), False
    if tp is bool:
        return click.BOOL, True
    if tp is int:
        return click.INT, False
    if tp is float:
        return click.FLOAT, False
    if tp is str:
        return click.STRING, False
    if origin is typing.Literal:
        return click.Choice([str(a) for a in args]), False
    if isinstance(tp, type) and issubclass(tp, enum.Enum):
        return EnumParam(tp), False
    if tp in (datetime.datetime, datetime.date, datetime.timedelta):
        return ScalarParam(tp), False
    if isinstance(tp, type) and (tp.__module__.startswith("flyte.io") or (tp.__name__ == "DataFrame" and tp.__module__.startswith("pandas"))):
        return PathParam(tp), False
    return JsonParam(tp), False


def schema_help(tp: Any) -> str:
    """A short description of the JSON shape expected for structured types (shown in --help)."""
    if dataclasses.is_dataclass(tp) and isinstance(tp, type):
        fields = ", ".join(f"{f.name}: {getattr(f.type, '__name__', f.type)}" for f in dataclasses.fields(tp))
        return f"JSON object {{{fields}}}"
    if _is_pydantic(tp):
        return f"JSON object {json.dumps(tp.model_json_schema().get('properties', {}))}"
    origin = typing.get_origin(tp)
    if origin in (list, dict, tuple):
        return f"JSON {origin.__name__}"
    return ""
