"""Checking a store and recovering a damaged one (`flyte store check`, `flyte store recover`).

`check_store` reads without changing anything: the database's header, SQLite's full
`integrity_check`, its schema and row counts, and the journal (live and dead owners, records not
yet replayed, segments without a lock).

`recover_store` rebuilds the database from what can still be read, and never deletes anything:
1. refuses while another process uses the store (a live journal owner);
2. copies every readable row of every table into a fresh database (runs, actions, packed
   batches, attempts, the cache, logs, logs of earlier executions and reports), reading each
   table (and each run's actions) from both ends so that a damaged page in the middle costs
   only its own rows;
3. applies the journals of processes that died (records they never committed), once, and
   computes every run's fan-out aggregates (`action_groups`, which `run_counts` sums) afresh
   from the rows it kept: copied aggregates would count rows that were lost;
4. keeps the damaged database (with its write-ahead log) in `<home>/damaged-<time>/`, puts the
   fresh database in its place, and moves the applied journal segments there too.
Until the fresh database is renamed into place, the damaged file is still where it was (and
hard-linked aside): a recovery cut short leaves a store that can be recovered again; after it,
the fresh database knows which journal segments it applied, so they are never applied twice.
"""

from __future__ import annotations

import os
import sqlite3
import time
import urllib.parse
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Optional

import msgpack

from ._errors import StoreError, is_not_a_database
from ._journal import claim_dead_owners, owner_alive, read_records, segment_number, segments_of
from ._logs import EARLIER_COLUMNS, log_limit
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
)
from ._sqlite import (
    _INDEXES,
    _INSERT_BATCH,
    _JOURNAL_KEY,
    _SCHEMA,
    DB_NAME,
    SCHEMA_VERSION,
    _batch_row,
    _mark_clean,
    _unlocked_state,
    merge_piece,
    recount,
)

_RUNS = ("runs", RUN_COLUMNS, ("name",))
_ATTEMPTS = ("attempts", ATTEMPT_COLUMNS, ("run", "action", "attempt"))
_CACHE = ("cache", CACHE_COLUMNS, ("key",))
_META = ("meta", ("key", "value"), ("key",))
_LOGS = ("logs", ("run", "action", "attempt", "text", "dropped", "times"), ("run", "action", "attempt"))
_LOGS_V4: tuple = ("logs", _LOGS[1][:5], _LOGS[2])  # before the times of log lines
_REPORTS = ("reports", ("run", "action", "blob"), ("run", "action"))
_EARLIER = ("earlier_logs", EARLIER_COLUMNS, ("run", "action", "execution", "attempt"))
_BATCH_COLUMNS = ("seq", "run", "rows")  # the rest of a batch's row is computed from its items
# What `check` counts; a store of an older schema lacks the later tables.
_COUNTED = ("runs", "actions", "action_batches", "attempts", "cache", "logs", "earlier_logs", "reports",
            "action_groups")
_CHUNK = 200
_PROBES = 32  # seek points per run with a damaged page


@dataclass
class JournalOwner:
    owner: str
    alive: bool
    segments: int
    pending_records: int  # journaled and not committed: replayed when the store is next opened
    note: Optional[str] = None  # why its journal stopped (a full disk), if it said


@dataclass
class CheckReport:
    home: Path
    database: str  # "ok", "missing", "empty", "not SQLite", "damaged", "unreadable"
    problems: list[str] = field(default_factory=list)
    schema_version: Optional[str] = None
    counts: dict[str, int] = field(default_factory=dict)
    owners: list[JournalOwner] = field(default_factory=list)
    run_folders: int = 0
    unlocked: bool = False  # the database was read without SQLite's locks (immutable=1)

    @property
    def new(self) -> bool:
        """Nothing was ever recorded here: no database, no run folders, no journal."""
        return self.database == "missing" and not self.run_folders and not self.owners and not self.problems

    @property
    def healthy(self) -> bool:
        """Nothing to recover (a home without a database, runs or journals is a new store)."""
        return not self.problems


@dataclass
class RecoverReport:
    home: Path
    aside: Path  # where the damaged files now are
    copied: dict[str, int] = field(default_factory=dict)
    read_errors: list[str] = field(default_factory=list)
    journal_records: int = 0
    previous: str = ""  # the state of the database before (see CheckReport.database)


