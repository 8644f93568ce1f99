"""`flytekit.types.file.file` (import path kept for legacy code)."""

from __future__ import annotations

from .._internal_types import FlyteFilePathTransformer
from ._file import FlyteFile


def noop() -> None:
    """A downloader that does nothing: the file is already local."""


__all__ = ["FlyteFile", "FlyteFilePathTransformer", "noop"]
