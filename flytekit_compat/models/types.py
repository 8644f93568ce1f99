"""flytekit's IDL type models (import-only: the shim checks Python type hints directly)."""

from __future__ import annotations

from .._internal import internal_classes, internal_module_getattr

_WHY = "flyteidl type model"
(Error, LiteralType, SchemaType, SimpleType, StructuredDatasetType, TypeStructure, UnionType,) = internal_classes(
    __name__, _WHY, "Error", "LiteralType", "SchemaType", "SimpleType", "StructuredDatasetType", "TypeStructure", "UnionType"
)

__getattr__ = internal_module_getattr(__name__, _WHY)

__all__ = ["Error", "LiteralType", "SchemaType", "SimpleType", "StructuredDatasetType", "TypeStructure", "UnionType"]
