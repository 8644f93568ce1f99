"""The pre-ArrayNode map task; locally it behaves as `map_task` does."""

from .._internal import internal_classes
from .._map_task import ArrayNodeMapTask, map_task

MapPythonTask = ArrayNodeMapTask
(MapTaskResolver,) = internal_classes(__name__, "map task resolver used at registration", "MapTaskResolver")

__all__ = ["ArrayNodeMapTask", "MapPythonTask", "MapTaskResolver", "map_task"]
