"""Transformers for single values: int, float, str, bool, datetime, date, timedelta and None."""

from __future__ import annotations

import datetime
from typing import Any, Optional

from flyteidl2.core import literals_pb2, types_pb2

from ._engine import Literal, LiteralType, SimpleTransformer, TypeTransformerFailedError

_UTC = datetime.timezone.utc


def _primitive(**kw: Any) -> Literal:
    return Literal(scalar=literals_pb2.Scalar(primitive=literals_pb2.Primitive(**kw)))


def _simple(kind: int) -> LiteralType:
    return LiteralType(simple=kind)


def _to_int(lv: Literal) -> int:
    p = lv.scalar.primitive
    if p.HasField("integer"):
        return p.integer
    if p.HasField("float_value"):  # a number typed in a UI or resolved from JSON keeps no int-ness
        return int(p.float_value)
    raise TypeTransformerFailedError(f"Cannot convert literal {lv} to int")


def _to_float(lv: Literal) -> float:
    p = lv.scalar.primitive
    if p.HasField("float_value"):
        return p.float_value
    if p.HasField("integer"):
        return float(p.integer)
    raise TypeTransformerFailedError(f"Cannot convert literal {lv} to float")


def _to_none(lv: Literal) -> None:
    if not lv.scalar.HasField("none_type"):
        raise TypeTransformerFailedError(f"Cannot convert literal '{lv}' to None")
    return None


def _datetime_literal(v: datetime.datetime) -> Literal:
    lit = Literal()
    # protobuf's FromDatetime treats a naive value as UTC and converts an aware one to UTC
    lit.scalar.primitive.datetime.FromDatetime(v)
    return lit


def _to_datetime(lv: Literal) -> Optional[datetime.datetime]:
    if not lv.scalar.primitive.HasField("datetime"):
        return None
    return lv.scalar.primitive.datetime.ToDatetime().replace(tzinfo=_UTC)


def _date_literal(v: datetime.date) -> Literal:
    return _datetime_literal(datetime.datetime.combine(v, datetime.time.min))


def _to_date(lv: Literal) -> Optional[datetime.date]:
    dt = _to_datetime(lv)
    return dt.date() if dt is not None else None


def _duration_literal(v: datetime.timedelta) -> Literal:
    lit = Literal()
    lit.scalar.primitive.duration.FromTimedelta(v)
    return lit


def _to_timedelta(lv: Literal) -> Optional[datetime.timedelta]:
    p = lv.scalar.primitive
    return p.duration.ToTimedelta() if p.HasField("duration") else None


class _IntTransformer(SimpleTransformer[int]):
    async def to_literal(self, python_val: int, python_type: type, expected: Optional[LiteralType] = None) -> Literal:
        if isinstance(python_val, bool) or not isinstance(python_val, int):
            raise TypeTransformerFailedError(
                f"Expected value of type {int} but got '{python_val}' of type {type(python_val)}")
        return _primitive(integer=python_val)


class _FloatTransformer(SimpleTransformer[float]):
    """Accepts an int where a float is declared (Python does), never a bool."""

    async def to_literal(self, python_val: float, python_type: type, expected: Optional[LiteralType] = None) -> Literal:
        if isinstance(python_val, int) and not isinstance(python_val, bool):
            python_val = float(python_val)
        return await super().to_literal(python_val, python_type, expected)


IntTransformer = _IntTransformer("int", int, _simple(types_pb2.INTEGER), lambda v: _primitive(integer=v), _to_int)
FloatTransformer = _FloatTransformer("float", float, _simple(types_pb2.FLOAT), lambda v: _primitive(float_value=v),
                                     _to_float)
StrTransformer = SimpleTransformer(
    "str", str, _simple(types_pb2.STRING), lambda v: _primitive(string_value=v),
    lambda lv: lv.scalar.primitive.string_value if lv.scalar.primitive.HasField("string_value") else None)
BoolTransformer = SimpleTransformer("bool", bool, _simple(types_pb2.BOOLEAN), lambda v: _primitive(boolean=v),
                                    lambda lv: lv.scalar.primitive.boolean)
DatetimeTransformer = SimpleTransformer("datetime", datetime.datetime, _simple(types_pb2.DATETIME), _datetime_literal,
                                        _to_datetime)
DateTransformer = SimpleTransformer("date", datetime.date, _simple(types_pb2.DATETIME), _date_literal, _to_date)
TimedeltaTransformer = SimpleTransformer("timedelta", datetime.timedelta, _simple(types_pb2.DURATION),
                                         _duration_literal, _to_timedelta)
NoneTransformer = SimpleTransformer(
    "none", type(None), _simple(types_pb2.NONE),
    lambda v: Literal(scalar=literals_pb2.Scalar(none_type=literals_pb2.Void())), _to_none)

ALL = (IntTransformer, FloatTransformer, StrTransformer, DatetimeTransformer, DateTransformer, TimedeltaTransformer,
       BoolTransformer)
