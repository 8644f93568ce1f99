"""`flytekit.types.structured`."""

from ._structured_dataset import (
    CSV,
    GENERIC_FORMAT,
    PARQUET,
    StructuredDataset,
    StructuredDatasetMetadata,
    StructuredDatasetType,
)

__all__ = ["CSV", "GENERIC_FORMAT", "PARQUET", "StructuredDataset", "StructuredDatasetMetadata", "StructuredDatasetType"]
