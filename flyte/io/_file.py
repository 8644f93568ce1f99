"""`flyte.io.File`: a reference to a file that can be passed between tasks."""

from __future__ import annotations

import asyncio
import contextlib
import os
import shutil
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from pathlib import Path
from typing import IO, Any, Optional, Union

from .. import _fsspec
from ._base import (
    _REQUIRED,
    OPT_STR,
    STR,
    IOValue,
    LocalDataNotFound,
    copy_file_atomic,
    file_digest,
    is_remote,
    keep_file,
    local_path_of,
    new_local_path,
    new_path,
    run_data_dir,
)
from ._hashing import HashMethod

LazyUploader = Callable[[], Awaitable[tuple[Optional[str], str]]]


class AsyncFile:
    """An open file with awaitable methods (what `async with file.open(...)` yields)."""

    def __init__(self, fh: IO[Any]):
        self._fh = fh

    async def read(self, size: int = -1) -> Any:
        return self._fh.read(size)

    async def readline(self) -> Any:
        return self._fh.readline()

    async def readlines(self) -> list:
        return self._fh.readlines()

    async def write(self, data: Any) -> int:
        return self._fh.write(data)

    async def flush(self) -> None:
        self._fh.flush()

    async def seek(self, offset: int, whence: int = 0) -> int:
        return self._fh.seek(offset, whence)

    async def tell(self) -> int:
        return self._fh.tell()

    async def close(self) -> None:
        self._fh.close()

    def __aiter__(self) -> AsyncIterator[Any]:
        return self._lines()

    async def _lines(self) -> AsyncIterator[Any]:
        for line in self._fh:
            yield line

    @property
    def name(self) -> str:
        return getattr(self._fh, "name", "")


def _open_any(path: str, mode: str, **kwargs: Any) -> IO[Any]:
    if is_remote(path):
        fs, p = _fsspec.filesystem(path)
        return fs.open(p, mode, **kwargs)
    local = local_path_of(path)
    if any(c in mode for c in "wax"):
        Path(local).parent.mkdir(parents=True, exist_ok=True)
    return open(local, mode, **kwargs)


def _local_lazy_uploader(local_path: str) -> LazyUploader:
    """What `File.from_local` outside a run attaches: in local mode the file is used where it is
    (it is copied into the run's data directory when it is passed to a task)."""
    async def lazy_uploader() -> tuple[Optional[str], str]:
        return None, local_path

    return lazy_uploader


def _split_hash(hash_method: Optional[Union[HashMethod, str]]) -> tuple[Optional[HashMethod], Optional[str]]:
    if isinstance(hash_method, str):
        return None, hash_method
    return hash_method, None


def _put_file(src: Path, destination: str, hash_method: Optional[HashMethod]) -> str:
    """Copy a local file to `destination` (a local path or an fsspec URL), completely or not at all
    for a local destination; returns the path the copy has."""
    if is_remote(destination):
        with open(src, "rb") as fin, _open_any(destination, "wb") as fout:
            for chunk in iter(lambda: fin.read(1 << 20), b""):
                if hash_method is not None:
                    hash_method.update(chunk)
                fout.write(chunk)
        return destination
    dest = Path(local_path_of(destination))
    copy_file_atomic(src, dest, hash_method)
    return str(dest.absolute())


