from .._dynamic import DynamicTask
from .._eager import EagerAsyncPythonFunctionTask
from .._task import PythonFunctionTask

PythonInstanceTask = PythonFunctionTask
EagerFailureHandlerTask = PythonFunctionTask

__all__ = ["DynamicTask", "EagerAsyncPythonFunctionTask", "EagerFailureHandlerTask", "PythonFunctionTask", "PythonInstanceTask"]
