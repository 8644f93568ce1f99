"""Remote entities (import-only)."""

from __future__ import annotations

from .._internal import internal_classes

_WHY = "Flyte backend client"
(FlyteLaunchPlan, FlyteTask, FlyteWorkflow,) = internal_classes(
    __name__, _WHY, "FlyteLaunchPlan", "FlyteTask", "FlyteWorkflow"
)

__all__ = ["FlyteLaunchPlan", "FlyteTask", "FlyteWorkflow"]
