from .._graph import Node

__all__ = ["Node"]
