"""`flytekit.remote`: the client of a Flyte backend (import-only: the shim runs everything locally)."""

from .entities import FlyteLaunchPlan, FlyteTask, FlyteWorkflow
from .executions import FlyteNodeExecution, FlyteTaskExecution, FlyteWorkflowExecution
from .remote import FlyteRemote

__all__ = [
    "FlyteLaunchPlan", "FlyteNodeExecution", "FlyteRemote", "FlyteTask", "FlyteTaskExecution", "FlyteWorkflow",
    "FlyteWorkflowExecution",
]
