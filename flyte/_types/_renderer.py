"""`Renderable`: what `Annotated[T, renderer]` and report tabs accept."""

from __future__ import annotations

from typing import Any, Protocol, runtime_checkable


@runtime_checkable
class Renderable(Protocol):
    def to_html(self, python_value: Any) -> str:
        """HTML for `python_value` (shown in a report)."""
        ...
