"""flytekit's IDL schedule model (import-only: `CronSchedule`/`FixedRate` are the public types)."""

from __future__ import annotations

from .._internal import internal_classes, internal_module_getattr

_WHY = "flyteidl schedule model"
(Schedule,) = internal_classes(__name__, _WHY, "Schedule")

__getattr__ = internal_module_getattr(__name__, _WHY)

__all__ = ["Schedule"]
