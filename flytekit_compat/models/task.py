"""flytekit's IDL task models (import-only; `flytekit.Resources` is the public resources type)."""

from __future__ import annotations

from .._internal import internal_classes, internal_module_getattr

_WHY = "flyteidl task model"
(Container, DataLoadingConfig, K8sPod, Resources, RuntimeMetadata, TaskMetadata, TaskSpec, TaskTemplate,) = internal_classes(
    __name__, _WHY, "Container", "DataLoadingConfig", "K8sPod", "Resources", "RuntimeMetadata", "TaskMetadata", "TaskSpec", "TaskTemplate"
)

__getattr__ = internal_module_getattr(__name__, _WHY)

__all__ = ["Container", "DataLoadingConfig", "K8sPod", "Resources", "RuntimeMetadata", "TaskMetadata", "TaskSpec", "TaskTemplate"]
