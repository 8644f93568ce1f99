"""Remote execution handles (import-only)."""

from __future__ import annotations

from .._internal import internal_classes

_WHY = "Flyte backend client"
(FlyteNodeExecution, FlyteTaskExecution, FlyteWorkflowExecution,) = internal_classes(
    __name__, _WHY, "FlyteNodeExecution", "FlyteTaskExecution", "FlyteWorkflowExecution"
)

__all__ = ["FlyteNodeExecution", "FlyteTaskExecution", "FlyteWorkflowExecution"]
