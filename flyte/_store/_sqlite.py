"""The embedded metadata store: SQLite in WAL mode, written in batches, made crash-safe by a journal.

Threading: any thread may record (sync task bodies run in worker threads). Records go to an
in-memory buffer under a lock; finished actions are also appended to the journal before the
call returns. A writer thread commits the buffer every `flush_interval` seconds, and `flush()`
commits it on demand (the runtime calls it when a run ends).
"""

from __future__ import annotations

import atexit
import heapq
import os
import shutil
import sqlite3
import threading
import time
import weakref
from collections.abc import Callable, Collection, Iterable, Iterator, Sequence
from pathlib import Path
from typing import Any, Optional

import msgpack

from .._serde import ExtCode
from ._blobs import BlobStore
from ._groups import GroupTallies, group_of, wanted_parent
from ._journal import (
    SEGMENT_BYTES,
    JournalSegment,
    OwnerLock,
    SegmentFull,
    claim_dead_owners,
    new_owner_id,
    owner_alive,
    read_records,
    segments_of,
)
from ._logs import LogBuffer, log_limit, merge
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

SCHEMA_VERSION = 4
INLINE_LIMIT = 256 * 1024  # bytes; larger encoded values live in the blob store
_BLOB_EXT = int(ExtCode.BLOB)

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
-- What each attempt of an action wrote: its last log_limit characters, and how many came before.
CREATE TABLE IF NOT EXISTS logs (
    run TEXT NOT NULL, action TEXT NOT NULL, attempt INTEGER NOT NULL, text TEXT NOT NULL, dropped INTEGER NOT NULL,
    PRIMARY KEY (run, action, attempt)
) WITHOUT ROWID;
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


def _batch_row(rows: list) -> tuple:
    starts = [r[9] or 0.0 for r in rows]
    parents = {r[2] for r in rows}
    parent = parents.pop() if len(parents) == 1 else None
    return (rows[0][0], msgpack.packb(rows, use_bin_type=True), min(starts), max(starts), parent)


def _run_of(kind: str, row: tuple) -> str:
    """The run a journal record belongs to ("" for cache entries)."""
    if kind == J_CACHE:
        return ""
    if kind == J_ACTIONS:
        return row[0][0] if row else ""
    return row[0]


def _order_key(row: tuple) -> tuple[float, str]:
    return (row[9] or 0.0, row[1])


