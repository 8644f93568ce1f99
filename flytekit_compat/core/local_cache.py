"""`LocalTaskCache`: the cache of task results, which here is the flyte runtime's cache.

flytekit keeps a diskcache under ~/.flyte/local-cache; the shim's cached tasks are flyte tasks
with a `Cache`, whose entries live in the runtime's metadata store (under $FLYTE_HOME), so
clearing this cache clears that store's cache table.
"""

from __future__ import annotations

from typing import Any

from .._internal import internal_functions


def _store() -> Any:
    # flyte's public API has no cache-clearing call; the store is the runtime's own extension point.
    from flyte._run import _store as store

    return store()


class LocalTaskCache:
    _initialized = False

    @staticmethod
    def initialize() -> None:
        LocalTaskCache._initialized = True

    @staticmethod
    def clear() -> int:
        """Forget every cached task result; returns how many entries were removed."""
        return _store().clear_cache()


_calculate_cache_key, _recursive_hash_placement = internal_functions(
    __name__, "flytekit's literal-based cache key", "_calculate_cache_key", "_recursive_hash_placement"
)

__all__ = ["LocalTaskCache"]
