"""`flyte.io.DataFrame`: a tabular value that tasks can pass without caring about the library.

Between actions a DataFrame is written once as Parquet (pickle when pyarrow is missing) into the
run's data directory and read back lazily by `open(pd.DataFrame).all()`. pandas is optional: it
is only imported when a frame is materialised.
"""

from __future__ import annotations

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
            frame.uri = remote_destination
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
        if not module.startswith(("pandas", "pyarrow", "polars")):
            return None
        return DataFrame(uri=self.uri, format=self.format, hash=self.hash, val=self._raw_df).open(cls).all_sync()

    # -- storage -----------------------------------------------------------------------------------

    def _write(self, target: Union[Path, str]) -> None:
        """Write the frame to `target` (a local path or a URL) completely or not at all: a local
        file is renamed into place, an object is uploaded whole."""
        if is_remote(str(target)):
            with tempfile.TemporaryDirectory(prefix="flyte-frame-") as tmp:
                local = Path(tmp) / "frame"
                self._write(local)
                _fsspec.put_file(str(local), str(target))
            return
        dest = Path(local_path_of(str(target)))
        dest.parent.mkdir(parents=True, exist_ok=True)
        df = self._raw_df
        part = dest.with_name(dest.name + ".tmp")
        if _is_pandas(df) and _has_pyarrow() and self.format in (PARQUET, None, ""):
            self.format = PARQUET
            df.to_parquet(part)
        else:
            import cloudpickle

            self.format = PICKLE
            part.write_bytes(cloudpickle.dumps(df))
        part.replace(dest)

    def io_record(self, data_dir: Union[Path, str, None]) -> dict[str, Any]:
        """A frame held in memory is written once into `data_dir/frames` (Parquet where possible;
        `data_dir` may be a URL) and travels by uri; outside a run it travels pickled inline."""
        if self.uri is None and self._raw_df is not None:
            root = data_dir
            if root is None:
                import cloudpickle

                return {"uri": None, "format": PICKLE, "hash": self.hash, "inline": cloudpickle.dumps(self._raw_df)}
            target: Union[Path, str]
            if isinstance(root, str):
                target = _fsspec.join(root, "frames", uuid.uuid4().hex, "00000")
            else:
                target = root / "frames" / uuid.uuid4().hex / "00000"
            self._write(target)
            self.uri = str(target)
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
        if self.format == PICKLE:
            import pickle

            if is_remote(self.uri):
                return pickle.loads(_fsspec.read_bytes(self.uri))
            return pickle.loads(Path(local_path_of(self.uri)).read_bytes())
        import pandas as pd

        if is_remote(self.uri):
            fs, path = _fsspec.filesystem(self.uri)
            return pd.read_parquet(path, filesystem=fs)
        return pd.read_parquet(self.uri)

    def all_sync(self) -> Any:
        df = self._load()
        wanted = self._dataframe_type
        if wanted is not None and not isinstance(df, wanted):
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


