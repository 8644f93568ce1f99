"""Partition values: what makes one version of an artifact distinct from another.

At most one partition may be a time: a `date` (a daily partition), a `datetime` (hourly, floored
to the hour in UTC; naive means UTC) or a `TimePartition` naming its granularity. Every other
value is a string partition, by `str()`. `None` and empty keys are refused where they are written.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta, timezone
from typing import Any, Dict, Literal, Mapping, Optional, Tuple, Union

Granularity = Literal["hour", "day", "week", "month"]
GRANULARITIES: Tuple[str, ...] = ("hour", "day", "week", "month")


@dataclass(frozen=True)
class TimePartition:
    """A time partition with an explicit granularity ("hour", "day", "week" or "month")."""

    value: Union[date, datetime]
    granularity: Granularity = "day"

    def __post_init__(self) -> None:
        if self.granularity not in GRANULARITIES:
            raise ValueError(
                f"Unknown time partition granularity {self.granularity!r}; use one of {list(GRANULARITIES)}")
        if not isinstance(self.value, (date, datetime)):
            raise TypeError(f"TimePartition value must be a date or datetime, got {type(self.value).__name__}")


def _utc(value: Union[date, datetime]) -> datetime:
    if isinstance(value, datetime):
        return value.replace(tzinfo=timezone.utc) if value.tzinfo is None else value.astimezone(timezone.utc)
    return datetime(value.year, value.month, value.day, tzinfo=timezone.utc)


def partition_start(value: Union[date, datetime], granularity: str) -> datetime:
    """The first instant (UTC) of the partition that holds `value`."""
    t = _utc(value)
    if granularity == "hour":
        return t.replace(minute=0, second=0, microsecond=0)
    t = t.replace(hour=0, minute=0, second=0, microsecond=0)
    if granularity == "week":
        return t - timedelta(days=t.weekday())
    if granularity == "month":
        return t.replace(day=1)
    return t


def is_time(value: Any) -> bool:
    return isinstance(value, (date, datetime, TimePartition))


def normalize_partitions(partitions: Optional[Mapping[str, Any]]) -> Tuple[Dict[str, str], Optional[Dict[str, str]]]:
    """(string partitions, the time partition as {key, value (RFC 3339), granularity} or None);
    raises ValueError for an empty key, a None value or two time values."""
    strings: Dict[str, str] = {}
    timed: Optional[Dict[str, str]] = None
    for key, value in (partitions or {}).items():
        if not key:
            raise ValueError("Partition keys must be non-empty strings")
        if value is None:
            raise ValueError(f"Partition {key!r} is None. A partition value must be a date, datetime, TimePartition, "
                             "or a value with a string form; an unset value is almost always a mistake.")
        if is_time(value):
            if timed is not None:
                raise ValueError(f"An artifact can carry at most one time partition; both {timed['key']!r} and "
                                 f"{key!r} hold time values. Make one of them a string.")
            if isinstance(value, TimePartition):
                granularity, when = value.granularity, value.value
            else:
                granularity, when = ("hour" if isinstance(value, datetime) else "day"), value
            start = partition_start(when, granularity)
            timed = {"key": key, "value": start.isoformat().replace("+00:00", "Z"), "granularity": granularity}
        else:
            strings[key] = str(value)
    return strings, timed
