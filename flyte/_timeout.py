"""Time limits for a task. Unlike the SDK's local mode, `max_runtime` is enforced here."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from typing import Optional, Union


@dataclass(frozen=True)
class Timeout:
    """`max_runtime` bounds one attempt; `deadline` bounds all attempts together;
    `max_queued_time` is kept for remote runs (a local action is never queued)."""

    max_runtime: Union[timedelta, int, None] = None
    max_queued_time: Union[timedelta, int, None] = None
    deadline: Union[timedelta, int, None] = None


TimeoutType = Union[Timeout, int, timedelta]


def _seconds(value: Union[timedelta, int, float, None], what: str) -> Optional[float]:
    if value is None:
        return None
    if isinstance(value, timedelta):
        seconds = value.total_seconds()
    elif isinstance(value, (int, float)) and not isinstance(value, bool):
        seconds = float(value)
    else:
        raise ValueError(f"{what} must be seconds (int) or a timedelta, got {value!r}")
    if seconds < 0:
        raise ValueError(f"{what} must not be negative, got {value!r}")
    return seconds or None  # zero means unbounded, as in the SDK


def normalize_timeout(value: Optional[TimeoutType]) -> tuple[Optional[float], Optional[float]]:
    """(seconds per attempt, seconds for all attempts); None where unbounded."""
    if value is None:
        return None, None
    if isinstance(value, Timeout):
        return _seconds(value.max_runtime, "Timeout.max_runtime"), _seconds(value.deadline, "Timeout.deadline")
    return _seconds(value, "timeout"), None
