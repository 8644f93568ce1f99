"""flytekit's IDL core type models (import-only)."""

from __future__ import annotations

from ..._internal import internal_classes, internal_module_getattr

_WHY = "flyteidl type model"
(BlobType, EnumType, SchemaType, StructuredDatasetType,) = internal_classes(
    __name__, _WHY, "BlobType", "EnumType", "SchemaType", "StructuredDatasetType"
)

__getattr__ = internal_module_getattr(__name__, _WHY)

__all__ = ["BlobType", "EnumType", "SchemaType", "StructuredDatasetType"]
