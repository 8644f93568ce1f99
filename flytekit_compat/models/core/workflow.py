"""flytekit's IDL workflow models (import-only)."""

from __future__ import annotations

from ..._internal import internal_classes, internal_module_getattr

_WHY = "flyteidl workflow model"
(BranchNode, Node, NodeMetadata, TaskNodeOverrides, WorkflowMetadata, WorkflowTemplate,) = internal_classes(
    __name__, _WHY, "BranchNode", "Node", "NodeMetadata", "TaskNodeOverrides", "WorkflowMetadata", "WorkflowTemplate"
)

__getattr__ = internal_module_getattr(__name__, _WHY)

__all__ = ["BranchNode", "Node", "NodeMetadata", "TaskNodeOverrides", "WorkflowMetadata", "WorkflowTemplate"]
