"""`flytekit.types.structured.structured_dataset` (import path kept for legacy code)."""

from ._structured_dataset import (  # noqa: F401
    CSV,
    GENERIC_FORMAT,
    PARQUET,
    StructuredDataset,
    StructuredDatasetMetadata,
    StructuredDatasetType,
)