def _db_state(db: Path) -> str:
    try:
        size = db.stat().st_size
    except FileNotFoundError:
        return "missing"
    if size == 0:
        return "empty"
    # Its header is read by SQLite's first read (see `check_files`: no descriptor of ours may
    # close on a database this process may have open).
    return "ok"


def _connect_ro(db: Path) -> tuple[sqlite3.Connection, bool]:
    """A read-only connection that sees the write-ahead log when SQLite can use it, and whether
    it reads the database file alone, without locks (`immutable=1`: see `SQLiteStore`)."""
    uri = "file:" + urllib.parse.quote(str(db.resolve()))
    last: Optional[sqlite3.Error] = None
    for params in ("mode=ro", "immutable=1"):
        conn = sqlite3.connect(f"{uri}?{params}", uri=True)
        try:
            conn.execute("SELECT count(*) FROM sqlite_master").fetchone()
            return conn, params == "immutable=1"
        except sqlite3.Error as e:
            conn.close()
            last = e
            if "malformed" in str(e) or "not a database" in str(e):
                break
    assert last is not None
    raise last


def _journal_owners(journal: Path, applied: dict[str, int]) -> list[JournalOwner]:
    if not journal.is_dir():
        return []
    owners = {p.stem for p in journal.glob("*.lock")} | {p.stem.rsplit("-", 1)[0] for p in journal.glob("*.journal")}
    out = []
    for owner in sorted(owners):
        segments = segments_of(journal, owner)
        done = applied.get(owner, -1)
        pending = sum(1 for s in segments if segment_number(s) > done for _ in read_records(s))
        note = None
        lock = journal / f"{owner}.lock"
        try:
            note = lock.read_bytes().rstrip(b"\0").decode("utf-8", "replace").strip() or None
        except OSError:
            pass
        out.append(JournalOwner(owner, owner_alive(journal, owner), len(segments), pending, note))
    return out


def check_store(home: Path) -> CheckReport:
    """What state the store at `home` is in; changes nothing. Where SQLite reads the database
    without locks (`immutable=1`: a read-only directory), a check during which the files changed
    (a process began writing) is run again: its reads may have mixed old and new pages."""
    for _ in range(_CHECK_TRIES - 1):
        before = _unlocked_state(Path(home))
        report = _check_store(home)
        if not report.unlocked or _unlocked_state(Path(home)) == before:
            return report
    return _check_store(home)


_CHECK_TRIES = 5


def _check_store(home: Path) -> CheckReport:
    home = Path(home)
    db = home / DB_NAME
    report = CheckReport(home, _db_state(db))
    runs = home / "runs"
    report.run_folders = sum(1 for p in runs.iterdir() if p.is_dir()) if runs.is_dir() else 0
    applied: dict[str, int] = {}
    if report.database == "ok":
        try:
            conn, report.unlocked = _connect_ro(db)
        except sqlite3.Error as e:
            report.database = "not SQLite" if is_not_a_database(e) else "unreadable"
            report.problems.append(f"{db} is not an SQLite database ({e})" if is_not_a_database(e) else f"{db}: {e}")
        else:
            try:
                rows = [r[0] for r in conn.execute("PRAGMA integrity_check(20)")]
                if rows != ["ok"]:
                    report.database = "damaged"
                    report.problems.extend(rows)
                tables = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type='table'")}
                for table in _COUNTED:
                    if table not in tables:
                        continue
                    try:
                        report.counts[table] = conn.execute(f"SELECT count(*) FROM {table}").fetchone()[0]
                    except sqlite3.Error as e:
                        report.problems.append(f"table {table}: {e}")
                try:
                    row = conn.execute("SELECT value FROM meta WHERE key='schema_version'").fetchone()
                    report.schema_version = row[0] if row else None
                    applied = {k[len(_JOURNAL_KEY):]: int(v) for k, v in
                               conn.execute("SELECT key, value FROM meta WHERE key LIKE ?", (_JOURNAL_KEY + "%",))}
                except (sqlite3.Error, ValueError) as e:
                    report.problems.append(f"table meta: {e}")
                if report.schema_version not in (None, str(SCHEMA_VERSION)):
                    report.problems.append(f"schema version {report.schema_version}; this runtime reads {SCHEMA_VERSION}")
            except sqlite3.Error as e:
                report.database = "damaged"
                report.problems.append(str(e))
            finally:
                conn.close()
    report.owners = _journal_owners(home / "journal", applied)
    segments = sum(o.segments for o in report.owners)
    if report.database in ("missing", "empty") and (report.run_folders or segments):
        report.problems.append(f"{db} is {report.database}, next to {report.run_folders} run folder(s) and "
                               f"{segments} journal segment(s): the history is not in the database")
    return report


