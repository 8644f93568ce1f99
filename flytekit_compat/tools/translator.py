"""Serialization of entities to flyteidl for registration (import-only: nothing is registered)."""

from __future__ import annotations

from .._internal import internal_functions

_WHY = "registration serializer"
(gather_dependent_entities, get_serializable, get_serializable_task,) = internal_functions(
    __name__, _WHY, "gather_dependent_entities", "get_serializable", "get_serializable_task"
)

__all__ = ["gather_dependent_entities", "get_serializable", "get_serializable_task"]
