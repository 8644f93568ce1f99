from .._internal import internal_functions
from .._resources import Resources, ResourceSpec

(construct_extended_resources, convert_resources_to_resource_model, pod_spec_from_resources) = internal_functions(
    __name__, "flyteidl/kubernetes resource translation", "construct_extended_resources",
    "convert_resources_to_resource_model", "pod_spec_from_resources",
)

__all__ = ["ResourceSpec", "Resources"]
