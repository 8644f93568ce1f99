"""The embedded metadata store: SQLite in WAL mode, written in batches, made crash-safe by a journal.

Threading: any thread may record (sync task bodies run in worker threads). Records go to an
in-memory buffer under a lock; finished actions are also appended to the journal before the
call returns. A writer thread commits the buffer every `flush_interval` seconds, and `flush()`
commits it on demand (the runtime calls it when a run ends).

Faults (see `_errors`): opening checks the file (its header, and SQLite's `quick_check` when it
changed since the last clean close) and refuses a damaged or missing database with the path and
what to do; a store that cannot be written opens read-only (history can be read, recording says
which path is not writable); a full disk is a `StoreFullError`, never a signal.

The tree is whole after any kill: a run's root action, and every action that has a finished
child, is in the journal before that child is (an action's start is otherwise only buffered).
"""

from __future__ import annotations

import atexit
import functools
import heapq
import logging
import os
import shutil
import sqlite3
import threading
import time
import urllib.parse
import weakref
import zlib
from collections.abc import Collection, Iterable, Iterator, Sequence
from pathlib import Path
from typing import Any, Callable, NamedTuple, Optional, TypeVar

import msgpack

from .._serde import ExtCode
from ._blobs import BlobStore
from ._errors import (
    RECOVER_HINT,
    StoreDamagedError,
    StoreError,
    StoreFullError,
    StoreReadOnlyError,
    first_unwritable,
    read_only_error,
    translate,
)
from ._groups import GroupTallies, group_of, wanted_parent
from ._journal import (
    MIN_SEGMENT_BYTES,
    SEGMENT_BYTES,
    DeadOwner,
    JournalSegment,
    OwnerLock,
    claim_dead_owners,
    new_owner_id,
    owner_alive,
    pack_header,
    read_records,
    segment_number,
    segments_of,
)
from ._logs import EARLIER_LOGS_TABLE, LogBuffer, keep_earlier, log_limit, merge, pack_times, unpack_times
from ._records import (
    ACTION_COLUMNS,
    ATTEMPT_COLUMNS,
    CACHE_COLUMNS,
    J_ACTION,
    J_ACTIONS,
    J_ATTEMPT,
    J_CACHE,
    J_LOG,
    J_REPORT,
    J_RUN,
    RUN_COLUMNS,
    ActionCounts,
    ActionGroup,
    ActionPage,
    ActionRecord,
    AttemptRecord,
    EarlierRun,
    LogPage,
    Phase,
    RunRecord,
    log_page,
    page_token,
    parse_page_token,
    row_filter,
    run_directory,
    typed_action,
    typed_run,
)

SCHEMA_VERSION = 5
INLINE_LIMIT = 256 * 1024  # bytes; larger encoded values live in the blob store
_BLOB_EXT = int(ExtCode.BLOB)
DB_NAME = "metadata.db"
CLEAN_MARK = "metadata.db.clean"  # the database's file state when it was last closed cleanly
_RUNNING = Phase.RUNNING.value
# Finished children of one parent committed together are stored packed (see _pack_finished) when
# there are at least PACK_MIN of them, PACK_ROWS to a batch (what one page of a listing opens).
PACK_MIN, PACK_ROWS = 16, 1024
_JOURNAL_KEY = "journal:"  # meta key prefix: the highest journal segment of an owner that is committed

logger = logging.getLogger("flyte")
_F = TypeVar("_F", bound=Callable[..., Any])

_ACTIONS_TABLE = """CREATE TABLE IF NOT EXISTS actions (
    run TEXT NOT NULL, id TEXT NOT NULL, parent TEXT, task TEXT, short_name TEXT, group_name TEXT,
    kind TEXT, phase TEXT, attempts INTEGER, start_time REAL NOT NULL, end_time REAL,
    inputs BLOB, outputs BLOB, error_code TEXT, error TEXT, cache_status TEXT,
    PRIMARY KEY (run, start_time, id)
) WITHOUT ROWID;"""

_SCHEMA = f"""
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT);
CREATE TABLE IF NOT EXISTS runs (
    name TEXT PRIMARY KEY, task TEXT, phase TEXT, start_time REAL, end_time REAL,
    inputs BLOB, outputs BLOB, error_code TEXT, error TEXT, owner TEXT,
    task_module TEXT, task_file TEXT, context BLOB
);
-- Keyed by start time within a run, so that a run's actions are stored in the order they started
-- and a page of them is one range scan, with no second index to update per action. An action's
-- start time never changes between its started and finished records.
CREATE TABLE IF NOT EXISTS actions (
    run TEXT NOT NULL, id TEXT NOT NULL, parent TEXT, task TEXT, short_name TEXT, group_name TEXT,
    kind TEXT, phase TEXT, attempts INTEGER, start_time REAL NOT NULL, end_time REAL,
    inputs BLOB, outputs BLOB, error_code TEXT, error TEXT, cache_status TEXT,
    PRIMARY KEY (run, start_time, id)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS attempts (
    run TEXT NOT NULL, action TEXT NOT NULL, attempt INTEGER NOT NULL, start_time REAL, end_time REAL,
    error_code TEXT, error TEXT, PRIMARY KEY (run, action, attempt)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS cache (
    key TEXT PRIMARY KEY, task TEXT, version TEXT, outputs BLOB, created REAL
);
-- Actions recorded together (the items of a map) are stored packed, one row per batch, which
-- costs one insert instead of hundreds; the read API expands them like ordinary rows. A batch's
-- first and last start times let a page of a run's actions open only the batches it needs, and
-- its items' parent (NULL if they have several) the batches of one node's children.
CREATE TABLE IF NOT EXISTS action_batches (
    seq INTEGER PRIMARY KEY AUTOINCREMENT, run TEXT NOT NULL, rows BLOB NOT NULL, first_start REAL, last_start REAL,
    parent TEXT
);
-- A run's actions counted by parent, group, task, short name and kind (see _groups), kept up to
-- date as rows are committed: a tree, a runs list or a timeline reads a few of these instead of
-- every action. "" stands for no parent / no group (key columns cannot be NULL here).
CREATE TABLE IF NOT EXISTS action_groups (
    run TEXT NOT NULL, parent TEXT NOT NULL, group_name TEXT NOT NULL, task TEXT NOT NULL, short_name TEXT NOT NULL,
    kind TEXT NOT NULL, queued INTEGER, running INTEGER, succeeded INTEGER, failed INTEGER, aborted INTEGER,
    timed_out INTEGER, hits INTEGER, attempts INTEGER, first_start REAL, first_id TEXT, last_end REAL,
    PRIMARY KEY (run, parent, group_name, task, short_name, kind)
) WITHOUT ROWID;
-- What each attempt of an action wrote: its last log_limit characters, how many came before, and
-- when its lines were written (8-byte floats offset, time, ...: see _logs; NULL: not recorded).
CREATE TABLE IF NOT EXISTS logs (
    run TEXT NOT NULL, action TEXT NOT NULL, attempt INTEGER NOT NULL, text TEXT NOT NULL, dropped INTEGER NOT NULL,
    times BLOB, PRIMARY KEY (run, action, attempt)
) WITHOUT ROWID;
-- What actions that ran again when their run resumed wrote before (see _logs).
{EARLIER_LOGS_TABLE}
-- Reports of report=True tasks, kept in the blob store.
CREATE TABLE IF NOT EXISTS reports (
    run TEXT NOT NULL, action TEXT NOT NULL, blob TEXT NOT NULL, PRIMARY KEY (run, action)
) WITHOUT ROWID;
INSERT OR IGNORE INTO meta VALUES ('schema_version', '{SCHEMA_VERSION}');
"""

# Created after an in-place upgrade has added the columns they cover.
_INDEXES = """
CREATE INDEX IF NOT EXISTS action_batches_by_start ON action_batches (run, first_start);
-- Runs newest first (`flyte get runs`, the UI's runs page) read a page, not the whole table.
CREATE INDEX IF NOT EXISTS runs_by_start ON runs (start_time);
"""


def merge_piece(conn: sqlite3.Connection, piece: Sequence[Any], limit: int) -> None:
    """Apply a piece of an attempt's output (run, action, attempt, offset, text[, marks]: see
    `_logs`) to its stored log. Caller holds `conn` in a transaction."""
    run, action, attempt, offset, text = piece[:5]
    key = (run, action, attempt)
    stored = conn.execute("SELECT text, dropped, times FROM logs WHERE run=? AND action=? AND attempt=?", key).fetchone()
    new = merge(None if stored is None else (stored[0], stored[1], unpack_times(stored[2])), offset, text, limit,
                piece[5] if len(piece) > 5 else ())
    if stored is None or (stored[0], stored[1]) != new[:2]:
        conn.execute("INSERT OR REPLACE INTO logs (run, action, attempt, text, dropped, times) VALUES (?, ?, ?, ?, ?, ?)",
                     (*key, new[0], new[1], pack_times(new[2])))


def _upsert(table: str, columns: tuple) -> str:
    return f"INSERT OR REPLACE INTO {table} ({', '.join(columns)}) VALUES ({', '.join('?' * len(columns))})"


_UPSERT_ACTION = _upsert("actions", ACTION_COLUMNS)
_UPSERT_RUN = _upsert("runs", RUN_COLUMNS)
_UPSERT_ATTEMPT = _upsert("attempts", ATTEMPT_COLUMNS)
_UPSERT_CACHE = _upsert("cache", CACHE_COLUMNS)
_INSERT_BATCH = "INSERT INTO action_batches (run, rows, first_start, last_start, parent) VALUES (?, ?, ?, ?, ?)"
_GROUP_COLUMNS = ("run", "parent", "group_name", "task", "short_name", "kind", "queued", "running", "succeeded", "failed",
                  "aborted", "timed_out", "hits", "attempts", "first_start", "first_id", "last_end")