# -- salvage --------------------------------------------------------------------------------------------


def _scan(conn: sqlite3.Connection, table: str, cols: tuple, key: tuple, where: str = "", params: tuple = (),
          errors: Optional[list[str]] = None) -> Iterator[tuple]:
    """Rows of `table` in key order from the front until a read fails, then from the back until
    one fails: all the rows that can be reached around damaged pages."""
    keys = ", ".join(key)
    select = f"SELECT {', '.join(cols)} FROM {table}"
    idx = [cols.index(k) for k in key]
    # First in stored order with one cursor, as `sqlite3 .dump` reads: it walks from leaf to leaf
    # and can pass a damaged page that a seek from the root (the keyed passes below) cannot.
    try:
        yield from conn.execute(f"{select}{' WHERE ' + where if where else ''}", params)
    except sqlite3.Error as e:
        if errors is not None:
            what = f"{table} of run {params[0]}" if where else table
            errors.append(f"{what}, reading in stored order: {e}")
    for order, op in (("ASC", ">"), ("DESC", "<")):
        last: Optional[tuple] = None
        while True:
            clauses = [where] if where else []
            args: tuple = params
            if last is not None:
                clauses.append(f"({keys}) {op} ({', '.join('?' * len(key))})")
                args = (*params, *last)
            sql = f"{select}{' WHERE ' + ' AND '.join(clauses) if clauses else ''} ORDER BY {', '.join(k + ' ' + order for k in key)} LIMIT {_CHUNK}"
            try:
                chunk = conn.execute(sql, args).fetchall()
            except sqlite3.Error as e:
                if errors is not None:
                    what = f"{table} of run {params[0]}" if where else table
                    at = f"after {last!r}" if last is not None else "from the " + ("start" if order == "ASC" else "end")
                    errors.append(f"{what}, reading {at}: {e}")
                break
            yield from chunk
            if len(chunk) < _CHUNK:
                break
            last = tuple(chunk[-1][i] for i in idx)


def _copy(src: sqlite3.Connection, dst: sqlite3.Connection, spec: tuple, errors: list[str]) -> int:
    table, cols, key = spec
    insert = f"INSERT OR IGNORE INTO {table} ({', '.join(cols)}) VALUES ({', '.join('?' * len(cols))})"
    n = 0
    for row in _scan(src, table, cols, key, errors=errors):
        n += dst.execute(insert, row).rowcount
    return n


def _copy_actions(src: sqlite3.Connection, dst: sqlite3.Connection, runs: set[str], errors: list[str]) -> int:
    insert = f"INSERT OR IGNORE INTO actions ({', '.join(ACTION_COLUMNS)}) VALUES ({', '.join('?' * len(ACTION_COLUMNS))})"
    key = ("run", "start_time", "id")
    n = 0
    for row in _scan(src, "actions", ACTION_COLUMNS, key, errors=errors):
        runs.add(row[0])
        n += dst.execute(insert, row).rowcount
    # A run at a time as well: the index leads around a damaged page to the runs beyond it.
    for run in sorted(runs):
        before = len(errors)
        for row in _scan(src, "actions", ACTION_COLUMNS, ("start_time", "id"), "run = ?", (run,), errors):
            n += dst.execute(insert, row).rowcount
        if len(errors) == before:
            continue
        # A damaged page inside this run: seek past it from points spread over the run's time
        # span, each reaching the pages after it (its rows are ordered by start time).
        span = dst.execute("SELECT start_time, end_time FROM runs WHERE name=?", (run,)).fetchone()
        if not span or span[0] is None:
            continue
        first, last = span[0], span[1] if span[1] is not None else span[0] + 3600.0
        for k in range(1, _PROBES):
            after = first + (last - first) * k / _PROBES
            for row in _scan(src, "actions", ACTION_COLUMNS, ("start_time", "id"), "run = ? AND start_time > ?",
                             (run, after)):
                n += dst.execute(insert, row).rowcount
    return n


