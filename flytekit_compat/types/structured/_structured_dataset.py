"""`StructuredDataset`: a dataframe passed between tasks (a `flyte.io.DataFrame` with flytekit's API).

`Annotated[StructuredDataset, kwtypes(a=int)]` narrows what a task sees to those columns.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any, Optional

import flyte.io

PARQUET = "parquet"
CSV = "csv"
GENERIC_FORMAT = ""


def _is_pandas(df: Any) -> bool:
    cls = type(df)
    return cls.__name__ == "DataFrame" and cls.__module__.startswith("pandas")


class StructuredDataset(flyte.io.DataFrame):
    def __init__(self, dataframe: Any = None, uri: Optional[str] = None, metadata: Any = None,
                 file_format: str = PARQUET, **kwargs: Any):
        super().__init__(uri=uri, format=file_format, hash=kwargs.get("hash"), val=dataframe)
        self._metadata = metadata
        self._columns: Optional[dict[str, Any]] = None

    @property
    def dataframe(self) -> Any:
        return self.val

    @property
    def file_format(self) -> str:
        return self.format or PARQUET

    @property
    def metadata(self) -> Any:
        return self._metadata

    @classmethod
    def columns(cls) -> dict[str, Any]:
        return {}

    @classmethod
    def _flytekit_coerce(cls, value: Any) -> StructuredDataset:
        if isinstance(value, StructuredDataset):
            return value
        if isinstance(value, flyte.io.DataFrame):
            sd = cls(dataframe=value.val, uri=value.uri, file_format=value.format or PARQUET)
            return sd
        if _is_pandas(value):
            return cls(dataframe=value)
        if type(value).__name__.startswith("FlyteSchema") and hasattr(value, "open"):
            return cls(dataframe=value.open().all())  # the deprecated schema type feeds a dataset input
        raise TypeError(
            f"Expected a StructuredDataset instance, but got {type(value)} instead. Did you forget to wrap your "
            "dataframe in a StructuredDataset instance?"
        )

    def _flytekit_annotate(self, metadata: Any) -> StructuredDataset:
        """A view that only shows the columns named in `kwtypes(...)`."""
        if isinstance(metadata, dict) and metadata:
            df = self.val
            if _is_pandas(df) and all(c in df.columns for c in metadata):
                # an in-memory frame is cut to the declared columns, so the subset is what travels on
                return StructuredDataset(dataframe=df[list(metadata)], uri=self.uri, file_format=self.format or PARQUET)
            view = StructuredDataset(dataframe=self.val, uri=self.uri, file_format=self.format or PARQUET)
            view._columns = dict(metadata)
            return view
        return self

    @classmethod
    def from_io_record(cls, record: dict[str, Any]) -> StructuredDataset:  # flyte.io's public hook
        base = flyte.io.DataFrame.from_io_record(record)
        sd = cls(dataframe=base.val, uri=base.uri, file_format=base.format or PARQUET)
        return sd

    def open(self, dataframe_type: type) -> StructuredDataset:  # type: ignore[override]
        self._dataframe_type = dataframe_type
        return self

    def all(self) -> Any:  # type: ignore[override]
        """The data as the type given to `open` (sync, as in flytekit)."""
        df = self.all_sync()
        if self._columns and _is_pandas(df):
            df = df[list(self._columns)]
        return df

    def iter(self) -> Iterator[Any]:  # type: ignore[override]
        yield self.all()

    def __repr__(self) -> str:
        return f"StructuredDataset(uri={self.uri!r}, file_format={self.file_format!r})"


class StructuredDatasetType:
    def __init__(self, columns: Any = None, format: str = "", external_schema_type: Any = None, external_schema_bytes: Any = None):
        self.columns, self.format = columns or [], format


class StructuredDatasetMetadata:
    def __init__(self, structured_dataset_type: Any = None):
        self.structured_dataset_type = structured_dataset_type

