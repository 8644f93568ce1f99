"""flytekit's IDL workflow models (import-only)."""

from __future__ import annotations

from ..._internal import internal_classes

_WHY = "flyteidl workflow model"
(BranchNode, Node, NodeMetadata, TaskNodeOverrides, WorkflowMetadata, WorkflowTemplate,) = internal_classes(
    __name__, _WHY, "BranchNode", "Node", "NodeMetadata", "TaskNodeOverrides", "WorkflowMetadata", "WorkflowTemplate"
)

__all__ = ["BranchNode", "Node", "NodeMetadata", "TaskNodeOverrides", "WorkflowMetadata", "WorkflowTemplate"]
