"""The store's typed records: one per row of runs, actions, attempts and the task cache.

Records are `NamedTuple`s: readers use fields by name, and the hot path still hands plain tuples
to the journal (msgpack arrays) and to sqlite3 (bound by position at tuple cost). Building one
with keywords costs ~14x a tuple on CPython 3.11 (measured: 2.7 µs against 0.2 µs for 16 fields),
which is a quarter of a recorded action's budget, so the controller's recorder
(`flyte._controller._recorder`) builds action records by position in exactly one function each
for "started" and "finished"; a test checks those functions against the field names.

Phases, kinds and cache statuses are the `str` enums below. A `Phase`'s value is what the store
has always written (upper case: "SUCCEEDED"), so existing stores and every reader of them keep
working; the public `flyte.models.ActionPhase` keeps the SDK's values (lower case), and
`Phase.public` (or `ActionPhase(phase)`) converts. Records read back from a store carry the enum
members; records being written carry plain `str` values (see `flyte._controller._recorder`).
"""

from __future__ import annotations

import enum
from collections.abc import Callable, Collection, MutableSequence
from pathlib import Path
from typing import NamedTuple, Optional

from ..models import ActionPhase
from ._logs import dated_lines, trim_marks


class Phase(str, enum.Enum):
    """An action's or run's phase as the store records it."""

    QUEUED = "QUEUED"
    RUNNING = "RUNNING"
    SUCCEEDED = "SUCCEEDED"
    FAILED = "FAILED"
    ABORTED = "ABORTED"
    TIMED_OUT = "TIMED_OUT"

    def __str__(self) -> str:
        return self.value

    @property
    def public(self) -> ActionPhase:
        """The SDK's `flyte.models.ActionPhase` for this phase."""
        return ActionPhase[self.name]

    @property
    def is_terminal(self) -> bool:
        return self in TERMINAL_PHASES


class ActionKind(str, enum.Enum):
    """What an action is: a task call, or a traced function call inside a task."""

    TASK = "task"
    TRACE = "trace"

    def __str__(self) -> str:
        return self.value

    __hash__ = str.__hash__  # equal to its value, so it must hash like it (Enum hashes the name)


class CacheStatus(str, enum.Enum):
    HIT = "hit"
    MISS = "miss"

    def __str__(self) -> str:
        return self.value

    __hash__ = str.__hash__


class ActionRecord(NamedTuple):
    """One action of a run. `attempts` counts the attempts made so far (0 before the first)."""

    run: str
    id: str
    parent: Optional[str]
    task: str
    short_name: str
    group_name: Optional[str]
    kind: str  # an ActionKind
    phase: str  # an ActionPhase
    attempts: int
    start_time: float
    end_time: Optional[float]
    inputs: Optional[bytes]
    outputs: Optional[bytes]
    error_code: Optional[str]
    error: Optional[str]  # the formatted traceback of a failure
    cache_status: Optional[str]  # a CacheStatus, or None for uncached tasks


class RunRecord(NamedTuple):
    """One run: its root task, phase, inputs/outputs, and the process that owns it while it runs."""

    name: str
    task: str
    phase: str
    start_time: Optional[float]
    end_time: Optional[float]
    inputs: Optional[bytes]
    outputs: Optional[bytes]
    error_code: Optional[str]
    error: Optional[str]
    owner: Optional[str]
    task_module: Optional[str]
    task_file: Optional[str]
    context: Optional[bytes]


class AttemptRecord(NamedTuple):
    """A failed attempt of an action (the last attempt's outcome is on the action itself)."""

    run: str
    action: str
    attempt: int
    start_time: Optional[float]
    end_time: Optional[float]
    error_code: Optional[str]
    error: Optional[str]


class CacheRecord(NamedTuple):
    key: str
    task: str
    version: str
    outputs: bytes
    created: float


