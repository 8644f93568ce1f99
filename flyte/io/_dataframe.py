"""`flyte.io.DataFrame`: a tabular value that tasks can pass without caring about the library.

Between actions a DataFrame is written once into a directory of the run's data (the SDK's
layout): by the encoder registered for its frame type (`flyte.io.extend.DataFrameTransformerEngine
.register`), or, for pandas and pyarrow frames, as Parquet in `<dir>/00000` (pickle when pyarrow
is missing). It is read back lazily by `open(T).all()`, through the decoder registered for `T`
when there is one. A frame type with neither an encoder nor a built-in writer is refused with the
SDK's error. pandas is optional: it is only imported when a frame is materialised.
"""

from __future__ import annotations

import sys
import tempfile
import uuid
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any, Optional, Union

from .. import _fsspec
from ._base import OPT_STR, IOValue, is_remote, local_path_of
from ._hashing import HashMethod

PARQUET = "parquet"
PICKLE = "pickle"


def _has_pyarrow() -> bool:
    try:
        import pyarrow  # noqa: F401
    except ImportError:
        return False
    return True


def _is_pandas(df: Any) -> bool:
    cls = type(df)
    return cls.__name__ == "DataFrame" and cls.__module__.startswith("pandas")


def _is_arrow_table(df: Any) -> bool:
    cls = type(df)
    return cls.__name__ == "Table" and cls.__module__.startswith("pyarrow")


def _protocol_of(uri: str) -> str:
    return uri.split("://", 1)[0] if "://" in uri else "file"


def _handlers() -> Any:
    """The encoder/decoder registry module, or None when nothing has loaded it: a handler can only
    have been registered through it, so an unloaded registry means none is (and it is not loaded
    here, which keeps protobuf out of runs that never register one)."""
    return sys.modules.get("flyte._types._io")


def _sd_literal(uri: str, fmt: str) -> Any:
    from flyteidl2.core import literals_pb2, types_pb2

    metadata = literals_pb2.StructuredDatasetMetadata(structured_dataset_type=types_pb2.StructuredDatasetType(format=fmt))
    return literals_pb2.StructuredDataset(uri=uri, metadata=metadata)


def _run_handler(make_coro: Any) -> Any:
    """An encoder's or decoder's result: the SDK declares both async; a plain method that returns
    its result is accepted too. Runs here, or on a helper thread when this thread's loop is busy."""
    import inspect

    from .._syncify import run_blocking

    result = make_coro()
    if not inspect.isawaitable(result):
        return result

    async def wait() -> Any:
        return await result

    return run_blocking(wait)


def decoder_for(df_type: Any, uri: str, fmt: str) -> Any:
    """The decoder registered for `df_type` (None if none is registered for that type at all)."""
    registry = _handlers()
    if registry is None or df_type not in registry.DataFrameTransformerEngine.DECODERS:
        return None
    return registry.DataFrameTransformerEngine.get_decoder(df_type, _protocol_of(uri), fmt or "")


def _decode(decoder: Any, uri: str, fmt: str) -> Any:
    """The data at `uri` (written in format `fmt`) read by `decoder` (from `decoder_for`)."""
    sd = _sd_literal(uri, fmt)
    return _run_handler(lambda: decoder.decode(sd, sd.metadata))


