"""The SDK's `flyte.types._pickle` address (its tests and plugins import the pickle transformer
from here); ours lives in the private `flyte._types`."""

from .._types import DEFAULT_PICKLE_BYTES_LIMIT, FlytePickle, FlytePickleTransformer

__all__ = ["DEFAULT_PICKLE_BYTES_LIMIT", "FlytePickle", "FlytePickleTransformer"]
