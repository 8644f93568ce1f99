"""Reading and writing data by path or URL: local paths directly, object stores through fsspec
(obstore's filesystem when obstore is installed, configured as `flyte.init(storage=...)` or the environment describes).

Paths without a scheme, and `file://` URLs, are local. A write goes to a temporary name first
and is renamed into place, so a reader never sees half a file.
"""

from __future__ import annotations

import asyncio
import builtins
import os
import shutil
import tempfile
import uuid
from collections.abc import AsyncGenerator, AsyncIterable
from pathlib import Path
from typing import IO, Any, Dict, Optional, Union

# fsspec is this module's backend, loaded with it (as the SDK's storage module does: programs use
# `fsspec.implementations.local` after `import flyte.storage`); `import flyte` does not load this
# module, so plain programs do not pay for fsspec
import fsspec
import fsspec.implementations.local

from .._fsspec import classic_fsspec_kwargs, storage_for

_DEFAULT_CHUNK = 10 * 1024 * 1024


def _protocol(path: str) -> str:
    return path.split("://", 1)[0] if "://" in path else "file"


def is_remote(path: Union[Path, str]) -> bool:
    """Whether `path` is in an object store (anything but a local path or file:// URL)."""
    return _protocol(str(path)) not in ("file", "local")


def _local(path: Union[str, Path]) -> str:
    p = str(path)
    return p[len("file://"):] if p.startswith("file://") else p


def join(*paths: str) -> str:
    """Join path parts with "/" (URLs keep their scheme)."""
    parts = [p for p in paths if p]
    if not parts:
        return ""
    head, rest = parts[0], [p.strip("/") for p in parts[1:]]
    return "/".join([head.rstrip("/"), *rest]) if rest else head


def _raw_data_root() -> Path:
    """The current run's raw data directory when it is local, else a per-process temp directory."""
    from .._ctx import ctx

    current = ctx()
    raw = getattr(getattr(current, "raw_data_path", None), "path", None) if current else None
    if raw and not is_remote(raw):
        return Path(_local(raw))
    return Path(tempfile.gettempdir()) / "flyte-raw"


def get_random_local_directory() -> Path:
    """A new, empty local directory."""
    d = _raw_data_root() / uuid.uuid4().hex
    d.mkdir(parents=True, exist_ok=True)
    return d


def get_random_local_path(file_path_or_file_name: Union[Path, str, None] = None) -> Path:
    """A fresh local path (its directory exists), named `file_path_or_file_name` if given."""
    name = Path(file_path_or_file_name).name if file_path_or_file_name else uuid.uuid4().hex
    return get_random_local_directory() / name


def get_configured_fsspec_kwargs(protocol: Optional[str] = None, anonymous: bool = False) -> Dict[str, Any]:
    """The filesystem kwargs for `protocol` from the configured (or environment's) storage."""
    if protocol:
        cfg = storage_for(protocol)
        if cfg is not None:
            return cfg.get_fsspec_kwargs(anonymous=anonymous)
    return {}


# the protocols obstore's fsspec adapter serves (when obstore is installed)
_OBJECT_STORES = frozenset({"s3", "s3a", "gs", "gcs", "abfs", "abfss", "az"})


def get_underlying_filesystem(protocol: Optional[str] = None, anonymous: bool = False, path: Optional[str] = None,
                              **kwargs: Any) -> Any:
    """An fsspec filesystem for `protocol` (or `path`'s), configured for this process."""
    protocol = protocol or (_protocol(path) if path else "file")
    if protocol in ("file", "local"):
        return fsspec.filesystem("file", **kwargs)
    if protocol not in _OBJECT_STORES:
        # fsspec's own implementation: memory:// is fsspec's process-wide store (the one flyte.io
        # writes; obstore's would be another, empty one), and obstore knows no other protocols
        return fsspec.filesystem(protocol, **kwargs)
    options = {**get_configured_fsspec_kwargs(protocol, anonymous), **kwargs}
    try:
        from obstore.fsspec import FsspecStore
    except ImportError:
        return fsspec.filesystem(protocol, **classic_fsspec_kwargs(protocol, options))
    return FsspecStore(protocol, **options)  # type: ignore[call-overload]  # options match the protocol


def _fs_and_path(path: str) -> tuple[Any, str]:
    fs = get_underlying_filesystem(path=path)
    return fs, path


def _read_bytes(path: str) -> bytes:
    if not is_remote(path):
        return Path(_local(path)).read_bytes()
    fs, p = _fs_and_path(path)
    return fs.cat_file(p)


def _copy_local(src: str, dst: str, recursive: bool) -> None:
    s, d = Path(_local(src)), Path(_local(dst))
    if s.is_dir():
        if not recursive:
            raise IsADirectoryError(f"{src} is a directory; pass recursive=True to copy it")
        shutil.copytree(s, d, dirs_exist_ok=True)
        return
    if not s.exists():
        raise FileNotFoundError(f"{src} does not exist")
    d.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=d.parent, prefix=f".{d.name}.")
    os.close(fd)
    try:
        shutil.copyfile(s, tmp)
        os.replace(tmp, d)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise


def _put_sync(from_path: str, to_path: str, recursive: bool) -> str:
    if not is_remote(to_path):
        _copy_local(from_path, to_path, recursive)
        return to_path
    fs, p = _fs_and_path(to_path)
    fs.put(_local(from_path), p, recursive=recursive)
    return to_path


