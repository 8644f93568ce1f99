from .._resources import Resources, ResourceSpec

__all__ = ["ResourceSpec", "Resources"]
