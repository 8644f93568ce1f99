"""Container reuse policy. Locally every action runs in this process, so it only shapes validation."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from typing import Literal, Optional, Union


@dataclass
class ReusePolicy:
    replicas: Union[int, tuple[int, int]] = 2
    idle_ttl: Union[int, timedelta] = 30
    concurrency: int = 1
    scaledown_ttl: Union[int, timedelta] = 30
    scope: Literal["global", "run"] = "global"

    def __post_init__(self) -> None:
        if isinstance(self.replicas, tuple):
            if len(self.replicas) != 2 or self.replicas[0] > self.replicas[1] or self.replicas[0] < 0:
                raise ValueError(f"replicas must be a (min, max) pair with 0 <= min <= max, got {self.replicas}")
        elif self.replicas < 1:
            raise ValueError(f"replicas must be at least 1, got {self.replicas}")
        if self.concurrency < 1:
            raise ValueError(f"concurrency must be at least 1, got {self.concurrency}")
        if self.scope not in ("global", "run"):
            raise ValueError(f"scope must be 'global' or 'run', got {self.scope!r}")

    @property
    def min_replicas(self) -> int:
        return self.replicas[0] if isinstance(self.replicas, tuple) else self.replicas

    @property
    def max_replicas(self) -> int:
        return self.replicas[1] if isinstance(self.replicas, tuple) else self.replicas

    def get_scaledown_ttl(self) -> Optional[timedelta]:
        ttl = self.scaledown_ttl
        return timedelta(seconds=ttl) if isinstance(ttl, int) else ttl
