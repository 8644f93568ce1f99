"""A `MetadataStore` kept in this process's memory: nothing outlives the process.

For tests (part of the suite runs on it to prove the store seam) and for throwaway runs
(`FLYTE_STORE=memory`). Run files (reports, io values) still go under `home`.
"""

from __future__ import annotations

import bisect
import shutil
import threading
import time
import uuid
from collections.abc import Callable, Collection, Sequence
from pathlib import Path
from typing import Any, Optional, TypeVar

from ._groups import GroupTallies, counts_of, wanted_parent
from ._logs import Piece, Stamps, bound_earlier, error_summary, log_limit, trim_marks
from ._records import (
    ActionCounts,
    ActionGroup,
    ActionPage,
    ActionRecord,
    AttemptRecord,
    CacheRecord,
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


def _key(rec: ActionRecord) -> tuple[float, str]:
    return (rec.start_time or 0.0, rec.id)


K = TypeVar("K")


def _drop(table: dict[K, Any], doomed: Callable[[K], bool]) -> None:
    """Delete the entries of `table` whose key is `doomed`."""
    for key in [k for k in table if doomed(k)]:
        del table[key]


class MemoryStore:
    """Implements `MetadataStore` with dicts under one lock."""

    def __init__(self, home: Path):
        self.home = Path(home)
        self.home.mkdir(parents=True, exist_ok=True)
        self.owner = f"memory-{uuid.uuid4().hex[:10]}"
        self.log_limit = log_limit()
        self._lock = threading.Lock()
        self._runs: dict[str, RunRecord] = {}
        self._actions: dict[str, dict[str, ActionRecord]] = {}
        self._attempts: dict[tuple[str, str], dict[int, AttemptRecord]] = {}
        self._cache: dict[str, CacheRecord] = {}
        self._logs: dict[tuple[str, str, int], Piece] = {}  # Piece.offset: characters dropped before it
        self._reports: dict[tuple[str, str], str] = {}
        # (run, action) -> what its executions before a resume wrote: [EarlierRun, attempt, text, dropped, marks]
        self._earlier: dict[tuple[str, str], list[list]] = {}
        self._closed = False

    # writing

    def run_started(self, record: RunRecord) -> None:
        with self._lock:
            self._runs[record.name] = record

    run_finished = run_started

    def action_started(self, record: ActionRecord) -> None:
        with self._lock:
            self._actions.setdefault(record.run, {})[record.id] = record

    action_finished = action_started

    def actions_finished(self, records: Sequence[ActionRecord]) -> None:
        with self._lock:
            for r in records:
                self._actions.setdefault(r.run, {})[r.id] = r

    def attempt_failed(self, record: AttemptRecord) -> None:
        with self._lock:
            self._attempts.setdefault((record.run, record.action), {})[record.attempt] = record

    def log_written(self, run: str, action: str, attempt: int, text: str, stamps: Stamps = None) -> None:
        if not text:
            return
        at = time.time()
        with self._lock:
            piece = self._logs.get((run, action, attempt))
            if piece is None:
                piece = self._logs[(run, action, attempt)] = Piece(0)
            if stamps:
                piece.add_stamped(text, stamps)
            else:
                piece.add(text, at)
            if piece.size > 2 * self.log_limit:
                piece.cut(self.log_limit)

    def report_written(self, run: str, action: str, html: str) -> None:
        with self._lock:
            self._reports[(run, action)] = html

    def cache_put(self, key: str, task: str, version: str, outputs: bytes) -> None:
        with self._lock:
            self._cache[key] = CacheRecord(key, task, version, outputs, time.time())

    def cache_get(self, key: str, max_age: Optional[float] = None) -> Optional[bytes]:
        row = self._cache.get(key)
        if row is None or (max_age is not None and time.time() - row.created > max_age):
            return None
        return row.outputs

    def load_blob(self, key: str) -> bytes:
        from ._blobs import is_blob_url, read_blob_url

        if is_blob_url(key):  # offloaded to the run's raw data path
            return read_blob_url(key)
        raise FileNotFoundError(f"blob {key} is not in the in-memory store (it keeps every value inline)")

    def prepare_resume(self, run: str, keep: Collection[str]) -> None:
        keep = set(keep)  # records are keyed by id: a new one replaces the old one
        now = time.time()
        with self._lock:
            rerun = sorted(k for k in self._logs if k[0] == run and k[1] not in keep)
            for key in rerun:  # what runs again wrote before is kept as its earlier execution
                _, action, attempt = key
                earlier = self._earlier.setdefault((run, action), [])
                if not earlier or earlier[-1][0].resumed != now:
                    rec = self._actions.get(run, {}).get(action)
                    execution = earlier[-1][0].execution + 1 if earlier else 1
                    marker = (EarlierRun(execution, str(rec.phase), now, rec.error_code, error_summary(rec.error))
                              if rec else EarlierRun(execution, Phase.RUNNING.value, now))
                else:
                    marker = earlier[-1][0]
                text, dropped, marks = self._stored_log(key)
                earlier.append([marker, attempt, text, dropped, marks])
                logs = [e[2:] for e in earlier]
                bound_earlier(logs, self.log_limit)
                for e, log in zip(earlier, logs):
                    e[2:] = log
            _drop(self._logs, lambda k: k[0] == run and k[1] not in keep)
            _drop(self._reports, lambda k: k[0] == run and k[1] not in keep)

    def delete_run(self, name: str) -> None:
        run_dir = run_directory(self.home, name)
        with self._lock:
            self._runs.pop(name, None)
            self._actions.pop(name, None)
            _drop(self._attempts, lambda k: k[0] == name)
            _drop(self._logs, lambda k: k[0] == name)
            _drop(self._earlier, lambda k: k[0] == name)
            _drop(self._reports, lambda k: k[0] == name)
        if run_dir is not None:
            shutil.rmtree(run_dir, ignore_errors=True)

    def clear_cache(self) -> int:
        with self._lock:
            n = len(self._cache)
            self._cache.clear()
            return n

    def request_flush(self) -> None:
        pass

    def flush(self) -> None:
        pass

    def close(self) -> None:
        self._closed = True

    # reading

    def get_run(self, name: str) -> Optional[RunRecord]:
        row = self._runs.get(name)
        return typed_run(row) if row else None

    def list_runs(self, limit: int = 50, *, task: Optional[str] = None, phases: Optional[Collection[str]] = None,
                  since: Optional[float] = None, before: Optional[float] = None,
                  name: Optional[str] = None) -> list[RunRecord]:
        wanted = {str(p) for p in phases} if phases else None
        with self._lock:
            runs = list(self._runs.values())
        out = [
            r for r in runs
            if (task is None or r.task == task) and (wanted is None or r.phase in wanted)
            and (since is None or (r.start_time or 0) >= since) and (before is None or (r.start_time or 0) < before)
            and (not name or name in r.name)
        ]
        out.sort(key=lambda r: r.start_time or 0, reverse=True)
        return [typed_run(r) for r in out[:limit]]

    def list_actions(self, run: str, *, after: Optional[str] = None, limit: Optional[int] = None,
                     parent: Optional[str] = None, phases: Optional[Collection[str]] = None,
                     task: Optional[str] = None, short_name: Optional[str] = None,
                     group_name: Optional[str] = None) -> ActionPage:
        with self._lock:
            rows = sorted(self._actions.get(run, {}).values(), key=_key)
        start = bisect.bisect_right([_key(r) for r in rows], parse_page_token(after)) if after else 0
        keep = row_filter(parent, phases, task, short_name, group_name)
        out: list[ActionRecord] = []
        for r in rows[start:]:
            if keep is not None and not keep(r):
                continue
            if limit is not None and len(out) == limit:
                return ActionPage(out, page_token(out[-1]))
            out.append(typed_action(r))
        return ActionPage(out, None)

    def get_action(self, run: str, action_id: str) -> Optional[ActionRecord]:
        row = self._actions.get(run, {}).get(action_id)
        return typed_action(row) if row else None

    def list_attempts(self, run: str, action_id: str) -> list[AttemptRecord]:
        attempts = self._attempts.get((run, action_id), {})
        return [attempts[n] for n in sorted(attempts)]

    def succeeded_outputs(self, run: str) -> dict[str, bytes]:
        with self._lock:
            rows = list(self._actions.get(run, {}).values())
        return {r.id: r.outputs for r in rows if r.phase == Phase.SUCCEEDED and r.outputs is not None}

    def action_groups(self, run: str, parents: Optional[Collection[Optional[str]]] = None) -> list[ActionGroup]:
        wanted = wanted_parent(parents)
        with self._lock:
            rows = list(self._actions.get(run, {}).values())
        if wanted is not None:
            rows = [r for r in rows if (r.parent or "") in wanted]
        groups = GroupTallies().add_all(rows).groups()
        groups.sort(key=lambda g: (g.first_start, g.first_id))
        return groups

    def run_counts(self, names: Collection[str]) -> dict[str, ActionCounts]:
        out = {}
        for name in names:
            counts = counts_of(self.action_groups(name))
            if counts.total:
                out[name] = counts
        return out

    def get_log(self, run: str, action: str, attempt: Optional[int] = None,
                after: Optional[str] = None) -> Optional[LogPage]:
        with self._lock:
            if attempt is None:
                attempts = [k[2] for k in self._logs if k[0] == run and k[1] == action]
                if not attempts:
                    return None
                attempt = max(attempts)
            if (run, action, attempt) not in self._logs:
                return None
            text, dropped, marks = self._stored_log((run, action, attempt))
        return log_page(run, action, attempt, text, dropped, after, marks)

    def _stored_log(self, key: tuple[str, str, int]) -> tuple[str, int, list]:
        """An attempt's log as a store keeps it: (its last log_limit characters, how many came
        before, its marks). Caller holds the lock."""
        piece = self._logs[key]
        text = piece.text()
        dropped = piece.offset
        marks: list = [m + dropped if i % 2 == 0 else m for i, m in enumerate(piece.marks)]
        if len(text) > self.log_limit:
            dropped += len(text) - self.log_limit
            text = text[-self.log_limit:]
            marks = list(trim_marks(marks, dropped))
        return text, dropped, marks

    def earlier_logs(self, run: str, action: str) -> list[LogPage]:
        with self._lock:
            earlier = [list(e) for e in self._earlier.get((run, action), ())]
        return [log_page(run, action, attempt, text, dropped, None, marks, marker)
                for marker, attempt, text, dropped, marks in earlier]

    def log_attempts(self, run: str, action: str) -> list[int]:
        with self._lock:
            return sorted(k[2] for k in self._logs if k[0] == run and k[1] == action)

    def get_report(self, run: str, action: str) -> Optional[str]:
        return self._reports.get((run, action))

    def owner_alive(self, owner: Optional[str]) -> bool:
        return owner == self.owner
