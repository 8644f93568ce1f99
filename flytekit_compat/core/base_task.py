from .._interface import kwtypes
from .._task import PythonFunctionTask, TaskMetadata

PythonTask = PythonFunctionTask
Task = PythonFunctionTask


class IgnoreOutputs(Exception):
    """Raise from a task to discard its outputs (kept for imports)."""


__all__ = ["IgnoreOutputs", "PythonTask", "Task", "TaskMetadata", "kwtypes"]