class ActionCounts(NamedTuple):
    """How many actions are in each phase (and how many of the succeeded ones were cache hits)."""

    queued: int = 0
    running: int = 0
    succeeded: int = 0
    failed: int = 0
    aborted: int = 0
    timed_out: int = 0
    cache_hits: int = 0

    @property
    def total(self) -> int:
        return self.queued + self.running + self.succeeded + self.failed + self.aborted + self.timed_out

    @property
    def done(self) -> int:
        return self.succeeded + self.failed + self.aborted + self.timed_out

    def of(self, phase: str) -> int:
        return self[PHASE_INDEX[str(phase)]]

    def __add__(self, other: object) -> ActionCounts:  # type: ignore[override]
        if not isinstance(other, ActionCounts):
            return NotImplemented
        return ActionCounts(*(a + b for a, b in zip(self, other)))


class ActionGroup(NamedTuple):
    """The children of one action (`parent`; None for the run's root) that share a task, short
    name, group and kind, with how many are in each phase: one action, or a fan-out (a map, a
    gather) when `counts.total > 1`. `first_id` is the member that started first."""

    run: str
    parent: Optional[str]
    group_name: Optional[str]
    task: str
    short_name: str
    kind: str  # an ActionKind
    counts: ActionCounts
    attempts: int  # attempts made by the members that finished (retries show as attempts > done)
    first_start: float
    first_id: str
    last_end: Optional[float]  # the latest end of a finished member (None: none has finished)


class EarlierRun(NamedTuple):
    """Marks the log of an action's execution before its run was resumed (the action ran again
    then, and its new attempts wrote new logs)."""

    execution: int  # 1: the action's first execution; 2: the one after the first resume; ...
    phase: str  # its record's phase when the run resumed ("RUNNING": its process died mid-action)
    resumed: float  # when the run resumed (wall time)
    error_code: Optional[str] = None  # its record's error, if any ("ProcessExited": killed with its process)
    error: Optional[str] = None  # ...the line of it that says what happened

    def describe(self) -> str:
        """How it ended, in words."""
        how = {"RUNNING": "its process died before it finished", "FAILED": "it failed",
               "ABORTED": "it was aborted", "TIMED_OUT": "it timed out", "QUEUED": "it had not started"}
        said = how.get(self.phase, f"it ended {self.phase.lower()}")
        why = ": ".join(x for x in (self.error_code, self.error) if x)
        return f"{said} ({why})" if why else said

    def heading(self, action: str, attempt: int) -> str:
        """The line readers put above this execution's log of `attempt`."""
        import datetime

        at = datetime.datetime.fromtimestamp(self.resumed, datetime.timezone.utc).strftime("%Y-%m-%d %H:%M:%S UTC")
        return (f"── earlier execution {self.execution} of {action}, attempt {attempt}, before the run resumed at {at}: "
                f"{self.describe()} ──")


def current_heading(action: str) -> str:
    """The line readers put between the earlier executions' logs of an action and its latest one's."""
    return f"── this execution of {action} (since the run resumed) ──"


class LogPage(NamedTuple):
    """What one attempt of an action wrote (stdout, stderr and logging, in order), from `start`.

    `start` is the offset (in characters since the attempt began writing) of `text`'s first
    character; the store keeps only the tail of a chatty action, so `dropped` characters before
    the kept text are gone. Pass `next_token` as `after` to get only what was written since."""

    run: str
    action: str
    attempt: int
    text: str
    start: int
    dropped: int
    next_token: str
    times: tuple = ()  # when its lines were written: marks offset, t, ... (see `flyte._store._logs`)
    earlier: Optional[EarlierRun] = None  # set on what an execution before a resume wrote

    def lines(self) -> list[tuple[Optional[float], str]]:
        """The page's lines (each with its newline, the last maybe without) and when each was
        written (wall time; None where the store has no time for it: a log kept by an older
        version). A page that starts inside a line begins with the rest of that line."""
        return dated_lines(self.text, self.start, self.times)