_SUMMED = _GROUP_COLUMNS[6:14]
_COUNTED = _GROUP_COLUMNS[6:13]  # ActionCounts' fields
# Adds a change (counts may be negative) to a group's aggregate; on UPDATE the right-hand sides
# read the old values, so first_id is decided before first_start moves.
_ADD_TO_GROUP = (
    f"INSERT INTO action_groups ({', '.join(_GROUP_COLUMNS)}) VALUES ({', '.join('?' * len(_GROUP_COLUMNS))}) "
    "ON CONFLICT (run, parent, group_name, task, short_name, kind) DO UPDATE SET "
    + ", ".join(f"{c} = {c} + excluded.{c}" for c in _SUMMED)
    + ", first_id = CASE WHEN excluded.first_start < first_start THEN excluded.first_id ELSE first_id END"
    ", first_start = min(first_start, excluded.first_start), last_end = max(last_end, excluded.last_end)"
)
_G_SELECT = f"SELECT {', '.join(_GROUP_COLUMNS)} FROM action_groups"
_A_SELECT = f"SELECT {', '.join(ACTION_COLUMNS)} FROM actions"
_TABLE_CHUNK = 500  # rows fetched at a time when paging the actions table


# Where inputs (and, next to them, outputs) sit in an action record (16 fields) and a run record (13).
_INPUTS_AT = {len(ACTION_COLUMNS): ACTION_COLUMNS.index("inputs"), len(RUN_COLUMNS): RUN_COLUMNS.index("inputs")}
assert _INPUTS_AT[len(ACTION_COLUMNS)] == 11 and ACTION_COLUMNS.index("outputs") == 12
assert RUN_COLUMNS.index("outputs") == _INPUTS_AT[len(RUN_COLUMNS)] + 1


class PackedRows(list):
    """Action rows stored together (one action_batches row), with their msgpack encoding when
    the journal has made it already (`blob`): a commit then copies bytes instead of encoding
    every row a second time (~5,000 instructions a row)."""

    __slots__ = ("blob",)  # set by whoever has the encoding; unset: none (list's own __init__, no Python call)
    blob: bytes


# A journal record is the msgpack array (kind, row): this many bytes come before the row.
_KIND_PREFIX = len(msgpack.packb((J_ACTION, None))) - 1
assert _KIND_PREFIX == len(msgpack.packb((J_ACTIONS, None))) - 1


def _array_header(n: int) -> bytes:
    """The msgpack header of an array of `n` items (the format's fixarray, array 16, array 32)."""
    if n < 16:
        return bytes((0x90 | n,))
    return b"\xdc" + n.to_bytes(2, "big") if n < 0x10000 else b"\xdd" + n.to_bytes(4, "big")


def _batch_row(rows: list, payloads: Optional[dict] = None) -> tuple:
    """The action_batches row of `rows`. `payloads`: journal records of finished rows by
    (run, id), whose encodings of the rows are reused when they are all there."""
    starts = [r[9] or 0.0 for r in rows]
    parents = {r[2] for r in rows}
    parent = parents.pop() if len(parents) == 1 else None
    blob = getattr(rows, "blob", None)
    if blob is None and payloads:
        try:
            blob = _array_header(len(rows)) + b"".join([payloads[(r[0], r[1])][_KIND_PREFIX:] for r in rows])
        except KeyError:
            pass
    if blob is None:
        blob = msgpack.packb(rows, use_bin_type=True)
    return (rows[0][0], blob, min(starts), max(starts), parent)


def recount(conn: sqlite3.Connection, run: str) -> None:
    """Compute `run`'s fan-out aggregates afresh from its rows (caller holds a transaction).

    First deletes the table rows that a newer record of the same action replaces: a resumed
    run's new records replace the old ones as they are committed (see
    `SQLiteStore.prepare_resume`), but a new record replayed from the journal of a process that
    died arrives next to its old row. Old records are always table rows (resuming moves the
    packed ones there), so a packed record is never the stale one."""
    tallies = GroupTallies()
    packed: dict[str, float] = {}  # id -> start of the packed records
    for (blob,) in conn.execute("SELECT rows FROM action_batches WHERE run=?", (run,)).fetchall():
        for r in msgpack.unpackb(blob, raw=False):
            tallies.add(r)
            packed[r[1]] = r[9] or 0.0
    # inputs and outputs are not needed: leave them out of the scan
    cols = ", ".join("NULL" if c in ("inputs", "outputs", "error") else c for c in ACTION_COLUMNS)
    rows = conn.execute(f"SELECT {cols} FROM actions WHERE run=?", (run,)).fetchall()
    newest: dict[str, float] = {}
    for r in rows:
        start = r[9] or 0.0
        if start > newest.get(r[1], float("-inf")):
            newest[r[1]] = start
    stale = []
    for r in rows:
        start = r[9] or 0.0
        if start < newest[r[1]] or (r[1] in packed and packed[r[1]] >= start):
            stale.append((run, r[9], r[1]))
        else:
            tallies.add(r)
    if stale:
        conn.executemany("DELETE FROM actions WHERE run=? AND start_time=? AND id=?", stale)
    conn.execute("DELETE FROM action_groups WHERE run=?", (run,))
    conn.executemany(_ADD_TO_GROUP, tallies.rows())


class _Replacements(NamedTuple):
    """What a commit replaces of a resumed run (see `SQLiteStore.prepare_resume`)."""

    old: list[tuple]  # the stored rows (without values) that new records replace
    keys: list[tuple]  # their primary keys (run, start_time, id): deleted in the commit


def _run_of(kind: str, row: tuple) -> str:
    """The run a journal record belongs to ("" for cache entries)."""
    if kind == J_CACHE:
        return ""
    if kind == J_ACTIONS:
        return row[0][0] if row else ""
    return row[0]


def _order_key(row: tuple) -> tuple[float, str]:
    return (row[9] or 0.0, row[1])


class _JournaledLogs:
    """Output pieces read from a journal, one per write: consecutive pieces of an attempt are
    joined before they are applied, so that replaying many small writes costs one merge per
    attempt, not one rewrite of its stored log per write. A piece that does not follow the last
    one of its attempt (a piece from before a commit, a restart) is applied as it comes."""

    __slots__ = ("pending",)

    def __init__(self) -> None:
        self.pending: dict[tuple, list] = {}  # (run, action, attempt) -> [offset, texts, size, marks]

    def add(self, piece: Sequence[Any], apply: Callable[[tuple], None]) -> None:
        key, offset, text = tuple(piece[:3]), piece[3], piece[4]
        marks = list(piece[5]) if len(piece) > 5 else []
        joined = self.pending.get(key)
        if joined is not None and offset >= 0 and offset == joined[0] + joined[2]:
            joined[3].extend(m + joined[2] if k % 2 == 0 else m for k, m in enumerate(marks))
            joined[1].append(text)
            joined[2] += len(text)
            return
        if joined is not None:
            apply(self._row(key, joined))
        self.pending[key] = [offset, [text], len(text), marks]

    def apply_all(self, apply: Callable[[tuple], None]) -> None:
        for key, joined in self.pending.items():
            apply(self._row(key, joined))
        self.pending.clear()

    @staticmethod
    def _row(key: tuple, joined: list) -> tuple:
        return (*key, joined[0], "".join(joined[1]), joined[3])


def _reads(method: _F) -> _F:
    """A read of the database: SQLite's errors become `StoreError`s that name the file."""

    @functools.wraps(method)
    def wrapper(self: SQLiteStore, *args: Any, **kwargs: Any) -> Any:
        try:
            if self._unlocked is not None:
                return self._read_unlocked(method, args, kwargs)
            return method(self, *args, **kwargs)
        except sqlite3.Error as e:
            raise translate(e, self.path, "read the store") from e

    return wrapper  # type: ignore[return-value]


def _writes(method: _F) -> _F:
    """A change outside the recording path (delete, forget, clear): refused on a read-only
    store, and SQLite's errors become `StoreError`s."""

    @functools.wraps(method)
    def wrapper(self: SQLiteStore, *args: Any, **kwargs: Any) -> Any:
        self._writable()
        try:
            return method(self, *args, **kwargs)
        except (sqlite3.Error, OSError) as e:
            raise translate(e, self.path, "change the store") from e

    return wrapper  # type: ignore[return-value]


