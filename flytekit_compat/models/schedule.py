"""flytekit's IDL schedule model (import-only: `CronSchedule`/`FixedRate` are the public types)."""

from __future__ import annotations

from .._internal import internal_classes

(Schedule,) = internal_classes(__name__, "flyteidl schedule model", "Schedule")

__all__ = ["Schedule"]