class ActionPage(NamedTuple):
    """A page of a run's actions in start order; pass `next_token` as `after` for the next one
    (None: this was the last page)."""

    actions: list[ActionRecord]
    next_token: Optional[str]


ACTION_COLUMNS = ActionRecord._fields
RUN_COLUMNS = RunRecord._fields
ATTEMPT_COLUMNS = AttemptRecord._fields
CACHE_COLUMNS = CacheRecord._fields

# Journal record kinds.
J_ACTION, J_RUN, J_ATTEMPT, J_CACHE, J_ACTIONS = "A", "R", "T", "C", "B"  # B: several action rows at once
J_LOG, J_REPORT = "L", "P"  # an action's output (at its end), an action's report

# Where each phase's count sits in ActionCounts (and in the store's aggregate rows).
PHASE_INDEX = {"QUEUED": 0, "RUNNING": 1, "SUCCEEDED": 2, "FAILED": 3, "ABORTED": 4, "TIMED_OUT": 5}
HITS_INDEX = 6

TERMINAL_PHASES = frozenset({Phase.SUCCEEDED, Phase.FAILED, Phase.ABORTED, Phase.TIMED_OUT})


def typed_action(row: tuple) -> ActionRecord:
    """A stored row as a record with enum phase and kind."""
    rec = ActionRecord._make(row)
    return rec._replace(kind=ActionKind(rec.kind), phase=Phase(rec.phase))


def typed_run(row: tuple) -> RunRecord:
    rec = RunRecord._make(row)
    return rec._replace(phase=Phase(rec.phase))


def row_filter(parent: Optional[str] = None, phases: Optional[Collection[str]] = None, task: Optional[str] = None,
               short_name: Optional[str] = None, group_name: Optional[str] = None) -> Optional[Callable[[tuple], bool]]:
    """The filters of `MetadataStore.list_actions` as one test of a stored row (None: keep all)."""
    wanted = {str(p) for p in phases} if phases else None
    if parent is None and wanted is None and task is None and short_name is None and group_name is None:
        return None

    def keep(r: tuple) -> bool:
        return ((parent is None or r[2] == parent) and (wanted is None or r[7] in wanted)
                and (task is None or r[3] == task) and (short_name is None or r[4] == short_name)
                and (group_name is None or (r[5] or "") == group_name))

    return keep


def log_page(run: str, action: str, attempt: int, text: str, dropped: int, after: Optional[str],
             marks: Optional[MutableSequence[float]] = None, earlier: Optional[EarlierRun] = None) -> LogPage:
    """A stored log (its kept tail `text`, after `dropped` characters, its lines dated by `marks`)
    as a page from `after`."""

    seen = 0
    if after:
        try:
            seen = int(after)
        except ValueError:
            raise ValueError(f"{after!r} is not a log token (pass the next_token of a previous page)") from None
    start = max(seen, dropped)
    return LogPage(run, action, attempt, text[start - dropped:], start, max(0, dropped - seen), str(dropped + len(text)),
                   tuple(trim_marks(marks, start)) if marks else (), earlier)


def run_directory(home: Path, name: str) -> Optional[Path]:
    """home / "runs" / name, or None when `name` would reach outside that directory."""
    base = home / "runs"
    if not name or name in (".", "..") or "/" in name or "\\" in name or "\x00" in name:
        return None
    path = base / name
    return path if path.resolve().parent == base.resolve() else None


def page_token(rec: ActionRecord) -> str:
    """The position of `rec` in a run's start order, as an opaque page token."""
    return f"{(rec.start_time or 0.0)!r}/{rec.id}"


def parse_page_token(token: str) -> tuple[float, str]:
    start, sep, aid = token.partition("/")
    try:
        if not sep:
            raise ValueError
        return float(start), aid
    except ValueError:
        raise ValueError(f"{token!r} is not a page token of this store (pass the next_token of a previous page)") from None
