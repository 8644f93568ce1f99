"""`SQLTask`: the base of SQL query tasks, which need a plugin's executor (import-only here)."""

from __future__ import annotations

from .._internal import internal_classes

(SQLTask,) = internal_classes(__name__, "SQL task plugin base", "SQLTask")

__all__ = ["SQLTask"]
