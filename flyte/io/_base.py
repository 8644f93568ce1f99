"""What File, Dir and DataFrame share: equality by fields, pydantic support, and being copied
into the run's data directory when they cross from one action to another."""

from __future__ import annotations

import hashlib
import os
import shutil
import tempfile
import uuid
from pathlib import Path
from typing import Any, ClassVar, Optional

from .._context import current_frame


def is_remote(path: str) -> bool:
    return "://" in path and not path.startswith("file://")


def local_path_of(path: str) -> str:
    return path[len("file://"):] if path.startswith("file://") else path


def data_dir(io_context: Any) -> Optional[Path]:
    """Where values crossing actions are kept: `<run dir>/data`."""
    if io_context is None:
        return None
    return Path(io_context) / "data"


def raw_data_root() -> Path:
    """Where new files are created: the current run's raw data path, else a temp directory."""
    frame = current_frame.get()
    if frame is not None:
        return Path(frame.run.raw_data_path)
    return Path(tempfile.gettempdir()) / "flyte-raw"


def new_path(name: Optional[str] = None) -> str:
    root = raw_data_root() / uuid.uuid4().hex
    root.mkdir(parents=True, exist_ok=True)
    return str(root / (name or uuid.uuid4().hex))


def file_digest(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def tree_digest(path: Path) -> str:
    h = hashlib.sha256()
    for p in sorted(path.rglob("*")):
        if p.is_file():
            h.update(str(p.relative_to(path)).encode() + b"\0" + file_digest(p).encode())
    return h.hexdigest()


def keep_file(src: Path, io_context: Any) -> str:
    """Copy a local file into the run's data directory (content-addressed; atomic)."""
    root = data_dir(io_context)
    if root is None:
        return str(src)
    try:
        src.resolve().relative_to(root.resolve())
        return str(src)  # already kept
    except ValueError:
        pass
    if not src.is_file():
        raise FileNotFoundError(f"File {src} does not exist, so it cannot be passed to another task")
    dest_dir = root / file_digest(src)[:32]
    dest = dest_dir / src.name
    if not dest.exists():
        dest_dir.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=dest_dir, prefix=".copy-")
        os.close(fd)
        try:
            shutil.copyfile(src, tmp)
            os.replace(tmp, dest)
        except BaseException:
            if os.path.exists(tmp):
                os.unlink(tmp)
            raise
    return str(dest)


def keep_dir(src: Path, io_context: Any) -> str:
    """Copy a local directory tree into the run's data directory (content-addressed; atomic)."""
    root = data_dir(io_context)
    if root is None:
        return str(src)
    try:
        src.resolve().relative_to(root.resolve())
        return str(src)
    except ValueError:
        pass
    if not src.is_dir():
        raise FileNotFoundError(f"Directory {src} does not exist, so it cannot be passed to another task")
    dest_parent = root / tree_digest(src)[:32]
    dest = dest_parent / (src.name or "dir")
    if not dest.exists():
        dest_parent.mkdir(parents=True, exist_ok=True)
        tmp = Path(tempfile.mkdtemp(dir=dest_parent, prefix=".copy-"))
        try:
            shutil.copytree(src, tmp / "tree")
            os.replace(tmp / "tree", dest)
        finally:
            shutil.rmtree(tmp, ignore_errors=True)
    return str(dest)


class IOValue:
    """Base of File, Dir and DataFrame: plain attribute classes that pydantic accepts as fields.

    Subclasses (e.g. a library's own file type) are carried between actions like their base: they
    are registered as they are defined, and restored as their own class."""

    _fields: ClassVar[tuple[str, ...]] = ()

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        from .._serde._codec import register_io_type

        register_io_type(cls)

    def __class_getitem__(cls, item: Any) -> type:
        return cls  # File[T] / Dir[T]: the format parameter is documentation only

    def __eq__(self, other: object) -> bool:
        return type(other) is type(self) and all(getattr(self, f) == getattr(other, f) for f in self._fields)

    def __hash__(self) -> int:
        return hash((type(self).__name__, *(getattr(self, f) for f in self._fields)))

    def __repr__(self) -> str:
        inner = ", ".join(f"{f}={getattr(self, f)!r}" for f in self._fields if getattr(self, f) is not None)
        return f"{type(self).__name__}({inner})"

    def model_dump(self, **_: Any) -> dict[str, Any]:
        return {f: getattr(self, f) for f in self._fields}

    @classmethod
    def _from_dict(cls, data: dict[str, Any]) -> Any:
        return cls(**{k: v for k, v in data.items() if k in cls._fields})

    @classmethod
    def __get_pydantic_core_schema__(cls, source: Any, handler: Any) -> Any:
        from pydantic_core import core_schema

        def validate(value: Any) -> Any:
            if isinstance(value, cls):
                return value
            if isinstance(value, dict):
                return cls._from_dict(value)
            raise ValueError(f"expected {cls.__name__} or a dict of its fields, got {type(value).__name__}")

        return core_schema.no_info_plain_validator_function(
            validate, serialization=core_schema.plain_serializer_function_ser_schema(lambda v: v.model_dump())
        )

    @classmethod
    def __get_pydantic_json_schema__(cls, core: Any, handler: Any) -> dict[str, Any]:
        return {"type": "object", "title": cls.__name__, "properties": {f: {"type": "string"} for f in cls._fields}}
