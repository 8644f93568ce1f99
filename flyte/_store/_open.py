"""One store per home directory per process."""

from __future__ import annotations

import os
import threading
from pathlib import Path
from typing import Optional

from ._sqlite import SQLiteStore

_stores: dict[Path, SQLiteStore] = {}
_lock = threading.Lock()


def default_home() -> Path:
    """`$FLYTE_HOME`, else `~/.flyte`."""
    env = os.environ.get("FLYTE_HOME")
    return Path(env).expanduser() if env else Path.home() / ".flyte"


def open_store(home: Optional[Path] = None) -> SQLiteStore:
    path = (Path(home) if home is not None else default_home()).expanduser().resolve()
    store = _stores.get(path)
    if store is not None and not store._closed:
        return store
    with _lock:
        store = _stores.get(path)
        if store is None or store._closed:
            store = _stores[path] = SQLiteStore(path)
        return store


def reset_after_fork() -> None:
    _stores.clear()
