from .._executor import WorkflowFailurePolicy
from .._imperative import ImperativeWorkflow
from .._reference import reference_workflow
from .._workflow import (
    PythonFunctionWorkflow,
    WorkflowBase,
    WorkflowMetadata,
    WorkflowMetadataDefaults,
    get_promise,
    workflow,
)

__all__ = [
    "ImperativeWorkflow", "PythonFunctionWorkflow", "WorkflowBase", "WorkflowFailurePolicy", "WorkflowMetadata",
    "WorkflowMetadataDefaults", "get_promise", "reference_workflow", "workflow",
]
