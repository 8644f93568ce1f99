"""`flyte.io.File`: a reference to a file that can be passed between tasks."""

from __future__ import annotations

import asyncio
import contextlib
import os
import shutil
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import IO, Any, Optional, Union

from ._base import IOValue, file_digest, is_remote, keep_file, local_path_of, new_path
from ._hashing import HashMethod


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
        try:
            import fsspec
        except ImportError as e:
            raise ImportError(f"Reading {path} needs fsspec: pip install fsspec (and the protocol's filesystem)") from e
        return fsspec.open(path, mode, **kwargs).open()
    local = local_path_of(path)
    if any(c in mode for c in "wax"):
        Path(local).parent.mkdir(parents=True, exist_ok=True)
    return open(local, mode, **kwargs)


class File(IOValue):
    """A file by path (local, or a URL with fsspec installed).

    Passing a File to another task copies a local file into the run's data directory first, so
    the receiver reads the same bytes even after the producer's temporary files are gone.
    """

    _fields = ("path", "name", "format", "hash")

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

    # -- crossing actions --------------------------------------------------------------------------

    def _flyte_io_record(self, io_context: Any) -> dict[str, Any]:
        path = self.path
        if not is_remote(path) and io_context is not None:
            path = keep_file(Path(local_path_of(path)), io_context)
        return {"path": path, "name": self.name, "format": self.format, "hash": self.hash}

    @classmethod
    def _flyte_io_restore(cls, record: dict[str, Any]) -> File:
        return cls(**record)

    # -- constructors --------------------------------------------------------------------------------

    @classmethod
    def from_local_sync(cls, local_path: Union[str, Path], remote_destination: Optional[str] = None,
                        hash_method: Optional[Union[HashMethod, str]] = None, chunk_size: Optional[int] = None,
                        max_concurrency: Optional[int] = None) -> File:
        """A File for a local file. With `remote_destination`, the file is copied there first."""
        src = Path(local_path)
        if not src.is_file():
            raise FileNotFoundError(f"File.from_local: {src} is not a file")
        path = str(src.resolve())
        if remote_destination is not None:
            with open(src, "rb") as fin, _open_any(remote_destination, "wb") as fout:
                shutil.copyfileobj(fin, fout)
            path = remote_destination
        if isinstance(hash_method, str):
            digest = hash_method
        elif hash_method is not None:
            with open(src, "rb") as f:
                for chunk in iter(lambda: f.read(1 << 20), b""):
                    hash_method.update(chunk)
            digest = hash_method.result()
        else:
            digest = None
        return cls(path=path, name=src.name, hash=digest)

    @classmethod
    async def from_local(cls, local_path: Union[str, Path], remote_destination: Optional[str] = None,
                         hash_method: Optional[Union[HashMethod, str]] = None, chunk_size: Optional[int] = None,
                         max_concurrency: Optional[int] = None) -> File:
        return cls.from_local_sync(local_path, remote_destination, hash_method)

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
            import fsspec

            fs, p = fsspec.core.url_to_fs(self.path)
            return fs.exists(p)
        return os.path.exists(local_path_of(self.path))

    async def exists(self) -> bool:
        return self.exists_sync()

    def download_sync(self, local_path: Optional[Union[str, Path]] = None) -> str:
        """A local path with the file's bytes (the file itself when it is already local)."""
        if not is_remote(self.path) and local_path is None:
            return local_path_of(self.path)
        target = Path(local_path) if local_path is not None else Path(new_path(self.name))
        if target.is_dir():
            target = target / (self.name or "file")
        target.parent.mkdir(parents=True, exist_ok=True)
        with _open_any(self.path, "rb") as fin, open(target, "wb") as fout:
            shutil.copyfileobj(fin, fout)
        return str(target)

    async def download(self, local_path: Optional[Union[str, Path]] = None) -> str:
        return await asyncio.to_thread(self.download_sync, local_path)

    def content_hash(self) -> str:
        """SHA-256 of the bytes (for local files)."""
        return file_digest(Path(local_path_of(self.path)))

    def __fspath__(self) -> str:
        return local_path_of(self.path)


