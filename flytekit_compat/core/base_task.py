from .._interface import kwtypes
from .._python_task import PythonTask
from .._task import TaskMetadata

Task = PythonTask


class IgnoreOutputs(Exception):
    """Raise from a task to discard its outputs (kept for imports)."""


__all__ = ["IgnoreOutputs", "PythonTask", "Task", "TaskMetadata", "kwtypes"]
