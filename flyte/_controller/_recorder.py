"""The recorder: the one place a run's records are built, written and announced.

Every action of a run — the root, a child call, a map item, a trace, a call made on a worker, a
cache hit — is started by `Recorder.action` (which builds its record) and ended by
`Recorder.finished` (which builds its final record); a replayed action
(resumed run) is announced by `Recorder.replayed`. The recorder is the only writer of runs,
actions, attempts and cache entries to the store (`flyte._store.MetadataStore`), and the one
place where observers hook in:

    class Progress(RunListener):
        def action_finished(self, record): ...
    flyte._controller.add_listener(Progress())

Listeners are called synchronously in the thread that records (a task body's thread, or the
run's event loop), after the store has the record; they must be quick and must not raise (an
exception is logged and swallowed). A body running elsewhere (a Ray worker, later a worker
process) records through a `RemoteRecorder` (`flyte._executor`) that forwards these same
methods to this recorder in the controller's process.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Sequence
from typing import Any, NamedTuple, Optional, Union

from .._store import ActionRecord, AttemptRecord, MetadataStore, Phase, RunRecord
from ._capture import open_writers as _open_writers
from ._errors import error_code, format_failure

logger = logging.getLogger("flyte")

_now = time.time
_new = tuple.__new__  # builds a record from a tuple in one C call (see flyte._store._records)
# Records are written with plain `str` values: sqlite3 binds an enum member (a str subclass)
# only after a failed adapter lookup, which costs more than the rest of the row.
_RUNNING = Phase.RUNNING.value
# After this many finished actions, the recorder commits them itself rather than leave them to the
# store's writer thread: until committed, records and the journal pages behind them stay in
# memory, and a fan-out whose children finish faster than the writer (which needs the GIL the
# event loop holds) commits them piles up tens of thousands (+30 MB in a 100,000-wide gather).
COMMIT_EVERY = 4096


class RunListener:
    """Observer of what the recorder writes. Subclass and override what you need."""

    def run_started(self, record: RunRecord) -> None:
        pass

    def run_finished(self, record: RunRecord) -> None:
        pass

    def action_started(self, record: ActionRecord) -> None:
        pass

    def action_finished(self, record: ActionRecord) -> None:
        """Also called for cache hits (cache_status "hit") and replayed actions (not re-stored)."""

    def attempt_failed(self, record: AttemptRecord) -> None:
        pass


_listeners: list[RunListener] = []


def add_listener(listener: RunListener) -> None:
    """Have `listener` told of every record of every run in this process from now on."""
    if listener not in _listeners:
        _listeners.append(listener)


def remove_listener(listener: RunListener) -> None:
    if listener in _listeners:
        _listeners.remove(listener)


class Failure(NamedTuple):
    """A failure already reduced to what is recorded (an exception that crossed processes loses
    its traceback, so a worker formats it before sending)."""

    code: str
    text: str

    @classmethod
    def of(cls, error: Union[BaseException, Failure]) -> Failure:
        return error if isinstance(error, Failure) else cls(error_code(error), format_failure(error))


Error = Union[BaseException, Failure, None]


def _tell(method: str, record: Any) -> None:
    for listener in list(_listeners):
        try:
            getattr(listener, method)(record)
        except Exception:
            logger.exception("Run listener %r failed in %s", listener, method)


class Recorder:
    """Builds and writes the records of one run."""

    __slots__ = ("replay", "run", "store", "uncommitted")

    # What a RemoteRecorder may ask of this one on a worker's behalf.
    REMOTE_METHODS = frozenset({"action", "finished", "attempt_failed", "replayed", "output", "report"})

    def __init__(self, store: MetadataStore, run: str, replay: Optional[dict[str, bytes]] = None):
        self.store = store
        self.run = run
        self.replay = replay  # outputs of the actions a resumed run answers from its record
        self.uncommitted = 0  # finished actions since the last commit request (approximate across threads)

    # -- actions ----------------------------------------------------------------------------------

    def action(self, aid: str, parent: Optional[str], task: str, short_name: str, group: Optional[str], kind: str,
               inputs: Optional[bytes], cache_status: Optional[str] = None, attempts: int = 0,
               write: bool = True) -> ActionRecord:
        """An action starts now: its record (RUNNING), stored (buffered: see
        `MetadataStore.action_started`) and announced. `write=False` only announces it, for an
        action stored once, finished (a map item of a batch, a cache hit)."""
        # Field order is ActionRecord's; tests/flyte/test_recorder.py checks it.
        record = _new(ActionRecord, (self.run, aid, parent, task, short_name, group, kind, _RUNNING, attempts, _now(),
                                     None, inputs, None, None, None, cache_status))
        if write:
            self.store.action_started(record)
        if _listeners:
            _tell("action_started", record)
        return record

    def finished(self, record: ActionRecord, phase: str, attempts: int, outputs: Optional[bytes] = None,
                 error: Error = None, batch: Optional[list] = None) -> ActionRecord:
        """End `record`'s action in `phase`. Durable when this returns, unless `batch` is given:
        then the record joins that list, which `commit` makes durable in one write."""
        r = record
        code, text = (None, None) if error is None else Failure.of(error)
        done = _new(ActionRecord, (r[0], r[1], r[2], r[3], r[4], r[5], r[6], phase, attempts, r[9], _now(), r[11], outputs,
                                   code, text, r[15]))
        if batch is None:
            self.store.action_finished(done)
            self.uncommitted += 1
            if self.uncommitted >= COMMIT_EVERY:
                self._commit_now()
            if _listeners:
                _tell("action_finished", done)
        else:
            batch.append(done)
        if _open_writers:  # it may have been writing beside others (see flyte._controller._capture)
            _open_writers.discard((r[0], r[1]))
        return done

    def commit(self, batch: Sequence[ActionRecord]) -> None:
        """Make a batch of finished records (see `finished`) durable together."""
        if batch:
            self.store.actions_finished(batch)
            self.uncommitted += len(batch)
            if self.uncommitted >= COMMIT_EVERY:
                self._commit_now()
            if _listeners:
                for done in batch:
                    _tell("action_finished", done)

    def _commit_now(self) -> None:
        """Bound what waits in memory for the store's writer (see COMMIT_EVERY)."""
        self.uncommitted = 0
        try:
            self.store.flush()
        except Exception:
            # What was recorded is durable already (the journal); the writer thread retries the
            # commit, as it does when its own attempt fails (a locked database, a full disk).
            logger.debug("Committing finished actions failed; the store's writer will retry", exc_info=True)

    def attempt_failed(self, record: ActionRecord, attempt: int, start: float, error: Union[BaseException, Failure]) -> None:
        """One failed attempt of `record`'s action, durable when this returns."""
        code, text = Failure.of(error)
        row = _new(AttemptRecord, (self.run, record[1], attempt, start, _now(), code, text))
        self.store.attempt_failed(row)
        if _listeners:
            _tell("attempt_failed", row)

    def output(self, aid: str, attempt: int, text: str, stamps: Optional[Sequence[tuple[int, float]]] = None) -> None:
        """Text that attempt `attempt` of action `aid` wrote (stdout, stderr or logging, in the
        order written): the one way action output reaches the store, whoever captured it — this
        process's streams (`flyte._controller._capture`), or a worker forwarding what its body
        printed (with `stamps`: where each write began in `text`, and when; without, `text` was
        written now). Cheap and buffered (`MetadataStore.log_written`): what arrives before the
        attempt's end record is durable with it; the store keeps each attempt's tail."""
        if stamps is None:
            self.store.log_written(self.run, aid, attempt, text)
        else:
            self.store.log_written(self.run, aid, attempt, text, stamps)

    def report(self, aid: str, html: str) -> None:
        """The report of action `aid` (a `report=True` task); durable when this returns."""
        self.store.report_written(self.run, aid, html)

    def replayed(self, aid: str) -> Optional[bytes]:
        """The recorded outputs of action `aid` when this (resumed) run answers it from its record."""
        replay = self.replay
        if replay is None:
            return None
        outputs = replay.get(aid)
        if outputs is not None and _listeners:
            _tell("action_finished", self.store.get_action(self.run, aid))
        return outputs

    # -- the cache ------------------------------------------------------------------------------

    def cache_put(self, key: str, task: str, version: str, outputs: bytes) -> None:
        self.store.cache_put(key, task, version, outputs)

    # -- the run itself ---------------------------------------------------------------------------

    def run_record(self, task: str, phase: str, start: float, end: Optional[float], inputs: Optional[bytes],
                   outputs: Optional[bytes], error: Error, task_module: Optional[str],
                   task_file: Optional[str], context: Optional[bytes]) -> RunRecord:
        code, text = (None, None) if error is None else Failure.of(error)
        return RunRecord(
            name=self.run, task=task, phase=phase, start_time=start, end_time=end, inputs=inputs, outputs=outputs,
            error_code=code, error=text, owner=self.store.owner,
            task_module=task_module, task_file=task_file, context=context,
        )

    def run_started(self, record: RunRecord) -> None:
        """Durable when this returns."""
        self.store.run_started(record)
        if _listeners:
            _tell("run_started", record)

    def run_finished(self, record: RunRecord) -> None:
        """Durable when this returns; other processes see it soon after (the store's writer)."""
        self.store.run_finished(record)
        self.store.request_flush()
        if _listeners:
            _tell("run_finished", record)
