from .._node_creation import create_node

__all__ = ["create_node"]
