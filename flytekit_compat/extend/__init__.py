"""`flytekit.extend`: what plugin and custom-type authors build on."""

from ..core import context_manager
from ..core.base_sql_task import SQLTask
from ..core.base_task import IgnoreOutputs, PythonTask
from ..core.context_manager import ExecutionState, FlyteContext, FlyteContextManager, SecretsManager
from ..core.data_persistence import FileAccessProvider
from ..core.interface import Interface
from ..core.type_engine import DataclassTransformer, TypeEngine, TypeTransformer, TypeTransformerFailedError

__all__ = [
    "DataclassTransformer", "ExecutionState", "FileAccessProvider", "FlyteContext", "FlyteContextManager",
    "IgnoreOutputs", "Interface", "PythonTask", "SQLTask", "SecretsManager", "TypeEngine", "TypeTransformer",
    "TypeTransformerFailedError", "context_manager",
]
