"""`flytekit.types.directory`."""

from ._directory import FlyteDirectory, TensorboardLogs, TFRecordsDirectory

__all__ = ["FlyteDirectory", "TFRecordsDirectory", "TensorboardLogs"]
