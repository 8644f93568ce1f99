"""`flyte.io.Dir`: a reference to a directory tree that can be passed between tasks."""

from __future__ import annotations

import asyncio
import fnmatch
import os
import shutil
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any, Optional, Union

from .. import _fsspec
from ._base import (
    _REQUIRED,
    OPT_STR,
    STR,
    IOValue,
    LocalDataNotFound,
    is_remote,
    keep_dir,
    local_path_of,
    new_local_path,
    new_path,
    run_data_dir,
)
from ._file import File, LazyUploader, _local_lazy_uploader


class Dir(IOValue):
    """A directory by path. `Dir.from_local` inside a run copies the tree into the run's storage
    at once; passing any Dir with a local path to another task copies the tree into the run's
    data directory first (content-addressed), so the receiver sees exactly what was sent."""

    _fields = ("path", "name", "format", "hash")
    _schema = ("A directory reference with an optional format type.", "dir", {
        "path": (STR, _REQUIRED), "name": (OPT_STR, None), "format": (STR, ""), "hash": (OPT_STR, None),
    })

    def __init__(self, path: Union[str, Path, None] = None, name: Optional[str] = None, format: str = "",
                 hash: Optional[str] = None, **kwargs: Any):
        if path is None:
            path = kwargs.pop("uri", None)
        if path is None:
            raise TypeError("Dir needs a path")
        if kwargs:
            raise TypeError(f"Dir got unexpected arguments: {sorted(kwargs)}")
        self.path = str(path)
        self.name = name if name is not None else os.path.basename(self.path.rstrip("/"))
        self.format = format
        self.hash = hash
        self._lazy_uploader: Optional[LazyUploader] = None

    @property
    def lazy_uploader(self) -> Optional[LazyUploader]:
        """For a Dir made from a local directory outside a run: an async function returning
        `(hash, uri)` once the tree is uploaded (locally: `(None, local path)`)."""
        return self._lazy_uploader

    @lazy_uploader.setter
    def lazy_uploader(self, fn: Optional[LazyUploader]) -> None:
        self._lazy_uploader = fn

    def io_record(self, data_dir: Union[Path, str, None]) -> dict[str, Any]:
        path = self.path
        if not is_remote(path) and data_dir is not None:
            path = keep_dir(Path(local_path_of(path)), data_dir)
        return {"path": path, "name": self.name, "format": self.format, "hash": self.hash}

    # -- constructors ------------------------------------------------------------------------------

    @classmethod
    def from_local_sync(cls, local_path: Union[str, Path], remote_destination: Optional[str] = None,
                        dir_cache_key: Optional[str] = None, batch_size: Optional[int] = None,
                        chunk_size: Optional[int] = None, max_concurrency: Optional[int] = None) -> Dir:
        """A Dir holding the tree `local_path` has now: inside a run the tree is copied into the
        run's storage (or to `remote_destination`) before this returns, so the local directory
        may be deleted afterwards. Outside a run it refers to the local directory, with a
        `lazy_uploader`, and is copied when it is passed to a task, as in the SDK."""
        src = Path(local_path)
        if not src.is_dir():
            raise LocalDataNotFound(f"Dir.from_local: {local_path} is not a directory")
        name = os.path.basename(os.path.normpath(str(local_path)))
        if remote_destination is not None:
            if is_remote(remote_destination):
                fs, p = _fsspec.filesystem(remote_destination)
                fs.put(str(src).rstrip(os.sep) + os.sep, p.rstrip("/") + "/", recursive=True)
            else:
                shutil.copytree(src, local_path_of(remote_destination), dirs_exist_ok=True)
            return cls(path=remote_destination, name=name, hash=dir_cache_key)
        data = run_data_dir()
        if data is None:
            d = cls(path=str(local_path), name=name, hash=dir_cache_key)
            d.lazy_uploader = _local_lazy_uploader(str(local_path))
            return d
        return cls(path=keep_dir(src, data), name=name, hash=dir_cache_key)

    @classmethod
    async def from_local(cls, local_path: Union[str, Path], remote_destination: Optional[str] = None,
                         dir_cache_key: Optional[str] = None, batch_size: Optional[int] = None,
                         chunk_size: Optional[int] = None, max_concurrency: Optional[int] = None) -> Dir:
        """`from_local_sync`, with the copy made in a worker thread."""
        if remote_destination is None and run_data_dir() is None:
            return cls.from_local_sync(local_path, None, dir_cache_key)
        return await asyncio.to_thread(cls.from_local_sync, local_path, remote_destination, dir_cache_key)

    @classmethod
    def from_existing_remote(cls, remote_path: str, dir_cache_key: Optional[str] = None) -> Dir:
        return cls(path=remote_path, hash=dir_cache_key)

    @classmethod
    def new_remote(cls, dir_name: Optional[str] = None, hash: Optional[str] = None) -> Dir:
        path = new_path(dir_name)
        if not is_remote(path):
            Path(path).mkdir(parents=True, exist_ok=True)
        return cls(path=path, hash=hash)

    # -- access ------------------------------------------------------------------------------------

    def _local(self) -> Path:
        if is_remote(self.path):
            return Path(self.download_sync())
        return Path(local_path_of(self.path))

    def walk_sync(self, recursive: bool = True, file_pattern: str = "*", max_depth: Optional[int] = None) -> Iterator[File]:
        """Files under the directory; with `recursive=False` only the top level, as the SDK documents
        (its implementation, fsspec's walk with `maxdepth=2`, also lists the files one level down)."""
        if is_remote(self.path):
            yield from self._walk_remote(recursive, file_pattern, max_depth)
            return
        root = self._local()
        for dirpath, dirnames, filenames in os.walk(root):
            depth = len(Path(dirpath).relative_to(root).parts)
            dirnames.sort()
            for fn in sorted(filenames):
                if fnmatch.fnmatch(fn, file_pattern):
                    yield File(path=os.path.join(dirpath, fn))
            if not recursive or (max_depth is not None and depth + 1 >= max_depth):
                dirnames[:] = []

    def _walk_remote(self, recursive: bool, file_pattern: str, max_depth: Optional[int]) -> Iterator[File]:
        fs, base = _fsspec.filesystem(self.path)
        base = base.rstrip("/")
        depth = 1 if not recursive else max_depth
        prefix = self.path.split("://", 1)[0] + "://"
        for found in sorted(fs.find(base, maxdepth=depth)):
            if fnmatch.fnmatch(found.rsplit("/", 1)[-1], file_pattern):
                yield File(path=prefix + found)

    async def walk(self, recursive: bool = True, max_depth: Optional[int] = None) -> AsyncIterator[File]:
        for f in self.walk_sync(recursive=recursive, max_depth=max_depth):
            yield f

    def list_files_sync(self) -> list[File]:
        return list(self.walk_sync(recursive=False))

    async def list_files(self) -> list[File]:
        return self.list_files_sync()

    def get_file_sync(self, file_name: str) -> Optional[File]:
        candidate = self._local() / file_name
        return File(path=str(candidate)) if candidate.is_file() else None

    async def get_file(self, file_name: str) -> Optional[File]:
        return self.get_file_sync(file_name)

    def exists_sync(self) -> bool:
        if is_remote(self.path):
            return _fsspec.exists(self.path)
        return os.path.isdir(local_path_of(self.path))

    async def exists(self) -> bool:
        return self.exists_sync()

    def is_empty_sync(self) -> bool:
        return not any(self._local().iterdir())

    async def is_empty(self) -> bool:
        return self.is_empty_sync()

    def download_sync(self, local_path: Optional[Union[str, Path]] = None) -> str:
        if not is_remote(self.path) and local_path is None:
            return local_path_of(self.path)
        # by default a fresh directory named as the source is (its path's last part, as the SDK names it)
        leaf = Path(self.path.rstrip("/")).name or self.name or "dir"
        target = Path(local_path) if local_path is not None else Path(new_local_path(leaf))
        if is_remote(self.path):
            _fsspec.get_tree(self.path, str(target))
        else:
            shutil.copytree(local_path_of(self.path), target, dirs_exist_ok=True)
        return str(local_path) if local_path is not None else str(target)  # as given, trailing separator too

    async def download(self, local_path: Optional[Union[str, Path]] = None) -> str:
        return await asyncio.to_thread(self.download_sync, local_path)

    def __fspath__(self) -> str:
        return local_path_of(self.path)


class EmptyDir(Dir):
    """A Dir that starts empty, at a fresh path."""

    def __init__(self, path: Union[str, Path, None] = None, **kwargs: Any):
        if path is None:
            p = Path(new_local_path("dir"))
            p.mkdir(parents=True, exist_ok=True)
            path = str(p)
        super().__init__(path, **kwargs)


