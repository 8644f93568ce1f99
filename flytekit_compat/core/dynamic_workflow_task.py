from .._dynamic import DynamicTask, dynamic

__all__ = ["DynamicTask", "dynamic"]
