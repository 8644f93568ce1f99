"""flytekit's IDL interface models (import-only)."""

from __future__ import annotations

from .._internal import internal_classes, internal_module_getattr

_WHY = "flyteidl interface model"
(Parameter, ParameterMap, TypedInterface, Variable, VariableMap,) = internal_classes(
    __name__, _WHY, "Parameter", "ParameterMap", "TypedInterface", "Variable", "VariableMap"
)

__getattr__ = internal_module_getattr(__name__, _WHY)

__all__ = ["Parameter", "ParameterMap", "TypedInterface", "Variable", "VariableMap"]
