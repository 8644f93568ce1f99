"""What File, Dir and DataFrame share: equality by fields, pydantic support, and being copied
into the run's data directory when they cross from one action to another."""

from __future__ import annotations

import hashlib
import os
import shutil
import tempfile
import uuid
from pathlib import Path
from typing import Any, ClassVar, Optional, Union

from .. import _fsspec
from .._context import current_frame
from .._fsspec import is_url, join


def is_remote(path: str) -> bool:
    return "://" in path and not path.startswith("file://")


def local_path_of(path: str) -> str:
    return path[len("file://"):] if path.startswith("file://") else path


def data_dir(io_context: Any) -> Union[Path, str, None]:
    """Where values crossing actions are kept: `<io context>/data`. The io context is the run's
    directory, or its raw data path when that is a URL (then the result is a URL too)."""
    if io_context is None:
        return None
    if is_url(io_context):
        return join(io_context, "data")
    return Path(io_context) / "data"


def run_data_dir() -> Union[Path, str, None]:
    """The current run's data directory (where values crossing actions are kept; a URL when the
    run's raw data path is one), or None outside a run (the SDK's "no raw data context")."""
    frame = current_frame.get()
    return None if frame is None else data_dir(frame.run.codec.io_context)


def raw_data_root() -> str:
    """Where new files are created: the current run's raw data path (a local directory or a
    URL), else a temp directory."""
    frame = current_frame.get()
    if frame is not None:
        return frame.run.raw_data_path
    return str(Path(tempfile.gettempdir()) / "flyte-raw")


def new_path(name: Optional[str] = None) -> str:
    """A fresh path under the raw data root: a URL when the run's raw data path is one."""
    root = raw_data_root()
    leaf = name or uuid.uuid4().hex
    if is_url(root):
        return join(root, uuid.uuid4().hex, leaf)
    d = Path(root) / uuid.uuid4().hex
    d.mkdir(parents=True, exist_ok=True)
    return str(d / leaf)


def new_local_path(name: Optional[str] = None) -> str:
    """A fresh local path (its directory exists), to download into."""
    root = raw_data_root()
    if is_url(root):
        root = str(Path(tempfile.gettempdir()) / "flyte-raw")
    d = Path(root) / uuid.uuid4().hex
    d.mkdir(parents=True, exist_ok=True)
    return str(d / (name or uuid.uuid4().hex))


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


class LocalDataNotFound(FileNotFoundError, ValueError):
    """A local file or directory named by a File/Dir does not exist. A ValueError too, as the
    SDK raises for `File.from_local` of a missing file."""


def copy_file_atomic(src: Path, dest: Path, hash_method: Any = None) -> None:
    """Copy `src` to `dest` through a temporary file in the same directory, so `dest` is either
    absent or complete; feed the bytes to `hash_method` (a HashMethod) on the way."""
    dest.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=dest.parent, prefix=".copy-")
    try:
        with open(src, "rb") as fin, os.fdopen(fd, "wb") as fout:
            for chunk in iter(lambda: fin.read(1 << 20), b""):
                if hash_method is not None:
                    hash_method.update(chunk)
                fout.write(chunk)
        os.replace(tmp, dest)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise


def copy_tree_atomic(src: Path, dest: Path) -> None:
    """Copy the tree `src` to `dest` (which must not exist) through a temporary sibling."""
    dest.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(dir=dest.parent, prefix=".copy-"))
    try:
        shutil.copytree(src, tmp / "tree")
        os.replace(tmp / "tree", dest)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def keep_file(src: Path, root: Union[Path, str, None]) -> str:
    """Copy a local file into the run's data directory `root` (content-addressed; atomic: a
    local copy is renamed into place, an object store shows an object whole or not at all)."""
    if root is None:
        return str(src)
    if is_url(root):
        if not src.is_file():
            raise LocalDataNotFound(f"File {src} does not exist, so it cannot be passed to another task")
        url = join(str(root), file_digest(src)[:32], src.name)
        if not _fsspec.exists(url):
            _fsspec.put_file(str(src), url)
        return url
    local = Path(root)
    try:
        src.resolve().relative_to(local.resolve())
        return str(src)  # already kept
    except ValueError:
        pass
    if not src.is_file():
        raise LocalDataNotFound(f"File {src} does not exist, so it cannot be passed to another task")
    dest = local / file_digest(src)[:32] / src.name
    if not dest.exists():
        copy_file_atomic(src, dest)
    return str(dest)


def keep_dir(src: Path, root: Union[Path, str, None]) -> str:
    """Copy a local directory tree into the run's data directory `root` (content-addressed;
    atomic locally; in an object store the tree counts once its completion marker is written)."""
    if root is None:
        return str(src)
    if is_url(root):
        if not src.is_dir():
            raise LocalDataNotFound(f"Directory {src} does not exist, so it cannot be passed to another task")
        digest = tree_digest(src)[:32]
        url = join(str(root), digest, src.name or "dir")
        marker = join(str(root), digest + ".complete")
        if not _fsspec.exists(marker):
            _fsspec.put_tree(str(src), url, marker)
        return url
    local = Path(root)
    try:
        src.resolve().relative_to(local.resolve())
        return str(src)
    except ValueError:
        pass
    if not src.is_dir():
        raise LocalDataNotFound(f"Directory {src} does not exist, so it cannot be passed to another task")
    dest = local / tree_digest(src)[:32] / (src.name or "dir")
    if not dest.exists():
        copy_tree_atomic(src, dest)
    return str(dest)


