"""Free-form string metadata that flows from a run (or a block) to every action below it."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator

from ._context import current_custom_context


def get_custom_context() -> dict[str, str]:
    """The custom context visible here: the run's, plus any `custom_context(...)` blocks around."""
    return dict(current_custom_context.get() or {})


@contextlib.contextmanager
def custom_context(**context: str) -> Iterator[None]:
    """Add keys for the actions started inside the block (and read back by `get_custom_context`)."""
    for k, v in context.items():
        if not isinstance(v, str):
            raise TypeError(f"custom_context values must be strings; {k!r} is {type(v).__name__}")
    token = current_custom_context.set({**(current_custom_context.get() or {}), **context})
    try:
        yield
    finally:
        current_custom_context.reset(token)
