"""flytekit's interface models (`flytekit.models.interface`): typed inputs and outputs."""

from __future__ import annotations

from typing import Any, Optional

from ._base import Model


class Variable(Model):
    """A named input or output: its literal type, description, and the artifact it is bound to."""

    _fields = ("type", "description", "artifact_partial_id", "artifact_tag")


class VariableMap(Model):
    _fields = ("variables",)


class TypedInterface(Model):
    _fields = ("inputs", "outputs")


class Parameter(Model):
    """An input with its default literal (or an artifact query or id that supplies it)."""

    _fields = ("var", "default", "required", "artifact_query", "artifact_id")

    @property
    def behavior(self) -> Optional[Any]:
        for v in (self._default, self._required, self._artifact_query, self._artifact_id):
            if v is not None:
                return v
        return None


class ParameterMap(Model):
    _fields = ("parameters",)


__all__ = ["Parameter", "ParameterMap", "TypedInterface", "Variable", "VariableMap"]
