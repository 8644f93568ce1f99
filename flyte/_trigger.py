"""Triggers: schedules and artifact events that start runs of a deployed task.

Local runs never fire them; they are validated and kept on the task so that a deploy (or the
flytekit shim's launch plans) can read them.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Optional, Union


class _TriggerTime:
    """Sentinel: bind the time the trigger fired to a task input."""

    def __repr__(self) -> str:
        return "flyte.TriggerTime"


TriggerTime = _TriggerTime()


class _TriggeredArtifact:
    """Sentinel: bind the artifact that fired an `OnArtifact` trigger to a task input."""

    def __repr__(self) -> str:
        return "flyte.TriggeredArtifact"


TriggeredArtifact = _TriggeredArtifact()


@dataclass(frozen=True)
class TriggeredPartition:
    """Bind one partition value of the triggering artifact to a task input."""

    key: str

    def __post_init__(self) -> None:
        if not self.key:
            raise ValueError("TriggeredPartition requires a non-empty partition key")


@dataclass(frozen=True, init=False)
class OnArtifact:
    """Fire whenever a new version of the named artifact appears."""

    name: str
    version: Optional[str] = None
    partitions: Optional[Mapping[str, str]] = None

    def __init__(self, name: str, version: Optional[str] = None, partitions: Optional[Mapping[str, str]] = None, **partition_kwargs: str):
        if not name:
            raise ValueError("OnArtifact requires a non-empty artifact name")
        merged = {**(partitions or {}), **partition_kwargs}
        for k, v in merged.items():
            if not isinstance(v, str):
                raise TypeError(f"OnArtifact partition {k!r} must be a string value, got {type(v).__name__}")
        object.__setattr__(self, "name", name)
        object.__setattr__(self, "version", version)
        object.__setattr__(self, "partitions", merged or None)


@dataclass(frozen=True)
class Cron:
    """A five-field cron schedule (`minute hour day-of-month month day-of-week`)."""

    expression: str
    timezone: str = "UTC"

    def __post_init__(self) -> None:
        fields = self.expression.split()
        if len(fields) != 5 and not self.expression.startswith("@"):
            raise ValueError(f"Cron expression must have five fields, got {self.expression!r}")

    @property
    def timezone_expression(self) -> str:
        return f"CRON_TZ={self.timezone} {self.expression}"

    def __str__(self) -> str:
        return f"Cron Trigger: {self.timezone_expression}"


@dataclass(frozen=True)
class FixedRate:
    """Fire every `interval_minutes` minutes, optionally starting at `start_time`."""

    interval_minutes: int
    start_time: Optional[datetime] = None

    def __post_init__(self) -> None:
        if isinstance(self.interval_minutes, bool) or not isinstance(self.interval_minutes, int) or self.interval_minutes < 1:
            raise ValueError(f"FixedRate.interval_minutes must be a positive int, got {self.interval_minutes!r}")

    def __str__(self) -> str:
        return f"Fixed Rate Trigger: every {self.interval_minutes} minutes"


@dataclass(frozen=True)
class Trigger:
    """Starts runs of the task it is attached to (`@env.task(triggers=...)`)."""

    name: str
    automation: Union[Cron, FixedRate, OnArtifact, None] = None
    description: str = ""
    auto_activate: bool = True
    inputs: Optional[dict[str, Any]] = None
    env_vars: Optional[dict[str, str]] = None
    interruptible: Optional[bool] = None
    overwrite_cache: bool = False
    queue: Optional[str] = None
    max_action_concurrency: Optional[int] = None
    labels: Optional[Mapping[str, str]] = None
    annotations: Optional[Mapping[str, str]] = None
    notifications: Any = None
    custom_context: Optional[Mapping[str, str]] = None

    def __post_init__(self) -> None:
        if not self.name:
            raise ValueError("Trigger name cannot be empty")
        if self.notifications is not None:
            from ._notify import normalize

            normalize(self.notifications, f"Trigger '{self.name}'")  # checked; kept as given
        inputs = self.inputs or {}
        artifact_args = [k for k, v in inputs.items() if v is TriggeredArtifact]
        if len(artifact_args) > 1:
            raise ValueError(
                f"Trigger '{self.name}' binds TriggeredArtifact to multiple inputs {sorted(artifact_args)}; "
                "only one input can receive the triggering artifact."
            )
        if (artifact_args or any(isinstance(v, TriggeredPartition) for v in inputs.values())) and not isinstance(
            self.automation, OnArtifact
        ):
            raise ValueError(f"Trigger '{self.name}' binds the triggering artifact but its automation is not OnArtifact.")
        if any(v is TriggerTime for v in inputs.values()) and not isinstance(self.automation, (Cron, FixedRate)):
            raise ValueError(f"Trigger '{self.name}' uses TriggerTime, which only schedule (Cron/FixedRate) triggers have.")
        if self.max_action_concurrency is not None and (self.max_action_concurrency < 0 or self.max_action_concurrency == 1):
            raise ValueError(
                f"max_action_concurrency must be 0 (platform default) or at least 2, got {self.max_action_concurrency}: "
                "1 would deadlock the run, the parent holding the only slot while it waits for its children."
            )
        if self.description and len(self.description) > 255:  # as the SDK stores it: cut to 255 characters, marked "...(tr.)"
            from ._environment import truncate_description

            object.__setattr__(self, "description", truncate_description(self.description))

    @classmethod
    def _every(cls, expression: str, trigger_time_input_key: Optional[str], inputs: Optional[dict[str, Any]], **kw: Any) -> Trigger:
        final: dict[str, Any] = {}
        if trigger_time_input_key is not None:
            final[trigger_time_input_key] = TriggerTime
        final.update(inputs or {})
        return cls(automation=Cron(expression), inputs=final, **kw)

    @classmethod
    def minutely(cls, trigger_time_input_key: Optional[str] = None, *, name: str = "minutely",
                 description: str = "A trigger that runs every minute", inputs: Optional[dict[str, Any]] = None, **kw: Any) -> Trigger:
        return cls._every("* * * * *", trigger_time_input_key, inputs, name=name, description=description, **kw)

    @classmethod
    def hourly(cls, trigger_time_input_key: Optional[str] = None, *, name: str = "hourly",
               description: str = "A trigger that runs every hour", inputs: Optional[dict[str, Any]] = None, **kw: Any) -> Trigger:
        return cls._every("0 * * * *", trigger_time_input_key, inputs, name=name, description=description, **kw)

    @classmethod
    def daily(cls, trigger_time_input_key: Optional[str] = None, *, name: str = "daily",
              description: str = "A trigger that runs daily at midnight", inputs: Optional[dict[str, Any]] = None, **kw: Any) -> Trigger:
        return cls._every("0 0 * * *", trigger_time_input_key, inputs, name=name, description=description, **kw)

    @classmethod
    def weekly(cls, trigger_time_input_key: Optional[str] = None, *, name: str = "weekly",
               description: str = "A trigger that runs weekly on Sundays at midnight", inputs: Optional[dict[str, Any]] = None, **kw: Any) -> Trigger:
        return cls._every("0 0 * * 0", trigger_time_input_key, inputs, name=name, description=description, **kw)

    @classmethod
    def monthly(cls, trigger_time_input_key: Optional[str] = None, *, name: str = "monthly",
                description: str = "A trigger that runs monthly on the 1st at midnight", inputs: Optional[dict[str, Any]] = None, **kw: Any) -> Trigger:
        return cls._every("0 0 1 * *", trigger_time_input_key, inputs, name=name, description=description, **kw)


def normalize_triggers(value: Union[Trigger, tuple[Trigger, ...], list, None]) -> tuple[Trigger, ...]:
    if value is None:
        return ()
    items = (value,) if isinstance(value, Trigger) else tuple(value)
    for t in items:
        if not isinstance(t, Trigger):
            raise TypeError(f"triggers must be flyte.Trigger objects, got {type(t).__name__}")
    names = [t.name for t in items]
    if len(set(names)) != len(names):
        raise ValueError(f"Trigger names must be unique per task, got {names}")
    return items
