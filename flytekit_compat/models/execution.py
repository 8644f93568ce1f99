"""flytekit's admin execution models (import-only)."""

from __future__ import annotations

from .._internal import internal_classes, internal_module_getattr

_WHY = "flyteidl admin model"
(AbortMetadata, Execution, ExecutionClosure, ExecutionMetadata, ExecutionSpec, NotificationList,) = internal_classes(
    __name__, _WHY, "AbortMetadata", "Execution", "ExecutionClosure", "ExecutionMetadata", "ExecutionSpec", "NotificationList"
)

__getattr__ = internal_module_getattr(__name__, _WHY)

__all__ = ["AbortMetadata", "Execution", "ExecutionClosure", "ExecutionMetadata", "ExecutionSpec", "NotificationList"]
