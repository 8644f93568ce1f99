"""`flytekit.types.directory.types` (import path kept for legacy code)."""

import os  # noqa: F401 (patched as `flytekit.types.directory.types.os.name` by legacy tests)

from .._internal_types import FlyteDirToMultipartBlobTransformer
from ._directory import FlyteDirectory, TensorboardLogs, TFRecordsDirectory

__all__ = ["FlyteDirToMultipartBlobTransformer", "FlyteDirectory", "TFRecordsDirectory", "TensorboardLogs"]
