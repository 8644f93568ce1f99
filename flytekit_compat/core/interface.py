"""`flytekit.core.interface`: the typed interface of an entity.

`Interface` is the shim's own (inputs with defaults, outputs); the transformations into
flyteidl interfaces are import-only.
"""

from __future__ import annotations

import typing
from typing import Any

from .._interface import Interface, output_type_names
from .._internal import internal_functions


def extract_return_annotation(return_annotation: Any) -> dict[str, Any]:
    """Output names and types of a return annotation: `o0`, `o1`, ... or a NamedTuple's fields."""
    if isinstance(return_annotation, tuple):  # `-> (int, str)`
        return_annotation = typing.Tuple[return_annotation]  # type: ignore[valid-type]
    outputs, _ = output_type_names(return_annotation)
    return outputs


(transform_function_to_interface, transform_inputs_to_parameters, transform_interface_to_list_interface,
 transform_interface_to_typed_interface, transform_variable_map, transform_types_to_list_of_type,
 detect_artifact) = internal_functions(
    __name__, "flyteidl interface translation", "transform_function_to_interface", "transform_inputs_to_parameters",
    "transform_interface_to_list_interface", "transform_interface_to_typed_interface", "transform_variable_map",
    "transform_types_to_list_of_type", "detect_artifact",
)

__all__ = ["Interface", "extract_return_annotation"]