class DataFrame(IOValue):
    """A dataframe by value (wrapped) or by reference (`uri`, `format`). A wrapped frame has no
    format (`""`) until it is written, as in the SDK."""

    _fields = ("uri", "format", "hash")
    _schema = ("A tabular data reference backed by a remote file.", "dataframe", {
        "uri": (OPT_STR, None), "format": (OPT_STR, ""), "hash": (OPT_STR, None),
    })

    def __init__(self, uri: Optional[str] = None, format: Optional[str] = "", hash: Optional[str] = None,
                 val: Any = None, **_: Any):
        self.uri = uri
        self.format = format
        self.hash = hash
        self._raw_df = val
        self._written = False  # whether `val` was written to `uri` (a frame given a uri is written there)
        self._dataframe_type: Optional[type] = None

    # -- constructors ------------------------------------------------------------------------------

    @classmethod
    def from_df(cls, val: Any = None, uri: Optional[str] = None) -> DataFrame:
        """Wrap an in-memory dataframe (pandas, or anything picklable)."""
        return cls(uri=uri, val=val)

    wrap_df = from_df

    @classmethod
    def from_local_sync(cls, df: Any, columns: Any = None, remote_destination: Optional[str] = None,
                        hash_method: Optional[Union[HashMethod, str]] = None) -> DataFrame:
        digest: Optional[str]
        if isinstance(hash_method, str):
            digest = hash_method
        elif hash_method is not None:
            hash_method.update(df)
            digest = hash_method.result()
        else:
            digest = None
        frame = cls(val=df, hash=digest)
        if remote_destination is not None:
            frame._write(remote_destination)
        return frame

    @classmethod
    async def from_local(cls, df: Any, columns: Any = None, remote_destination: Optional[str] = None,
                         hash_method: Optional[Union[HashMethod, str]] = None) -> DataFrame:
        return cls.from_local_sync(df, columns, remote_destination, hash_method)

    @classmethod
    def from_existing_remote(cls, remote_path: str, format: Optional[str] = PARQUET, **kwargs: Any) -> DataFrame:
        return cls(uri=remote_path, format=format, hash=kwargs.get("hash"))

    @classmethod
    def _flyte_adapt(cls, value: Any) -> Optional[DataFrame]:
        """A task that takes a DataFrame also accepts a pandas frame, as in the SDK."""
        return cls.from_df(value) if _is_pandas(value) else None

    def _flyte_as(self, cls: type) -> Any:
        """This frame as an instance of `cls` (a pandas or pyarrow frame class), for a task
        parameter annotated with that class: the SDK reads the frame into it. None if `cls` is
        not a dataframe class this frame can become."""
        module = getattr(cls, "__module__", "")
        if not module.startswith(("pandas", "pyarrow", "polars")) and (self._raw_df is not None or decoder_for(
                cls, self.uri or "", self.format or "") is None):
            return None
        return DataFrame(uri=self.uri, format=self.format, hash=self.hash, val=self._raw_df).open(cls).all_sync()

    # -- storage -----------------------------------------------------------------------------------

    def _write(self, target: Union[Path, str]) -> None:
        """Write the frame into the directory `target` (a local path or a URL) and point `uri` at
        it: through the encoder registered for its type (which writes where it likes and returns
        the uri), else a pandas or pyarrow frame as Parquet in `target/00000` (pickle when pyarrow
        is missing), completely or not at all: a local file is renamed into place, an object is
        uploaded whole. Any other frame type has no writer: the SDK's error."""
        df = self._raw_df
        registry = _handlers()
        if registry is not None and type(df) in registry.DataFrameTransformerEngine.ENCODERS:
            self._encode(registry.DataFrameTransformerEngine, str(target))
            return
        if not (_is_pandas(df) or _is_arrow_table(df)):
            raise ValueError(f"Failed to find a handler for {type(df)}, protocol [{_protocol_of(str(target))}], "
                             f"fmt ['{self.format or ''}']")
        if is_remote(str(target)):
            with tempfile.TemporaryDirectory(prefix="flyte-frame-") as tmp:
                local = Path(tmp) / "frame"
                self._write(local)
                _fsspec.put_file(str(local / "00000"), _fsspec.join(str(target), "00000"))
            self.uri = str(target)
            return
        dest = Path(local_path_of(str(target)))
        dest.mkdir(parents=True, exist_ok=True)
        part = dest / "00000.tmp"
        if _has_pyarrow() and self.format in (PARQUET, None, ""):
            self.format = PARQUET
            if _is_pandas(df):
                df.to_parquet(part)
            else:
                import pyarrow.parquet as pq

                pq.write_table(df, part)
        else:
            import cloudpickle

            self.format = PICKLE
            part.write_bytes(cloudpickle.dumps(df))
        part.replace(dest / "00000")
        self.uri = str(target)
        self._written = True

    def _encode(self, engine: Any, target: str) -> None:
        """Write through the registered encoder, as the SDK does: it gets a DataFrame whose `uri` is
        the directory to use, and its returned dataset's uri and its format say where the data
        went and how it was written."""
        fmt = self.format or engine.DEFAULT_FORMATS.get(type(self._raw_df), "")
        encoder = engine.get_encoder(type(self._raw_df), _protocol_of(target), fmt)
        handed = DataFrame(uri=target, format=fmt, hash=self.hash, val=self._raw_df)
        from flyteidl2.core import types_pb2

        sd = _run_handler(lambda: encoder.encode(handed, types_pb2.StructuredDatasetType(format=fmt)))
        self.uri = sd.uri or target
        self.format = encoder.supported_format or sd.metadata.structured_dataset_type.format
        self._written = True

    def io_record(self, data_dir: Union[Path, str, None]) -> dict[str, Any]:
        """A frame held in memory is written once (into its own `uri` when it was given one, else
        into a new directory under `data_dir/frames`; `data_dir` may be a URL) and travels by uri;
        outside a run it travels pickled inline."""
        if self._raw_df is not None and not self._written and (self.uri is not None or data_dir is not None):
            target: Union[Path, str]
            if self.uri is not None:
                target = self.uri
            elif isinstance(data_dir, str):
                target = _fsspec.join(data_dir, "frames", uuid.uuid4().hex)
            else:
                target = Path(data_dir) / "frames" / uuid.uuid4().hex  # type: ignore[arg-type]
            self._write(target)
        elif self.uri is None and self._raw_df is not None:
            import cloudpickle

            return {"uri": None, "format": PICKLE, "hash": self.hash, "inline": cloudpickle.dumps(self._raw_df)}
        return {"uri": self.uri, "format": self.format, "hash": self.hash}

    @classmethod
    def from_io_record(cls, record: dict[str, Any]) -> DataFrame:
        record = dict(record)
        inline = record.pop("inline", None)
        frame = cls(**record)
        if inline is not None:
            import pickle

            frame._raw_df = pickle.loads(inline)
        return frame

    # -- reading -----------------------------------------------------------------------------------

    @property
    def val(self) -> Any:
        return self._raw_df

    def open(self, dataframe_type: type[Any]) -> DataFrame:
        """Choose what `all()` returns (e.g. `pd.DataFrame`)."""
        self._dataframe_type = dataframe_type
        return self

    def _load(self) -> Any:
        if self._raw_df is not None:
            return self._raw_df
        if self.uri is None:
            raise ValueError("This DataFrame has neither data nor a uri")
        wanted = self._dataframe_type
        decoder = decoder_for(wanted, self.uri, self.format or "") if wanted is not None else None
        if decoder is not None:
            return _decode(decoder, self.uri, self.format or "")
        if self.format == PICKLE:
            import pickle

            # written as `<uri>/00000`; runs recorded before that layout point at the file itself
            if is_remote(self.uri):
                try:
                    return pickle.loads(_fsspec.read_bytes(_fsspec.join(self.uri, "00000")))
                except FileNotFoundError:
                    return pickle.loads(_fsspec.read_bytes(self.uri))
            local = Path(local_path_of(self.uri))
            return pickle.loads((local / "00000" if local.is_dir() else local).read_bytes())
        import pandas as pd

        if is_remote(self.uri):
            fs, path = _fsspec.filesystem(self.uri)
            return pd.read_parquet(path, filesystem=fs)
        return pd.read_parquet(self.uri)

    def all_sync(self) -> Any:
        wanted = self._dataframe_type
        if wanted is None:
            raise ValueError("No dataframe type set. Use open() to set the local dataframe type you want to use.")
        df = self._load()
        if not isinstance(df, wanted):
            if _is_pandas(df) and getattr(wanted, "__module__", "").startswith("pyarrow"):
                import pyarrow as pa

                return pa.Table.from_pandas(df)
            if wanted.__name__ == "DataFrame" and wanted.__module__.startswith("pandas") and hasattr(df, "to_pandas"):
                return df.to_pandas()
        return df

    async def all(self) -> Any:
        return self.all_sync()

    async def iter(self) -> AsyncIterator[Any]:
        yield self.all_sync()


