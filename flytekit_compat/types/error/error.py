"""`flytekit.types.error`: what an `on_failure` handler receives."""

from __future__ import annotations

from dataclasses import dataclass

from ..._internal import internal_classes


@dataclass
class FlyteError:
    message: str
    failed_node_id: str


__all__ = ["FlyteError"]

(ErrorTransformer,) = internal_classes(__name__, "type transformer", "ErrorTransformer")

__all__ += ["ErrorTransformer"]
