"""`flytekit.types.structured`."""

from ._structured_dataset import (
    CSV,
    GENERIC_FORMAT,
    PARQUET,
    StructuredDataset,
    StructuredDatasetMetadata,
    StructuredDatasetType,
)
from .structured_dataset import (
    StructuredDatasetDecoder,
    StructuredDatasetEncoder,
    StructuredDatasetTransformerEngine,
)


def register_csv_handlers() -> None:
    """CSV is built in: `Annotated[StructuredDataset, CSV]` stores a frame as CSV."""
    StructuredDatasetTransformerEngine.registered_formats.add(CSV)


def register_pandas_handlers() -> None:
    StructuredDatasetTransformerEngine.registered_formats.add(PARQUET)


def register_arrow_handlers() -> None:
    StructuredDatasetTransformerEngine.registered_formats.add(PARQUET)


def register_bigquery_handlers() -> None:
    raise NotImplementedError("BigQuery dataframe handlers need flytekitplugins-bigquery, which the shim does not provide")


__all__ = [
    "CSV", "GENERIC_FORMAT", "PARQUET", "StructuredDataset", "StructuredDatasetDecoder", "StructuredDatasetEncoder",
    "StructuredDatasetMetadata", "StructuredDatasetTransformerEngine", "StructuredDatasetType", "register_arrow_handlers",
    "register_bigquery_handlers", "register_csv_handlers", "register_pandas_handlers",
]
