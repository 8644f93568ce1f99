"""`TypeAnnotation`: arbitrary metadata attached to a literal type."""

from __future__ import annotations

from typing import Any

from ._base import Model


class TypeAnnotation(Model):
    _fields = ("annotations",)
    _defaults = {"annotations": dict}

    @classmethod
    def merge_annotations(cls, annotation: TypeAnnotation, other_annotation: TypeAnnotation) -> TypeAnnotation:
        """Both annotations' keys; the same key in both is an error (flytekit's rule)."""
        merged: dict[str, Any] = dict(annotation.annotations or {})
        for k, v in (other_annotation.annotations or {}).items():
            if k in merged:
                raise ValueError(f"Annotation conflict: both annotations have the key {k!r}")
            merged[k] = v
        return cls(annotations=merged)


__all__ = ["TypeAnnotation"]
