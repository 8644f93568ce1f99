"""Checkpoints a task can save and read back on its next attempt."""

from __future__ import annotations

import io
import os
import shutil
import tempfile
import typing
from abc import abstractmethod
from pathlib import Path
from typing import Optional


class Checkpoint:
    @abstractmethod
    def prev_exists(self) -> bool: ...

    @abstractmethod
    def restore(self, path: typing.Union[Path, str]) -> typing.Optional[Path]: ...

    @abstractmethod
    def save(self, cp: typing.Union[Path, str, io.BufferedReader]) -> None: ...

    @abstractmethod
    def read(self) -> typing.Optional[bytes]: ...

    @abstractmethod
    def write(self, b: bytes) -> None: ...


class SyncCheckpoint(Checkpoint):
    """A checkpoint in a local directory (`checkpoint_dest`), optionally starting from `checkpoint_src`."""

    SRC_LOCAL_FOLDER = "prev_cp"
    TMP_DST_PATH = "_dst_cp"

    def __init__(self, checkpoint_dest: str, checkpoint_src: Optional[str] = None):
        if not checkpoint_dest:
            raise ValueError("Checkpoint destination is required")
        self._checkpoint_dest = checkpoint_dest
        self._checkpoint_src = checkpoint_src if checkpoint_src and checkpoint_src != "" else None
        self._td = tempfile.mkdtemp()
        self._prev_download_path: Optional[Path] = None

    def prev_exists(self) -> bool:
        return self._checkpoint_src is not None

    def restore(self, path: typing.Union[Path, str, None] = None) -> typing.Optional[Path]:
        if self._checkpoint_src is None or self._checkpoint_src == "":
            return None
        if self._prev_download_path:
            return self._prev_download_path
        if path is None:
            target = Path(self._td) / self.SRC_LOCAL_FOLDER
            target.mkdir(parents=True, exist_ok=True)
        else:
            target = Path(path)
            if not target.is_dir():  # flytekit restores into an existing directory only
                raise ValueError("Checkpoints can be restored to a directory only.")
        if not os.path.isdir(self._checkpoint_src):
            from ..exceptions.user import FlyteDataNotFoundException

            raise FlyteDataNotFoundException(self._checkpoint_src)  # e.g. a previous attempt's upload was lost
        shutil.copytree(self._checkpoint_src, target, dirs_exist_ok=True)
        self._prev_download_path = target
        return target

    def save(self, cp: typing.Union[Path, str, io.BufferedReader]) -> None:
        os.makedirs(self._checkpoint_dest, exist_ok=True)
        if isinstance(cp, (str, Path)):
            p = Path(cp)
            if p.is_dir():
                shutil.copytree(p, self._checkpoint_dest, dirs_exist_ok=True)
            else:
                shutil.copy(p, self._checkpoint_dest)
            return
        if not isinstance(cp, io.IOBase):
            raise ValueError(f"Only a file path or a readable file object can be saved, got {type(cp).__name__}")
        with open(os.path.join(self._checkpoint_dest, self.TMP_DST_PATH), "wb") as f:
            f.write(cp.read())

    def read(self) -> typing.Optional[bytes]:
        p = self.restore()
        if p is None:
            return None
        files = list(Path(p).iterdir())
        if not files:
            return None
        if len(files) > 1:
            raise ValueError(f"Expected exactly one checkpoint - found {len(files)}")
        return files[0].read_bytes()

    def write(self, b: bytes) -> None:
        import io as _io

        self.save(_io.BytesIO(b))  # type: ignore[arg-type]
