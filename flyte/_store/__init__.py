"""The metadata store: runs, their action trees, attempts and the task cache.

`open_store()` gives the embedded SQLite store under `$FLYTE_HOME` (default `~/.flyte`).
"""

from ._blobs import BlobStore
from ._open import default_home, open_store
from ._records import ACTION_COLUMNS, RUN_COLUMNS, TERMINAL_PHASES
from ._sqlite import INLINE_LIMIT, SQLiteStore

__all__ = [
    "ACTION_COLUMNS",
    "INLINE_LIMIT",
    "RUN_COLUMNS",
    "TERMINAL_PHASES",
    "BlobStore",
    "SQLiteStore",
    "default_home",
    "open_store",
]
