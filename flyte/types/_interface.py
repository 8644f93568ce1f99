"""The SDK's `flyte.types._interface` address of `guess_interface` (public as
`flyte.types.guess_interface`); ours lives in the private `flyte._types`."""

from .._types import guess_interface

__all__ = ["guess_interface"]
