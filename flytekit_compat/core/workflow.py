from .._executor import WorkflowFailurePolicy
from .._imperative import ImperativeWorkflow
from .._reference import ReferenceWorkflow, reference_workflow
from .._workflow import (
    PythonFunctionWorkflow,
    WorkflowBase,
    WorkflowMetadata,
    WorkflowMetadataDefaults,
    get_promise,
    workflow,
)

__all__ = [
    "ImperativeWorkflow", "PythonFunctionWorkflow", "ReferenceWorkflow", "WorkflowBase", "WorkflowFailurePolicy", "WorkflowMetadata",
    "WorkflowMetadataDefaults", "get_promise", "reference_workflow", "workflow",
]
