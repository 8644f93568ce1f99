from .._internal import internal_classes
from .._map_task import ArrayNodeMapTask, map_task

(ArrayNodeMapTaskResolver,) = internal_classes(__name__, "map task resolver used at registration", "ArrayNodeMapTaskResolver")

__all__ = ["ArrayNodeMapTask", "ArrayNodeMapTaskResolver", "map_task"]