def _copy_batches(src: sqlite3.Connection, dst: sqlite3.Connection, errors: list[str]) -> int:
    n = 0
    seen: set[int] = set()
    for seq, run, blob in _scan(src, "action_batches", _BATCH_COLUMNS, ("seq",), errors=errors):
        if seq in seen:
            continue
        seen.add(seq)
        try:
            rows = msgpack.unpackb(blob, raw=False)
            if not isinstance(rows, list) or not all(isinstance(r, list) and len(r) == len(ACTION_COLUMNS) for r in rows):
                raise ValueError("not a list of action rows")
        except Exception as e:
            errors.append(f"action_batches row {seq}: unreadable ({e})")
            continue
        _, _, first, last, parent = _batch_row(rows)
        dst.execute(_INSERT_BATCH, (run, blob, first, last, parent))
        n += len(rows)
    return n


def _apply_journal(dst: sqlite3.Connection, kind: str, row: tuple) -> None:
    cols = {J_ACTION: ("actions", ACTION_COLUMNS), J_RUN: ("runs", RUN_COLUMNS), J_ATTEMPT: ("attempts", ATTEMPT_COLUMNS),
            J_CACHE: ("cache", CACHE_COLUMNS)}
    if kind == J_ACTIONS:
        if row:
            batch = _batch_row(list(row))
            exists = dst.execute("SELECT 1 FROM action_batches WHERE run=? AND first_start=? AND rows=?",
                                 (batch[0], batch[2], batch[1])).fetchone()
            if not exists:
                dst.execute(_INSERT_BATCH, batch)
    elif kind == J_LOG:  # a piece (run, action, attempt, offset, text[, marks]) of an attempt's log
        merge_piece(dst, row, log_limit())
    elif kind == J_REPORT:
        dst.execute("INSERT OR REPLACE INTO reports (run, action, blob) VALUES (?, ?, ?)", row)
    elif kind in cols:
        table, names = cols[kind]
        dst.execute(f"INSERT OR REPLACE INTO {table} ({', '.join(names)}) VALUES ({', '.join('?' * len(names))})", row)


