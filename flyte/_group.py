"""`flyte.group`: label the actions started inside a block (shown together, part of their ids)."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator

from ._context import current_group


@contextlib.contextmanager
def group(name: str) -> Iterator[None]:
    """Actions started inside the block belong to group `name`. Groups do not nest: an inner
    group replaces the outer one for its block, as in the SDK."""
    if not isinstance(name, str) or not name:
        raise ValueError(f"group name must be a non-empty string, got {name!r}")
    token = current_group.set(name)
    try:
        yield
    finally:
        current_group.reset(token)
