"""`flytekit.types.error`: what an `on_failure` handler receives."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass
class FlyteError:
    message: str
    failed_node_id: str


__all__ = ["FlyteError"]
