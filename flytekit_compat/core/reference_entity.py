"""Reference entities (names kept for imports; see `flytekit_compat._reference`)."""

from __future__ import annotations

from .._internal import internal_classes
from .._reference import ReferenceEntity

(ReferenceSpec, ReferenceTemplate, TaskReference, WorkflowReference, LaunchPlanReference) = internal_classes(
    __name__, "registration-time reference model", "ReferenceSpec", "ReferenceTemplate", "TaskReference",
    "WorkflowReference", "LaunchPlanReference",
)

__all__ = ["LaunchPlanReference", "ReferenceEntity", "ReferenceSpec", "ReferenceTemplate", "TaskReference", "WorkflowReference"]
