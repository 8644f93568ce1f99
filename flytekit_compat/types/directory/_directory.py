"""`FlyteDirectory`: a directory passed between tasks (a `flyte.io.Dir` with flytekit's API)."""

from __future__ import annotations

import os
import tempfile
import typing
from collections.abc import Iterator
from pathlib import Path
from typing import Any, Optional, Union

import flyte.io

from .._crossing import arriving, crossing_record, uploaded


class FlyteDirectory(flyte.io.Dir, os.PathLike):
    _extension: str = ""

    def __init__(self, path: Union[str, os.PathLike], downloader: Any = None, remote_directory: Any = None, **kwargs: Any):
        if isinstance(path, FlyteDirectory):
            path = path.path
        p = os.fspath(path)
        if p.startswith("file://"):
            p = p[len("file://"):]
        super().__init__(path=p, **{k: v for k, v in kwargs.items() if k in ("name", "format", "hash")})
        self._downloader = downloader
        # a destination (str or path) to upload to when passed on; False (no upload) is kept as flytekit keeps it
        self._remote_directory: Any = remote_directory if isinstance(remote_directory, (str, os.PathLike)) or remote_directory is False else None
        self._remote_source: Optional[str] = p if "://" in p else None
        self._downloaded = False  # set on first local use (os.fspath, download), as flytekit sets it

    @property
    def downloaded(self) -> bool:
        """Whether the directory was made available locally: False until it is first used as a
        path (os.fspath, download), as in flytekit, even for a directory that was local all along."""
        return getattr(self, "_downloaded", False)

    def __class_getitem__(cls, item: Any) -> type:
        ext = item.__name__ if isinstance(item, typing.TypeVar) else str(getattr(item, "__name__", item))
        return type("FlyteDirectory", (cls,), {"_extension": ext, "_flyte_io_class": FlyteDirectory,
                                               "__module__": cls.__module__, "__qualname__": f"FlyteDirectory[{ext}]"})

    @classmethod
    def extension(cls) -> str:
        return cls._extension

    @classmethod
    def _flytekit_coerce(cls, value: Any) -> FlyteDirectory:
        if isinstance(value, FlyteDirectory):
            return value
        if isinstance(value, flyte.io.Dir):
            return cls(value.path)
        if isinstance(value, (str, os.PathLike)):
            return cls(value)
        raise TypeError(f"Expected a FlyteDirectory or a path, got {type(value).__name__}")

    @classmethod
    def _flyte_adapt(cls, value: Any) -> Optional[FlyteDirectory]:
        return cls(value) if isinstance(value, (str, os.PathLike)) else None

    # -- crossing actions: as in flytekit's local mode (see types/_crossing.py) ------------------------

    def io_record(self, data_dir: Union[Path, str, None]) -> dict[str, Any]:  # flyte.io's public hook
        return crossing_record(self)

    @classmethod
    def from_io_record(cls, record: dict[str, Any]) -> FlyteDirectory:  # flyte.io's public hook
        return arriving(cls, record)

    # -- inside a dataclass or pydantic model (mashumaro's SerializableType protocol, as flytekit) -------

    def _serialize(self) -> dict[str, Any]:
        return {"path": self._remote_source or uploaded(self) or self.path}

    @classmethod
    def _deserialize(cls, value: dict[str, Any]) -> FlyteDirectory:
        from ...core import _flyte_types_adapter as adapter
        from .._internal_types import FlyteDirToMultipartBlobTransformer

        return FlyteDirToMultipartBlobTransformer().from_binary_idl(_Packed(adapter.pack(value)), cls)

    @property
    def remote_directory(self) -> Any:
        return self._remote_directory

    @property
    def remote_source(self) -> Optional[str]:
        return self._remote_source

    def __fspath__(self) -> str:
        return self.download()

    def __str__(self) -> str:
        return self.path

    __repr__ = __str__  # flytekit prints a FlyteDirectory as its path

    def __eq__(self, other: object) -> bool:
        if isinstance(other, FlyteDirectory):
            return self.path == other.path
        return NotImplemented

    __hash__ = flyte.io.Dir.__hash__

    def download(self) -> str:  # type: ignore[override]
        self._downloaded = True
        if self._remote_source is None:
            return self.path
        local = tempfile.mkdtemp(prefix="flyte-download")
        self.download_sync(local)
        self.path = local
        self._remote_source = None
        return local

    @classmethod
    def new_remote(cls, stem: Optional[str] = None, alt: Optional[str] = None) -> FlyteDirectory:
        if alt:  # under another bucket of the raw output prefix, as flytekit builds it
            from ...core.context_manager import FlyteContextManager

            return cls(FlyteContextManager.current_context().file_access.generate_new_custom_path(alt=alt, stem=stem))
        d = flyte.io.Dir.new_remote(stem)
        return cls(d.path)

    @classmethod
    def new(cls, dirname: Union[str, os.PathLike]) -> FlyteDirectory:
        from ..._context import current_context

        p = os.path.join(current_context().working_directory, os.fspath(dirname))
        os.makedirs(p, exist_ok=True)
        return cls(p)

    @property
    def sep(self) -> str:
        """The separator of this directory's paths: Windows' for a local directory on Windows, else "/"."""
        local = "://" not in self.path or self.path.startswith("file://")
        return "\\" if os.name == "nt" and local and self._remote_source is None else "/"

    def __truediv__(self, other: Union[str, os.PathLike]) -> Path:
        """`directory / "name"`: the path of an entry below this directory."""
        return Path(self.path) / other

    def _child(self, name: Optional[str]) -> str:
        return self.sep.join([self.path.rstrip(self.sep), name or os.urandom(16).hex()])

    def new_file(self, name: Optional[str] = None) -> Any:
        """A file below this directory (a random name when none is given); nothing is written."""
        from ..file import FlyteFile

        return FlyteFile(self._child(name))

    def new_dir(self, name: Optional[str] = None) -> FlyteDirectory:
        """A directory below this one (a random name when none is given); only named, not
        created, as in flytekit."""
        return FlyteDirectory(self._child(name))

    def crawl(self, maxdepth: Optional[int] = None, topdown: bool = True, **kwargs: Any) -> Iterator[tuple[str, str]]:
        """(base, relative path) of every file below the directory."""
        base = self.__fspath__()
        for root, dirs, files in os.walk(base, topdown=topdown):
            depth = len(Path(root).relative_to(base).parts)
            if maxdepth is not None and depth >= maxdepth:
                dirs[:] = []
            for f in sorted(files):
                yield base, os.path.relpath(os.path.join(root, f), base)

    @classmethod
    def listdir(cls, directory: FlyteDirectory) -> list[Any]:
        from ..file import FlyteFile

        base = directory.__fspath__()
        out: list[Any] = []
        for entry in sorted(os.listdir(base)):
            full = os.path.join(base, entry)
            out.append(FlyteDirectory(full) if os.path.isdir(full) else FlyteFile(full))
        return out

    @classmethod
    def from_source(cls, source: Union[str, os.PathLike]) -> FlyteDirectory:
        return cls(source)


# FlyteDirectory["tensorboard"], spelled so a type checker does not read the name as a forward reference
TensorboardLogs = FlyteDirectory.__class_getitem__("tensorboard")
TFRecordsDirectory = FlyteDirectory.__class_getitem__("tfrecord")


class _Packed:
    """Msgpack bytes in the shape of a Binary literal."""

    def __init__(self, value: bytes):
        self.value = value
