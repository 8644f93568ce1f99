"""Launch-plan concurrency limits: at most N running executions, and what to do beyond that."""

from __future__ import annotations

import enum
from dataclasses import dataclass


class ConcurrencyLimitBehavior(enum.IntEnum):
    SKIP = 0


@dataclass(frozen=True)
class ConcurrencyPolicy:
    max_concurrency: int
    behavior: ConcurrencyLimitBehavior = ConcurrencyLimitBehavior.SKIP

    def __post_init__(self) -> None:
        if not isinstance(self.max_concurrency, int) or self.max_concurrency < 1:
            raise ValueError(f"max_concurrency must be a positive integer, got {self.max_concurrency!r}")


__all__ = ["ConcurrencyLimitBehavior", "ConcurrencyPolicy"]
