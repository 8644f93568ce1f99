"""SQLite3 query tasks (import-only: they need flytekit's SQL task executor)."""

from __future__ import annotations

from ..._internal import internal_classes

_WHY = "SQL task plugin"
(SQLite3Config, SQLite3Task,) = internal_classes(
    __name__, _WHY, "SQLite3Config", "SQLite3Task"
)

__all__ = ["SQLite3Config", "SQLite3Task"]
