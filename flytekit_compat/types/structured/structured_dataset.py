"""`flytekit.types.structured.structured_dataset` (import path kept for legacy code)."""

from ..._internal import internal_classes
from ._structured_dataset import (  # noqa: F401
    CSV,
    GENERIC_FORMAT,
    PARQUET,
    StructuredDataset,
    StructuredDatasetMetadata,
    StructuredDatasetType,
)

(StructuredDatasetTransformerEngine, StructuredDatasetEncoder, StructuredDatasetDecoder) = internal_classes(
    __name__, "dataframe encoder/decoder registry", "StructuredDatasetTransformerEngine", "StructuredDatasetEncoder",
    "StructuredDatasetDecoder",
)
