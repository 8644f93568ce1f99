"""`FlyteFile`: a file passed between tasks (a `flyte.io.File` with flytekit's API)."""

from __future__ import annotations

import os
import shutil
import tempfile
import typing
from pathlib import Path
from typing import IO, Any, Optional, Union

import flyte.io

from .._crossing import arriving, crossing_record, uploaded


class FlyteFile(flyte.io.File, os.PathLike):
    """A local path (or URL) plus how to get its bytes. `os.fspath(f)`, `str(f)` and `f.path`
    give the local path; `open()` is a plain (sync) file object, as in flytekit."""

    _extension: str = ""
    _flyte_io_kind = "file"

    def __init__(self, path: Union[str, os.PathLike], downloader: Any = None, remote_path: Any = None,
                 metadata: Optional[dict[str, str]] = None, **kwargs: Any):
        if isinstance(path, FlyteFile):
            path = path.path
        p = os.fspath(path)
        if p.startswith("file://"):
            p = p[len("file://"):]
        super().__init__(path=p, **{k: v for k, v in kwargs.items() if k in ("name", "format", "hash")})
        self._downloader = downloader
        self._remote_path = remote_path if isinstance(remote_path, (str, os.PathLike)) else None
        self._remote_source: Optional[str] = p if "://" in p else None
        self._downloaded = False  # set on first local use (os.fspath, download), as flytekit sets it
        self.metadata = metadata

    @classmethod
    def extension(cls) -> str:
        return cls._extension

    def __class_getitem__(cls, item: Any) -> type:
        if isinstance(item, typing.TypeVar):
            ext = item.__name__
        elif isinstance(item, str):
            ext = item
        elif typing.get_origin(item) is typing.Annotated:
            from . import FileExt

            ext = FileExt.check_and_convert_to_str(item)  # Annotated[str, FileExt("tar.gz")]
        else:
            ext = getattr(item, "__name__", str(item))
        ext = ext.strip().lstrip("~").lstrip(".")
        sub = type("FlyteFile", (cls,), {"_extension": ext, "_flyte_io_class": FlyteFile,
                                          "__module__": cls.__module__, "__qualname__": f"FlyteFile[{ext}]"})
        return sub

    @classmethod
    def _flytekit_coerce(cls, value: Any) -> FlyteFile:
        if isinstance(value, FlyteFile):
            return value if type(value) is cls or cls is FlyteFile else cls(value.path)
        if isinstance(value, flyte.io.File):
            return cls(value.path)
        if isinstance(value, (str, os.PathLike)):
            if os.path.isdir(value):
                raise ValueError(f"{os.fspath(value)} is a directory; a FlyteFile must be a file (use FlyteDirectory)")
            return cls(value)
        raise TypeError(f"Expected a FlyteFile or a path, got {type(value).__name__}")

    @classmethod
    def _flyte_adapt(cls, value: Any) -> Optional[FlyteFile]:
        return cls(value) if isinstance(value, (str, os.PathLike)) else None

    # -- crossing actions: as in flytekit's local mode (see types/_crossing.py) ------------------------

    def io_record(self, data_dir: Union[Path, str, None]) -> dict[str, Any]:  # flyte.io's public hook
        return crossing_record(self)

    @classmethod
    def from_io_record(cls, record: dict[str, Any]) -> FlyteFile:  # flyte.io's public hook
        f = arriving(cls, record)
        f.format = record.get("format", "")
        return f

    # -- inside a dataclass or pydantic model (mashumaro's SerializableType protocol, as flytekit) -------

    def _serialize(self) -> dict[str, Any]:
        out: dict[str, Any] = {"path": self._remote_source or uploaded(self) or self.path}
        if self.metadata:
            out["metadata"] = self.metadata
        return out

    # -- as a pydantic field (pydantic's own protocol): its fields, plus the user's metadata ---------------

    def model_dump(self, **kwargs: Any) -> dict[str, Any]:
        out = super().model_dump(**kwargs)
        if self.metadata:
            out["metadata"] = dict(self.metadata)
        return out

    @classmethod
    def __get_pydantic_core_schema__(cls, source: Any, handler: Any) -> Any:
        from pydantic_core import core_schema

        def validate(value: Any) -> Any:
            if isinstance(value, cls):
                return value
            if isinstance(value, dict) and "path" in value:
                known = {k: value[k] for k in ("name", "format", "hash") if k in value}
                return cls(value["path"], metadata=value.get("metadata"), **known)
            raise ValueError(f"expected {cls.__name__} or a dict with its path, got {type(value).__name__}")

        return core_schema.no_info_plain_validator_function(
            validate, serialization=core_schema.plain_serializer_function_ser_schema(lambda v: v.model_dump())
        )

    @classmethod
    def _deserialize(cls, value: dict[str, Any]) -> FlyteFile:
        from .._internal_types import FlyteFilePathTransformer

        return FlyteFilePathTransformer().dict_to_flyte_file(value, cls)

    # -- flytekit API -------------------------------------------------------------------------------------

    @property
    def remote_path(self) -> Optional[Union[str, os.PathLike]]:
        return self._remote_path

    @property
    def remote_source(self) -> Optional[str]:
        return self._remote_source

    @property
    def downloaded(self) -> bool:
        """Whether the file was made available locally: False until it is first used as a path
        (os.fspath, open, download), as in flytekit, even for a file that was local all along."""
        return getattr(self, "_downloaded", False)

    def __fspath__(self) -> str:
        return self.download()

    def __str__(self) -> str:
        return self.path

    __repr__ = __str__  # flytekit prints a FlyteFile as its path

    def __eq__(self, other: object) -> bool:
        if isinstance(other, FlyteFile):
            return (self.path == other.path and self._remote_source == other._remote_source
                    and type(self).extension() == type(other).extension())
        return NotImplemented

    __hash__ = flyte.io.File.__hash__

    def download(self) -> str:  # type: ignore[override]
        """The local path, fetching a remote file first."""
        self._downloaded = True
        if self._remote_source is None:
            return self.path
        local = os.path.join(tempfile.mkdtemp(prefix="flyte-download"), os.path.basename(self._remote_source) or "file")
        self.download_sync(local)
        self.path = local
        self._remote_source = None
        return local

    def open(self, mode: str = "r", cache_type: Any = None, cache_options: Any = None, **kwargs: Any) -> IO[Any]:  # type: ignore[override]
        """A regular file object (use it in a `with` block)."""
        if any(c in mode for c in "wax"):
            Path(self.path).parent.mkdir(parents=True, exist_ok=True)
            return open(self.path, mode, **kwargs)
        return open(self.__fspath__(), mode, **kwargs)

    @classmethod
    def new_remote_file(cls, name: Optional[str] = None, alt: Optional[str] = None) -> FlyteFile:
        if alt:  # under another bucket of the raw output prefix, as flytekit builds it
            from ...core.context_manager import FlyteContextManager

            return cls(FlyteContextManager.current_context().file_access.generate_new_custom_path(alt=alt, stem=name))
        f = flyte.io.File.new_remote(name)
        return cls(f.path)

    @classmethod
    def new(cls, filename: Union[str, os.PathLike]) -> FlyteFile:
        from ..._context import current_context

        return cls(os.path.join(current_context().working_directory, os.fspath(filename)))

    @classmethod
    def from_source(cls, source: Union[str, os.PathLike]) -> FlyteFile:
        return cls(source)

    def copy_to(self, dest: Union[str, os.PathLike]) -> str:
        shutil.copyfile(self.__fspath__(), dest)
        return os.fspath(dest)


def _typed(ext: str) -> type:
    return FlyteFile.__class_getitem__(ext)  # FlyteFile[ext], with ext a value (not a type)


HDF5EncodedFile = _typed("hdf5")
HTMLPage = _typed("html")
JoblibSerializedFile = _typed("joblib")
JPEGImageFile = _typed("jpeg")
PDFFile = _typed("pdf")
PNGImageFile = _typed("png")
PythonPickledFile = _typed("python_pickle")
PythonNotebook = _typed("ipynb")
SVGImageFile = _typed("svg")
CSVFile = _typed("csv")
ONNXFile = _typed("onnx")
TFRecordFile = _typed("tfrecord")
JSONLFile = _typed("jsonl")
