"""The embedded metadata store: SQLite in WAL mode, written in batches, made crash-safe by a journal.

Threading: any thread may record (sync task bodies run in worker threads). Records go to an
in-memory buffer under a lock; finished actions are also appended to the journal before the
call returns. A writer thread commits the buffer every `flush_interval` seconds, and `flush()`
commits it on demand (the runtime calls it when a run ends).
"""

from __future__ import annotations

import atexit
import os
import sqlite3
import threading
import time
import weakref
from pathlib import Path
from typing import Any, Optional

import msgpack

from ._blobs import BlobStore
from ._journal import (
    SEGMENT_BYTES,
    JournalSegment,
    OwnerLock,
    SegmentFull,
    claim_dead_owners,
    new_owner_id,
    pack_record,
    read_records,
    segments_of,
)
from ._records import (
    A_ID,
    A_INPUTS,
    A_OUTPUTS,
    A_PHASE,
    A_START,
    ACTION_COLUMNS,
    ATTEMPT_COLUMNS,
    CACHE_COLUMNS,
    J_ACTION,
    J_ACTIONS,
    J_ATTEMPT,
    J_CACHE,
    J_RUN,
    R_INPUTS,
    R_OUTPUTS,
    RUN_COLUMNS,
)

SCHEMA_VERSION = 2
INLINE_LIMIT = 256 * 1024  # bytes; larger encoded values live in the blob store
_BLOB_EXT = 4  # matches flyte._serde.ExtCode.BLOB

_SCHEMA = f"""
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT);
CREATE TABLE IF NOT EXISTS runs (
    name TEXT PRIMARY KEY, task TEXT, phase TEXT, start_time REAL, end_time REAL,
    inputs BLOB, outputs BLOB, error_code TEXT, error TEXT, owner TEXT,
    task_module TEXT, task_file TEXT, context BLOB
);
CREATE TABLE IF NOT EXISTS actions (
    run TEXT NOT NULL, id TEXT NOT NULL, parent TEXT, task TEXT, short_name TEXT, group_name TEXT,
    kind TEXT, phase TEXT, attempts INTEGER, start_time REAL, end_time REAL,
    inputs BLOB, outputs BLOB, error_code TEXT, error TEXT, cache_status TEXT,
    PRIMARY KEY (run, id)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS attempts (
    run TEXT NOT NULL, action TEXT NOT NULL, attempt INTEGER NOT NULL, start_time REAL, end_time REAL,
    error_code TEXT, error TEXT, PRIMARY KEY (run, action, attempt)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS cache (
    key TEXT PRIMARY KEY, task TEXT, version TEXT, outputs BLOB, created REAL
);
-- Actions recorded together (the items of a map) are stored packed, one row per batch, which
-- costs one insert instead of hundreds; the read API expands them like ordinary rows.
CREATE TABLE IF NOT EXISTS action_batches (
    seq INTEGER PRIMARY KEY AUTOINCREMENT, run TEXT NOT NULL, rows BLOB NOT NULL
);
CREATE INDEX IF NOT EXISTS action_batches_by_run ON action_batches (run);
INSERT OR IGNORE INTO meta VALUES ('schema_version', '{SCHEMA_VERSION}');
"""


def _upsert(table: str, columns: tuple) -> str:
    return f"INSERT OR REPLACE INTO {table} ({', '.join(columns)}) VALUES ({', '.join('?' * len(columns))})"


_UPSERT_ACTION = _upsert("actions", ACTION_COLUMNS)
_UPSERT_RUN = _upsert("runs", RUN_COLUMNS)
_UPSERT_ATTEMPT = _upsert("attempts", ATTEMPT_COLUMNS)
_UPSERT_CACHE = _upsert("cache", CACHE_COLUMNS)
_INSERT_BATCH = "INSERT INTO action_batches (run, rows) VALUES (?, ?)"


