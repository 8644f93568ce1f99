"""`MetadataStore`: what the runtime needs from a store of runs, actions, attempts and the cache.

Two implementations: `SQLiteStore` (embedded, durable, the default) and `MemoryStore` (nothing
outlives the process; tests run part of the suite on it to keep this seam honest).

Writers: in a process, only the controller's recorder (`flyte._controller.Recorder`) writes
runs, actions and attempts; the cache is written by the controller too. Readers (`flyte get`,
`flyte.Run`, a web UI) use the read half, which sees everything recorded so far in this process.

Besides the records, a store keeps what actions wrote (`log_written`, bounded per attempt: the
tail is kept and what was dropped is counted), their reports, and aggregates that let a reader
show a run of 100,000 actions without reading them all (`action_groups`, `run_counts`).
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from pathlib import Path
from typing import Optional, Protocol, runtime_checkable

from ._records import ActionCounts, ActionGroup, ActionPage, ActionRecord, AttemptRecord, LogPage, RunRecord


@runtime_checkable
class MetadataStore(Protocol):
    home: Path  # runs' files (reports, io values) live under home / "runs" / <run name>
    owner: str  # this process's id in the store: runs it is running carry it
    log_limit: int  # characters of output kept per attempt of an action (the tail)

    # -- writing (the controller only) --------------------------------------------------------

    def run_started(self, record: RunRecord) -> None:
        """Durable when this returns."""

    def run_finished(self, record: RunRecord) -> None:
        """Durable when this returns."""

    def action_started(self, record: ActionRecord) -> None:
        """May be buffered: an action that never finishes needs no durability beyond its run's."""

    def action_finished(self, record: ActionRecord) -> None:
        """Durable when this returns."""

    def actions_finished(self, records: Sequence[ActionRecord]) -> None:
        """Several finished actions of one run, durable together when this returns."""

    def attempt_failed(self, record: AttemptRecord) -> None:
        """Durable when this returns."""

    def log_written(self, run: str, action: str, attempt: int, text: str,
                    stamps: Optional[Sequence[tuple[int, float]]] = None) -> None:
        """Output of one attempt of an action (stdout, stderr, logging), in the order written,
        and when: `text` is one write made now, or several writes, `stamps` saying where each
        began in `text` and its wall time (output forwarded from another process).
        Buffered: readers in other processes see it within the flush interval; what was written
        before the action's end (`action_finished`, `actions_finished` or `attempt_failed` of
        that attempt) is durable with that record. Each attempt keeps its last `log_limit`
        characters; older ones are dropped and counted (`LogPage.dropped`)."""

    def report_written(self, run: str, action: str, html: str) -> None:
        """The report of an action (`report=True` tasks), replacing an earlier one. Durable when
        this returns."""

    def cache_put(self, key: str, task: str, version: str, outputs: bytes) -> None: ...

    def cache_get(self, key: str, max_age: Optional[float] = None) -> Optional[bytes]:
        """Stored outputs for a cache key, or None; entries older than `max_age` seconds are ignored."""

    def load_blob(self, key: str) -> bytes:
        """A value the store kept out of line (see `flyte._serde.ExtCode.BLOB`)."""

    def prepare_resume(self, run: str, keep: Collection[str]) -> None:
        """Before a run resumes, answering the actions in `keep` from their records: every
        record stays; each action not in `keep` runs again, and its first new record replaces
        the old one, so that every action id of a run has one record. Their reports are
        dropped (the new attempts write theirs); their logs are kept as earlier executions
        (`earlier_logs`)."""

    def delete_run(self, name: str) -> None:
        """Remove the run's records, logs, reports and its directory (home / "runs" / name);
        the records are gone when this returns (values shared with other runs stay)."""

    def clear_cache(self) -> int: ...

    def request_flush(self) -> None:
        """Make what was recorded visible to other processes soon (it is durable already)."""

    def flush(self) -> None: ...

    def close(self) -> None: ...

    # -- reading ------------------------------------------------------------------------------

    def get_run(self, name: str) -> Optional[RunRecord]: ...

    def list_runs(self, limit: int = 50, *, task: Optional[str] = None, phases: Optional[Collection[str]] = None,
                  since: Optional[float] = None, before: Optional[float] = None,
                  name: Optional[str] = None) -> list[RunRecord]:
        """Newest first; `since`/`before` bound the start time; `name` keeps the runs whose name
        contains it."""

    def list_actions(self, run: str, *, after: Optional[str] = None, limit: Optional[int] = None,
                     parent: Optional[str] = None, phases: Optional[Collection[str]] = None,
                     task: Optional[str] = None, short_name: Optional[str] = None,
                     group_name: Optional[str] = None) -> ActionPage:
        """The run's actions in start order, a page at a time (`limit=None`: all of them).
        `parent` keeps one node's children ("a0" for the root's); `phases` keeps those phases
        (e.g. FAILED and TIMED_OUT, whose records carry the error's traceback); `task`,
        `short_name` and `group_name` ("" for none) keep the members of one `ActionGroup`."""

    def action_groups(self, run: str, parents: Optional[Collection[Optional[str]]] = None) -> list[ActionGroup]:
        """The run's actions aggregated by parent, group, task, short name and kind (see
        `ActionGroup`), in the order their first members started; `parents` keeps the groups of
        those parents (None in it: the run's root). Includes what was recorded so far."""

    def run_counts(self, names: Collection[str]) -> dict[str, ActionCounts]:
        """How many actions of each run are in each phase (runs without actions are left out)."""

    def get_log(self, run: str, action: str, attempt: Optional[int] = None,
                after: Optional[str] = None) -> Optional[LogPage]:
        """What an attempt of an action wrote (`attempt=None`: its latest attempt that wrote
        anything), or None if it wrote nothing; `after` (a `next_token`) gives only what came since."""

    def log_attempts(self, run: str, action: str) -> list[int]:
        """The attempts of an action that wrote anything, in order."""

    def earlier_logs(self, run: str, action: str) -> list[LogPage]:
        """What the action wrote in executions before its run was resumed (it ran again then),
        oldest first, an attempt a page, each marked by its `earlier` field."""

    def get_report(self, run: str, action: str) -> Optional[str]:
        """The report (HTML) of an action, if it has one."""

    def get_action(self, run: str, action_id: str) -> Optional[ActionRecord]: ...

    def list_attempts(self, run: str, action_id: str) -> list[AttemptRecord]:
        """The failed attempts of an action, in order."""

    def succeeded_outputs(self, run: str) -> dict[str, bytes]:
        """Outputs of every action of `run` that succeeded: what a resumed run replays."""

    def owner_alive(self, owner: Optional[str]) -> bool:
        """Whether the process that recorded `owner` on a run still runs."""
