"""`get_reference_entity`: a task, workflow or launch plan registered on a Flyte backend."""

from __future__ import annotations

from typing import Any

from .reference_entity import ReferenceEntity, ReferenceSpec, ReferenceTemplate, TaskReference


def get_reference_entity(resource_type: Any, project: str, domain: str, name: str, version: str,
                         inputs: dict[str, type], outputs: dict[str, type]) -> ReferenceEntity:
    """A callable stand-in for a registered entity with the given typed interface."""
    from ..models.core.identifier import ResourceType

    kind = {ResourceType.TASK: "task", ResourceType.WORKFLOW: "workflow", ResourceType.LAUNCH_PLAN: "launch plan"}.get(
        resource_type, str(resource_type))
    return ReferenceEntity(kind, project, domain, name, version, inputs=inputs, outputs=outputs)


__all__ = ["ReferenceEntity", "ReferenceSpec", "ReferenceTemplate", "TaskReference", "get_reference_entity"]