class SQLiteStore:
    """Runs, their action tree, attempts and the task cache, under one directory (`home`)."""

    def __init__(self, home: Path, flush_interval: float = 0.2):
        self.home = Path(home)
        self.home.mkdir(parents=True, exist_ok=True)
        self.path = self.home / "metadata.db"
        self.journal_dir = self.home / "journal"
        self.journal_dir.mkdir(exist_ok=True)
        self.blobs = BlobStore(self.home / "blobs")
        self.owner = new_owner_id()
        self._conn = sqlite3.connect(self.path, isolation_level=None, check_same_thread=False, timeout=30)
        self._conn.execute("PRAGMA journal_mode=WAL")
        self._conn.execute("PRAGMA synchronous=NORMAL")
        self._conn.executescript(_SCHEMA)
        self._check_schema()
        self._db_lock = threading.Lock()
        self._lock = threading.Lock()  # guards the buffers and the journal segment
        self._flush_lock = threading.Lock()
        self._actions: dict[tuple, tuple] = {}
        self._runs: dict[str, tuple] = {}
        self._attempts: list[tuple] = []
        self._batches: list[list] = []
        self._cache: dict[str, tuple] = {}
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
        if row is not None and int(row[0]) == 1:
            # version 2 only added action_batches (created above): an in-place upgrade
            self._conn.execute("UPDATE meta SET value=? WHERE key='schema_version'", (str(SCHEMA_VERSION),))
            row = (str(SCHEMA_VERSION),)
        if row is None or int(row[0]) != SCHEMA_VERSION:
            raise RuntimeError(
                f"The metadata store at {self.path} has schema version {row and row[0]}, this runtime "
                f"expects {SCHEMA_VERSION}. Point FLYTE_HOME at another directory or remove the file."
            )

    # -- crash recovery ----------------------------------------------------------------------------

    def _recover(self) -> list[str]:
        """Replay the journals of processes that died, and fail the runs they left running."""
        failed_runs: list[str] = []
        for dead in claim_dead_owners(self.journal_dir):
            try:
                segments = segments_of(self.journal_dir, dead.owner)
                self._conn.execute("BEGIN")
                for seg in segments:
                    for kind, row in read_records(seg):
                        self._apply(kind, row)
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
                self._conn.execute(_INSERT_BATCH, (row[0][0], msgpack.packb(list(row), use_bin_type=True)))
        elif kind == J_RUN:
            self._conn.execute(_UPSERT_RUN, row)
        elif kind == J_ATTEMPT:
            self._conn.execute(_UPSERT_ATTEMPT, row)
        elif kind == J_CACHE:
            self._conn.execute(_UPSERT_CACHE, row)

    # -- recording (hot path) -----------------------------------------------------------------------

    def _new_segment(self, at_least: int = 0) -> JournalSegment:
        if self._owner_lock is None:
            self._owner_lock = OwnerLock(self.journal_dir, self.owner)
        self._segment_no += 1
        size = max(SEGMENT_BYTES, at_least + 64)
        return JournalSegment(self.journal_dir, self.owner, self._segment_no, size)

    def _journal(self, kind: str, row: tuple) -> None:
        # Caller holds self._lock.
        payload = pack_record(kind, row)
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

    def _offload_row(self, row: tuple, i_in: int, i_out: int) -> tuple:
        inp, out = row[i_in], row[i_out]
        if (inp is not None and len(inp) > INLINE_LIMIT) or (out is not None and len(out) > INLINE_LIMIT):
            # rare: only rows carrying a large value pay for the copy
            row = list(row)  # type: ignore[assignment]
            row[i_in] = self._offload(inp)  # type: ignore[index]
            row[i_out] = self._offload(out)  # type: ignore[index]
            row = tuple(row)
        return row

    def action_started(self, row: tuple) -> None:
        """Buffered only: an action that never finishes needs no durability beyond its run's."""
        key = (row[0], row[1])
        with self._lock:
            self._actions[key] = row

    def action_finished(self, row: tuple) -> None:
        """Durable when this returns."""
        row = self._offload_row(row, A_INPUTS, A_OUTPUTS)
        key = (row[0], row[1])
        with self._lock:
            self._journal(J_ACTION, row)
            self._actions[key] = row

    def actions_finished(self, rows: list) -> None:
        """Several finished actions of one run, durable together when this returns (one journal
        record) and stored together (one batch row)."""
        if not rows:
            return
        rows = [self._offload_row(r, A_INPUTS, A_OUTPUTS) for r in rows]
        with self._lock:
            self._journal(J_ACTIONS, tuple(rows))
            self._batches.append(rows)

    def attempt_failed(self, row: tuple) -> None:
        with self._lock:
            self._journal(J_ATTEMPT, row)
            self._attempts.append(row)

    def run_started(self, row: tuple) -> None:
        row = self._offload_row(row, R_INPUTS, R_OUTPUTS)
        with self._lock:
            self._journal(J_RUN, row)
            self._runs[row[0]] = row

    run_finished = run_started

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
                if not (self._actions or self._runs or self._attempts or self._cache or self._batches):
                    return
                batches, self._batches = self._batches, []
                actions, self._actions = self._actions, {}
                runs, self._runs = self._runs, {}
                attempts, self._attempts = self._attempts, []
                cache, self._cache = self._cache, {}
                segments = [*self._full_segments, *([self._segment] if self._segment else [])]
                self._segment, self._full_segments = None, []
            rows = actions.values()  # finished rows were offloaded when recorded; started rows
            rows = [self._offload_row(r, A_INPUTS, A_OUTPUTS) if r[A_OUTPUTS] is None else r for r in rows]
            with self._db_lock:
                conn = self._conn
                conn.execute("BEGIN")
                try:
                    if runs:
                        conn.executemany(_UPSERT_RUN, runs.values())
                    if rows:
                        conn.executemany(_UPSERT_ACTION, rows)
                    if batches:
                        conn.executemany(_INSERT_BATCH, [(b[0][0], msgpack.packb(b, use_bin_type=True)) for b in batches])
                    if attempts:
                        conn.executemany(_UPSERT_ATTEMPT, attempts)
                    if cache:
                        conn.executemany(_UPSERT_CACHE, cache.values())
                    conn.execute("COMMIT")
                except BaseException:
                    conn.execute("ROLLBACK")
                    with self._lock:  # put it all back; the journal still has the durable part
                        for k, v in actions.items():
                            self._actions.setdefault(k, v)
                        for k, v in runs.items():
                            self._runs.setdefault(k, v)
                        self._attempts[:0] = attempts
                        self._batches[:0] = batches
                        for k, v in cache.items():
                            self._cache.setdefault(k, v)
                        self._full_segments[:0] = segments  # still needed: nothing was committed
                        segments = []
                    raise
            for segment in segments:
                with self._lock:
                    keep = self._spare is None and segment.size == SEGMENT_BYTES and not self._closed
                    if keep:
                        segment.reset()
                        self._spare = segment
                if not keep:
                    segment.close_and_remove()

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

    def _query(self, sql: str, params: tuple = ()) -> list[sqlite3.Row]:
        with self._db_lock:
            cur = self._conn.execute(sql, params)
            cols = [d[0] for d in cur.description]
            return [dict(zip(cols, r)) for r in cur.fetchall()]  # type: ignore[misc]

    def get_run(self, name: str) -> Optional[dict[str, Any]]:
        self.flush()
        rows = self._query("SELECT * FROM runs WHERE name=?", (name,))
        return rows[0] if rows else None

    def list_runs(self, limit: int = 50) -> list[dict[str, Any]]:
        self.flush()
        return self._query("SELECT * FROM runs ORDER BY start_time DESC LIMIT ?", (limit,))

    def _action_rows(self, run: str) -> dict[str, tuple]:
        """Every action of a run by id, from the table and from packed batches; when an action
        was recorded more than once (a resumed run), the latest attempt wins."""
        with self._db_lock:
            plain = self._conn.execute(f"SELECT {', '.join(ACTION_COLUMNS)} FROM actions WHERE run=?", (run,)).fetchall()
            packed = self._conn.execute("SELECT rows FROM action_batches WHERE run=? ORDER BY seq", (run,)).fetchall()
        best: dict[str, tuple] = {}

        def consider(row: tuple) -> None:
            old = best.get(row[A_ID])
            if old is None or (row[A_START] or 0) >= (old[A_START] or 0):
                best[row[A_ID]] = row

        for (blob,) in packed:
            for r in msgpack.unpackb(blob, raw=False):
                consider(tuple(r))
        for r in plain:
            consider(tuple(r))
        return best

    def list_actions(self, run: str) -> list[dict[str, Any]]:
        self.flush()
        rows = sorted(self._action_rows(run).values(), key=lambda r: (r[A_START] or 0))
        return [dict(zip(ACTION_COLUMNS, r)) for r in rows]

    def get_action(self, run: str, action_id: str) -> Optional[dict[str, Any]]:
        self.flush()
        row = self._action_rows(run).get(action_id)
        return dict(zip(ACTION_COLUMNS, row)) if row else None

    def list_attempts(self, run: str, action_id: str) -> list[dict[str, Any]]:
        self.flush()
        return self._query("SELECT * FROM attempts WHERE run=? AND action=? ORDER BY attempt", (run, action_id))

    def succeeded_outputs(self, run: str) -> dict[str, bytes]:
        """Outputs of every action of `run` that succeeded: what a resumed run replays."""
        self.flush()
        return {
            aid: r[A_OUTPUTS] for aid, r in self._action_rows(run).items()
            if r[A_PHASE] == "SUCCEEDED" and r[A_OUTPUTS] is not None
        }

    def delete_run(self, name: str) -> None:
        self.flush()
        with self._db_lock:
            self._conn.execute("BEGIN")
            self._conn.execute("DELETE FROM actions WHERE run=?", (name,))
            self._conn.execute("DELETE FROM action_batches WHERE run=?", (name,))
            self._conn.execute("DELETE FROM attempts WHERE run=?", (name,))
            self._conn.execute("DELETE FROM runs WHERE name=?", (name,))
            self._conn.execute("COMMIT")

    def clear_cache(self) -> int:
        self.flush()
        with self._db_lock:
            return self._conn.execute("DELETE FROM cache").rowcount


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
