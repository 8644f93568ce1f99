"""flytekit's IDL type annotations (import-only)."""

from __future__ import annotations

from .._internal import internal_classes

_WHY = "flyteidl type annotation"
(TypeAnnotation,) = internal_classes(
    __name__, _WHY, "TypeAnnotation"
)

__all__ = ["TypeAnnotation"]
