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
    lazy_import_structured_dataset_handler,
)


def register_csv_handlers() -> None:
    """pandas frames as CSV (`Annotated[StructuredDataset, CSV]`); built in, so this only makes sure."""
    from .basic_dfs import register

    register("pandas")


def register_pandas_handlers() -> None:
    from .basic_dfs import register

    register("pandas")


def register_arrow_handlers() -> None:
    from .basic_dfs import register

    register("pyarrow")


def register_bigquery_handlers() -> None:
    raise NotImplementedError("BigQuery dataframe handlers need flytekitplugins-bigquery, which the shim does not provide")


__all__ = [
    "CSV", "GENERIC_FORMAT", "PARQUET", "StructuredDataset", "StructuredDatasetDecoder", "StructuredDatasetEncoder",
    "StructuredDatasetMetadata", "StructuredDatasetTransformerEngine", "StructuredDatasetType",
    "lazy_import_structured_dataset_handler", "register_arrow_handlers",
    "register_bigquery_handlers", "register_csv_handlers", "register_pandas_handlers",
]
