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
from typing import NamedTuple, Optional

from ..models import ActionPhase


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

TERMINAL_PHASES = frozenset({Phase.SUCCEEDED, Phase.FAILED, Phase.ABORTED, Phase.TIMED_OUT})


def typed_action(row: tuple) -> ActionRecord:
    """A stored row as a record with enum phase and kind."""
    rec = ActionRecord._make(row)
    return rec._replace(kind=ActionKind(rec.kind), phase=Phase(rec.phase))


def typed_run(row: tuple) -> RunRecord:
    rec = RunRecord._make(row)
    return rec._replace(phase=Phase(rec.phase))


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
