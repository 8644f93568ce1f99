from .._map_task import array_node

__all__ = ["array_node"]