class SQLiteStore:
    """Runs, their action tree, attempts and the task cache, under one directory (`home`).
    Implements `MetadataStore`.

    Opening replays the journals of processes that died. `read_only=True` (or a store whose
    files cannot be written) opens the database read-only: everything can be read, nothing can
    be recorded (`read_only` then holds the `StoreReadOnlyError` that recording raises)."""

    # Slots: attribute loads on the recording path stay specialized however many attributes the
    # store has (with 30 or more in an instance dict, CPython 3.11 stops sharing its keys and every
    # `self.x` costs more: +300 instructions per recorded action, measured with cachegrind).
    __slots__ = (
        "__weakref__", "_actions", "_attempts", "_batches", "_cache", "_closed", "_committing", "_conn", "_db_lock",
        "_durable", "_flush_interval", "_flush_lock", "_full_segments", "_hot_parent", "_hot_run",
        "_lock", "_log_pending", "_log_times", "_logs", "_owner_lock", "_packer", "_payloads", "_replaced", "_reports", "_running",
        "_runs", "_segment",
        "_segment_no", "_spare", "_started", "_unlocked", "_wake", "_writer", "blobs", "home", "journal_dir", "log_limit", "owner", "path",
        "read_only", "recovered_runs", "recovery_errors",
    )

    def __init__(self, home: Path, flush_interval: float = 0.2, read_only: bool = False):
        self.home = Path(home)
        self.path = self.home / DB_NAME
        self.journal_dir = self.home / "journal"
        self.blobs = BlobStore(self.home / "blobs")
        self.owner = new_owner_id()
        self.log_limit = log_limit()
        self._log_times = "times"  # the column, or NULL in a store read as it is from before log times
        # actions committed as RUNNING and not yet as finished: their group counts them as running
        self._running: set[tuple[str, str]] = set()
        self._db_lock = threading.Lock()
        self._lock = threading.Lock()  # guards the buffers, the journal segment and its packer
        self._packer = msgpack.Packer(use_bin_type=True)
        self._flush_lock = threading.Lock()
        # buffered rows (plain tuples in record order) until the next commit
        self._actions: dict[tuple, tuple] = {}
        self._committing: dict[tuple, tuple] = {}  # the rows a flush in progress is committing
        # Started rows of child actions (not run roots), added without the lock (action_started)
        self._started: dict[tuple, tuple] = {}
        # The journal records of the finished rows in _actions: for a finished (non-RUNNING) row
        # there, the record action_finished journaled it with (only action_started writes other
        # rows there, and those are RUNNING).
        self._payloads: dict[tuple, bytes] = {}
        self._runs: dict[str, tuple] = {}
        self._attempts: list[tuple] = []
        self._batches: list[PackedRows] = []
        self._cache: dict[str, tuple] = {}
        # Per run, the actions whose start is durable (journaled or committed): a finished child
        # makes its parent's start durable first, so that a kill never leaves an orphan.
        self._durable: dict[str, set[str]] = {}
        # Per resumed run, the stored rows (without values) of actions that run again: the first
        # new record of each replaces its old one (see prepare_resume).
        self._replaced: dict[str, dict[str, tuple]] = {}
        # The (run, parent) whose start was made durable last, compared by identity: the children
        # of one parent come one after another, and this spares them the lookups above.
        self._hot_run: Optional[str] = None
        self._hot_parent: Optional[str] = None
        self._logs = LogBuffer(self.log_limit)
        self._log_pending = self._logs.pending  # the same dict, for a cheap "any output pending?"
        self._reports: dict[tuple[str, str], str] = {}  # (run, action) -> blob key
        self._owner_lock: Optional[OwnerLock] = None
        self._segment: Optional[JournalSegment] = None
        self._full_segments: list[JournalSegment] = []
        self._spare: Optional[JournalSegment] = None  # a committed, zeroed segment ready for reuse
        self._segment_no = 0
        self._closed = False
        self.read_only: Optional[StoreReadOnlyError] = None
        self._unlocked: Optional[str] = None  # read with `immutable=1`: the files' state it was opened on
        self.recovery_errors: list[StoreError] = []  # journals of dead processes that could not be replayed yet
        self.recovered_runs: list[str] = []
        self._conn: sqlite3.Connection
        if read_only:
            self._open_read_only(None)
        else:
            try:
                self._open_writable()
            except (OSError, sqlite3.Error) as e:
                err = translate(e, self.path, "open the store for writing")
                if not isinstance(err, StoreReadOnlyError) or not _has_data(self.path):
                    raise err from e
                files = [self.home, self.journal_dir, self.path, *(self.path.with_name(DB_NAME + x) for x in ("-wal", "-shm"))]
                where = first_unwritable(files)
                if where is not None:  # name the path that is in the way, not what SQLite tripped over
                    err = read_only_error(where, "read-only", "open the store for writing")
                self._open_read_only(err)
        self._flush_interval = flush_interval
        self._wake = threading.Event()
        self._writer: Optional[threading.Thread] = None
        if self.read_only is None:
            self._writer = threading.Thread(target=self._writer_loop, name="flyte-store-writer", daemon=True)
            self._writer.start()
        _live_stores.add(self)

    # -- opening ------------------------------------------------------------------------------------

    def _open_writable(self) -> None:
        try:
            self.home.mkdir(parents=True, exist_ok=True)
            self.journal_dir.mkdir(exist_ok=True)
        except OSError as e:
            raise translate(e, e.filename or self.home, "create the store's directory") from e
        check_files(self.home)
        check = _changed_since_clean_close(self.home)
        self._conn = sqlite3.connect(self.path, isolation_level=None, check_same_thread=False, timeout=30)
        try:
            self._conn.execute("PRAGMA journal_mode=WAL")
            self._conn.execute("PRAGMA synchronous=NORMAL")
            if check:
                self._quick_check()
            self._conn.executescript(_SCHEMA)
            self._check_schema()
            self._conn.executescript(_INDEXES)
            self.recovered_runs = self._recover()
        except BaseException:
            self._conn.close()
            raise

    def _connect_read_only(self) -> None:
        """`self._conn` for reading only: `mode=ro` sees everything, including what is still in
        the write-ahead log, and takes SQLite's locks like any reader. Where SQLite cannot make
        its shared-memory file (a read-only directory, and no process has the store open), the
        database file is read alone with `immutable=1`: no locks, and pages cached as if the file
        could never change. Another process may still start writing it; so such a store notes
        the files' state it was opened on, and every read checks it (`_read_unlocked`)."""
        uri = "file:" + urllib.parse.quote(str(self.path.resolve()))
        last: Optional[sqlite3.Error] = None
        for params in ("mode=ro", "immutable=1"):
            state = _unlocked_state(self.home) if params == "immutable=1" else None
            candidate = sqlite3.connect(f"{uri}?{params}", uri=True, isolation_level=None, check_same_thread=False,
                                        timeout=30)
            try:
                candidate.execute("SELECT count(*) FROM sqlite_master").fetchone()
            except sqlite3.Error as e:
                candidate.close()
                last = e
                if isinstance(translate(e, self.path, "read"), StoreDamagedError):
                    break
                continue
            if state is not None and state.endswith(":live"):
                logger.warning("The store at %s is read without its write-ahead log %s (SQLite cannot use it here): "
                               "the most recent changes may be missing.", self.home,
                               self.path.with_name(DB_NAME + "-wal"))
            self._conn = candidate
            self._unlocked = state
            return
        assert last is not None
        raise translate(last, self.path, "open the store for reading") from last

    def _read_unlocked(self, method: Callable[..., Any], args: tuple, kwargs: dict) -> Any:
        """`method` on a store read with `immutable=1`, answered only from files that did not
        change while it read: when they changed (a process began writing), the connection (and
        its cached pages) is opened afresh, with `mode=ro` once SQLite can, and the read runs again."""
        for _ in range(_UNLOCKED_TRIES):
            state = self._unlocked
            if state is None:  # reopened with mode=ro by another thread's read
                return method(self, *args, **kwargs)
            if _unlocked_state(self.home) != state:
                self._reopen_read_only(state)
                continue
            try:
                result = method(self, *args, **kwargs)
            except sqlite3.Error:
                if _unlocked_state(self.home) == state:
                    raise  # not a page torn by a writer: a real error
                self._reopen_read_only(state)
                continue
            if _unlocked_state(self.home) == state:
                return result
            self._reopen_read_only(state)
        raise StoreError(
            f"The store at {self.home} kept changing while it was read without SQLite's locks (it cannot make its "
            f"shared-memory file {self.path.with_name(DB_NAME + '-shm')} here); try again, or read it where that "
            f"directory is writable.", self.path)

    def _reopen_read_only(self, seen: str) -> None:
        with self._db_lock:
            if self._unlocked != seen or self._closed:
                return  # another thread did
            old = self._conn
            self._connect_read_only()
            old.close()

    def _open_read_only(self, reason: Optional[StoreReadOnlyError]) -> None:
        """Open the database for reading only (see `_connect_read_only`)."""
        check_files(self.home)
        if not _has_data(self.path):
            raise StoreReadOnlyError(f"No store at {self.home} to read (no {self.path}).", self.path)
        check = _changed_since_clean_close(self.home)
        self._connect_read_only()
        if check:
            self._quick_check()
        row = self._conn.execute("SELECT value FROM meta WHERE key='schema_version'").fetchone()
        if row is not None and int(row[0]) == 4:  # read as it is: only the times of log lines are missing
            self._log_times = "NULL"
        elif row is None or int(row[0]) != SCHEMA_VERSION:
            self._conn.close()
            raise StoreError(
                f"The metadata store at {self.path} has schema version {row and row[0]}, this runtime reads "
                f"{SCHEMA_VERSION}; it cannot be upgraded without write access.", self.path)
        self.read_only = reason or StoreReadOnlyError(
            f"The store at {self.home} was opened read-only: runs can be read but not recorded.", self.path)
        pending = list(self.journal_dir.glob("*.journal")) if self.journal_dir.is_dir() else []
        if pending and any(not owner_alive(self.journal_dir, p.stem.rsplit("-", 1)[0]) for p in pending):
            logger.warning("The store at %s is read-only here: journals of processes that died (%s) are not "
                           "applied, so their last records are not shown.", self.home, self.journal_dir)

    def _quick_check(self) -> None:
        """SQLite's structural check of the whole file; refuses a damaged store."""
        try:
            rows = [r[0] for r in self._conn.execute("PRAGMA quick_check(5)")]
        except sqlite3.Error as e:
            raise translate(e, self.path, "check the store") from e
        if rows != ["ok"]:
            raise StoreDamagedError(
                f"The store's database {self.path} is damaged (SQLite's quick_check: {'; '.join(rows)}). {RECOVER_HINT}",
                self.path)

    def _writable(self) -> None:
        if self.read_only is not None:
            raise self.read_only
        if self._closed:
            raise StoreError(f"The store at {self.home} is closed.", self.home)

    def _check_schema(self) -> None:
        row = self._conn.execute("SELECT value FROM meta WHERE key='schema_version'").fetchone()
        if row is not None and int(row[0]) in (1, 2, 3, 4):
            self._upgrade(int(row[0]))
            row = (str(SCHEMA_VERSION),)
        if row is None or int(row[0]) != SCHEMA_VERSION:
            raise StoreError(
                f"The metadata store at {self.path} has schema version {row and row[0]}, this runtime "
                f"expects {SCHEMA_VERSION}. Point FLYTE_HOME at another directory or remove the file.", self.path
            )

    def _upgrade(self, version: int) -> None:
        """In place: version 2 added action_batches (created by the schema script, with the
        columns of version 4); version 3 keys actions by start time and adds each batch's first
        and last start time; version 4 adds each batch's parent, and the fan-out aggregates,
        logs and reports (the aggregates of existing runs are computed here); version 5 adds
        when each log line was written (the logs kept before have no times)."""
        conn = self._conn
        conn.execute("BEGIN IMMEDIATE")
        try:
            if "times" not in [r[1] for r in conn.execute("PRAGMA table_info(logs)")]:
                conn.execute("ALTER TABLE logs ADD COLUMN times BLOB")
            if version == 4:  # nothing else changed since
                conn.execute("UPDATE meta SET value=? WHERE key='schema_version'", (str(SCHEMA_VERSION),))
                conn.execute("COMMIT")
                return
            if version < 3:
                conn.execute(_ACTIONS_TABLE.replace("CREATE TABLE IF NOT EXISTS actions", "CREATE TABLE actions_v3"))
                conn.execute(f"INSERT OR REPLACE INTO actions_v3 SELECT {', '.join(ACTION_COLUMNS[:9])}, "
                             f"coalesce(start_time, 0.0), {', '.join(ACTION_COLUMNS[10:])} FROM actions")
                conn.execute("DROP TABLE actions")
                conn.execute("ALTER TABLE actions_v3 RENAME TO actions")
            cols = [r[1] for r in conn.execute("PRAGMA table_info(action_batches)")]
            if "first_start" not in cols:
                conn.execute("ALTER TABLE action_batches ADD COLUMN first_start REAL")
                conn.execute("ALTER TABLE action_batches ADD COLUMN last_start REAL")
                conn.execute("DROP INDEX IF EXISTS action_batches_by_run")
            if "parent" not in cols:
                conn.execute("ALTER TABLE action_batches ADD COLUMN parent TEXT")
            for seq, blob in conn.execute("SELECT seq, rows FROM action_batches").fetchall():
                _, _, first, last, parent = _batch_row(msgpack.unpackb(blob, raw=False))
                conn.execute("UPDATE action_batches SET first_start=?, last_start=?, parent=? WHERE seq=?",
                             (first, last, parent, seq))
            runs = {r[0] for r in conn.execute("SELECT DISTINCT run FROM actions")}
            runs.update(r[0] for r in conn.execute("SELECT DISTINCT run FROM action_batches"))
            for run in sorted(runs):
                self._recount(run)
            conn.execute("UPDATE meta SET value=? WHERE key='schema_version'", (str(SCHEMA_VERSION),))
            conn.execute("COMMIT")
        except BaseException:
            conn.execute("ROLLBACK")
            raise

    # -- crash recovery ----------------------------------------------------------------------------

    def _recover(self) -> list[str]:
        """Replay the journals of processes that died, and fail the runs they left running.

        A journal that cannot be replayed now (the disk is full) keeps its lock and segments for
        the next process; the reason is in `recovery_errors`. A damaged database is refused."""
        failed_runs: list[str] = []
        for dead in claim_dead_owners(self.journal_dir):
            try:
                failed_runs.extend(self._replay(dead))
            except Exception as e:
                dead.release(remove=False)
                err = translate(e, self.path, f"replay the journal of process {dead.owner} (in {self.journal_dir})")
                if isinstance(err, StoreDamagedError) or not isinstance(err, StoreError):
                    raise err from e
                self.recovery_errors.append(err)
                logger.warning("%s The journal is kept and replayed when the store is next opened.", err)
            except BaseException:
                dead.release(remove=False)
                raise
            else:
                dead.release(remove=True)
                self._forget_owner(dead.owner)
        return failed_runs

    def _replay(self, dead: DeadOwner) -> list[str]:
        """Apply what `dead` journaled and did not commit, in one transaction, and fail its runs."""
        segments = segments_of(self.journal_dir, dead.owner)
        key = _JOURNAL_KEY + dead.owner
        with self._db_lock:
            conn = self._conn
            conn.execute("BEGIN IMMEDIATE")
            try:
                row = conn.execute("SELECT value FROM meta WHERE key=?", (key,)).fetchone()
                applied = int(row[0]) if row else -1
                top = applied
                touched: set[str] = set()
                logs = _JournaledLogs()
                for seg in segments:
                    number = segment_number(seg)
                    if number <= applied:
                        continue  # committed before the owner died
                    for kind, rec in read_records(seg):
                        if kind == J_LOG:
                            logs.add(rec, self._merge_log)
                        else:
                            self._apply(kind, rec)
                        touched.add(_run_of(kind, rec))
                    top = max(top, number)
                logs.apply_all(self._merge_log)
                note = dead.note()
                code, _, msg = (note or "").partition("\n")
                if not msg:
                    code, msg = "ProcessExited", "the process running this was terminated before it finished"
                now = time.time()
                stuck = [r[0] for r in conn.execute("SELECT name FROM runs WHERE owner=? AND phase='RUNNING'", (dead.owner,))]
                for run in stuck:
                    conn.execute("UPDATE runs SET phase='FAILED', end_time=?, error_code=?, error=? WHERE name=?",
                                 (now, code, msg, run))
                    conn.execute("UPDATE actions SET phase='FAILED', end_time=?, error_code=?, error=? "
                                 "WHERE run=? AND phase='RUNNING'", (now, code, msg, run))
                touched.update(stuck)
                touched.discard("")
                for run in sorted(touched):  # replayed rows may have been committed already: count afresh
                    self._recount(run)
                # Same transaction: a crash before the segments are gone never applies them twice.
                conn.execute("INSERT OR REPLACE INTO meta VALUES (?, ?)", (key, str(max(top, 0))))
                conn.execute("COMMIT")
            except BaseException:
                if conn.in_transaction:
                    conn.execute("ROLLBACK")
                raise
        for seg in segments:
            seg.unlink(missing_ok=True)
        return stuck

    def _forget_owner(self, owner: str) -> None:
        """Once an owner's segments and lock are gone, its committed-position key is not needed."""
        try:
            with self._db_lock:
                self._conn.execute("DELETE FROM meta WHERE key=?", (_JOURNAL_KEY + owner,))
        except sqlite3.Error:
            pass  # harmless leftover: owner ids are never reused

    def _apply(self, kind: str, row: tuple) -> None:
        if kind == J_ACTION:
            self._conn.execute(_UPSERT_ACTION, row)
        elif kind == J_ACTIONS:
            if row:
                self._conn.execute(_INSERT_BATCH, _batch_row(list(row)))
        elif kind == J_RUN:
            self._conn.execute(_UPSERT_RUN, row)
        elif kind == J_ATTEMPT:
            self._conn.execute(_UPSERT_ATTEMPT, row)
        elif kind == J_CACHE:
            self._conn.execute(_UPSERT_CACHE, row)
        elif kind == J_LOG:
            self._merge_log(row)
        elif kind == J_REPORT:
            self._conn.execute("INSERT OR REPLACE INTO reports (run, action, blob) VALUES (?, ?, ?)", row)

    def _merge_log(self, piece: tuple) -> None:
        """Apply a pending piece (run, action, attempt, offset, text, marks) to the stored log.
        A piece journaled by a version before log times has no marks. Caller holds the
        connection in a transaction."""
        merge_piece(self._conn, piece, self.log_limit)

    def _recount(self, run: str) -> None:
        """Compute the run's fan-out aggregates from its rows. Caller holds the connection in a
        transaction; the run must not be recording in this process."""
        recount(self._conn, run)
        self._running = {k for k in self._running if k[0] != run}

    # -- recording (hot path) -----------------------------------------------------------------------

    def _new_segment(self, at_least: int = 0) -> JournalSegment:
        """The next segment to append to (the spare if it fits), its disk space reserved; when a
        full-size segment does not fit on the disk, a small one is tried before giving up. On
        failure the reason is noted in the owner's lock file (see `_journal`) and raised."""
        try:
            if self._owner_lock is None:
                self._owner_lock = OwnerLock(self.journal_dir, self.owner)
            spare = self._spare
            number = self._segment_no + 1
            if spare is not None and at_least + 64 < spare.size:
                spare.renumber(number)  # its records are newer than any committed number
                self._spare = None
                seg = spare
            else:
                # Reserved space is real disk (not a sparse file): start small and double while
                # segments fill before a commit, so an idle or small run holds 64 KiB, not 8 MiB.
                size = max(min(SEGMENT_BYTES, MIN_SEGMENT_BYTES << (len(self._full_segments) + (self._segment is not None))),
                           at_least + 64)
                try:
                    seg = JournalSegment(self.journal_dir, self.owner, number, size)
                except StoreFullError:
                    small = max(MIN_SEGMENT_BYTES, at_least + 64)
                    if small >= size:
                        raise
                    seg = JournalSegment(self.journal_dir, self.owner, number, small)
            self._segment_no = number
        except (StoreError, OSError) as e:
            err = translate(e, self.journal_dir, "write the journal")
            if self._owner_lock is not None:
                self._owner_lock.note(f"{getattr(err, 'code', type(err).__name__)}\n{err}")
            raise err from e
        if self._owner_lock.noted:
            self._owner_lock.clear_note()
        return seg

    def _journal(self, kind: str, row: tuple) -> bytes:
        """Journal one record; returns it. Caller holds self._lock."""
        payload = self._packer.pack((kind, row))  # = pack_record(kind, row), without a Packer per record
        seg = self._segment
        if seg is None or not seg.append(payload):
            self._journal_in_new_segment(payload)
        return payload

    def _journal_in_new_segment(self, payload: bytes) -> None:
        """Append `payload` to a new segment: there is none yet, or the current one is full.
        Caller holds self._lock."""
        new = self._new_segment(len(payload))  # may raise: then nothing changed
        if self._segment is not None:
            self._full_segments.append(self._segment)  # kept until the batch that covers it is committed
        self._segment = new
        new.append(payload)

    def _offload(self, data: Optional[bytes]) -> Optional[bytes]:
        if data is None or len(data) <= INLINE_LIMIT:
            return data
        try:
            key = self.blobs.put(data)
        except OSError as e:
            raise translate(e, self.blobs.root, "store a large value in the blob store", len(data)) from e
        return msgpack.packb(msgpack.ExtType(_BLOB_EXT, key.encode()))

    # Records arrive as NamedTuples and are kept as plain tuples from here on (`record[:]` is an
    # exact tuple): msgpack and sqlite3 read a tuple subclass's items through the slow generic
    # sequence protocol, ~0.8 µs per field of a 16-field row (measured with cachegrind).

    def _offload_row(self, row: tuple) -> tuple:
        """`row` (an action or run row) with its large inputs/outputs moved to the blob store."""
        i = _INPUTS_AT[len(row)]
        inp, out = row[i], row[i + 1]
        if (inp is not None and len(inp) > INLINE_LIMIT) or (out is not None and len(out) > INLINE_LIMIT):
            # rare: only rows carrying a large value pay for the copy
            row = (*row[:i], self._offload(inp), self._offload(out), *row[i + 2:])
        return row

    def _buffered(self, key: tuple[str, str]) -> Optional[tuple]:
        """Action `key`'s newest row not yet committed (started, finished, or being committed);
        None when it is committed, or was never recorded. Caller holds self._lock."""
        return self._started.get(key) or self._actions.get(key) or self._committing.get(key)

    def _durable_start(self, run: str, aid: str) -> None:
        """Make action `aid`'s start durable (caller holds self._lock): journal its buffered
        start row, unless it is already journaled or committed. Called for a run's root when it
        starts, and for a parent before its first finished child."""
        durable = self._durable.get(run)
        if durable is None:
            durable = self._durable[run] = set()
        elif aid in durable:
            return
        row = self._buffered((run, aid))
        if row is not None and row[12] is None and row[7] == Phase.RUNNING.value:
            self._journal(J_ACTION, self._offload_row(row))
        durable.add(aid)  # a row in neither buffer is committed already (or has no start record)
        self._hot_run, self._hot_parent = run, aid

    def action_started(self, record: ActionRecord) -> None:
        """Buffered only, as an action that never finishes needs no durability beyond its run's;
        except a run's root, which is journaled: a tree read after a kill always has its root."""
        row = record[:]
        if row[2] is not None:
            # One dict store, atomic under the GIL: no lock. action_finished takes the row out
            # (under the lock) or a commit does, moving it to the rows it commits.
            self._started[(row[0], row[1])] = row
            return
        with self._lock:
            self._actions[(row[0], row[1])] = row
            self._durable_start(row[0], row[1])

    def action_finished(self, record: ActionRecord) -> None:
        """Durable when this returns, after its parent's start (its output is, as it is written)."""
        row = record[:]
        inp, out = row[11], row[12]  # _offload_row's test, inlined: this is the hot path
        if (inp is not None and len(inp) > INLINE_LIMIT) or (out is not None and len(out) > INLINE_LIMIT):
            row = self._offload_row(row)
        key = (row[0], row[1])
        parent = row[2]
        with self._lock:
            if parent is not None and (parent is not self._hot_parent or row[0] is not self._hot_run):
                durable = self._durable.get(row[0])
                if durable is None or parent not in durable:
                    self._durable_start(row[0], parent)
                else:
                    self._hot_run, self._hot_parent = row[0], parent
            # self._journal(J_ACTION, row) and its seg.append(payload), inlined: every recorded
            # child passes here, and those two Python calls cost it ~800 instructions (~1% of a
            # child, cachegrind, bench/bench_store_hotpath.py; ~400 per call). The same bytes and
            # the same "does it fit" as JournalSegment.append (payload, then header), pinned by
            # tests/flyte/test_store.py::test_the_hot_path_journals_finished_actions_as_the_journal_segment_appends.
            payload = self._packer.pack((J_ACTION, row))
            seg = self._segment
            n = len(payload)
            offset = seg.offset if seg is not None else 0
            if seg is not None and offset + n + 16 <= seg.size:
                seg.map[offset + 8 : offset + 8 + n] = payload
                pack_header(seg.map, offset, n, zlib.crc32(payload))
                seg.offset = offset + 8 + n
            else:
                self._journal_in_new_segment(payload)
            self._actions[key] = row
            self._payloads[key] = payload
            self._started.pop(key, None)

    def actions_finished(self, rows: Sequence[ActionRecord]) -> None:
        """Several finished actions of one run, durable together when this returns (one journal
        record) and stored together (one batch row), with the output they wrote. Fewer than
        `PACK_MIN` (a map's chunk while its items are slow) are buffered as single finished rows
        instead, which the commit packs with their siblings: one batch row per item would cost
        an insert each."""
        if not rows:
            return
        offloaded = [self._offload_row(r[:]) for r in rows]
        run = offloaded[0][0]
        with self._lock:
            durable = self._durable.get(run)
            for parent in {r[2] for r in offloaded}:
                if parent is not None and (durable is None or parent not in durable):
                    self._durable_start(run, parent)
                    durable = self._durable[run]
            payload = self._journal(J_ACTIONS, tuple(offloaded))
            if len(offloaded) < PACK_MIN:
                actions, payloads = self._actions, self._payloads
                for r in offloaded:
                    key = (r[0], r[1])
                    actions[key] = r
                    payloads.pop(key, None)  # a record of an earlier end of this action would be stale
                return
            batch = PackedRows(offloaded)
            batch.blob = payload[_KIND_PREFIX:]
            self._batches.append(batch)

    def attempt_failed(self, record: AttemptRecord) -> None:
        """Durable when this returns (its output is, as it is written)."""
        row = record[:]
        with self._lock:
            self._journal(J_ATTEMPT, row)
            self._attempts.append(row)

    def log_written(self, run: str, action: str, attempt: int, text: str,
                    stamps: Optional[Sequence[tuple[int, float]]] = None) -> None:
        """Durable when this returns, for a run this process records: each write is journaled at
        once (a record in the mapped journal outlives a kill -9 of this process; the next open
        replays it, exactly once, as its offset says where it goes), so the last lines before a
        crash are kept. Committed with the next flush. When the journal cannot take it (a full
        disk), the text stays buffered for the next commit: output never fails its action."""
        if text:
            at = time.time()
            with self._lock:
                piece = self._logs.write((run, action, attempt), text, at, stamps)
                if piece is None:
                    return
                try:
                    durable = self._durable.get(run)
                    if durable is None or action not in durable:
                        self._durable_branch(run, action)  # a log is read through its action
                    self._journal(J_LOG, piece)
                except StoreError:
                    pass

    def _durable_branch(self, run: str, aid: str) -> None:
        """Make the starts of action `aid` and of its ancestors durable, the eldest first (caller
        holds self._lock): a tree read after a kill has the action, and the path to it."""
        chain: list[str] = []
        durable = self._durable.get(run, ())
        at: Optional[str] = aid
        while at is not None and at not in durable:
            chain.append(at)
            row = self._buffered((run, at))
            at = row[2] if row is not None else None  # not buffered: committed, with its ancestors
        for at in reversed(chain):
            self._durable_start(run, at)

    def report_written(self, run: str, action: str, html: str) -> None:
        """Durable when this returns (the report goes to the blob store, then the journal)."""
        data = html.encode("utf-8")
        try:
            key = self.blobs.put(data)
        except OSError as e:
            raise translate(e, self.blobs.root, "store a report in the blob store", len(data)) from e
        row = (run, action, key)
        with self._lock:
            self._journal(J_REPORT, row)
            self._reports[(run, action)] = key

    def run_started(self, record: RunRecord) -> None:
        """Durable when this returns; raises `StoreReadOnlyError` on a read-only store."""
        self._writable()
        row = self._offload_row(record[:])
        with self._lock:
            self._logs.run_started(row[0])
            self._journal(J_RUN, row)
            self._runs[row[0]] = row

    def run_finished(self, record: RunRecord) -> None:
        """Durable when this returns."""
        row = self._offload_row(record[:])
        with self._lock:
            self._logs.run_finished(row[0])
            self._journal(J_RUN, row)
            self._runs[row[0]] = row
            if row[2] != Phase.RUNNING.value:
                self._durable.pop(row[0], None)
                self._hot_run = self._hot_parent = None

    def cache_put(self, key: str, task: str, version: str, outputs: bytes) -> None:
        self._writable()
        row = (key, task, version, self._offload(outputs), time.time())
        with self._lock:
            self._journal(J_CACHE, row)
            self._cache[key] = row

    def cache_get(self, key: str, max_age: Optional[float] = None) -> Optional[bytes]:
        """Stored outputs for a cache key, or None; entries older than `max_age` seconds are ignored."""
        with self._lock:
            row = self._cache.get(key)
        if row is None:
            try:
                with self._db_lock:
                    row = self._conn.execute("SELECT key, task, version, outputs, created FROM cache WHERE key=?", (key,)).fetchone()
            except sqlite3.Error as e:
                raise translate(e, self.path, "read the task cache") from e
        if row is None:
            return None
        if max_age is not None and time.time() - row[4] > max_age:
            return None
        return row[3]

    def load_blob(self, key: str) -> bytes:
        return self.blobs.get(key)

    # -- flushing -----------------------------------------------------------------------------------

    def _writer_loop(self) -> None:
        while not self._closed:
            self._wake.wait(self._flush_interval)
            self._wake.clear()
            if self._closed:
                break
            try:
                self.flush()
            except Exception:  # a transient 'database is locked' must not kill the writer; the journal keeps the data
                pass

    def request_flush(self) -> None:
        """Ask the writer thread to commit soon. What was recorded is already durable (journal);
        this only makes it visible to other processes' queries sooner."""
        self._wake.set()

    def flush(self) -> None:
        """Commit everything recorded so far to SQLite and drop the journal segments it came from.
        Raises a `StoreError` (the records stay buffered and journaled) when it cannot."""
        with self._flush_lock:
            with self._lock:
                if not (self._actions or self._started or self._runs or self._attempts or self._cache
                        or self._batches or self._log_pending or self._reports):
                    return
                batches, self._batches = self._batches, []
                actions, self._actions = self._actions, {}
                if self._started:
                    # Taken out key by key, not swapped: action_started adds to this dict without
                    # the lock, and a row added after this copy stays for the next commit.
                    moved = list(self._started.items())
                    for key, _ in moved:
                        del self._started[key]
                    actions.update(moved)  # newer than a finished row of the same action there
                payloads, self._payloads = self._payloads, {}
                self._committing = actions
                runs, self._runs = self._runs, {}
                attempts, self._attempts = self._attempts, []
                cache, self._cache = self._cache, {}
                logs = self._logs.drain()
                reports, self._reports = self._reports, {}
                segments = [*self._full_segments, *([self._segment] if self._segment else [])]
                self._segment, self._full_segments = None, []
            top = max((segment_number(s.path) for s in segments), default=None)
            try:
                # finished rows were offloaded when recorded; started rows may carry large inputs
                rows = [self._offload_row(r) if r[12] is None else r for r in actions.values()]
                rows, packed = self._pack_finished(rows)
                packed[:0] = batches
                replacing = self._replacements(rows, packed) if self._replaced else None
                tallies, started, ended = self._tally(rows, packed, replacing.old if replacing else ())
                with self._db_lock:
                    conn = self._conn
                    conn.execute("BEGIN")
                    try:
                        if runs:
                            conn.executemany(_UPSERT_RUN, runs.values())
                        if replacing is not None:  # a resumed run's new records replace the old ones
                            conn.executemany("DELETE FROM actions WHERE run=? AND start_time=? AND id=?", replacing.keys)
                        if rows:
                            conn.executemany(_UPSERT_ACTION, rows)
                        if packed:
                            conn.executemany(_INSERT_BATCH, [_batch_row(b, payloads) for b in packed])
                        if attempts:
                            conn.executemany(_UPSERT_ATTEMPT, attempts)
                        if cache:
                            conn.executemany(_UPSERT_CACHE, cache.values())
                        if tallies:
                            conn.executemany(_ADD_TO_GROUP, tallies)
                        for piece in logs:
                            self._merge_log(piece)
                        if reports:
                            conn.executemany("INSERT OR REPLACE INTO reports (run, action, blob) VALUES (?, ?, ?)",
                                             [(*k, v) for k, v in reports.items()])
                        if top is not None:  # replay skips these segments from now on (exactly once)
                            conn.execute("INSERT OR REPLACE INTO meta VALUES (?, ?)", (_JOURNAL_KEY + self.owner, str(top)))
                        conn.execute("COMMIT")
                    except BaseException:
                        if conn.in_transaction:
                            try:
                                conn.execute("ROLLBACK")
                            except sqlite3.Error:
                                pass
                        raise
                    self._running.difference_update(ended)
                    self._running.update(started)
                    if self._replaced:
                        self._replaced_committed(replacing, runs)
            except BaseException as e:
                with self._lock:  # put it all back; the journal still has the durable part
                    for akey, arow in actions.items():
                        if self._actions.setdefault(akey, arow) is arow and akey in payloads:
                            self._payloads[akey] = payloads[akey]
                    self._committing = {}
                    for rname, rrow in runs.items():
                        self._runs.setdefault(rname, rrow)
                    self._attempts[:0] = attempts
                    self._batches[:0] = batches
                    for ckey, crow in cache.items():
                        self._cache.setdefault(ckey, crow)
                    self._logs.restore(logs)
                    for rkey, blob in reports.items():
                        self._reports.setdefault(rkey, blob)
                    self._full_segments[:0] = segments  # still needed: nothing was committed
                if isinstance(e, (sqlite3.Error, OSError)):
                    raise translate(e, self.path, "save what was recorded to the store's database") from e
                raise
            with self._lock:
                self._committing = {}
            for segment in segments:
                with self._lock:
                    keep = self._spare is None and segment.size == SEGMENT_BYTES and not self._closed
                    if keep:
                        segment.reset()
                        self._spare = segment
                if not keep:
                    segment.close_and_remove()

    def _pack_finished(self, rows: list) -> tuple[list, list]:
        """Split the rows of a commit into those for the actions table and batches to store packed.

        An action that started and finished between two commits (most children of a fan-out or
        a loop) is stored packed with its siblings, as a map's items are: one insert per
        `PACK_ROWS` of them instead of one each (a table row costs SQLite ~10 µs, its share of a
        batch ~1 µs). A running action, one whose running row is committed already (its finished
        row replaces that one in place), and a parent with fewer than `PACK_MIN` such children in
        this commit stay table rows. Old rows replaced by a resumed run are always table rows
        (see `prepare_resume`), so a packed record is never the stale one."""
        if len(rows) < PACK_MIN:
            return rows, []
        running = self._running
        table: list = []
        siblings: dict[tuple, list] = {}
        for r in rows:
            if r[7] == _RUNNING or (r[0], r[1]) in running:
                table.append(r)
            else:
                group = siblings.get((r[0], r[2]))
                if group is None:
                    group = siblings[(r[0], r[2])] = []
                group.append(r)
        packed: list[list] = []
        for group in siblings.values():
            if len(group) < PACK_MIN:
                table.extend(group)
            else:
                packed.extend(group[i : i + PACK_ROWS] for i in range(0, len(group), PACK_ROWS))
        return table, packed

    def _replaced_committed(self, replacing: Optional[_Replacements], runs: dict[str, tuple]) -> None:
        """After a commit: the old rows just replaced are not replaced again; a resumed run that
        ended replaces nothing more (the rows it did not record again stay, as they were)."""
        if replacing is not None:
            for old in replacing.old:
                stale = self._replaced.get(old[0])
                if stale is not None:
                    stale.pop(old[1], None)
        for name in [n for n, stale in self._replaced.items()
                     if not stale or (n in runs and runs[n][2] != Phase.RUNNING.value)]:
            del self._replaced[name]

    def _tally(self, rows: list, batches: list, replaced: Sequence[tuple] = ()) -> tuple[list, list, list]:
        """The changes that committing `rows` and `batches` (which replace the stored rows
        `replaced`) makes to the fan-out aggregates, and the actions that become (or stop being)
        counted as running."""
        if not rows and not batches:
            return [], [], []
        tallies = GroupTallies()
        for r in replaced:
            tallies.remove(r)
        running = self._running
        started: list[tuple[str, str]] = []
        ended: list[tuple[str, str]] = []
        add = tallies.add
        for r in rows:
            key = (r[0], r[1])
            was = key in running
            if r[7] == "RUNNING":
                if was:
                    continue
                started.append(key)
            elif was:
                ended.append(key)
            add(r, was)
        for batch in batches:
            tallies.add_finished(batch)
        return tallies.rows(), started, ended

    def close(self) -> None:
        """Commit what is buffered and let go of the journal. When the commit fails (a full
        disk), the journal and its lock file are left for the next process to replay."""
        if self._closed:
            return
        failure: Optional[BaseException] = None
        if self.read_only is None:
            try:
                self.flush()
            except Exception as e:
                failure = e
        self._closed = True
        self._wake.set()
        with self._lock:
            segments = [*self._full_segments, *([self._segment] if self._segment else []), *([self._spare] if self._spare else [])]
            for segment in segments:
                if failure is None or segment is self._spare:
                    segment.close_and_remove()
                else:
                    segment.close()
            self._segment, self._full_segments, self._spare = None, [], None
            lock, self._owner_lock = self._owner_lock, None
        if lock is not None:
            if failure is None:
                self._forget_owner(self.owner)
                lock.release()
            else:
                os.close(lock.fd)  # the lock file stays: the next process replays what is left
        with self._db_lock:
            self._conn.close()
        if failure is None and self.read_only is None:
            _mark_clean(self.home)
        _live_stores.discard(self)
        if failure is not None:
            logger.warning("%s", failure)

    # -- reading ------------------------------------------------------------------------------------

    def _sync(self) -> None:
        """Before a read: commit what this process recorded, so the read sees it. A store that
        cannot be written still reads what it has (the rest is safe in the journal)."""
        if self.read_only is not None or self._closed:
            return
        try:
            self.flush()
        except StoreDamagedError:
            raise
        except StoreError as e:
            logger.debug("reading without the latest records: %s", e)

    @_reads
    def get_run(self, name: str) -> Optional[RunRecord]:
        self._sync()
        with self._db_lock:
            row = self._conn.execute(f"SELECT {', '.join(RUN_COLUMNS)} FROM runs WHERE name=?", (name,)).fetchone()
        return typed_run(row) if row else None

    @_reads
    def list_runs(self, limit: int = 50, *, task: Optional[str] = None, phases: Optional[Collection[str]] = None,
                  since: Optional[float] = None, before: Optional[float] = None,
                  name: Optional[str] = None) -> list[RunRecord]:
        self._sync()
        where, params = _run_filters(task, phases, since, before, name)
        sql = f"SELECT {', '.join(RUN_COLUMNS)} FROM runs{where} ORDER BY start_time DESC LIMIT ?"
        with self._db_lock:
            rows = self._conn.execute(sql, (*params, limit)).fetchall()
        return [typed_run(r) for r in rows]

    def _table_rows_after(self, run: str, key: tuple[float, str], where: str = "", params: tuple = ()) -> Iterator[tuple]:
        """The run's rows in the actions table after `key` that pass `where`, in (start, id)
        order, fetched a chunk at a time through the (run, start_time, id) key."""
        while True:
            with self._db_lock:
                chunk = self._conn.execute(
                    f"{_A_SELECT} WHERE run=? AND (start_time > ? OR (start_time = ? AND id > ?)){where} "
                    "ORDER BY start_time, id LIMIT ?",
                    (run, key[0], key[0], key[1], *params, _TABLE_CHUNK),
                ).fetchall()
            yield from chunk
            if len(chunk) < _TABLE_CHUNK:
                return
            key = _order_key(chunk[-1])

    def _batch_rows_after(self, run: str, key: tuple[float, str], parent: Optional[str] = None) -> Iterator[tuple]:
        """The run's packed rows after `key`, in (start, id) order (with `parent`: only batches
        that may hold its children are opened). Batches overlap in time (two maps at once), so a
        batch is opened only when its first start could come next."""
        where, params = ("", ()) if parent is None else (" AND (parent IS NULL OR parent = ?)", (parent,))
        with self._db_lock:
            metas = self._conn.execute(
                f"SELECT seq, first_start FROM action_batches WHERE run=? AND last_start >= ?{where} ORDER BY first_start, seq",
                (run, key[0], *params),
            ).fetchall()
        heap: list[tuple[tuple[float, str], tuple]] = []
        i = 0
        while True:
            while i < len(metas) and (not heap or metas[i][1] <= heap[0][0][0]):
                with self._db_lock:
                    (blob,) = self._conn.execute("SELECT rows FROM action_batches WHERE seq=?", (metas[i][0],)).fetchone()
                for r in msgpack.unpackb(blob, raw=False):
                    k = _order_key(r)
                    if k > key:
                        heapq.heappush(heap, (k, tuple(r)))
                i += 1
            if not heap:
                return
            yield heapq.heappop(heap)[1]

    @_reads
    def list_actions(self, run: str, *, after: Optional[str] = None, limit: Optional[int] = None,
                     parent: Optional[str] = None, phases: Optional[Collection[str]] = None,
                     task: Optional[str] = None, short_name: Optional[str] = None,
                     group_name: Optional[str] = None) -> ActionPage:
        self._sync()
        key = parse_page_token(after) if after else (float("-inf"), "")
        # The filters run inside SQLite for the table (no Python per skipped row) and again on
        # every row, which is what filters the packed ones.
        clauses, params = [], []
        for column, value in (("parent", parent), ("task", task), ("short_name", short_name)):
            if value is not None:
                clauses.append(f" AND {column} = ?")
                params.append(value)
        if group_name is not None:
            clauses.append(" AND coalesce(group_name, '') = ?")
            params.append(group_name)
        if phases:
            clauses.append(f" AND phase IN ({', '.join('?' * len(phases))})")
            params.extend(str(p) for p in phases)
        rows = heapq.merge(self._table_rows_after(run, key, "".join(clauses), tuple(params)),
                           self._batch_rows_after(run, key, parent), key=_order_key)
        return _page(rows, limit, row_filter(parent, phases, task, short_name, group_name))

    @_reads
    def get_action(self, run: str, action_id: str) -> Optional[ActionRecord]:
        self._sync()
        with self._db_lock:
            row = self._conn.execute(f"{_A_SELECT} WHERE run=? AND id=?", (run, action_id)).fetchone()
            if row is None:  # an item of a packed batch: only batches whose bytes hold the id are opened
                packed_id = msgpack.packb(action_id)
                blobs = self._conn.execute("SELECT rows FROM action_batches WHERE run=? AND instr(rows, ?) > 0",
                                           (run, packed_id)).fetchall()
                row = next((tuple(r) for (blob,) in blobs for r in msgpack.unpackb(blob, raw=False) if r[1] == action_id),
                           None)
        return typed_action(row) if row else None

    @_reads
    def action_groups(self, run: str, parents: Optional[Collection[Optional[str]]] = None) -> list[ActionGroup]:
        self._sync()
        wanted = wanted_parent(parents)
        with self._db_lock:
            if wanted is None:
                rows = self._conn.execute(f"{_G_SELECT} WHERE run=?", (run,)).fetchall()
            else:
                rows = [r for p in sorted(wanted)
                        for r in self._conn.execute(f"{_G_SELECT} WHERE run=? AND parent=?", (run, p)).fetchall()]
        groups = [group_of(r) for r in rows if r[6:12] != (0, 0, 0, 0, 0, 0)]
        groups.sort(key=lambda g: (g.first_start, g.first_id))
        return groups

    @_reads
    def run_counts(self, names: Collection[str]) -> dict[str, ActionCounts]:
        self._sync()
        names = list(dict.fromkeys(names))
        out: dict[str, ActionCounts] = {}
        with self._db_lock:
            for k in range(0, len(names), 500):
                chunk = names[k:k + 500]
                sql = (f"SELECT run, {', '.join(f'sum({c})' for c in _COUNTED)} FROM action_groups "
                       f"WHERE run IN ({', '.join('?' * len(chunk))}) GROUP BY run")
                for run, *counts in self._conn.execute(sql, chunk):
                    if any(counts):
                        out[run] = ActionCounts(*counts)
        return out

    @_reads
    def get_log(self, run: str, action: str, attempt: Optional[int] = None,
                after: Optional[str] = None) -> Optional[LogPage]:
        self._sync()
        times = self._log_times  # a read-only store of version 4 has no times
        with self._db_lock:
            if attempt is None:
                row = self._conn.execute(f"SELECT attempt, text, dropped, {times} FROM logs WHERE run=? AND action=? "
                                         "ORDER BY attempt DESC LIMIT 1", (run, action)).fetchone()
            else:
                row = self._conn.execute(f"SELECT attempt, text, dropped, {times} FROM logs WHERE run=? AND action=? "
                                         "AND attempt=?", (run, action, attempt)).fetchone()
        return None if row is None else log_page(run, action, row[0], row[1], row[2], after, unpack_times(row[3]))

    @_reads
    def log_attempts(self, run: str, action: str) -> list[int]:
        self._sync()
        with self._db_lock:
            return [r[0] for r in self._conn.execute("SELECT attempt FROM logs WHERE run=? AND action=? ORDER BY attempt",
                                                     (run, action))]

    @_reads
    def earlier_logs(self, run: str, action: str) -> list[LogPage]:
        self._sync()
        times = self._log_times
        try:
            with self._db_lock:
                rows = self._conn.execute(f"SELECT execution, attempt, text, dropped, {times}, phase, resumed, error_code, "
                                          "error FROM earlier_logs WHERE run=? AND action=? ORDER BY execution, attempt",
                                          (run, action)).fetchall()
        except sqlite3.OperationalError as e:
            if "no such table" in str(e):  # a store written before earlier executions were kept, read as it is
                return []
            raise
        return [log_page(run, action, att, text, dropped, None, unpack_times(marks), EarlierRun(ex, *ended))
                for ex, att, text, dropped, marks, *ended in rows]

    @_reads
    def get_report(self, run: str, action: str) -> Optional[str]:
        self._sync()
        with self._db_lock:
            row = self._conn.execute("SELECT blob FROM reports WHERE run=? AND action=?", (run, action)).fetchone()
        return None if row is None else self.blobs.get(row[0]).decode("utf-8", "replace")

    @_reads
    def list_attempts(self, run: str, action_id: str) -> list[AttemptRecord]:
        self._sync()
        with self._db_lock:
            rows = self._conn.execute(
                f"SELECT {', '.join(ATTEMPT_COLUMNS)} FROM attempts WHERE run=? AND action=? ORDER BY attempt", (run, action_id)
            ).fetchall()
        return [AttemptRecord._make(r) for r in rows]

    def succeeded_outputs(self, run: str) -> dict[str, bytes]:
        """Outputs of every action of `run` that succeeded: what a resumed run replays."""
        self._sync()
        return {
            r.id: r.outputs for r in self.list_actions(run, phases=(Phase.SUCCEEDED,)).actions if r.outputs is not None
        }

    @_writes
    def prepare_resume(self, run: str, keep: Collection[str]) -> None:
        """Every record stays (a kill at any point leaves the tree whole and loses nothing). The
        packed records of actions not in `keep` move to the actions table in one transaction,
        and this store notes the stored rows of all of those: the commit of the first new record
        of such an action (alone or packed) deletes its old row, and moves the fan-out
        aggregates from the old phase to the new one (see `_replacements`). A new record
        replayed from the journal of a process that died replaces its old row in `recount`."""
        keep = set(keep)
        self.flush()
        with self._flush_lock:
            with self._db_lock:
                self._prepare_resume(run, keep)
                cols = ", ".join("NULL" if c in ("inputs", "outputs", "error") else c for c in ACTION_COLUMNS)
                replaced = {r[1]: r for r in self._conn.execute(f"SELECT {cols} FROM actions WHERE run=?", (run,))
                            if r[1] not in keep}
            with self._lock:
                self._durable.pop(run, None)
                self._hot_run = self._hot_parent = None
                if replaced:
                    self._replaced[run] = replaced
                else:
                    self._replaced.pop(run, None)

    def _prepare_resume(self, run: str, keep: set[str]) -> None:
        """`prepare_resume`'s one transaction (caller holds the connection)."""
        conn = self._conn
        conn.execute("BEGIN")
        try:
            moved: list[tuple] = []
            for seq, blob in conn.execute("SELECT seq, rows FROM action_batches WHERE run=?", (run,)).fetchall():
                items = [tuple(r) for r in msgpack.unpackb(blob, raw=False)]
                kept = [r for r in items if r[1] in keep]
                if len(kept) == len(items):
                    continue
                conn.execute("DELETE FROM action_batches WHERE seq=?", (seq,))
                if kept:
                    conn.execute(_INSERT_BATCH, _batch_row(kept))
                moved.extend(r for r in items if r[1] not in keep)
            conn.executemany(_UPSERT_ACTION, moved)
            gone = [(run, a) for (a,) in conn.execute("SELECT DISTINCT action FROM reports WHERE run=?", (run,))
                    if a not in keep]
            conn.executemany("DELETE FROM reports WHERE run=? AND action=?", gone)
            # what runs again wrote before: kept aside as its earlier execution, marked as such
            rerun: dict[str, tuple] = {a: (_RUNNING, None, None) for (a,) in
                                       conn.execute("SELECT DISTINCT action FROM logs WHERE run=?", (run,)) if a not in keep}
            if rerun:
                for a, *ended in conn.execute("SELECT id, phase, error_code, error FROM actions WHERE run=?", (run,)):
                    if a in rerun:
                        rerun[a] = tuple(ended)
                keep_earlier(conn, run, rerun, self.log_limit, time.time())
            self._recount(run)
            conn.execute("COMMIT")
        except BaseException:
            if conn.in_transaction:
                conn.execute("ROLLBACK")
            raise

    def _replacements(self, rows: list, batches: list) -> Optional[_Replacements]:
        """The stored rows of resumed runs that `rows` (for the actions table) and `batches`
        record again. Caller holds the flush lock."""
        replaced = self._replaced
        old: dict[tuple[str, str], tuple] = {}
        for r in rows:
            stale = replaced.get(r[0])
            if stale is not None and r[1] in stale:
                old[(r[0], r[1])] = stale[r[1]]
        for batch in batches:
            stale = replaced.get(batch[0][0]) if batch else None  # a batch is of one run
            if stale is not None:
                for r in batch:
                    if r[1] in stale:
                        old[(r[0], r[1])] = stale[r[1]]
        if not old:
            return None
        return _Replacements(list(old.values()), [(r[0], r[9], r[1]) for r in old.values()])

    def owner_alive(self, owner: Optional[str]) -> bool:
        """Whether `owner` still runs. When it does not, its journal is replayed first (if nobody
        did yet), so that whoever acts on its runs next sees everything it finished."""
        if not owner:
            return False
        if owner == self.owner or owner_alive(self.journal_dir, owner):
            return True
        if self.read_only is None and not self._closed and (self.journal_dir / f"{owner}.lock").exists():
            self.recovered_runs.extend(self._recover())
        return False

    @_writes
    def delete_run(self, name: str) -> None:
        """The records are gone when this returns; then the run's directory is removed."""
        run_dir = run_directory(self.home, name)
        self.flush()
        with self._db_lock:
            conn = self._conn
            conn.execute("BEGIN")
            try:
                for table in ("actions", "action_batches", "attempts", "action_groups", "logs", "earlier_logs", "reports"):
                    conn.execute(f"DELETE FROM {table} WHERE run=?", (name,))
                conn.execute("DELETE FROM runs WHERE name=?", (name,))
                conn.execute("COMMIT")
            except BaseException:
                if conn.in_transaction:
                    conn.execute("ROLLBACK")
                raise
            self._running = {k for k in self._running if k[0] != name}
        with self._flush_lock:
            self._replaced.pop(name, None)
        if run_dir is not None:
            shutil.rmtree(run_dir, ignore_errors=True)

    @_writes
    def clear_cache(self) -> int:
        self.flush()
        with self._db_lock:
            return self._conn.execute("DELETE FROM cache").rowcount


