"""Retry policy: how many extra attempts a failed task gets and how long to wait between them."""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import timedelta
from typing import Optional, Union


@dataclass(frozen=True)
class Backoff:
    """Delay before retry n (0-based): `min(base * factor**n, cap)`."""

    base: timedelta
    factor: float = 1.0
    cap: Optional[timedelta] = None

    def __post_init__(self) -> None:
        if self.base < timedelta(0):
            raise ValueError(f"Backoff.base must be >= 0, got {self.base}")
        if isinstance(self.factor, bool) or not isinstance(self.factor, (int, float)) or not math.isfinite(self.factor):
            raise ValueError(f"Backoff.factor must be a finite number, got {self.factor!r}")
        if self.factor < 1.0:
            raise ValueError(f"Backoff.factor must be >= 1.0, got {self.factor}")
        if self.cap is not None and self.cap < timedelta(0):
            raise ValueError(f"Backoff.cap must be >= 0, got {self.cap}")
        if self.factor > 1.0 and self.cap is None:
            raise ValueError("Backoff.cap is required when factor > 1.0 to prevent unbounded growth")

    def compute_delay(self, n: int) -> timedelta:
        if n < 0:
            raise ValueError(f"Retry index n must be >= 0, got {n}")
        try:
            delay = self.base * (self.factor**n)
        except OverflowError:
            if self.cap is None:
                raise
            return self.cap
        if self.cap is not None and delay > self.cap:
            return self.cap
        return delay


@dataclass(frozen=True)
class RetryStrategy:
    """`count` user retries after the first attempt, paced by an optional `Backoff`.

    Without a backoff, retries start at once (the SDK's documented semantics).
    """

    count: int
    backoff: Optional[Backoff] = None

    def __post_init__(self) -> None:
        if isinstance(self.count, bool) or not isinstance(self.count, int) or self.count < 0:
            raise ValueError(f"RetryStrategy.count must be a non-negative int, got {self.count!r}")


def normalize_retries(retries: Union[int, RetryStrategy, None]) -> RetryStrategy:
    if retries is None:
        return RetryStrategy(0)
    if isinstance(retries, RetryStrategy):
        return retries
    if isinstance(retries, int) and not isinstance(retries, bool):
        return RetryStrategy(retries)
    raise ValueError(f"retries must be an int or a flyte.RetryStrategy, got {type(retries).__name__}: {retries!r}")
