"""flytekit's per-type literal transformers (import-only: the shim converts values directly)."""

from __future__ import annotations

from .._internal import internal_classes

(FlyteFilePathTransformer, FlyteDirToMultipartBlobTransformer, FlytePickleTransformer) = internal_classes(
    __name__, "flyteidl literal transformer", "FlyteFilePathTransformer", "FlyteDirToMultipartBlobTransformer",
    "FlytePickleTransformer",
)

__all__ = ["FlyteDirToMultipartBlobTransformer", "FlyteFilePathTransformer", "FlytePickleTransformer"]