def recover_store(home: Path) -> RecoverReport:
    """Rebuild the store at `home` from what can be read (see the module docstring)."""
    home = Path(home)
    db = home / DB_NAME
    journal = home / "journal"
    live = [o for o in _journal_owners(journal, {}) if o.alive]
    if live:
        raise StoreError(
            f"The store at {home} is in use by {len(live)} running process(es) (pids "
            f"{', '.join(o.owner.split('-')[0] for o in live)}); stop them, then run `flyte store recover` again.", home)
    stamp = time.strftime("%Y%m%d-%H%M%S")
    aside = home / f"damaged-{stamp}"
    n = 1
    while aside.exists():
        n += 1
        aside = home / f"damaged-{stamp}-{n}"
    fresh = home / f".{DB_NAME}.recovering-{os.getpid()}"
    report = RecoverReport(home, aside, previous=_db_state(db))
    dst = sqlite3.connect(fresh, isolation_level=None)
    claimed = []
    try:
        dst.execute("PRAGMA journal_mode=WAL")
        dst.executescript(_SCHEMA)
        dst.executescript(_INDEXES)
        dst.execute("BEGIN")
        applied: dict[str, int] = {}
        if report.previous == "ok":
            try:
                src, _ = _connect_ro(db)  # nobody writes it: recovery refuses a store in use
            except sqlite3.Error as e:
                report.read_errors.append(f"{db}: {e}")
            else:
                try:
                    errors = report.read_errors
                    report.copied["runs"] = _copy(src, dst, _RUNS, errors)
                    runs = {r[0] for r in dst.execute("SELECT name FROM runs")}
                    report.copied["actions"] = _copy_actions(src, dst, runs, errors)
                    report.copied["actions in batches"] = _copy_batches(src, dst, errors)
                    report.copied["attempts"] = _copy(src, dst, _ATTEMPTS, errors)
                    report.copied["cache entries"] = _copy(src, dst, _CACHE, errors)
                    tables = {r[0] for r in src.execute("SELECT name FROM sqlite_master WHERE type='table'")}
                    if "logs" in tables and "times" not in {r[1] for r in src.execute("PRAGMA table_info(logs)")}:
                        logs_spec = _LOGS_V4
                    else:
                        logs_spec = _LOGS
                    for spec, what in ((logs_spec, "logs"), (_EARLIER, "logs of earlier executions"), (_REPORTS, "reports")):
                        if spec[0] in tables:  # a store of schema 3 or older has none; of 5, maybe no earlier_logs
                            report.copied[what] = _copy(src, dst, spec, errors)
                    for k, v in _scan(src, "meta", ("key", "value"), ("key",), errors=errors):
                        if k.startswith(_JOURNAL_KEY):
                            dst.execute("INSERT OR REPLACE INTO meta VALUES (?, ?)", (k, v))
                            applied[k[len(_JOURNAL_KEY):]] = int(v)
                finally:
                    src.close()
        # what processes that died journaled and never committed
        claimed = claim_dead_owners(journal)
        for dead in claimed:
            top = applied.get(dead.owner, -1)
            for seg in segments_of(journal, dead.owner):
                if segment_number(seg) <= top:
                    continue
                for kind, row in read_records(seg):
                    _apply_journal(dst, kind, row)
                    report.journal_records += 1
                top = max(top, segment_number(seg))
            note = dead.note()
            code, _, msg = (note or "").partition("\n")
            if not msg:
                code, msg = "ProcessExited", "the process running this was terminated before it finished"
            now = time.time()
            for (run,) in dst.execute("SELECT name FROM runs WHERE owner=? AND phase='RUNNING'", (dead.owner,)).fetchall():
                dst.execute("UPDATE runs SET phase='FAILED', end_time=?, error_code=?, error=? WHERE name=?", (now, code, msg, run))
                dst.execute("UPDATE actions SET phase='FAILED', end_time=?, error_code=?, error=? WHERE run=? AND phase='RUNNING'",
                            (now, code, msg, run))
            dst.execute("INSERT OR REPLACE INTO meta VALUES (?, ?)", (_JOURNAL_KEY + dead.owner, str(max(top, 0))))
        runs = {r[0] for r in dst.execute("SELECT name FROM runs")}
        runs.update(r[0] for r in dst.execute("SELECT DISTINCT run FROM actions"))
        runs.update(r[0] for r in dst.execute("SELECT DISTINCT run FROM action_batches"))
        for run in sorted(runs):
            recount(dst, run)
        report.copied["fan-out aggregates (recomputed)"] = dst.execute("SELECT count(*) FROM action_groups").fetchone()[0]
        dst.execute("COMMIT")
        dst.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    except BaseException:
        dst.close()
        for dead in claimed:
            dead.release(remove=False)
        for suffix in ("", "-wal", "-shm"):
            Path(f"{fresh}{suffix}").unlink(missing_ok=True)  # our own half-made copy, not the user's data
        raise
    dst.close()
    # Keep everything aside, then swap: the damaged file stays in place until the last rename.
    aside.mkdir()
    if report.previous != "missing":
        os.link(db, aside / DB_NAME)
    for suffix in ("-wal", "-shm"):
        side = home / (DB_NAME + suffix)
        if side.exists():
            os.link(side, aside / side.name)
            side.unlink()
    os.replace(fresh, db)
    # The fresh database records which segments it applied, so from here a kill loses nothing.
    if claimed:
        (aside / "journal").mkdir()
    for dead in claimed:
        for seg in segments_of(journal, dead.owner):
            os.replace(seg, aside / "journal" / seg.name)
        os.link(dead.lock_path, aside / "journal" / dead.lock_path.name)
        dead.release(remove=True)
    _mark_clean(home)
    return report


def describe(report: Any) -> str:
    """A short text of a CheckReport for logs and errors."""
    if isinstance(report, CheckReport):
        state = "a new store (nothing recorded yet)" if report.new else "healthy" if report.healthy else f"database {report.database}: {'; '.join(report.problems)}"
        return f"store at {report.home}: {state}"
    return str(report)