def _run_filters(task: Optional[str], phases: Optional[Collection[str]], since: Optional[float],
                 before: Optional[float], name: Optional[str] = None) -> tuple[str, list]:
    clauses: list[str] = []
    params: list[Any] = []
    if name:
        clauses.append("instr(name, ?) > 0")
        params.append(name)
    if task is not None:
        clauses.append("task = ?")
        params.append(task)
    if phases:
        clauses.append(f"phase IN ({', '.join('?' * len(phases))})")
        params.extend(str(p) for p in phases)
    if since is not None:
        clauses.append("start_time >= ?")
        params.append(since)
    if before is not None:
        clauses.append("start_time < ?")
        params.append(before)
    return (" WHERE " + " AND ".join(clauses) if clauses else ""), params


def _page(rows: Iterable[tuple], limit: Optional[int], keep: Optional[Callable[[tuple], bool]]) -> ActionPage:
    """The first `limit` of `rows` (ordered) that pass `keep`, and the token after them."""
    out: list[ActionRecord] = []
    for r in rows:
        if keep is not None and not keep(r):
            continue
        if limit is not None and len(out) == limit:
            return ActionPage(out, page_token(out[-1]))
        out.append(typed_action(r))
    return ActionPage(out, None)


# -- the files of a store ---------------------------------------------------------------------------


