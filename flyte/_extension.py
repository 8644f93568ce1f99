"""The runtime's named extension point for its in-repo adapters (the flytekit shim).

Not part of the flyte SDK's API, and kept deliberately small: only what an adapter needs that a
Flyte 2 program never does.
"""

from __future__ import annotations

from typing import Any

# An input value with this method names its own cache hash: `value.__flyte_cache_hash__()` returns
# a string (or None for "hash my bytes as usual"), and a cached task's key depends on that string
# instead of the value's serialized bytes. The flytekit shim uses it for `HashMethod`-annotated
# outputs, whose hash a user's function computes.
CACHE_HASH_METHOD = "__flyte_cache_hash__"


def clear_task_cache() -> int:
    """Forget every cached task output in the local store ($FLYTE_HOME); returns how many."""
    from ._run import current_store

    return current_store().clear_cache()


def live_progress(enabled: bool = True) -> Any:
    """A context manager that shows the first run started inside it as a live tree on the
    terminal (as `flyte run` does), when stdout is a terminal, `enabled` and $FLYTE_NO_PROGRESS
    is not set; otherwise it does nothing."""
    import contextlib
    import os

    if not enabled or os.environ.get("FLYTE_NO_PROGRESS"):
        return contextlib.nullcontext()
    from rich.console import Console

    console = Console(highlight=False, soft_wrap=True)
    if not console.is_terminal:
        return contextlib.nullcontext()
    from ._live import LiveRun

    return LiveRun().shown(console)


__all__ = ["CACHE_HASH_METHOD", "clear_task_cache", "live_progress"]