async def put(from_path: str, to_path: Optional[str] = None, recursive: bool = False, batch_size: Optional[int] = None,
              chunk_size: Optional[int] = None, max_concurrency: Optional[int] = None, **kwargs: Any) -> str:
    """Copy a local file (or directory, with `recursive`) to `to_path` (a fresh path in the run's
    raw data directory when omitted); returns where it went."""
    if is_remote(from_path):
        raise ValueError(f"put copies a local path to storage; {from_path} is not local (use get)")
    if to_path is None:
        to_path = str(get_random_local_path(Path(from_path).name))
    return await asyncio.to_thread(_put_sync, str(from_path), str(to_path), recursive)


def _get_sync(from_path: str, to_path: str, recursive: bool) -> str:
    if not is_remote(from_path):
        _copy_local(from_path, to_path, recursive)
        return to_path
    fs, p = _fs_and_path(from_path)
    Path(to_path).parent.mkdir(parents=True, exist_ok=True)
    fs.get(p, to_path, recursive=recursive)
    return to_path


async def get(from_path: str, to_path: Optional[Union[str, Path]] = None, recursive: bool = False, **kwargs: Any) -> str:
    """Copy `from_path` to a local path (a fresh one when omitted); returns the local path."""
    target = str(to_path) if to_path is not None else str(get_random_local_path(Path(str(from_path)).name))
    return await asyncio.to_thread(_get_sync, str(from_path), target, recursive)


def exists_sync(path: str, **kwargs: Any) -> bool:
    if not is_remote(path):
        return os.path.exists(_local(path))
    fs, p = _fs_and_path(path)
    return bool(fs.exists(p))


async def exists(path: str, **kwargs: Any) -> bool:
    return await asyncio.to_thread(exists_sync, path)


def _open_sync(path: str, mode: str) -> IO[Any]:
    if not is_remote(path):
        local = _local(path)
        if any(c in mode for c in "wax"):
            Path(local).parent.mkdir(parents=True, exist_ok=True)
        return builtins.open(local, mode)  # this module's own `open` is the async one
    fs, p = _fs_and_path(path)
    return fs.open(p, mode)


class AsyncStorageFile:
    """An open file with awaitable read/write/close; usable with `async with`."""

    def __init__(self, fh: IO[Any]):
        self._fh = fh

    async def read(self, size: int = -1) -> Any:
        return await asyncio.to_thread(self._fh.read, size)

    async def write(self, data: Any) -> int:
        return await asyncio.to_thread(self._fh.write, data)

    async def flush(self) -> None:
        self._fh.flush()

    async def seek(self, offset: int, whence: int = 0) -> int:
        return self._fh.seek(offset, whence)

    async def tell(self) -> int:
        return self._fh.tell()

    async def close(self) -> None:
        await asyncio.to_thread(self._fh.close)

    async def __aenter__(self) -> AsyncStorageFile:
        return self

    async def __aexit__(self, *exc: Any) -> None:
        await self.close()

    def __getattr__(self, name: str) -> Any:
        return getattr(self._fh, name)


async def open(path: str, mode: str = "rb", **kwargs: Any) -> AsyncStorageFile:
    """Open a local or remote file; `await f.read()` / `await f.write(...)` / `await f.close()`."""
    return AsyncStorageFile(await asyncio.to_thread(_open_sync, path, mode))


async def get_stream(path: str, chunk_size: int = _DEFAULT_CHUNK, **kwargs: Any) -> AsyncGenerator[bytes, None]:
    """The bytes at `path`, in chunks of at most `chunk_size`."""
    fh = await asyncio.to_thread(_open_sync, path, "rb")
    try:
        while True:
            chunk = await asyncio.to_thread(fh.read, chunk_size)
            if not chunk:
                return
            yield chunk
    finally:
        fh.close()


async def put_stream(data_iterable: Union[AsyncIterable[bytes], bytes], *, name: Optional[str] = None,
                     to_path: Optional[str] = None, size_hint: Optional[int] = None, chunk_size: Optional[int] = None,
                     max_concurrency: Optional[int] = None, **kwargs: Any) -> str:
    """Write bytes (or an async iterable of chunks) to `to_path` (or a fresh path named `name`);
    returns the path. A local target appears only once complete."""
    target = to_path if to_path is not None else str(get_random_local_path(name))
    if is_remote(target):
        fh = await asyncio.to_thread(_open_sync, target, "wb")
        final: Optional[str] = None
    else:
        final = _local(target)
        Path(final).parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=os.path.dirname(final) or ".", prefix=f".{os.path.basename(final)}.")
        os.close(fd)
        fh = await asyncio.to_thread(_open_sync, tmp, "wb")
    try:
        if isinstance(data_iterable, (bytes, bytearray, memoryview)):
            await asyncio.to_thread(fh.write, bytes(data_iterable))
        else:
            async for chunk in data_iterable:
                await asyncio.to_thread(fh.write, chunk)
        fh.close()
        if final is not None:
            os.replace(tmp, final)
    except BaseException:
        fh.close()
        if final is not None and os.path.exists(tmp):
            os.unlink(tmp)
        raise
    return target