class IOValue:
    """Base of File, Dir and DataFrame: plain attribute classes that pydantic accepts as fields.

    **Carrying a value between actions (the public hook for other packages' I/O types).**
    When a value of an IOValue subclass is passed to a task or returned from one, the runtime
    stores `value.io_record(data_dir)` and the receiver gets `type(value).from_io_record(record)`.
    Every subclass is registered as it is defined, under its module and qualified name, and is
    restored as its own class. A subclass whose constructor differs from its base's overrides
    `from_io_record` (and, if it carries more than its base, `io_record`)::

        class MyFile(flyte.io.File):
            def __init__(self, location, **kw): ...

            @classmethod
            def from_io_record(cls, record):
                f = cls(record["path"])
                f.hash = record.get("hash")
                return f

    A subclass whose class is created at run time (e.g. per format, `MyFile["csv"]`) must give
    each such class its own `__qualname__` so the two are told apart.
    """

    _fields: ClassVar[tuple[str, ...]] = ()
    # JSON schema of the SDK's pydantic model of the same name: (description, x-flyte-type,
    # {field: (schema, default or _REQUIRED)})
    _schema: ClassVar[tuple[str, str, dict[str, tuple[dict[str, Any], Any]]]] = ("", "", {})

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        from .._serde import register_record_type

        register_record_type(cls, _encode, cls.from_io_record)

    def __class_getitem__(cls, item: Any) -> type:
        return cls  # File[T] / Dir[T]: the format parameter is documentation only

    # -- the hook ----------------------------------------------------------------------------------

    def io_record(self, data_dir: Union[Path, str, None]) -> dict[str, Any]:
        """Plain data (str, numbers, bytes, lists, dicts) describing this value to the action that
        receives it. `data_dir` is the run's data directory (None outside a run; a URL string when
        the run's raw data path is an object store URL): local data the value refers to is copied
        there first, so the receiver reads the bytes as they were when
        the value was passed, whatever happens to the sender's files afterwards."""
        return {f: getattr(self, f) for f in self._fields}

    @classmethod
    def from_io_record(cls, record: dict[str, Any]) -> Any:
        """The value `io_record` described, as an instance of `cls`."""
        return cls(**record)

    def __flyte_cache_hash__(self) -> Optional[str]:
        """A cached task keys this input by its `hash` when it has one (`File.from_local(...,
        hash_method="...")`, `Dir.from_local(..., dir_cache_key=...)`), not by where its bytes are:
        the SDK's content-based caching. Without a hash, by the value as usual."""
        own = getattr(self, "hash", None)
        return own if isinstance(own, str) and own else None

    # -- value semantics ---------------------------------------------------------------------------

    def __eq__(self, other: object) -> bool:
        return type(other) is type(self) and all(getattr(self, f) == getattr(other, f) for f in self._fields)

    def __hash__(self) -> int:
        return hash((type(self).__name__, *(getattr(self, f) for f in self._fields)))

    def __repr__(self) -> str:
        inner = ", ".join(f"{f}={getattr(self, f)!r}" for f in self._repr_fields())
        return f"{type(self).__name__}({inner})"

    def __str__(self) -> str:
        # the SDK's File/Dir/DataFrame are pydantic models, and print as pydantic prints a model:
        # its fields separated by spaces, without the class name
        return " ".join(f"{f}={getattr(self, f)!r}" for f in self._repr_fields())

    def _repr_fields(self) -> tuple[str, ...]:
        return self._fields

    def model_dump(self, **_: Any) -> dict[str, Any]:
        return {f: getattr(self, f) for f in self._fields}

    @classmethod
    def model_json_schema(cls, *args: Any, **kwargs: Any) -> dict[str, Any]:
        """The JSON schema the SDK's pydantic model of this class has (what UIs and
        `flyte.run` from JSON use): fields, defaults, required fields and `x-flyte-type`."""
        description, flyte_type, fields = cls._schema
        props: dict[str, Any] = {}
        required = []
        for name, (schema, default) in fields.items():
            prop = dict(schema)
            if default is _REQUIRED:
                required.append(name)
            else:
                prop["default"] = default
            prop["title"] = name.replace("_", " ").title()
            props[name] = dict(sorted(prop.items(), key=lambda kv: ("anyOf", "default", "title", "type").index(kv[0])
                                       if kv[0] in ("anyOf", "default", "title", "type") else 9))
        out: dict[str, Any] = {"description": description, "properties": props}
        if required:
            out["required"] = required
        out.update({"title": cls.__name__, "type": "object", "x-flyte-type": flyte_type})
        return out

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
        return cls.model_json_schema()


_REQUIRED = object()
STR = {"type": "string"}
OPT_STR = {"anyOf": [{"type": "string"}, {"type": "null"}]}


def _encode(value: IOValue, io_context: Any) -> dict[str, Any]:
    return value.io_record(data_dir(io_context))
