"""Where the runtime keeps track of "which action am I in".

A run is a `RunState`; each executing action is a `Frame`. The current frame, the current group
and the current custom context live in context variables, so they follow asyncio tasks (gather,
TaskGroup, anyio) and `contextvars.copy_context()` into worker threads without any bookkeeping
per call.
"""

from __future__ import annotations

import enum
import threading
from array import array
from contextvars import ContextVar
from datetime import datetime, timezone
from pathlib import Path
from typing import TYPE_CHECKING, Any, Optional, Union

if TYPE_CHECKING:
    from ._controller import Recorder
    from ._executor import Executor
    from ._serde import Codec
    from ._store import MetadataStore


class FrameKind(str, enum.Enum):
    """What an executing frame is. TASK and TRACE frames belong to recorded actions (of
    `flyte._store.ActionKind` TASK and TRACE); a REMOTE frame is a task body running away from
    the controller (a Ray worker): its calls and records go back to the controller."""

    TASK = "task"
    TRACE = "trace"
    REMOTE = "remote"

    __hash__ = str.__hash__  # equal to its value, so it must hash like it (Enum hashes the name)


KIND_TASK = FrameKind.TASK
KIND_TRACE = FrameKind.TRACE
KIND_REMOTE = FrameKind.REMOTE


def io_context(run_dir: Path, raw_data_path: Optional[str]) -> Any:
    """Where a run's codec keeps the data of values crossing actions (`flyte.io`): the run's
    raw data path when it is a URL (so every node and a later recovery find it), else the run's
    directory."""
    if raw_data_path is not None and "://" in raw_data_path and not raw_data_path.startswith("file://"):
        return raw_data_path
    return run_dir


class RunState:
    """Everything the controller needs to know about one run."""

    __slots__ = (
        "annotations",
        "cache_read",
        "cache_write",
        "codec",
        "custom_context",
        "disable_run_cache",
        "domain",
        "env_vars",
        "executor",
        "images",
        "inflight",
        "inflight_lock",
        "interactive",
        "labels",
        "link",
        "name",
        "org",
        "overwrite_cache",
        "project",
        "raw_data_path",
        "recorder",
        "resumed",
        "run_dir",
        "start_time",
        "store",
    )

    def __init__(
        self,
        name: str,
        store: Optional[MetadataStore],
        codec: Codec,
        run_dir: Path,
        start_time: float,
        *,
        recorder: Recorder,
        executor: Executor,
        resumed: bool = False,
        overwrite_cache: bool = False,
        disable_run_cache: bool = False,
        env_vars: Optional[dict[str, str]] = None,
        custom_context: Optional[dict[str, str]] = None,
        raw_data_path: Optional[str] = None,
        labels: Optional[dict[str, str]] = None,
        annotations: Optional[dict[str, str]] = None,
        images: Optional[dict[str, str]] = None,
    ):
        self.name = name
        self.store = store
        self.codec = codec
        self.run_dir = run_dir
        self.start_time = start_time
        self.recorder = recorder  # the only writer of this run's records
        self.resumed = resumed  # answers finished actions from an earlier attempt of the run
        self.overwrite_cache = overwrite_cache
        self.disable_run_cache = disable_run_cache
        self.cache_read = not (overwrite_cache or disable_run_cache)
        self.cache_write = not disable_run_cache
        self.env_vars = dict(env_vars or {})
        self.custom_context = dict(custom_context or {})
        self.raw_data_path = raw_data_path or str(run_dir / "raw")
        self.inflight: dict[tuple[str, str], Any] = {}  # Cache(serialize=True): a lock per cache key
        self.inflight_lock = threading.Lock()
        self.labels = dict(labels or {})
        self.interactive = False
        self.project: Optional[str] = None
        self.domain: Optional[str] = None
        self.org: Optional[str] = None
        self.annotations = dict(annotations or {})
        self.images = dict(images or {})  # `flyte run --image NAME=URI`: recorded with the run, not used locally
        self.executor = executor  # where bodies run
        self.link: Any = None  # on a worker: the line back to the controller

    @property
    def start_datetime(self) -> datetime:
        return datetime.fromtimestamp(self.start_time, tz=timezone.utc)


# A frame counts its calls in a dict until it has made this many distinct ones, then compactly.
COMPACT_COUNTS_AFTER = 16384


