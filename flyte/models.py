"""Public data models: action ids, phases and the task context (`flyte.ctx()`)."""

from __future__ import annotations

import enum
import threading
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Any, Literal, Optional

MAX_INLINE_IO_BYTES = 10 * 1024 * 1024


class ActionPhase(str, enum.Enum):
    QUEUED = "QUEUED"
    WAITING_FOR_RESOURCES = "WAITING_FOR_RESOURCES"
    INITIALIZING = "INITIALIZING"
    RUNNING = "RUNNING"
    PAUSED = "PAUSED"
    SUCCEEDED = "SUCCEEDED"
    FAILED = "FAILED"
    ABORTED = "ABORTED"
    TIMED_OUT = "TIMED_OUT"
    RECOVERED = "RECOVERED"

    @property
    def is_terminal(self) -> bool:
        return self in (ActionPhase.SUCCEEDED, ActionPhase.FAILED, ActionPhase.ABORTED, ActionPhase.TIMED_OUT, ActionPhase.RECOVERED)

    def __str__(self) -> str:
        return self.value


@dataclass(frozen=True)
class ActionID:
    """Identifies one action of a run."""

    name: str
    run_name: Optional[str] = None
    project: Optional[str] = None
    domain: Optional[str] = None
    org: Optional[str] = None

    def __repr__(self) -> str:
        return f"ActionID({self.name!r}, run_name={self.run_name!r})"


@dataclass(frozen=True)
class GroupData:
    name: str


@dataclass(frozen=True)
class RawDataPath:
    path: str

    def get_random_remote_path(self, file_name: Optional[str] = None) -> str:
        import os
        import uuid

        return os.path.join(self.path, uuid.uuid4().hex, file_name or uuid.uuid4().hex)


@dataclass(frozen=True)
class CheckpointPaths:
    prev_checkpoint_path: Optional[str]
    checkpoint_path: Optional[str]


class CallCounter:
    """Counts identical calls within one parent, so repeated calls get distinct, stable ids."""

    def __init__(self) -> None:
        self._counts: dict[str, int] = {}
        self._lock = threading.Lock()

    def next(self, call_key: str) -> int:
        with self._lock:
            n = self._counts.get(call_key, 0) + 1
            self._counts[call_key] = n
            return n


@dataclass
class TaskContext:
    """What a running task can learn about itself (returned by `flyte.ctx()`)."""

    action: ActionID
    version: str
    raw_data_path: RawDataPath
    output_path: str
    run_base_dir: str
    report: Any = None
    group_data: Optional[GroupData] = None
    checkpoint_paths: Optional[CheckpointPaths] = None
    code_bundle: Any = None
    compiled_image_cache: Any = None
    data: dict[str, Any] = field(default_factory=dict)
    mode: Literal["local", "remote", "hybrid"] = "local"
    interactive_mode: bool = False
    custom_context: dict[str, str] = field(default_factory=dict)
    disable_run_cache: bool = False
    in_driver_literal_conversion: bool = False
    run_start_time: Optional[datetime] = None
    input_path: Optional[str] = None
    task_name: str = ""
    short_name: str = ""
    attempt_number: int = 0
    env_vars: dict[str, str] = field(default_factory=dict)
    # Makes this attempt's Checkpoint on first use (creating one costs a temp directory).
    _checkpoint_factory: Any = field(default=None, repr=False, compare=False)

    @property
    def checkpoint(self) -> Any:
        """This attempt's `flyte.Checkpoint` (saves for later attempts, loads an earlier one's), or
        None outside a run."""
        return None if self._checkpoint_factory is None else self._checkpoint_factory()

    def replace(self, **kwargs: Any) -> TaskContext:
        return replace(self, **kwargs)

    def is_in_cluster(self) -> bool:
        return False

    def __bool__(self) -> bool:
        return True


class NullTaskContext:
    """What `flyte.ctx()` returns outside a task: falsy, with no fields."""

    def __bool__(self) -> bool:
        return False

    def __repr__(self) -> str:
        return "NullTaskContext()"


NULL_TASK_CONTEXT = NullTaskContext()
