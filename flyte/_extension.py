"""The runtime's named extension point for its in-repo adapters (the flytekit shim).

Not part of the flyte SDK's API, and kept deliberately small: only what an adapter needs that a
Flyte 2 program never does.
"""

from __future__ import annotations

# An input value with this method names its own cache hash: `value.__flyte_cache_hash__()` returns
# a string (or None for "hash my bytes as usual"), and a cached task's key depends on that string
# instead of the value's serialized bytes. The flytekit shim uses it for `HashMethod`-annotated
# outputs, whose hash a user's function computes.
CACHE_HASH_METHOD = "__flyte_cache_hash__"


def clear_task_cache() -> int:
    """Forget every cached task output in the local store ($FLYTE_HOME); returns how many."""
    from ._run import current_store

    return current_store().clear_cache()


__all__ = ["CACHE_HASH_METHOD", "clear_task_cache"]
