"""flytekit's IDL type annotations (import-only)."""

from __future__ import annotations

from .._internal import internal_classes, internal_module_getattr

_WHY = "flyteidl type annotation"
(TypeAnnotation,) = internal_classes(
    __name__, _WHY, "TypeAnnotation"
)

__getattr__ = internal_module_getattr(__name__, _WHY)

__all__ = ["TypeAnnotation"]
