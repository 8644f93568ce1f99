"""`current_context()`: what a running flytekit task can ask about its execution."""

from __future__ import annotations

import contextlib
import datetime
import logging as _logging
import os
import tempfile
from collections.abc import Iterator
from contextvars import ContextVar
from typing import Any, Optional

from ._secrets import SecretsManager
from .models.core.identifier import Identifier, WorkflowExecutionIdentifier


class ExecutionParameters:
    """The execution parameters of the running task (or of the process, outside any task)."""

    def __init__(self, execution_date: Optional[datetime.datetime] = None, tmp_dir: Optional[str] = None,
                 stats: Any = None, execution_id: Any = None, logging: Any = None, raw_output_prefix: Optional[str] = None,
                 output_metadata_prefix: Optional[str] = None, checkpoint: Any = None, decks: Optional[list[Any]] = None,
                 task_id: Any = None, enable_deck: bool = False, *, task_name: str = "local", run_name: str = "local",
                 action: str = "local", working_dir: Optional[str] = None, attempt_number: int = 0, **kwargs: Any):
        self._working_directory = working_dir or tmp_dir
        self.execution_id = execution_id if execution_id is not None else WorkflowExecutionIdentifier("local", "local", run_name)
        self.task_id = task_id if task_id is not None else Identifier("TASK", "local", "local", task_name, "local")
        self.execution_date = execution_date or datetime.datetime.now(datetime.timezone.utc)
        self.raw_output_prefix = raw_output_prefix or os.path.join(tempfile.gettempdir(), "flyte-raw")
        self.output_metadata_prefix = output_metadata_prefix
        self.action = action
        self.attempt_number = attempt_number
        self.logging = logging if logging is not None else _logging.getLogger("flytekit.user")
        self.stats = stats if stats is not None else _NoStats()
        self.enable_deck = enable_deck
        self._secrets = SecretsManager()
        self._decks: list[Any] = list(decks or [])
        self._checkpoint: Any = checkpoint
        self.user_space_params: dict[str, Any] = dict(kwargs)

    def __repr__(self) -> str:
        return (f"ExecutionParameters(execution_id={self.execution_id}, task_id={self.task_id}, "
                f"execution_date={self.execution_date}, working_directory={self._working_directory})")

    __str__ = __repr__

    @property
    def working_directory(self) -> str:
        if self._working_directory is None:
            self._working_directory = tempfile.mkdtemp(prefix="user_space")
        return self._working_directory

    @property
    def secrets(self) -> SecretsManager:
        return self._secrets

    @property
    def decks(self) -> list[Any]:
        return self._decks

    @property
    def default_deck(self) -> Any:
        from .deck import Deck

        for d in self._decks:
            if d.name == "default":
                return d
        return Deck("default")

    @property
    def timeline_deck(self) -> Any:
        from .deck import Deck

        for d in self._decks:
            if d.name == "Timeline":
                return d
        return Deck("Timeline")

    @property
    def checkpoint(self) -> Any:
        if self._checkpoint is None:
            from .core.checkpointer import SyncCheckpoint

            self._checkpoint = SyncCheckpoint(checkpoint_dest=os.path.join(self.working_directory, "checkpoint"))
        return self._checkpoint

    def get(self, key: str) -> Any:
        return self.user_space_params.get(key)

    def __getattr__(self, name: str) -> Any:
        if name.startswith("_"):
            raise AttributeError(name)
        try:
            return self.__dict__["user_space_params"][name]
        except KeyError:
            raise AttributeError(f"'ExecutionParameters' object has no attribute {name!r}") from None


class _NoStats:
    def __getattr__(self, name: str) -> Any:
        return lambda *args, **kwargs: None


class _Execution:
    """What `task_execution` records; the ExecutionParameters are built only if asked for."""

    __slots__ = ("params", "task")

    def __init__(self, task: Any):
        self.task = task
        self.params: Optional[ExecutionParameters] = None


_current: ContextVar[Optional[_Execution]] = ContextVar("flytekit_exec", default=None)
_process_params: Optional[ExecutionParameters] = None


def _params_for(task: Any) -> ExecutionParameters:
    import flyte

    ctx = flyte.ctx()
    base = os.path.join(ctx.run_base_dir, "work") if ctx else None
    if base:
        os.makedirs(base, exist_ok=True)
    return ExecutionParameters(
        task_name=task.name, run_name=(ctx.action.run_name if ctx else None) or "local",
        action=ctx.action.name if ctx else "local", working_dir=tempfile.mkdtemp(prefix="user_space", dir=base),
        raw_output_prefix=ctx.raw_data_path.path if ctx else None, attempt_number=ctx.attempt_number if ctx else 0,
    )


def current_context() -> ExecutionParameters:
    """The running task's execution parameters; outside a task, the process-wide ones."""
    execution = _current.get()
    if execution is not None:
        if execution.params is None:
            execution.params = _params_for(execution.task)
        return execution.params
    global _process_params
    if _process_params is None:
        _process_params = ExecutionParameters()
    return _process_params


def enter_task(task: Any) -> Any:
    """Start of a task body: its own execution parameters (a fresh working directory, its own
    decks, the run's identifiers), created the first time the body asks for them."""
    return _current.set(_Execution(task))


def leave_task(task: Any, token: Any) -> None:
    execution = _current.get()
    _current.reset(token)
    params = execution.params if execution is not None else None
    if params is not None and getattr(task, "enable_deck", False) and params.decks:
        _publish_decks(params.decks)


@contextlib.contextmanager
def task_execution(task: Any) -> Iterator[None]:
    token = enter_task(task)
    try:
        yield None
    finally:
        leave_task(task, token)


def _publish_decks(decks: list[Any]) -> None:
    import flyte.report

    for deck in decks:
        name = "main" if deck.name == "default" else deck.name
        tab = flyte.report.get_tab(name)
        if tab is not None:
            tab.replace(deck.html)
