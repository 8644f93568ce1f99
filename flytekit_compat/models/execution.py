"""flytekit's admin execution models (import-only)."""

from __future__ import annotations

from .._internal import internal_classes

_WHY = "flyteidl admin model"
(AbortMetadata, Execution, ExecutionClosure, ExecutionMetadata, ExecutionSpec, NotificationList,) = internal_classes(
    __name__, _WHY, "AbortMetadata", "Execution", "ExecutionClosure", "ExecutionMetadata", "ExecutionSpec", "NotificationList"
)

__all__ = ["AbortMetadata", "Execution", "ExecutionClosure", "ExecutionMetadata", "ExecutionSpec", "NotificationList"]
