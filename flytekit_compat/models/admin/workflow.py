"""flytekit's admin workflow models (import-only)."""

from __future__ import annotations

from ..._internal import internal_classes

_WHY = "flyteidl admin model"
(WorkflowSpec,) = internal_classes(
    __name__, _WHY, "WorkflowSpec"
)

__all__ = ["WorkflowSpec"]