class File(IOValue):
    """A file by path (local, or a URL with fsspec installed).

    `File.from_local` inside a run copies the file into the run's storage at once (the SDK
    uploads it), so the local file may be deleted afterwards. Passing any File with a local path
    to another task copies it into the run's data directory first, so the receiver reads the same
    bytes even after the producer's temporary files are gone.
    """

    _fields = ("path", "name", "format", "hash")
    _schema = ("A file reference with an optional format type.", "file", {
        "path": (STR, _REQUIRED), "name": (OPT_STR, None), "format": (STR, ""), "hash": (OPT_STR, None),
    })

    def __init__(self, path: Union[str, Path, None] = None, name: Optional[str] = None, format: str = "",
                 hash: Optional[str] = None, hash_method: Optional[HashMethod] = None, **kwargs: Any):
        if path is None:
            path = kwargs.pop("uri", None)
        if path is None:
            raise TypeError("File needs a path")
        if kwargs:
            raise TypeError(f"File got unexpected arguments: {sorted(kwargs)}")
        self.path = str(path)
        self.name = name if name is not None else os.path.basename(self.path.rstrip("/"))
        self.format = format
        self.hash = hash
        self.hash_method = hash_method
        self._lazy_uploader: Optional[LazyUploader] = None

    def _repr_fields(self) -> tuple[str, ...]:
        return (*self._fields, "hash_method")

    @property
    def lazy_uploader(self) -> Optional[LazyUploader]:
        """For a File made from a local file outside a run: an async function returning
        `(hash, uri)` of the file once it is uploaded (locally: `(None, local path)`)."""
        return self._lazy_uploader

    @lazy_uploader.setter
    def lazy_uploader(self, fn: Optional[LazyUploader]) -> None:
        self._lazy_uploader = fn

    # -- crossing actions --------------------------------------------------------------------------

    def io_record(self, data_dir: Union[Path, str, None]) -> dict[str, Any]:
        path = self.path
        if not is_remote(path) and data_dir is not None:
            path = keep_file(Path(local_path_of(path)), data_dir)
        return {"path": path, "name": self.name, "format": self.format, "hash": self.hash}

    # -- constructors --------------------------------------------------------------------------------

    @classmethod
    def from_local_sync(cls, local_path: Union[str, Path], remote_destination: Optional[str] = None,
                        hash_method: Optional[Union[HashMethod, str]] = None, chunk_size: Optional[int] = None,
                        max_concurrency: Optional[int] = None) -> File:
        """A File holding the bytes `local_path` has now.

        Inside a run the file is copied into the run's storage (or to `remote_destination`)
        before this returns, so deleting or changing the local file afterwards does not change
        the File. Outside a run (and without `remote_destination`) the File refers to the local
        file, with a `lazy_uploader`, and is copied when it is passed to a task, as in the SDK.
        A `HashMethod` sees the bytes as they are copied; a string is taken as the hash."""
        src = Path(local_path)
        if not src.exists():
            raise LocalDataNotFound(f"File not found: {local_path}")
        if not src.is_file():
            raise LocalDataNotFound(f"File.from_local: {local_path} is a directory, not a file (use Dir.from_local)")
        method, digest = _split_hash(hash_method)
        data = None
        if remote_destination is not None:
            path = _put_file(src, remote_destination, method)
        else:
            if method is not None:
                with open(src, "rb") as fh:
                    for chunk in iter(lambda: fh.read(1 << 20), b""):
                        method.update(chunk)
            data = run_data_dir()
            # In a run: kept in the run's data directory, content-addressed, where passing the
            # File on to another task finds it already kept.
            path = str(local_path) if data is None else keep_file(src, data)
        if method is not None:
            digest = method.result()
        file = cls(path=path, name=src.name, hash=digest, hash_method=method)
        if remote_destination is None and data is None:
            file.lazy_uploader = _local_lazy_uploader(str(local_path))
        return file

    @classmethod
    async def from_local(cls, local_path: Union[str, Path], remote_destination: Optional[str] = None,
                         hash_method: Optional[Union[HashMethod, str]] = None, chunk_size: Optional[int] = None,
                         max_concurrency: Optional[int] = None) -> File:
        """`from_local_sync`, with the copy made in a worker thread."""
        if remote_destination is None and run_data_dir() is None:
            return cls.from_local_sync(local_path, None, hash_method)
        return await asyncio.to_thread(cls.from_local_sync, local_path, remote_destination, hash_method)

    @classmethod
    def from_existing_remote(cls, remote_path: str, file_cache_key: Optional[str] = None) -> File:
        return cls(path=remote_path, hash=file_cache_key)

    @classmethod
    def new_remote(cls, file_name: Optional[str] = None, hash_method: Optional[Union[HashMethod, str]] = None) -> File:
        """A File at a fresh path in the run's raw data directory, to write with `open("wb")`."""
        return cls(path=new_path(file_name), hash=hash_method if isinstance(hash_method, str) else None)

    @classmethod
    def named_remote(cls, name: str) -> File:
        return cls(path=new_path(name))

    # -- access ------------------------------------------------------------------------------------

    @contextlib.contextmanager
    def open_sync(self, mode: str = "rb", block_size: Optional[int] = None, cache_type: str = "readahead",
                  cache_options: Optional[dict] = None, compression: Optional[str] = None, **kwargs: Any) -> Iterator[IO[Any]]:
        fh = _open_any(self.path, mode, **kwargs)
        try:
            yield fh
        finally:
            fh.close()

    @contextlib.asynccontextmanager
    async def open(self, mode: str = "rb", block_size: Optional[int] = None, cache_type: str = "readahead",
                   cache_options: Optional[dict] = None, compression: Optional[str] = None, **kwargs: Any) -> AsyncIterator[AsyncFile]:
        fh = await asyncio.to_thread(_open_any, self.path, mode, **kwargs)
        try:
            yield AsyncFile(fh)
        finally:
            fh.close()

    def exists_sync(self) -> bool:
        if is_remote(self.path):
            return _fsspec.exists(self.path)
        return os.path.exists(local_path_of(self.path))

    async def exists(self) -> bool:
        return self.exists_sync()

    def download_sync(self, local_path: Optional[Union[str, Path]] = None) -> str:
        """A local path with the file's bytes (the file itself when it is already local)."""
        if not is_remote(self.path) and local_path is None:
            return local_path_of(self.path)
        leaf = os.path.basename(self.path.rstrip("/")) or self.name  # named as the source is, as in the SDK
        target = Path(local_path) if local_path is not None else Path(new_local_path(leaf))
        # An existing directory, or a path ending in a separator, receives the file under its name.
        if target.is_dir() or (local_path is not None and str(local_path).endswith(os.sep)):
            target = target / (os.path.basename(self.path.rstrip("/")) or self.name or "file")
        target.parent.mkdir(parents=True, exist_ok=True)
        if not is_remote(self.path):
            shutil.copyfile(local_path_of(self.path), target)
            return str(target)
        # the store's own `get` (as the SDK downloads), from the filesystem `flyte.storage` gives:
        # credentials are resolved by that filesystem when it first needs them, not before
        from .. import storage

        fs = storage.get_underlying_filesystem(path=self.path)
        try:
            fs.get(self.path, str(target))
        except BaseException:
            target.unlink(missing_ok=True)  # no half-downloaded file left behind
            raise
        return str(target)

    async def download(self, local_path: Optional[Union[str, Path]] = None) -> str:
        return await asyncio.to_thread(self.download_sync, local_path)

    def content_hash(self) -> str:
        """SHA-256 of the bytes (for local files)."""
        return file_digest(Path(local_path_of(self.path)))

    def __fspath__(self) -> str:
        return local_path_of(self.path)


