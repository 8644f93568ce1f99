"""flytekit's asyncio loop manager (import-only: the shim drives coroutines with asyncio directly)."""

from __future__ import annotations

from .._internal import internal_classes

_WHY = "asyncio loop manager"
(LoopManager,) = internal_classes(
    __name__, _WHY, "LoopManager"
)

loop_manager = LoopManager

__all__ = ["LoopManager"]
