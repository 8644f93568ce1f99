"""flytekit's schedule model (`flytekit.models.schedule.Schedule`): a cron or fixed-rate schedule
and the input that receives the kickoff time. `flytekit.CronSchedule` and `flytekit.FixedRate`
are Schedules, and compare equal to the model they stand for."""

from __future__ import annotations

from typing import Any, Optional

from ._base import Model


class Schedule(Model):
    class FixedRateUnit:
        MINUTE = 0
        HOUR = 1
        DAY = 2

        @classmethod
        def enum_to_string(cls, value: int) -> str:
            return {0: "MINUTE", 1: "HOUR", 2: "DAY"}.get(value, str(value))

    class FixedRate(Model):
        _fields = ("value", "unit")

    class CronSchedule(Model):
        _fields = ("schedule", "offset")

    _fields = ("kickoff_time_input_arg", "cron_expression", "rate", "cron_schedule")

    def _schedule_fields(self) -> tuple:
        return tuple(getattr(self, "_" + n, None) for n in Schedule._fields)

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Schedule):
            return NotImplemented
        return self._schedule_fields() == other._schedule_fields()

    def __hash__(self) -> int:
        return hash(repr(self._schedule_fields()))

    @property
    def schedule_expression(self) -> Optional[Any]:
        return self._cron_expression or self._rate or self._cron_schedule


__all__ = ["Schedule"]
