"""`flytekit.types.pickle.pickle` (import path kept for legacy code)."""

from .._internal_types import FlytePickleTransformer
from . import FlytePickle

__all__ = ["FlytePickle", "FlytePickleTransformer"]