def _has_data(path: Path) -> bool:
    try:
        return path.stat().st_size > 0
    except OSError:
        return False


def check_files(home: Path) -> None:
    """Refuse, before SQLite touches them, a missing or empty database next to the journals or
    run folders of an existing history (opening it would start an empty history and hide them).

    Only `stat` is used here, never a descriptor of the database: closing any descriptor of a
    file drops every POSIX lock this process holds on it, so a header read here would drop the
    locks of another store open on the same file in this process (a UI serving while a run is
    checked). The last connection of another process then takes the file for itself, deletes
    the write-ahead log and its index under the open store, and that store stops seeing what is
    committed after. A file that is not a database is refused by SQLite's own first read
    (`translate` names it); SQLite defers closing its descriptors while locks are held."""
    db = home / DB_NAME
    try:
        size: Optional[int] = db.stat().st_size
    except FileNotFoundError:
        size = None
    except OSError as e:
        raise translate(e, db, "read the store's database") from e
    if size:
        return
    evidence = []
    journal = home / "journal"
    segments = len(list(journal.glob("*.journal"))) if journal.is_dir() else 0
    if segments:
        evidence.append(f"{segments} journal segment(s) in {journal}")
    wal = home / (DB_NAME + "-wal")
    if _has_data(wal):
        evidence.append(f"a write-ahead log {wal}")
    runs = home / "runs"
    folders = sum(1 for p in runs.iterdir() if p.is_dir()) if runs.is_dir() else 0
    if folders:
        evidence.append(f"{folders} run folder(s) in {runs}")
    if evidence:
        state = "missing" if size is None else "empty"
        raise StoreDamagedError(
            f"The store's database {db} is {state}, but {home} has {' and '.join(evidence)}: this is not a new store, "
            f"and starting an empty history would hide its runs. `flyte store recover` rebuilds the database from "
            f"what is left (keeping the {state} file aside); to start an empty history on purpose, move {runs} and "
            f"{journal} away too.", db)


