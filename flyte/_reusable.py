"""Container reuse policy. Locally every action runs in this process, so it only shapes validation,
but the values are normalised as the SDK normalises them, so code that reads them back agrees."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import timedelta
from typing import Literal, Optional, Union

logger = logging.getLogger("flyte")

_MIN_TTL = 30  # seconds: the backend does not keep a pool for less


def _ttl(name: str, value: object) -> timedelta:
    if isinstance(value, bool) or not isinstance(value, (int, timedelta)):
        raise ValueError(f"{name} must be an int (seconds) or a timedelta")
    ttl = timedelta(seconds=value) if isinstance(value, int) else value
    if ttl.total_seconds() < _MIN_TTL:
        raise ValueError(f"{name} must be at least {_MIN_TTL} seconds")
    return ttl


@dataclass
class ReusePolicy:
    """Keep warm containers for an environment's tasks.

    After construction `replicas` is always a `(min, max)` pair (an int n means `(n, n)`) and
    `idle_ttl`/`scaledown_ttl` are timedeltas of at least 30 seconds."""

    replicas: Union[int, tuple[int, int]] = 2
    idle_ttl: Union[int, timedelta] = 30
    concurrency: int = 1
    scaledown_ttl: Union[int, timedelta] = 30
    scope: Literal["global", "run"] = "global"

    def __post_init__(self) -> None:
        if self.scope not in ("global", "run"):
            raise ValueError('scope must be "global" or "run"')
        replicas = self.replicas
        if replicas is None:
            raise ValueError("replicas cannot be None")
        if isinstance(replicas, int) and not isinstance(replicas, bool):
            replicas = (replicas, replicas)
        if not isinstance(replicas, tuple) or len(replicas) != 2:
            raise ValueError("replicas must be an int or a tuple of two ints")
        for label, value in zip(("min", "max"), replicas):
            if isinstance(value, bool) or not isinstance(value, int):
                raise ValueError(f"replicas {label} must be an int, got {value!r}")
            if value < 0:
                raise ValueError(f"replicas {label} must be greater than or equal to 0, got {value}")
        if replicas[0] > replicas[1]:
            raise ValueError(f"replicas min ({replicas[0]}) must be less than or equal to max ({replicas[1]})")
        self.replicas = replicas
        if isinstance(self.concurrency, bool) or not isinstance(self.concurrency, int):
            raise ValueError(f"concurrency must be an int, got {self.concurrency!r}")
        if self.concurrency < 1:
            raise ValueError(f"concurrency must be at least 1, got {self.concurrency}")
        self.idle_ttl = _ttl("idle_ttl", self.idle_ttl)
        self.scaledown_ttl = _ttl("scaledown_ttl", self.scaledown_ttl)
        if replicas[1] == 1 and self.concurrency == 1:
            logger.warning(
                "A reusable environment with one replica and concurrency 1 can starve: a parent task "
                "holding the replica leaves none for its children. Use at least 2 replicas, more "
                "concurrency, or no reuse for the parent task."
            )

    @property
    def min_replicas(self) -> int:
        return self.replicas[0] if isinstance(self.replicas, tuple) else self.replicas

    @property
    def max_replicas(self) -> int:
        return self.replicas[1] if isinstance(self.replicas, tuple) else self.replicas

    def get_scaledown_ttl(self) -> Optional[timedelta]:
        ttl = self.scaledown_ttl
        return timedelta(seconds=ttl) if isinstance(ttl, int) else ttl