class CallCounts:
    """How many calls a frame has made under each key (a nonzero int below 2**64), for a frame
    that makes many: a dict of int keys costs ~80 bytes a key (8 MB for a 100,000-wide gather),
    kept for as long as the parent runs. Most keys are used once (a fan-out's children differ in
    their inputs), so the keys go in an open-addressing table of 8-byte slots, at most half full,
    and a dict holds only the keys used more than once. Slower per call than a dict, which is why
    a frame starts with one (`Frame.next_seq`). Not thread-safe: the frame's lock guards it."""

    __slots__ = ("repeats", "slots", "used")

    def __init__(self, counts: Optional[dict[int, int]] = None) -> None:
        self.slots = array("Q", bytes(8 * 8))
        self.used = 0
        self.repeats: Optional[dict[int, int]] = None
        for key, n in (counts or {}).items():
            for _ in range(n):
                self.next(key)

    def next(self, key: int) -> int:
        """Count one more call under `key`; returns how many there have been, this one included."""
        slots = self.slots
        mask = len(slots) - 1
        i = key & mask  # keys are hash bits: their low bits are spread evenly
        k = slots[i]
        while k:
            if k == key:
                repeats = self.repeats
                if repeats is None:
                    repeats = self.repeats = {}
                n = repeats[key] = repeats.get(key, 1) + 1
                return n
            i = (i + 1) & mask
            k = slots[i]
        slots[i] = key
        self.used += 1
        if self.used * 2 > mask:
            self._grow()
        return 1

    def _grow(self) -> None:
        keys = [k for k in self.slots if k]
        slots = self.slots = array("Q", bytes(16 * len(self.slots)))
        mask = len(slots) - 1
        for key in keys:
            i = key & mask
            while slots[i]:
                i = (i + 1) & mask
            slots[i] = key


class Frame:
    """One executing action (or trace): the parent of every call made while it runs."""

    __slots__ = ("attempt", "checkpoint", "counts", "id", "kind", "lock", "parent_id", "report", "run", "short_name", "task",
                 "task_name")

    def __init__(self, run: RunState, action_id: Optional[str], task_name: str, short_name: str, kind: FrameKind = KIND_TASK,
                 task: Any = None, parent_id: Optional[str] = None):
        self.run = run
        # None only for a run's root pseudo-frame (the parent of action a0), which runs no body
        self.id: str = action_id  # type: ignore[assignment]
        self.task_name = task_name
        self.short_name = short_name
        self.kind = kind
        # made on first use (most actions call nothing); a count of 1 may be the first call's id (see next_seq)
        self.counts: Union[dict[int, Any], CallCounts, None] = None  # int counts, or a str for 1
        self.lock: Optional[threading.Lock] = None  # made on first use: most actions call nothing
        self.attempt = 1
        self.report: Any = None
        self.checkpoint: Any = None  # (attempt, Checkpoint) once the body asked for it
        self.task = task
        self.parent_id = parent_id

    def next_seq(self, key: int) -> int:
        """The number of this call among the calls this frame made under `key` (1 for the first);
        `key` is a nonzero int below 2**64.

        `flyte._controller._ids.next_action_id` counts a key's first call itself, without the
        lock (see `first_after_compaction`): in the dict, a key counted once may hold the id
        string of its first call instead of 1."""
        lock = self.lock
        if lock is None:
            with _lock_creation:  # a sync body may fan out to threads that call tasks
                lock = self.lock = self.lock or threading.Lock()
        with lock:
            counts = self.counts
            if counts is None:
                counts = self.counts = {}
            if isinstance(counts, CallCounts):
                return counts.next(key)
            n = counts.get(key, 0)
            n = counts[key] = 2 if type(n) is str else n + 1
            if len(counts) > COMPACT_COUNTS_AFTER:
                # Swapped in before it is filled: a lock-free first count that starts now sees
                # it and takes the lock; one that went into the dict after it was emptied finds
                # its mark still there (first_after_compaction).
                compact = self.counts = CallCounts()
                while counts:
                    k, v = counts.popitem()
                    for _ in range(1 if type(v) is str else v):
                        compact.next(k)
            return n

    def first_after_compaction(self, key: int, counts: dict, mark: str) -> int:
        """A lock-free first count put `mark` under `key` in `counts`, which has since been
        replaced by a `CallCounts`: 1 if the mark was moved there with the rest, else count it now."""
        assert self.lock is not None
        with self.lock:
            if counts.get(key) is not mark:
                return 1
            return self.counts.next(key)  # type: ignore[union-attr]


_lock_creation = threading.Lock()


current_frame: ContextVar[Optional[Frame]] = ContextVar("flyte_frame", default=None)
current_group: ContextVar[Optional[str]] = ContextVar("flyte_group", default=None)
current_custom_context: ContextVar[Optional[dict[str, str]]] = ContextVar("flyte_custom_context", default=None)