def _file_state(home: Path) -> str:
    parts = []
    for name in (DB_NAME, DB_NAME + "-wal"):
        try:
            st = (home / name).stat()
        except FileNotFoundError:
            parts.append(f"{name}:-")
            continue
        if name.endswith("-wal") and st.st_size == 0:
            parts.append(f"{name}:-")
            continue
        parts.append(f"{name}:{st.st_ino}:{st.st_size}:{st.st_mtime_ns}")
    return " ".join(parts)


_UNLOCKED_TRIES = 20  # reads of a store read with immutable=1 that another process keeps changing


def _unlocked_state(home: Path) -> str:
    """What a read with `immutable=1` relies on not changing: the database file (inode, size,
    time), and whether a process has the store open (its shared-memory file exists: ":live")."""
    shm = home / (DB_NAME + "-shm")
    return _file_state(home) + (":live" if shm.exists() else "")


def _changed_since_clean_close(home: Path) -> bool:
    """Whether the database needs `quick_check`: it exists and is not as the last clean close
    left it (a process died, another one is writing, or something else wrote the file)."""
    if not _has_data(home / DB_NAME):
        return False
    try:
        return (home / CLEAN_MARK).read_text() != _file_state(home)
    except OSError:
        return True


def _mark_clean(home: Path) -> None:
    """Note the database's file state after a clean close (see `_changed_since_clean_close`)."""
    mark = home / CLEAN_MARK
    tmp = home / f".{CLEAN_MARK}.{os.getpid()}"
    try:
        tmp.write_text(_file_state(home))
        os.replace(tmp, mark)
    except OSError:
        try:
            tmp.unlink()
        except OSError:
            pass


_live_stores: weakref.WeakSet[SQLiteStore] = weakref.WeakSet()


@atexit.register
def _close_all() -> None:
    for store in list(_live_stores):
        try:
            store.close()
        except Exception:
            pass


def _forget_after_fork() -> None:
    # A forked child must not share the parent's journal, locks or SQLite connection.
    _live_stores.clear()
    from . import _open

    _open.reset_after_fork()


os.register_at_fork(after_in_child=_forget_after_fork)
