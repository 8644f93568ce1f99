"""`flytekit.types.directory.types` (import path kept for legacy code)."""

from .._internal_types import FlyteDirToMultipartBlobTransformer
from ._directory import FlyteDirectory, TensorboardLogs, TFRecordsDirectory

__all__ = ["FlyteDirToMultipartBlobTransformer", "FlyteDirectory", "TFRecordsDirectory", "TensorboardLogs"]
