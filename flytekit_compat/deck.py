"""`flytekit.Deck`: HTML pages attached to a task, published as the flyte action's report tabs."""

from __future__ import annotations

import enum
from typing import Any, Optional


class Deck:
    """A named HTML page. Created inside a task it is added to the task's decks; with
    `@task(enable_deck=True)` they are written as the action's report when the task ends."""

    def __init__(self, name: str, html: Optional[str] = "", auto_add_to_deck: bool = True):
        self._name = name
        self._html = html or ""
        if auto_add_to_deck:
            from ._context import current_context

            current_context().decks.append(self)

    @property
    def name(self) -> str:
        return self._name

    @property
    def html(self) -> str:
        return self._html

    def append(self, html: str) -> Deck:
        if not isinstance(html, str):
            raise ValueError(f"Deck.append takes a string of HTML, got {type(html).__name__}")
        self._html += html
        return self

    def publish(self) -> None:
        """Write the current decks out now (they are also written when the task ends)."""
        from ._context import _publish_decks, current_context

        _publish_decks(current_context().decks)
        import flyte.report

        flyte.report.flush()

    def __repr__(self) -> str:
        return f"Deck({self._name!r})"


class TopFrameRenderer:
    def __init__(self, max_rows: int = 10, max_cols: int = 100):
        self._max_rows, self._max_cols = max_rows, max_cols

    def to_html(self, df: Any) -> str:
        return df.to_html(max_rows=self._max_rows, max_cols=self._max_cols)


class MarkdownRenderer:
    def to_html(self, text: str) -> str:
        try:
            import markdown

            return markdown.markdown(text)
        except ImportError:
            import html

            return f"<pre>{html.escape(text)}</pre>"


def renderer_html(value: Any) -> str:
    return value.to_html() if hasattr(value, "to_html") else str(value)


class DeckField(str, enum.Enum):
    """The decks flytekit can generate for a task (`@task(deck_fields=...)`)."""

    INPUT = "Input"
    OUTPUT = "Output"
    SOURCE_CODE = "Source Code"
    TIMELINE = "Timeline"
    DEPENDENCIES = "Dependencies"
