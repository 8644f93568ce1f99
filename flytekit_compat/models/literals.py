"""flytekit's IDL literal models (import-only: the shim passes plain Python values)."""

from __future__ import annotations

from .._internal import internal_classes, internal_module_getattr

_WHY = "flyteidl literal model"
(Binary, Binding, BindingData, BindingDataCollection, BindingDataMap, Blob, BlobMetadata, Literal, LiteralCollection, LiteralMap, LiteralOffloadedMetadata, Primitive, RetryStrategy, Scalar, Schema, StructuredDataset, StructuredDatasetMetadata, Union, Void,) = internal_classes(
    __name__, _WHY, "Binary", "Binding", "BindingData", "BindingDataCollection", "BindingDataMap", "Blob", "BlobMetadata", "Literal", "LiteralCollection", "LiteralMap", "LiteralOffloadedMetadata", "Primitive", "RetryStrategy", "Scalar", "Schema", "StructuredDataset", "StructuredDatasetMetadata", "Union", "Void"
)

__getattr__ = internal_module_getattr(__name__, _WHY)

__all__ = ["Binary", "Binding", "BindingData", "BindingDataCollection", "BindingDataMap", "Blob", "BlobMetadata", "Literal", "LiteralCollection", "LiteralMap", "LiteralOffloadedMetadata", "Primitive", "RetryStrategy", "Scalar", "Schema", "StructuredDataset", "StructuredDatasetMetadata", "Union", "Void"]
