from .._eager import eager
from .._internal import internal_functions
from .._reference import ReferenceTask, reference_task
from .._task import Echo, PythonFunctionTask, TaskMetadata, task
from ..core.python_function_task import EagerAsyncPythonFunctionTask

(decorate_function,) = internal_functions(__name__, "flytekit's task-resolver function wrapping", "decorate_function")

__all__ = ["EagerAsyncPythonFunctionTask", "Echo", "PythonFunctionTask", "ReferenceTask", "TaskMetadata", "eager", "reference_task", "task"]
