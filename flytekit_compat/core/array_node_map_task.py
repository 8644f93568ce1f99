from .._map_task import ArrayNodeMapTask, map_task

__all__ = ["ArrayNodeMapTask", "map_task"]
