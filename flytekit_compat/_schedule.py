"""Launch-plan schedules, validated as flytekit validates them and convertible to flyte's."""

from __future__ import annotations

import datetime
from typing import Any, Optional

from .models.schedule import Schedule as _ScheduleModel

_ALIASES = {"@hourly": "0 * * * *", "@daily": "0 0 * * *", "@weekly": "0 0 * * 0", "@monthly": "0 0 1 * *",
            "@yearly": "0 0 1 1 *", "@annually": "0 0 1 1 *", "hourly": "0 * * * *", "daily": "0 0 * * *",
            "weekly": "0 0 * * 0", "monthly": "0 0 1 * *", "yearly": "0 0 1 1 *", "annually": "0 0 1 1 *",
            "hours": "0 * * * *", "days": "0 0 * * *", "weeks": "0 0 * * 0", "months": "0 0 1 * *",
            "years": "0 0 1 1 *"}


class CronSchedule(_ScheduleModel):
    """A cron schedule: `CronSchedule(schedule="0 2 * * *", kickoff_time_input_arg="t")`."""

    def __init__(self, cron_expression: Optional[str] = None, schedule: Optional[str] = None, offset: Optional[str] = None,
                 kickoff_time_input_arg: Optional[str] = None):
        if cron_expression and schedule:
            raise AssertionError("Only one of cron_expression and schedule may be set")
        if not cron_expression and not schedule:
            raise AssertionError("Either cron_expression or schedule must be set")
        if cron_expression:
            raise AssertionError("cron_expression is deprecated and not supported: use schedule (a five-field cron string)")
        if offset is not None:
            try:
                from datetime import timedelta  # noqa: F401
            except ImportError:
                pass
            if not str(offset).startswith("P"):
                raise ValueError(f"offset must be an ISO 8601 duration such as 'P1D', got {offset!r}")
        assert schedule is not None  # checked above: exactly one of the two is set, and not cron_expression
        expr = _ALIASES.get(schedule, schedule)
        fields = expr.split()
        # flytekit validates with croniter, which also takes a sixth field (seconds); flyte's
        # scheduler works in minutes, so that field is dropped when converting.
        if len(fields) not in (5, 6):
            raise ValueError(f"Schedule {schedule!r} is not a valid cron expression (five or six fields) or alias")
        expr = " ".join(fields[:5])
        super().__init__(kickoff_time_input_arg, None, None, _ScheduleModel.CronSchedule(schedule, offset))
        self.schedule = schedule
        self.offset = offset
        self._expr = expr

    def to_flyte(self) -> Any:
        import flyte

        return flyte.Cron(self._expr)

    def __repr__(self) -> str:
        return f"CronSchedule(schedule={self.schedule!r}, kickoff_time_input_arg={self.kickoff_time_input_arg!r})"


class FixedRate(_ScheduleModel):
    """Run every `duration` (whole minutes; flyte's `FixedRate` counts minutes)."""

    def __init__(self, duration: datetime.timedelta, kickoff_time_input_arg: Optional[str] = None):
        if not isinstance(duration, datetime.timedelta):
            raise AssertionError("FixedRate duration must be a datetime.timedelta")
        seconds = duration.total_seconds()
        if seconds <= 0:
            raise AssertionError("FixedRate duration must be positive")
        if seconds % 60 != 0:
            raise AssertionError(f"FixedRate duration must be a whole number of minutes, got {duration}")
        if seconds % 86400 == 0:
            rate = _ScheduleModel.FixedRate(int(seconds // 86400), _ScheduleModel.FixedRateUnit.DAY)
        elif seconds % 3600 == 0:
            rate = _ScheduleModel.FixedRate(int(seconds // 3600), _ScheduleModel.FixedRateUnit.HOUR)
        else:
            rate = _ScheduleModel.FixedRate(int(seconds // 60), _ScheduleModel.FixedRateUnit.MINUTE)
        super().__init__(kickoff_time_input_arg, None, rate, None)
        self.duration = duration

    def to_flyte(self) -> Any:
        import flyte

        return flyte.FixedRate(int(self.duration.total_seconds() // 60))

    def __repr__(self) -> str:
        return f"FixedRate(duration={self.duration!r})"
