"""The runtime's named extension point for its in-repo adapters (the flytekit shim).

Not part of the flyte SDK's API, and kept deliberately small: only what an adapter needs that a
Flyte 2 program never does.
"""

from __future__ import annotations


def clear_task_cache() -> int:
    """Forget every cached task output in the local store ($FLYTE_HOME); returns how many."""
    from ._run import current_store

    return current_store().clear_cache()


__all__ = ["clear_task_cache"]
