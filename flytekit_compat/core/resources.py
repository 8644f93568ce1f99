"""`flytekit.core.resources`: Resources and their translations (the task model's resource
entries, and a Kubernetes pod spec for a primary container)."""

from __future__ import annotations

from dataclasses import fields
from typing import Any, Optional

from .._internal import internal_functions
from .._resources import Resources, ResourceSpec
from ..models import task as _task_models

(construct_extended_resources,) = internal_functions(
    __name__, "flyteidl extended-resource translation", "construct_extended_resources",
)

_ENTRY_NAMES = {"cpu": _task_models.Resources.ResourceName.CPU, "mem": _task_models.Resources.ResourceName.MEMORY,
                "gpu": _task_models.Resources.ResourceName.GPU,
                "ephemeral_storage": _task_models.Resources.ResourceName.EPHEMERAL_STORAGE}


def _check_resource_is_singular(resource: Resources) -> Resources:
    for f in fields(resource):
        value = getattr(resource, f.name)
        if isinstance(value, (tuple, list)):
            raise ValueError(f"{value} can not be a list or tuple")
    return resource


def _entries(resources: Resources) -> list[Any]:
    _check_resource_is_singular(resources)
    return [_task_models.Resources.ResourceEntry(name=_ENTRY_NAMES[f.name], value=str(getattr(resources, f.name)))
            for f in fields(resources) if getattr(resources, f.name) is not None]


def convert_resources_to_resource_model(requests: Optional[Resources] = None,
                                        limits: Optional[Resources] = None) -> Any:
    """Requests and limits as the task model's resource entries."""
    return _task_models.Resources(requests=_entries(requests) if requests is not None else [],
                                  limits=_entries(limits) if limits is not None else [])


def pod_spec_from_resources(primary_container_name: Optional[str] = None, requests: Optional[Resources] = None,
                            limits: Optional[Resources] = None, k8s_gpu_resource_key: str = "nvidia.com/gpu") -> Any:
    """A Kubernetes pod spec whose one container has these requests and limits (each defaults
    to the other). Needs the `kubernetes` package."""
    try:
        from kubernetes.client import V1Container, V1PodSpec, V1ResourceRequirements
    except ImportError:
        raise ImportError("pod_spec_from_resources builds a kubernetes V1PodSpec: pip install kubernetes") from None
    if primary_container_name is None:  # flytekit passes it on and kubernetes refuses it with a ValueError too
        raise ValueError("pod_spec_from_resources needs primary_container_name: a Kubernetes container must have a name")
    names = {"cpu": "cpu", "mem": "memory", "gpu": k8s_gpu_resource_key, "ephemeral_storage": "ephemeral-storage"}

    def k8s(resources: Optional[Resources]) -> Optional[dict[str, Any]]:
        if resources is None:
            return None
        _check_resource_is_singular(resources)
        return {names[f.name]: getattr(resources, f.name) for f in fields(resources) if getattr(resources, f.name) is not None}

    req, lim = k8s(requests), k8s(limits)
    req, lim = req or lim, lim or req
    return V1PodSpec(containers=[V1Container(name=primary_container_name,
                                             resources=V1ResourceRequirements(requests=req, limits=lim))])


__all__ = ["ResourceSpec", "Resources", "construct_extended_resources", "convert_resources_to_resource_model",
           "pod_spec_from_resources"]
