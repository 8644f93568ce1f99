"""Task checkpoints: state a task saves so that its next attempt (a retry, or the same action in a
resumed run) can pick up where it stopped.

`flyte.ctx().checkpoint` is a `Checkpoint` whose destination is new for each attempt and whose
source is the newest checkpoint an earlier attempt of the same action saved. A checkpoint is one
object: saving a directory stores a gzip tar of it, saving a file or bytes stores them as they are.
Loading unpacks a tar into `checkpoint.path` (and returns it) or puts a single object at
`checkpoint.path / "payload"` (and returns that). Locations are local paths (the runtime's own
checkpoints) or object-store URLs (s3://, gs://, ... through fsspec, as `flyte.io` reaches them).
"""

from __future__ import annotations

import asyncio
import io
import os
import pathlib
import shutil
import tarfile
import tempfile
from abc import ABC, abstractmethod
from collections.abc import Callable
from typing import Any, Optional, Union

CHECKPOINT_FILE = "_flytecheckpoints"
PAYLOAD = "payload"
_TAR_MAGIC = b"\x1f\x8b"  # gzip


def latest_checkpoint(root: pathlib.Path, glob_pattern: str = "**/last.ckpt", *,
                      key: Optional[Callable[[pathlib.Path], Any]] = None) -> Optional[pathlib.Path]:
    """The file under `root` matching `glob_pattern` that ranks highest by `key` (default: newest
    modification time), or None when nothing matches."""
    candidates = list(pathlib.Path(root).glob(glob_pattern))
    if not candidates:
        return None
    return max(candidates, key=key or (lambda p: p.stat().st_mtime))


def _is_remote(uri: str) -> bool:
    return "://" in uri and not uri.startswith("file://")


def _local(uri: str) -> pathlib.Path:
    return pathlib.Path(uri[len("file://"):] if uri.startswith("file://") else uri)


class BaseCheckpoint(ABC):
    """What a checkpoint helper offers a task."""

    @property
    @abstractmethod
    def path(self) -> pathlib.Path: ...

    @abstractmethod
    def prev_exists(self) -> bool: ...

    @abstractmethod
    async def load(self) -> Optional[pathlib.Path]: ...

    @abstractmethod
    async def save(self, data: Union[pathlib.Path, str, bytes]) -> None: ...

    @abstractmethod
    def load_sync(self) -> Optional[pathlib.Path]: ...

    @abstractmethod
    def save_sync(self, data: Union[pathlib.Path, str, bytes]) -> None: ...


class Checkpoint(BaseCheckpoint):
    """Saves to `checkpoint_dest`; loads what an earlier attempt saved at `checkpoint_src`."""

    def __init__(self, checkpoint_dest: str, checkpoint_src: Optional[str] = None):
        self._dest = checkpoint_dest
        src = (checkpoint_src or "").strip().strip('"')
        self._src: Optional[str] = src or None
        self._workspace = tempfile.TemporaryDirectory(prefix="flyte-checkpoint-")

    @property
    def remote_destination(self) -> str:
        return self._dest

    @property
    def remote_source(self) -> Optional[str]:
        return self._src

    @property
    def path(self) -> pathlib.Path:
        """A local directory holding what `load` restored."""
        p = pathlib.Path(self._workspace.name)
        p.mkdir(parents=True, exist_ok=True)
        return p

    def prev_exists(self) -> bool:
        """Whether there is a previous checkpoint: on disk, whether its file exists; in an object
        store (s3://, gs://, ...), whether a source was given, as the SDK answers (no request)."""
        if self._src is None:
            return False
        return True if _is_remote(self._src) else _local(self._src).exists()

    # loading

    def load_sync(self) -> Optional[pathlib.Path]:
        """Restore the previous attempt's checkpoint; None when there is none."""
        if not self.prev_exists():
            return None
        assert self._src is not None
        for child in self.path.iterdir():
            shutil.rmtree(child) if child.is_dir() else child.unlink()
        if _is_remote(self._src):
            from . import _fsspec

            fd, name = tempfile.mkstemp(prefix="flyte-checkpoint-fetch-")  # outside `path`, which receives it
            fetched = pathlib.Path(name)
            try:
                with os.fdopen(fd, "wb") as out:
                    out.write(_fsspec.read_bytes(self._src))  # the whole object, or the store's error
                return self._unpack(fetched)
            finally:
                fetched.unlink(missing_ok=True)
        return self._unpack(_local(self._src))

    def _unpack(self, source: pathlib.Path) -> pathlib.Path:
        with open(source, "rb") as f:
            is_tar = f.read(2) == _TAR_MAGIC and tarfile.is_tarfile(source)
        if is_tar:
            with tarfile.open(source, "r:gz") as tar:
                try:
                    tar.extractall(self.path, filter="data")  # refuses absolute paths and links out of the tree
                except TypeError:  # Python without extraction filters (3.10 before 3.10.12)
                    tar.extractall(self.path)
            return self.path
        shutil.copyfile(source, self.path / PAYLOAD)
        return self.path / PAYLOAD

    async def load(self) -> Optional[pathlib.Path]:
        return await asyncio.to_thread(self.load_sync)

    # saving

    def save_sync(self, data: Union[pathlib.Path, str, bytes]) -> None:
        """Store a directory (as a gzip tar of its contents), a file, or bytes; atomically (on
        disk by a rename; in an object store as one object, which a store shows whole or not at all)."""
        remote = _is_remote(self._dest)
        # staged outside `path` (which may be what is saved) when the destination is a store
        dest = pathlib.Path(tempfile.gettempdir()) / "upload" if remote else _local(self._dest)
        dest.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=dest.parent, prefix=".checkpoint-")
        try:
            with os.fdopen(fd, "wb") as out:
                if isinstance(data, (bytes, bytearray, memoryview)):
                    out.write(bytes(data))
                else:
                    source = pathlib.Path(data)
                    if source.is_dir():
                        buf = io.BytesIO()
                        with tarfile.open(fileobj=buf, mode="w:gz") as tar:
                            for child in sorted(source.iterdir()):
                                tar.add(child, arcname=child.name)
                        out.write(buf.getvalue())
                    elif source.is_file():
                        with open(source, "rb") as f:
                            shutil.copyfileobj(f, out)
                    else:
                        raise FileNotFoundError(f"Cannot save checkpoint: {source} does not exist")
            if remote:
                from . import _fsspec

                _fsspec.put_file(tmp, self._dest)
                os.unlink(tmp)
            else:
                os.replace(tmp, dest)
        except BaseException:
            if os.path.exists(tmp):
                os.unlink(tmp)
            raise

    async def save(self, data: Union[pathlib.Path, str, bytes]) -> None:
        await asyncio.to_thread(self.save_sync, data)


def attempt_checkpoint(action_dir: pathlib.Path) -> Checkpoint:
    """A checkpoint for a new attempt of the action whose directory is `action_dir`: a fresh
    numbered destination, and the newest checkpoint an earlier attempt saved as its source."""
    root = action_dir / "checkpoints"
    numbers = sorted(int(p.name) for p in root.iterdir() if p.name.isdigit()) if root.is_dir() else []
    source = next((root / str(n) / CHECKPOINT_FILE for n in reversed(numbers) if (root / str(n) / CHECKPOINT_FILE).exists()), None)
    dest = root / str((numbers[-1] if numbers else 0) + 1) / CHECKPOINT_FILE
    dest.parent.mkdir(parents=True, exist_ok=True)
    return Checkpoint(str(dest), str(source) if source else None)
