"""flytekit's core type models (`flytekit.models.core.types`): blobs and enums."""

from __future__ import annotations

from .._base import Model
from ..types import SchemaType, StructuredDatasetType


class BlobType(Model):
    """A file (SINGLE) or directory (MULTIPART), with a format such as "csv" (empty: any)."""

    class BlobDimensionality:
        SINGLE = 0
        MULTIPART = 1

    _fields = ("format", "dimensionality")


class EnumType(Model):
    _fields = ("values",)


__all__ = ["BlobType", "EnumType", "SchemaType", "StructuredDatasetType"]