class SQLiteStore:
    """Runs, their action tree, attempts and the task cache, under one directory (`home`).
    Implements `MetadataStore`."""

    def __init__(self, home: Path, flush_interval: float = 0.2):
        self.home = Path(home)
        self.home.mkdir(parents=True, exist_ok=True)
        self.path = self.home / "metadata.db"
        self.journal_dir = self.home / "journal"
        self.journal_dir.mkdir(exist_ok=True)
        self.blobs = BlobStore(self.home / "blobs")
        self.owner = new_owner_id()
        self.log_limit = log_limit()
        # actions committed as RUNNING and not yet as finished: their group counts them as running
        self._running: set[tuple[str, str]] = set()
        self._conn = sqlite3.connect(self.path, isolation_level=None, check_same_thread=False, timeout=30)
        self._conn.execute("PRAGMA journal_mode=WAL")
        self._conn.execute("PRAGMA synchronous=NORMAL")
        self._conn.executescript(_SCHEMA)
        self._check_schema()
        self._conn.executescript(_INDEXES)
        self._db_lock = threading.Lock()
        self._lock = threading.Lock()  # guards the buffers, the journal segment and its packer
        self._packer = msgpack.Packer(use_bin_type=True)
        self._flush_lock = threading.Lock()
        # buffered rows (plain tuples in record order) until the next commit
        self._actions: dict[tuple, tuple] = {}
        self._runs: dict[str, tuple] = {}
        self._attempts: list[tuple] = []
        self._batches: list[list[tuple]] = []
        self._cache: dict[str, tuple] = {}
        self._logs = LogBuffer(self.log_limit)
        self._log_pending = self._logs.pending  # the same dict, for a cheap "any output pending?"
        self._reports: dict[tuple[str, str], str] = {}  # (run, action) -> blob key
        self._owner_lock: Optional[OwnerLock] = None
        self._segment: Optional[JournalSegment] = None
        self._full_segments: list[JournalSegment] = []
        self._spare: Optional[JournalSegment] = None  # a committed, zeroed segment ready for reuse
        self._segment_no = 0
        self._closed = False
        self.recovered_runs: list[str] = self._recover()
        self._flush_interval = flush_interval
        self._wake = threading.Event()
        self._writer = threading.Thread(target=self._writer_loop, name="flyte-store-writer", daemon=True)
        self._writer.start()
        _live_stores.add(self)

    def _check_schema(self) -> None:
        row = self._conn.execute("SELECT value FROM meta WHERE key='schema_version'").fetchone()
        if row is not None and int(row[0]) in (1, 2, 3):
            self._upgrade(int(row[0]))
            row = (str(SCHEMA_VERSION),)
        if row is None or int(row[0]) != SCHEMA_VERSION:
            raise RuntimeError(
                f"The metadata store at {self.path} has schema version {row and row[0]}, this runtime "
                f"expects {SCHEMA_VERSION}. Point FLYTE_HOME at another directory or remove the file."
            )

    def _upgrade(self, version: int) -> None:
        """In place: version 2 added action_batches (created by the schema script, with the
        columns of version 4); version 3 keys actions by start time and adds each batch's first
        and last start time; version 4 adds each batch's parent, and the fan-out aggregates,
        logs and reports (the aggregates of existing runs are computed here)."""
        conn = self._conn
        conn.execute("BEGIN IMMEDIATE")
        try:
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
        """Replay the journals of processes that died, and fail the runs they left running."""
        failed_runs: list[str] = []
        for dead in claim_dead_owners(self.journal_dir):
            try:
                segments = segments_of(self.journal_dir, dead.owner)
                self._conn.execute("BEGIN")
                touched: set[str] = set()
                for seg in segments:
                    for kind, row in read_records(seg):
                        self._apply(kind, row)
                        touched.add(_run_of(kind, row))
                now = time.time()
                msg = "the process running this was terminated before it finished"
                stuck = [r[0] for r in self._conn.execute("SELECT name FROM runs WHERE owner=? AND phase='RUNNING'", (dead.owner,))]
                for run in stuck:
                    self._conn.execute(
                        "UPDATE runs SET phase='FAILED', end_time=?, error_code='ProcessExited', error=? WHERE name=?",
                        (now, msg, run),
                    )
                    self._conn.execute(
                        "UPDATE actions SET phase='FAILED', end_time=?, error_code='ProcessExited', error=? "
                        "WHERE run=? AND phase='RUNNING'",
                        (now, msg, run),
                    )
                touched.update(stuck)
                touched.discard("")
                for run in sorted(touched):  # replayed rows may have been committed already: count afresh
                    self._recount(run)
                self._conn.execute("COMMIT")
                failed_runs.extend(stuck)
                for seg in segments:
                    seg.unlink()
            except BaseException:
                if self._conn.in_transaction:
                    self._conn.execute("ROLLBACK")
                raise
            finally:
                dead.release()
        return failed_runs

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
        """Apply a pending piece (run, action, attempt, offset, text) to the stored log. Caller
        holds the connection in a transaction."""
        run, action, attempt, offset, text = piece
        key = (run, action, attempt)
        stored = self._conn.execute("SELECT text, dropped FROM logs WHERE run=? AND action=? AND attempt=?", key).fetchone()
        new = merge(stored, offset, text, self.log_limit)
        if stored is None or tuple(stored) != new:
            self._conn.execute("INSERT OR REPLACE INTO logs (run, action, attempt, text, dropped) VALUES (?, ?, ?, ?, ?)",
                               (*key, *new))

    def _recount(self, run: str) -> None:
        """Compute the run's fan-out aggregates from its rows. Caller holds the connection in a
        transaction; the run must not be recording in this process."""
        conn = self._conn
        tallies = GroupTallies()
        # inputs and outputs are not needed: leave them out of the scan
        cols = ", ".join("NULL" if c in ("inputs", "outputs", "error") else c for c in ACTION_COLUMNS)
        tallies.add_all(conn.execute(f"SELECT {cols} FROM actions WHERE run=?", (run,)))
        for (blob,) in conn.execute("SELECT rows FROM action_batches WHERE run=?", (run,)).fetchall():
            tallies.add_all(msgpack.unpackb(blob, raw=False))
        conn.execute("DELETE FROM action_groups WHERE run=?", (run,))
        conn.executemany(_ADD_TO_GROUP, tallies.rows())
        self._running = {k for k in self._running if k[0] != run}

    # -- recording (hot path) -----------------------------------------------------------------------

    def _new_segment(self, at_least: int = 0) -> JournalSegment:
        if self._owner_lock is None:
            self._owner_lock = OwnerLock(self.journal_dir, self.owner)
        self._segment_no += 1
        size = max(SEGMENT_BYTES, at_least + 64)
        return JournalSegment(self.journal_dir, self.owner, self._segment_no, size)

    def _journal(self, kind: str, row: tuple) -> None:
        # Caller holds self._lock.
        payload = self._packer.pack((kind, row))  # = pack_record(kind, row), without a Packer per record
        seg = self._segment
        if seg is None:
            if self._spare is not None and len(payload) + 64 < self._spare.size:
                seg, self._spare = self._spare, None
                self._segment = seg
            else:
                seg = self._segment = self._new_segment(len(payload))
        try:
            seg.append(payload)
        except SegmentFull:
            self._full_segments.append(seg)  # kept until the batch that covers it is committed
            seg = self._segment = self._new_segment(len(payload))
            seg.append(payload)

    def _offload(self, data: Optional[bytes]) -> Optional[bytes]:
        if data is None or len(data) <= INLINE_LIMIT:
            return data
        key = self.blobs.put(data)
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

    def action_started(self, record: ActionRecord) -> None:
        """Buffered only: an action that never finishes needs no durability beyond its run's."""
        row = record[:]
        key = (row[0], row[1])
        with self._lock:
            self._actions[key] = row

    def action_finished(self, record: ActionRecord) -> None:
        """Durable when this returns, with the output its last attempt wrote so far."""
        row = record[:]
        inp, out = row[11], row[12]  # _offload_row's test, inlined: this is the hot path
        if (inp is not None and len(inp) > INLINE_LIMIT) or (out is not None and len(out) > INLINE_LIMIT):
            row = self._offload_row(row)
        key = (row[0], row[1])
        with self._lock:
            if self._log_pending:  # some action wrote something: is it this one?
                self._journal_log((row[0], row[1], row[8]))
            self._journal(J_ACTION, row)
            self._actions[key] = row

    def _journal_log(self, key: tuple) -> None:
        # Caller holds self._lock. The piece stays pending: the next commit stores it.
        piece = self._logs.take(key)
        if piece is not None:
            self._journal(J_LOG, piece)

    def actions_finished(self, rows: Sequence[ActionRecord]) -> None:
        """Several finished actions of one run, durable together when this returns (one journal
        record) and stored together (one batch row), with the output they wrote."""
        if not rows:
            return
        offloaded = [self._offload_row(r[:]) for r in rows]
        with self._lock:
            if self._log_pending:
                for r in offloaded:
                    self._journal_log((r[0], r[1], r[8]))
            self._journal(J_ACTIONS, tuple(offloaded))
            self._batches.append(offloaded)

    def attempt_failed(self, record: AttemptRecord) -> None:
        """Durable when this returns, with the output the attempt wrote."""
        row = record[:]
        with self._lock:
            if self._log_pending:
                self._journal_log((row[0], row[1], row[2]))
            self._journal(J_ATTEMPT, row)
            self._attempts.append(row)

    def log_written(self, run: str, action: str, attempt: int, text: str) -> None:
        """Buffered (committed with the next flush); durable with the attempt's end record."""
        if text:
            with self._lock:
                self._logs.write((run, action, attempt), text)

    def report_written(self, run: str, action: str, html: str) -> None:
        """Durable when this returns (the report goes to the blob store, then the journal)."""
        key = self.blobs.put(html.encode("utf-8"))
        row = (run, action, key)
        with self._lock:
            self._journal(J_REPORT, row)
            self._reports[(run, action)] = key

    def run_started(self, record: RunRecord) -> None:
        """Durable when this returns."""
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

    def cache_put(self, key: str, task: str, version: str, outputs: bytes) -> None:
        row = (key, task, version, self._offload(outputs), time.time())
        with self._lock:
            self._journal(J_CACHE, row)
            self._cache[key] = row

    def cache_get(self, key: str, max_age: Optional[float] = None) -> Optional[bytes]:
        """Stored outputs for a cache key, or None; entries older than `max_age` seconds are ignored."""
        with self._lock:
            row = self._cache.get(key)
        if row is None:
            with self._db_lock:
                row = self._conn.execute("SELECT key, task, version, outputs, created FROM cache WHERE key=?", (key,)).fetchone()
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
        """Commit everything recorded so far to SQLite and drop the journal segments it came from."""
        with self._flush_lock:
            with self._lock:
                if not (self._actions or self._runs or self._attempts or self._cache or self._batches
                        or self._log_pending or self._reports):
                    return
                batches, self._batches = self._batches, []
                actions, self._actions = self._actions, {}
                runs, self._runs = self._runs, {}
                attempts, self._attempts = self._attempts, []
                cache, self._cache = self._cache, {}
                logs = self._logs.drain()
                reports, self._reports = self._reports, {}
                segments = [*self._full_segments, *([self._segment] if self._segment else [])]
                self._segment, self._full_segments = None, []
            # finished rows were offloaded when recorded; started rows may carry large inputs
            rows = [self._offload_row(r) if r[12] is None else r for r in actions.values()]
            tallies, started, ended = self._tally(rows, batches)
            with self._db_lock:
                conn = self._conn
                conn.execute("BEGIN")
                try:
                    if runs:
                        conn.executemany(_UPSERT_RUN, runs.values())
                    if rows:
                        conn.executemany(_UPSERT_ACTION, rows)
                    if batches:
                        conn.executemany(_INSERT_BATCH, [_batch_row(b) for b in batches])
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
                    conn.execute("COMMIT")
                except BaseException:
                    conn.execute("ROLLBACK")
                    with self._lock:  # put it all back; the journal still has the durable part
                        for akey, arow in actions.items():
                            self._actions.setdefault(akey, arow)
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
                        segments = []
                    raise
                self._running.difference_update(ended)
                self._running.update(started)
            for segment in segments:
                with self._lock:
                    keep = self._spare is None and segment.size == SEGMENT_BYTES and not self._closed
                    if keep:
                        segment.reset()
                        self._spare = segment
                if not keep:
                    segment.close_and_remove()

    def _tally(self, rows: list, batches: list) -> tuple[list, list, list]:
        """The changes that committing `rows` and `batches` makes to the fan-out aggregates, and
        the actions that become (or stop being) counted as running."""
        if not rows and not batches:
            return [], [], []
        tallies = GroupTallies()
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
            for r in batch:
                add(r)
        return tallies.rows(), started, ended

    def close(self) -> None:
        if self._closed:
            return
        self.flush()
        self._closed = True
        self._wake.set()
        with self._lock:
            for segment in [*self._full_segments, *([self._segment] if self._segment else []), *([self._spare] if self._spare else [])]:
                segment.close_and_remove()
            self._segment, self._full_segments, self._spare = None, [], None
            if self._owner_lock is not None:
                self._owner_lock.release()
                self._owner_lock = None
        with self._db_lock:
            self._conn.close()
        _live_stores.discard(self)

    # -- reading ------------------------------------------------------------------------------------

    def get_run(self, name: str) -> Optional[RunRecord]:
        self.flush()
        with self._db_lock:
            row = self._conn.execute(f"SELECT {', '.join(RUN_COLUMNS)} FROM runs WHERE name=?", (name,)).fetchone()
        return typed_run(row) if row else None

    def list_runs(self, limit: int = 50, *, task: Optional[str] = None, phases: Optional[Collection[str]] = None,
                  since: Optional[float] = None, before: Optional[float] = None,
                  name: Optional[str] = None) -> list[RunRecord]:
        self.flush()
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

    def list_actions(self, run: str, *, after: Optional[str] = None, limit: Optional[int] = None,
                     parent: Optional[str] = None, phases: Optional[Collection[str]] = None,
                     task: Optional[str] = None, short_name: Optional[str] = None,
                     group_name: Optional[str] = None) -> ActionPage:
        self.flush()
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

    def get_action(self, run: str, action_id: str) -> Optional[ActionRecord]:
        self.flush()
        with self._db_lock:
            row = self._conn.execute(f"{_A_SELECT} WHERE run=? AND id=?", (run, action_id)).fetchone()
            if row is None:  # an item of a packed batch: only batches whose bytes hold the id are opened
                packed_id = msgpack.packb(action_id)
                blobs = self._conn.execute("SELECT rows FROM action_batches WHERE run=? AND instr(rows, ?) > 0",
                                           (run, packed_id)).fetchall()
                row = next((tuple(r) for (blob,) in blobs for r in msgpack.unpackb(blob, raw=False) if r[1] == action_id),
                           None)
        return typed_action(row) if row else None

    def action_groups(self, run: str, parents: Optional[Collection[Optional[str]]] = None) -> list[ActionGroup]:
        self.flush()
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

    def run_counts(self, names: Collection[str]) -> dict[str, ActionCounts]:
        self.flush()
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

    def get_log(self, run: str, action: str, attempt: Optional[int] = None,
                after: Optional[str] = None) -> Optional[LogPage]:
        self.flush()
        with self._db_lock:
            if attempt is None:
                row = self._conn.execute("SELECT attempt, text, dropped FROM logs WHERE run=? AND action=? "
                                         "ORDER BY attempt DESC LIMIT 1", (run, action)).fetchone()
            else:
                row = self._conn.execute("SELECT attempt, text, dropped FROM logs WHERE run=? AND action=? AND attempt=?",
                                         (run, action, attempt)).fetchone()
        return None if row is None else log_page(run, action, row[0], row[1], row[2], after)

    def log_attempts(self, run: str, action: str) -> list[int]:
        self.flush()
        with self._db_lock:
            return [r[0] for r in self._conn.execute("SELECT attempt FROM logs WHERE run=? AND action=? ORDER BY attempt",
                                                     (run, action))]

    def get_report(self, run: str, action: str) -> Optional[str]:
        self.flush()
        with self._db_lock:
            row = self._conn.execute("SELECT blob FROM reports WHERE run=? AND action=?", (run, action)).fetchone()
        return None if row is None else self.blobs.get(row[0]).decode("utf-8", "replace")

    def list_attempts(self, run: str, action_id: str) -> list[AttemptRecord]:
        self.flush()
        with self._db_lock:
            rows = self._conn.execute(
                f"SELECT {', '.join(ATTEMPT_COLUMNS)} FROM attempts WHERE run=? AND action=? ORDER BY attempt", (run, action_id)
            ).fetchall()
        return [AttemptRecord._make(r) for r in rows]

    def succeeded_outputs(self, run: str) -> dict[str, bytes]:
        """Outputs of every action of `run` that succeeded: what a resumed run replays."""
        self.flush()
        return {
            r.id: r.outputs for r in self.list_actions(run, phases=(Phase.SUCCEEDED,)).actions if r.outputs is not None
        }

    def forget_unfinished(self, run: str, keep: Collection[str]) -> None:
        keep = set(keep)
        self.flush()
        with self._db_lock:
            conn = self._conn
            conn.execute("BEGIN")
            try:
                ids = [r[0] for r in conn.execute("SELECT id FROM actions WHERE run=?", (run,))]
                conn.executemany("DELETE FROM actions WHERE run=? AND id=?", [(run, i) for i in ids if i not in keep])
                for seq, blob in conn.execute("SELECT seq, rows FROM action_batches WHERE run=?", (run,)).fetchall():
                    rows = msgpack.unpackb(blob, raw=False)
                    kept = [r for r in rows if r[1] in keep]
                    if len(kept) == len(rows):
                        continue
                    conn.execute("DELETE FROM action_batches WHERE seq=?", (seq,))
                    if kept:
                        conn.execute(_INSERT_BATCH, _batch_row(kept))
                for table in ("logs", "reports"):
                    gone = [(run, a) for (a,) in conn.execute(f"SELECT DISTINCT action FROM {table} WHERE run=?", (run,))
                            if a not in keep]
                    conn.executemany(f"DELETE FROM {table} WHERE run=? AND action=?", gone)
                self._recount(run)
                conn.execute("COMMIT")
            except BaseException:
                conn.execute("ROLLBACK")
                raise

    def owner_alive(self, owner: Optional[str]) -> bool:
        return bool(owner) and (owner == self.owner or owner_alive(self.journal_dir, owner))  # type: ignore[arg-type]

    def delete_run(self, name: str) -> None:
        """The records are gone when this returns; then the run's directory is removed."""
        run_dir = run_directory(self.home, name)
        self.flush()
        with self._db_lock:
            conn = self._conn
            conn.execute("BEGIN")
            try:
                for table in ("actions", "action_batches", "attempts", "action_groups", "logs", "reports"):
                    conn.execute(f"DELETE FROM {table} WHERE run=?", (name,))
                conn.execute("DELETE FROM runs WHERE name=?", (name,))
                conn.execute("COMMIT")
            except BaseException:
                conn.execute("ROLLBACK")
                raise
            self._running = {k for k in self._running if k[0] != name}
        if run_dir is not None:
            shutil.rmtree(run_dir, ignore_errors=True)

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
