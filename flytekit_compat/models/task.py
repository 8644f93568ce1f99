"""flytekit's task models: `Resources` (requests and limits as resource entries) is real; the
rest of the task template is import-only."""

from __future__ import annotations

from .._internal import internal_classes, internal_module_getattr
from ._base import Model


class Resources(Model):
    class ResourceName:
        UNKNOWN = 0
        CPU = 1
        GPU = 2
        MEMORY = 3
        STORAGE = 4
        EPHEMERAL_STORAGE = 5

    class ResourceEntry(Model):
        _fields = ("name", "value")

    _fields = ("requests", "limits")
    _defaults = {"requests": list, "limits": list}


_WHY = "flyteidl task model"
(Container, DataLoadingConfig, K8sPod, RuntimeMetadata, TaskMetadata, TaskSpec, TaskTemplate, IOStrategy,
 K8sObjectMetadata) = internal_classes(
    __name__, _WHY, "Container", "DataLoadingConfig", "K8sPod", "RuntimeMetadata", "TaskMetadata", "TaskSpec",
    "TaskTemplate", "IOStrategy", "K8sObjectMetadata",
)

__getattr__ = internal_module_getattr(__name__, _WHY)

__all__ = ["Container", "DataLoadingConfig", "IOStrategy", "K8sObjectMetadata", "K8sPod", "Resources",
           "RuntimeMetadata", "TaskMetadata", "TaskSpec", "TaskTemplate"]
