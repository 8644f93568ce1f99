"""One store per home directory per process, of the kind `$FLYTE_STORE` names."""

from __future__ import annotations

import os
import threading
from pathlib import Path
from typing import Optional

from ._memory import MemoryStore
from ._protocol import MetadataStore
from ._sqlite import SQLiteStore

STORE_ENV_VAR = "FLYTE_STORE"
STORE_KINDS = {"sqlite": SQLiteStore, "memory": MemoryStore}

_stores: dict[tuple[str, Path], MetadataStore] = {}
_lock = threading.Lock()


def default_home() -> Path:
    """`$FLYTE_HOME`, else `~/.flyte`."""
    env = os.environ.get("FLYTE_HOME")
    return Path(env).expanduser() if env else Path.home() / ".flyte"


def store_kind() -> str:
    """`$FLYTE_STORE`: "sqlite" (the default, durable) or "memory" (nothing outlives the process)."""
    kind = os.environ.get(STORE_ENV_VAR, "").strip().lower() or "sqlite"
    if kind not in STORE_KINDS:
        raise ValueError(f"{STORE_ENV_VAR}={kind!r} is not a store; use one of: {', '.join(STORE_KINDS)}")
    return kind


def open_store(home: Optional[Path] = None) -> MetadataStore:
    """The process's store for `home` (default: `default_home()`), opened on first use."""
    key = (store_kind(), (Path(home) if home is not None else default_home()).expanduser().resolve())
    store = _stores.get(key)
    if store is not None and not store._closed:  # type: ignore[attr-defined]
        return store
    with _lock:
        store = _stores.get(key)
        if store is None or store._closed:  # type: ignore[attr-defined]
            store = _stores[key] = STORE_KINDS[key[0]](key[1])
        return store


def reset_after_fork() -> None:
    _stores.clear()
