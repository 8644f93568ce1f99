"""Built-in dataset handlers: pandas frames as parquet or CSV, pyarrow tables as parquet.

Each writes into a directory (the dataset's uri, or a fresh one in the raw-data store) and reads
every file of that directory back, keeping only the columns the reading task declares.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any, Optional

from ...models import literals
from ...models.literals import StructuredDatasetMetadata
from ...models.types import StructuredDatasetType
from .structured_dataset import (
    CSV,
    PARQUET,
    StructuredDataset,
    StructuredDatasetDecoder,
    StructuredDatasetEncoder,
    StructuredDatasetTransformerEngine,
)


def _target_dir(ctx: Any, sd: StructuredDataset) -> str:
    uri = sd._given_uri or ctx.file_access.get_random_remote_directory()
    if "://" not in uri or uri.startswith("file://"):
        Path(uri.removeprefix("file://")).mkdir(parents=True, exist_ok=True)
    return uri


def _columns(metadata: Optional[StructuredDatasetMetadata]) -> Optional[list[str]]:
    sdt = metadata.structured_dataset_type if metadata is not None else None
    if sdt is not None and sdt.columns:
        return [c.name for c in sdt.columns]
    return None


def _literal(uri: str, sdt: StructuredDatasetType, fmt: str) -> literals.StructuredDataset:
    sdt.format = fmt
    return literals.StructuredDataset(uri=uri, metadata=StructuredDatasetMetadata(sdt))


class PandasToParquetEncodingHandler(StructuredDatasetEncoder):
    def __init__(self) -> None:
        import pandas as pd

        super().__init__(pd.DataFrame, None, PARQUET)

    def encode(self, ctx: Any, structured_dataset: StructuredDataset, structured_dataset_type: StructuredDatasetType) -> Any:
        uri = _target_dir(ctx, structured_dataset)
        structured_dataset.dataframe.to_parquet(os.path.join(uri, f"{0:05}"), coerce_timestamps="us",
                                                allow_truncated_timestamps=False)
        return _literal(uri, structured_dataset_type, PARQUET)


class ParquetToPandasDecodingHandler(StructuredDatasetDecoder):
    def __init__(self) -> None:
        import pandas as pd

        super().__init__(pd.DataFrame, None, PARQUET)

    def decode(self, ctx: Any, flyte_value: literals.StructuredDataset, current_task_metadata: StructuredDatasetMetadata) -> Any:
        import pandas as pd

        return pd.read_parquet(flyte_value.uri, columns=_columns(current_task_metadata))


class PandasToCSVEncodingHandler(StructuredDatasetEncoder):
    def __init__(self) -> None:
        import pandas as pd

        super().__init__(pd.DataFrame, None, CSV)

    def encode(self, ctx: Any, structured_dataset: StructuredDataset, structured_dataset_type: StructuredDatasetType) -> Any:
        uri = _target_dir(ctx, structured_dataset)
        structured_dataset.dataframe.to_csv(os.path.join(uri, ".csv"), index=False)
        return _literal(uri, structured_dataset_type, CSV)


class CSVToPandasDecodingHandler(StructuredDatasetDecoder):
    def __init__(self) -> None:
        import pandas as pd

        super().__init__(pd.DataFrame, None, CSV)

    def decode(self, ctx: Any, flyte_value: literals.StructuredDataset, current_task_metadata: StructuredDatasetMetadata) -> Any:
        import pandas as pd

        return pd.read_csv(os.path.join(flyte_value.uri, ".csv"), usecols=_columns(current_task_metadata))


class ArrowToParquetEncodingHandler(StructuredDatasetEncoder):
    def __init__(self) -> None:
        import pyarrow as pa

        super().__init__(pa.Table, None, PARQUET)

    def encode(self, ctx: Any, structured_dataset: StructuredDataset, structured_dataset_type: StructuredDatasetType) -> Any:
        import pyarrow.parquet as pq

        uri = _target_dir(ctx, structured_dataset)
        pq.write_table(structured_dataset.dataframe, os.path.join(uri, f"{0:05}"))
        return _literal(uri, structured_dataset_type, PARQUET)


class ParquetToArrowDecodingHandler(StructuredDatasetDecoder):
    def __init__(self) -> None:
        import pyarrow as pa

        super().__init__(pa.Table, None, PARQUET)

    def decode(self, ctx: Any, flyte_value: literals.StructuredDataset, current_task_metadata: StructuredDatasetMetadata) -> Any:
        import pyarrow.parquet as pq

        return pq.read_table(flyte_value.uri, columns=_columns(current_task_metadata))


class _ParquetNeedsPyarrow:
    """Stands in for the pandas parquet handlers when pyarrow is missing: says what to install."""

    def __new__(cls, base: type) -> Any:
        import pandas as pd

        def refuse(self: Any, *args: Any, **kwargs: Any) -> Any:
            raise ImportError("Writing or reading a pandas DataFrame as parquet (the default dataset format) needs "
                              "pyarrow: pip install pyarrow (or annotate the dataset with the CSV format)")

        handler_cls = type("PandasParquetNeedsPyarrow", (base,), {"encode": refuse, "decode": refuse})
        return handler_cls(pd.DataFrame, None, PARQUET)


def register(module: str) -> None:
    """Registers the handlers of `module` ("pandas" or "pyarrow"), leaving a user's own alone."""
    engine = StructuredDatasetTransformerEngine
    if module == "pandas":
        try:
            import pyarrow  # noqa: F401  (parquet needs it)
        except ImportError:
            handlers: list[Any] = [_ParquetNeedsPyarrow(StructuredDatasetEncoder), _ParquetNeedsPyarrow(StructuredDatasetDecoder)]
        else:
            handlers = [PandasToParquetEncodingHandler(), ParquetToPandasDecodingHandler()]
        handlers += [PandasToCSVEncodingHandler(), CSVToPandasDecodingHandler()]
        for h in handlers:
            _register_quietly(engine, h, default_format=h.supported_format == PARQUET)
    elif module == "pyarrow":
        for h in (ArrowToParquetEncodingHandler(), ParquetToArrowDecodingHandler()):
            _register_quietly(engine, h, default_format=True)


def _register_quietly(engine: Any, h: Any, default_format: bool) -> None:
    from .structured_dataset import DuplicateHandlerError

    try:
        engine.register(h, default_format_for_type=default_format)
    except DuplicateHandlerError:
        pass


__all__ = ["ArrowToParquetEncodingHandler", "CSVToPandasDecodingHandler", "PandasToCSVEncodingHandler",
           "PandasToParquetEncodingHandler", "ParquetToArrowDecodingHandler", "ParquetToPandasDecodingHandler"]
