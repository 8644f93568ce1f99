"""Remote objects only a Flyte backend has (apps, projects, secrets, settings, triggers, users,
artifacts in the catalog, conditions): constructing one, or calling any of its class-level calls
(`Project.get(...)`, `await Secret.listall.aio()`, ...), raises the SDK's InitializationError,
naming what needed the backend. `upload_file`/`upload_dir` copy into the local raw-data
directory instead of uploading."""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Any, Literal, Optional, Tuple

from ..syncify import syncify
from ._common import needs_backend

SecretTypes = Literal["regular", "image_pull"]


class _NeedsBackend:
    """A class-level call of a backend-only object: blocking, `.aio`, or iterated, it raises."""

    def __init__(self, what: str):
        self._what = what

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        raise needs_backend(self._what)

    async def aio(self, *args: Any, **kwargs: Any) -> Any:
        raise needs_backend(self._what)


class _BackendOnlyMeta(type):
    def __getattr__(cls, attr: str) -> Any:
        if attr.startswith("__"):
            raise AttributeError(attr)
        return _NeedsBackend(f"{cls.__module__.rsplit('._', 1)[0]}.{cls.__name__}.{attr}")


class _BackendOnly(metaclass=_BackendOnlyMeta):
    def __init__(self, *args: Any, **kwargs: Any):
        raise needs_backend(f"flyte.remote.{type(self).__name__}")

    def __class_getitem__(cls, item: Any) -> Any:
        return cls


def _backend_class(name: str) -> type:
    return _BackendOnlyMeta(name, (_BackendOnly,), {
        "__doc__": f"flyte.remote.{name}: needs a Flyte backend (every use raises InitializationError).",
        "__module__": __name__,
    })


App = _backend_class("App")
Artifact = _backend_class("Artifact")
Condition = _backend_class("Condition")
PartitionSchema = _backend_class("PartitionSchema")
Project = _backend_class("Project")
Secret = _backend_class("Secret")
Settings = _backend_class("Settings")
Trigger = _backend_class("Trigger")
TriggerDetails = _backend_class("TriggerDetails")
User = _backend_class("User")


def auth_metadata(*args: Any, **kwargs: Any) -> Any:
    raise needs_backend("flyte.remote.auth_metadata")


def _md5(path: Path) -> str:
    h = hashlib.md5()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


@syncify
async def upload_file(fp: Path, verify: bool = True, fname: Optional[str] = None,
                      content_type: Optional[str] = None) -> Tuple[str, str]:
    """Copy a local file into this process's raw-data directory (a backend would upload it);
    returns (md5 hex digest, the copy's path). The copy is complete when this returns."""
    from .. import storage

    src = Path(fp)
    if not src.is_file():
        raise FileNotFoundError(f"upload_file: {src} is not a file")
    target = storage.get_random_local_path(fname or src.name)
    await storage.put(str(src), str(target))
    return _md5(src), str(target)


@syncify
async def upload_dir(dir_path: Path, verify: bool = True, prefix: Optional[str] = None) -> str:
    """Copy a local directory into this process's raw-data directory; returns the copy's path."""
    from .. import storage

    src = Path(dir_path)
    if not src.is_dir():
        raise NotADirectoryError(f"upload_dir: {src} is not a directory")
    target = storage.get_random_local_directory() / (prefix or src.name)
    await storage.put(str(src), str(target), recursive=True)
    return str(target)
