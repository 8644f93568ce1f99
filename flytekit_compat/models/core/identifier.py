"""Identifiers of executions and registered entities, as flytekit's models spell them."""

from __future__ import annotations

import enum
from dataclasses import dataclass


class ResourceType(enum.IntEnum):
    UNSPECIFIED = 0
    TASK = 1
    WORKFLOW = 2
    LAUNCH_PLAN = 3
    DATASET = 4


@dataclass(frozen=True)
class Identifier:
    resource_type: int | str  # a ResourceType when registered; local executions name it ("TASK"), as flytekit does
    project: str
    domain: str
    name: str
    version: str

    def __str__(self) -> str:
        kind = ResourceType(self.resource_type).name if isinstance(self.resource_type, int) else self.resource_type
        return f"{kind}:{self.project}:{self.domain}:{self.name}:{self.version}"


@dataclass(frozen=True)
class WorkflowExecutionIdentifier:
    project: str
    domain: str
    name: str

    def __str__(self) -> str:
        return f"ex:{self.project}:{self.domain}:{self.name}"


@dataclass(frozen=True)
class NodeExecutionIdentifier:
    node_id: str
    execution_id: WorkflowExecutionIdentifier


@dataclass(frozen=True)
class TaskExecutionIdentifier:
    task_id: Identifier
    node_execution_id: NodeExecutionIdentifier
    retry_attempt: int = 0


__all__ = ["Identifier", "NodeExecutionIdentifier", "ResourceType", "TaskExecutionIdentifier", "WorkflowExecutionIdentifier"]
