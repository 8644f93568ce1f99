"""The metadata store: runs, their action trees, attempts and the task cache.

`open_store()` gives the process's store under `$FLYTE_HOME` (default `~/.flyte`): the embedded
SQLite store, or with `FLYTE_STORE=memory` one that lives in memory. Both implement
`MetadataStore` and speak in the typed records of `_records`; they also keep what actions wrote
(`_logs`), their reports, and fan-out aggregates for readers (`_groups`). What goes wrong on disk
is a `StoreError` (full, read-only, damaged) that names the path; `_maintenance` checks and
recovers a store (`flyte store check|recover`).
"""

from typing import TYPE_CHECKING

from .._lazy import lazy_attributes
from ._blobs import BlobStore, UrlBlobStore, is_blob_url, read_blob_url
from ._errors import StoreDamagedError, StoreError, StoreFullError, StoreReadOnlyError, translate
from ._logs import DEFAULT_LOG_LIMIT, LOG_LIMIT_ENV, SYSTEM_MARK, line_parts, split_lines, system_text
from ._memory import MemoryStore
from ._open import STORE_ENV_VAR, STORE_KINDS, default_home, open_store, store_kind
from ._protocol import MetadataStore
from ._records import (
    ACTION_COLUMNS,
    RUN_COLUMNS,
    TERMINAL_PHASES,
    ActionCounts,
    ActionGroup,
    ActionKind,
    ActionPage,
    ActionRecord,
    AttemptRecord,
    CacheRecord,
    CacheStatus,
    EarlierRun,
    LogPage,
    Phase,
    RunRecord,
    current_heading,
    run_directory,
)
from ._sqlite import INLINE_LIMIT, SQLiteStore

if TYPE_CHECKING:
    from ._maintenance import CheckReport, RecoverReport, check_store, recover_store

# Loaded when first asked for (by `flyte store check|recover`), not by every run.
_LAZY = {"CheckReport": "._maintenance", "RecoverReport": "._maintenance", "check_store": "._maintenance",
         "recover_store": "._maintenance"}

__getattr__ = lazy_attributes(__name__, _LAZY, globals())


__all__ = [
    "ACTION_COLUMNS",
    "DEFAULT_LOG_LIMIT",
    "LOG_LIMIT_ENV",
    "INLINE_LIMIT",
    "RUN_COLUMNS",
    "STORE_ENV_VAR",
    "STORE_KINDS",
    "SYSTEM_MARK",
    "TERMINAL_PHASES",
    "ActionCounts",
    "ActionGroup",
    "ActionKind",
    "ActionPage",
    "ActionRecord",
    "AttemptRecord",
    "BlobStore",
    "CacheRecord",
    "CheckReport",
    "CacheStatus",
    "EarlierRun",
    "LogPage",
    "MemoryStore",
    "MetadataStore",
    "Phase",
    "RecoverReport",
    "RunRecord",
    "SQLiteStore",
    "StoreDamagedError",
    "StoreError",
    "StoreFullError",
    "StoreReadOnlyError",
    "UrlBlobStore",
    "check_store",
    "current_heading",
    "default_home",
    "line_parts",
    "split_lines",
    "system_text",
    "is_blob_url",
    "open_store",
    "read_blob_url",
    "recover_store",
    "run_directory",
    "store_kind",
    "translate",
]
