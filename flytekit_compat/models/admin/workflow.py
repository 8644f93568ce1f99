"""flytekit's admin workflow models (import-only)."""

from __future__ import annotations

from ..._internal import internal_classes, internal_module_getattr

_WHY = "flyteidl admin model"
(WorkflowSpec,) = internal_classes(
    __name__, _WHY, "WorkflowSpec"
)

__getattr__ = internal_module_getattr(__name__, _WHY)

__all__ = ["WorkflowSpec"]
