"""The eager-workflow remote worker queue (import-only: eager runs locally here)."""

from __future__ import annotations

from .._internal import internal_classes

_WHY = "eager remote controller"
(Controller, ItemStatus, Update, WorkItem,) = internal_classes(
    __name__, _WHY, "Controller", "ItemStatus", "Update", "WorkItem"
)

__all__ = ["Controller", "ItemStatus", "Update", "WorkItem"]
