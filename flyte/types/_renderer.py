"""The SDK's `flyte.types._renderer` address of `Renderable` (public as `flyte.types.Renderable`);
ours lives in the private `flyte._types`."""

from .._types import Renderable

__all__ = ["Renderable"]
