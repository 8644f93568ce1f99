"""A stats client that records nothing (local runs have no metrics backend)."""

from __future__ import annotations

from typing import Any


class MockStats:
    def __init__(self, scope: str = "", tags: Any = None):
        self.scope = scope
        self.tags = dict(tags or {})

    def __getattr__(self, name: str) -> Any:
        return lambda *args, **kwargs: None


__all__ = ["MockStats"]
