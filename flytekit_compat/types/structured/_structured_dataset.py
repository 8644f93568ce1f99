"""`StructuredDataset`: a dataframe passed between tasks (a `flyte.io.DataFrame` with flytekit's API).

`Annotated[StructuredDataset, kwtypes(a=int)]` narrows what a task sees to those columns.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any, Optional

import flyte.io

from ...models.literals import StructuredDatasetMetadata
from ...models.types import StructuredDatasetType

PARQUET = "parquet"
CSV = "csv"
GENERIC_FORMAT = ""


def _is_pandas(df: Any) -> bool:
    cls = type(df)
    return cls.__name__ == "DataFrame" and cls.__module__.startswith("pandas")


class StructuredDataset(flyte.io.DataFrame):
    """A dataframe, or data stored at a uri, passed between tasks. Made locally it has no uri
    (`uri=None`) until an encoder writes it; a task receiving one reads it with
    `open(pd.DataFrame).all()` through the decoder for its stored format."""

    def __init__(self, dataframe: Any = None, uri: Optional[str] = None, metadata: Any = None,
                 file_format: str = GENERIC_FORMAT, **kwargs: Any):
        super().__init__(uri=uri, format=file_format, hash=kwargs.get("hash"), val=dataframe)
        self._metadata = metadata
        self._columns: Optional[dict[str, Any]] = None
        self._given_uri = uri  # what flytekit calls `uri`: set by the user, not by where the data went
        self._literal_sd: Any = None  # the stored dataset this value reads from (set by the transformer)
        self._already_uploaded = False

    @property
    def dataframe(self) -> Any:
        return self.val

    @property
    def file_format(self) -> str:
        return self.format or GENERIC_FORMAT

    @file_format.setter
    def file_format(self, value: str) -> None:
        self.format = value

    @property
    def literal(self) -> Any:
        return self._literal_sd

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
            sd = cls(dataframe=value.val, uri=value.uri, file_format=value.format or GENERIC_FORMAT)
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
        sd._given_uri = None  # where the runtime stored it is not a uri the user gave
        return sd

    def open(self, dataframe_type: type) -> StructuredDataset:  # type: ignore[override]
        from .structured_dataset import lazy_import_structured_dataset_handler

        lazy_import_structured_dataset_handler()
        self._dataframe_type = dataframe_type
        return self

    def _decoded(self, iterate: bool = False) -> Any:
        from ...core.context_manager import FlyteContextManager
        from .structured_dataset import StructuredDatasetTransformerEngine, _engine

        ctx = FlyteContextManager.current_context()
        engine: StructuredDatasetTransformerEngine = _engine()
        if self._literal_sd is None:  # data at a uri the user gave: read where it is
            self._literal_sd = engine.to_literal(ctx, self, StructuredDataset, None).scalar.structured_dataset
        read = engine.iter_as if iterate else engine.open_as
        return read(ctx, self._literal_sd, self._dataframe_type, self._metadata or self._literal_sd.metadata)

    def all(self) -> Any:  # type: ignore[override]
        """The data as the type given to `open` (sync, as in flytekit)."""
        if self._dataframe_type is None:
            raise ValueError("No dataframe type set. Use open() to set the local dataframe type you want to use.")
        if self._literal_sd is not None or (self._given_uri and self.val is None):
            return self._decoded()
        df = self.all_sync()
        if self._columns and _is_pandas(df):
            df = df[list(self._columns)]
        return df

    def iter(self) -> Iterator[Any]:  # type: ignore[override]
        if self._literal_sd is not None:
            return self._decoded(iterate=True)
        return iter([self.all()])

    def set_literal(self, ctx: Any, expected: Any) -> None:
        from .structured_dataset import _engine

        self._literal_sd = _engine().to_literal(ctx, self, StructuredDataset, expected).scalar.structured_dataset
        if self._metadata is None:
            self._metadata = self._literal_sd.metadata

    # -- inside a dataclass or pydantic model (mashumaro's SerializableType protocol, as flytekit) -------

    def _serialize(self) -> dict[str, Any]:
        from ...core.context_manager import FlyteContextManager
        from .structured_dataset import _engine

        lv = _engine().to_literal(FlyteContextManager.current_context(), self, type(self), None)
        model = lv.scalar.structured_dataset
        return {"uri": model.uri, "file_format": model.metadata.structured_dataset_type.format}

    @classmethod
    def _deserialize(cls, value: dict[str, Any]) -> StructuredDataset:
        from .structured_dataset import _engine

        return _engine().dict_to_structured_dataset(value, cls)

    def __repr__(self) -> str:
        return f"StructuredDataset(uri={self._given_uri!r}, file_format={self.file_format!r})"


__all__ = ["CSV", "GENERIC_FORMAT", "PARQUET", "StructuredDataset", "StructuredDatasetMetadata", "StructuredDatasetType"]
