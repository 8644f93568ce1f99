from .._eager import eager
from .._reference import reference_task
from .._task import Echo, PythonFunctionTask, TaskMetadata, task
from ..core.python_function_task import EagerAsyncPythonFunctionTask

__all__ = ["EagerAsyncPythonFunctionTask", "Echo", "PythonFunctionTask", "TaskMetadata", "eager", "reference_task", "task"]
