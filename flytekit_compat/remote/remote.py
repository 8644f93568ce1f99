"""`FlyteRemote`: a client for a Flyte backend (import-only: the shim runs locally)."""

from __future__ import annotations

from .._internal import internal_classes

_WHY = "Flyte backend client"
(FlyteRemote,) = internal_classes(
    __name__, _WHY, "FlyteRemote"
)

__all__ = ["FlyteRemote"]
