"""`LocalTaskCache`: the cache of task results, which here is the flyte runtime's cache.

flytekit keeps a diskcache under ~/.flyte/local-cache; the shim's cached tasks are flyte tasks
with a `Cache`, whose entries live in the runtime's metadata store (under $FLYTE_HOME), so
clearing this cache clears that store's cache table.
"""

from __future__ import annotations

from .._internal import internal_functions


class LocalTaskCache:
    _initialized = False

    @staticmethod
    def initialize() -> None:
        LocalTaskCache._initialized = True

    @staticmethod
    def clear() -> int:
        """Forget every cached task result; returns how many entries were removed."""
        from flyte._extension import clear_task_cache  # the runtime's named extension point

        return clear_task_cache()


_calculate_cache_key, _recursive_hash_placement = internal_functions(
    __name__, "flytekit's literal-based cache key", "_calculate_cache_key", "_recursive_hash_placement"
)

__all__ = ["LocalTaskCache"]
