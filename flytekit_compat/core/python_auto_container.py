"""Container image resolution for registration (import-only)."""

from __future__ import annotations

from .._internal import internal_classes, internal_functions

_WHY = "registration-time image resolution"
(DefaultTaskResolver, PythonAutoContainerTask,) = internal_classes(
    __name__, _WHY, "DefaultTaskResolver", "PythonAutoContainerTask"
)
(get_registerable_container_image,) = internal_functions(
    __name__, _WHY, "get_registerable_container_image"
)

__all__ = ["DefaultTaskResolver", "PythonAutoContainerTask", "get_registerable_container_image"]
