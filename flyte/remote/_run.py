"""`Run` / `RunDetails`: runs recorded in the local store, looked up by name or listed.

`Run`'s methods are syncified as in the SDK (`run.outputs()` blocks, `await run.outputs.aio()`
does not); `RunDetails`' inputs/outputs are coroutines, as there. What `flyte.run(...)` returns
counts as a `Run` (`isinstance` holds) and reads the same records.
"""

from __future__ import annotations

import abc
import asyncio
from collections.abc import AsyncGenerator, AsyncIterator
from typing import Any, Callable, Dict, Literal, Optional, Tuple

from ..models import ActionPhase
from ..syncify import syncify
from . import _store_view as view
from ._action import ROOT, Action, ActionDetails, RootRecord, WaitFor, _sorted
from ._common import ActionInputs, ActionOutputs, TimeFilter, ToJSONMixin, needs_backend, phase_names, when

_POLL = 0.2  # seconds between looks at a run that is still going


class _RunMeta(abc.ABCMeta):
    pass


def _run_record_or_raise(name: str) -> Any:
    record = view.get_run(name)
    if record is None:
        from ..errors import ActionNotFoundError

        raise ActionNotFoundError(f"No run named {name!r} in the local store at {view.home()}")
    return record


def _labels(record: Any) -> Dict[str, str]:
    from .._run_spec import record_spec

    return dict(record_spec(record).labels)


def _root_of(name: str, record: Any) -> Any:
    return view.get_action(name, ROOT) or RootRecord(record)


class Run(ToJSONMixin, metaclass=_RunMeta):
    """A run in the local store: `Run.get(name)`, `Run.listall(...)` (newest first)."""

    def __init__(self, record: Any):
        self._record = record
        self.action = Action(_root_of(record.name, record))
        self._details: Optional[RunDetails] = None

    @syncify
    @classmethod
    async def get(cls, name: str) -> Run:
        return cls(_run_record_or_raise(name))

    @syncify
    @classmethod
    async def listall(cls, in_phase: Optional[Tuple[Any, ...]] = None, task_name: Optional[str] = None,
                      task_version: Optional[str] = None, created_by_subject: Optional[str] = None,
                      sort_by: Optional[Tuple[str, Literal["asc", "desc"]]] = None, limit: int = 100,
                      project: Optional[str] = None, domain: Optional[str] = None,
                      created_at: Optional[TimeFilter] = None, updated_at: Optional[TimeFilter] = None,
                      with_labels: Optional[Dict[str, str]] = None, with_label_keys: Optional[list] = None,
                      paused_actions_only: bool = False) -> AsyncIterator[Run]:
        """Runs, newest first (or by `sort_by`), at most `limit`. Locally there is one project and
        domain and one user: filters on those keep every run. `with_labels` keeps the runs with all
        of those labels, `with_label_keys` those with all of those keys."""
        since = created_at.after.timestamp() if created_at and created_at.after else None
        before = created_at.before.timestamp() if created_at and created_at.before else None
        records = view.list_runs(limit, task=task_name, phases=phase_names(in_phase), since=since, before=before)
        if updated_at is not None:
            lo = updated_at.after.timestamp() if updated_at.after else None
            hi = updated_at.before.timestamp() if updated_at.before else None
            records = [r for r in records if (t := r.end_time or r.start_time) is not None
                       and (lo is None or t >= lo) and (hi is None or t <= hi)]
        if with_labels or with_label_keys:
            wanted, keys = dict(with_labels or {}), list(with_label_keys or ())
            records = [r for r in records if (labels := _labels(r)) is not None
                       and all(labels.get(k) == v for k, v in wanted.items()) and all(k in labels for k in keys)]
        if paused_actions_only:
            records = []  # a local run waits on a condition in its own process; nothing is paused
        if sort_by is not None:
            field = {"name": "name"}.get(sort_by[0], sort_by[0])
            records = _sorted(records, (field, sort_by[1]))
        for record in records:
            yield cls(record)

    # -- what it is -------------------------------------------------------------------------------

    @property
    def name(self) -> str:
        return self._record.name

    @property
    def task_name(self) -> str:
        return self._record.task

    @property
    def labels(self) -> Dict[str, str]:
        """The labels the run was started with (`flyte run --label`, `with_runcontext(labels=...)`)."""
        return _labels(self._record)

    @property
    def phase(self) -> ActionPhase:
        return ActionPhase(str(self._record.phase))

    @property
    def raw_phase(self) -> int:
        return self.phase.to_protobuf_value()

    @property
    def url(self) -> str:
        """Where the run's files are (reports, values passed between tasks); a backend gives a console URL."""
        return str(view.run_dir(self.name))

    def done(self) -> bool:
        return self.phase.is_terminal

    def sync(self) -> Run:
        """This run as the store has it now."""
        fresh = view.get_run(self.name)
        if fresh is not None:
            self._record = fresh
            self.action = Action(_root_of(self.name, fresh))
        return self

    @syncify
    async def wait(self, quiet: bool = False, wait_for: Literal["terminal", "running"] = "terminal") -> None:
        """Return once the run is terminal (a run started in this process is, when `flyte.run`
        returns), or has started with wait_for="running". The run's own record decides: its root
        action finishes a moment before the run does."""
        while True:
            phase = self.sync().phase
            if phase.is_terminal or (wait_for == "running" and phase != ActionPhase.QUEUED):
                return
            await asyncio.sleep(_POLL)

    async def watch(self, cache_data_on_done: bool = False) -> AsyncGenerator[ActionDetails, None]:
        async for details in self.action.watch(cache_data_on_done=cache_data_on_done):
            self.sync()
            yield details

    @syncify
    async def details(self) -> RunDetails:
        if self._details is None or not self._details.done():
            self.sync()
            self._details = RunDetails(self._record)
        return self._details

    @syncify
    async def inputs(self) -> ActionInputs:
        return await (await self.details.aio()).inputs()

    @syncify
    async def outputs(self) -> ActionOutputs:
        return await (await self.details.aio()).outputs()

    @syncify
    async def input_literals(self) -> Dict[str, Any]:
        return await (await self.details.aio()).input_literals()

    @syncify
    async def output_literals(self) -> Dict[str, Any]:
        return await (await self.details.aio()).output_literals()

    @syncify
    async def typed_inputs(self, types: Dict[str, type],
                           deserializers: Optional[Dict[type, Callable[[Any], Any]]] = None) -> Dict[str, Any]:
        return await (await self.details.aio()).typed_inputs(types, deserializers)

    @syncify
    async def typed_outputs(self, types: Dict[str, type],
                            deserializers: Optional[Dict[type, Callable[[Any], Any]]] = None) -> Dict[str, Any]:
        return await (await self.details.aio()).typed_outputs(types, deserializers)

    @syncify
    async def first_failure(self) -> Optional[ActionDetails]:
        """The first failed action in start order, preferring a failed step over the root (whose
        error usually repeats the step's); None when nothing failed."""
        fallback: Optional[ActionDetails] = None
        for record in view.iter_actions(self.name, phases=["FAILED", "TIMED_OUT", "ABORTED"]):
            if record.parent:
                return ActionDetails(record)
            if fallback is None:
                fallback = ActionDetails(record)
        if fallback is None and self.phase in (ActionPhase.FAILED, ActionPhase.TIMED_OUT, ActionPhase.ABORTED):
            fallback = ActionDetails(_root_of(self.name, self._record))
        return fallback

    @syncify
    async def raise_for_status(self) -> None:
        """Raise the run's failure as the error a parent task would see; nothing if it succeeded.
        A run that has not finished raises RuntimeUserError("RunNotDoneError")."""
        from .. import errors

        self.sync()
        if not self.done():
            raise errors.RuntimeUserError(
                "RunNotDoneError", f"Run {self.name} is {self.phase.value}, call wait() before raise_for_status().")
        phase, error = self.phase, self._record.error or ""
        if phase == ActionPhase.SUCCEEDED:
            return
        if phase == ActionPhase.ABORTED:
            raise errors.ActionAbortedError(f"Run {self.name} was aborted" + (f": {error}" if error else ""))
        if phase == ActionPhase.TIMED_OUT:
            raise errors.TaskTimeoutError(f"Run {self.name} timed out" + (f": {error}" if error else ""))
        raise errors.RuntimeUserError(self._record.error_code or "UnknownRunFailure",
                                      f"Run {self.name} ended {phase.value}" + (f": {error}" if error else ""))

    @syncify
    async def get_report(self, attempt: Optional[int] = None) -> str:
        return await self.action.get_report.aio(attempt)

    @syncify
    async def get_logs(self, attempt: Optional[int] = None, filter_system: bool = False,
                       show_ts: bool = False) -> AsyncGenerator[str, None]:
        async for line in self.action.get_logs.aio(attempt, filter_system, show_ts):
            yield line

    @syncify
    async def show_logs(self, attempt: Optional[int] = None, max_lines: int = 100, show_ts: bool = False,
                        raw: bool = False, filter_system: bool = False) -> None:
        await self.action.show_logs.aio(attempt, max_lines, show_ts, raw, filter_system)

    @syncify
    async def code_bundle(self) -> Any:
        """Local runs run the code in place; there is no bundle."""
        return None

    @syncify
    async def download_code(self, dest: Any = None, extract: bool = True, attempt: Optional[int] = None) -> Any:
        raise needs_backend("Downloading a run's code bundle")

    @syncify
    async def get_debug_url(self) -> Optional[str]:
        return None

    @syncify
    async def abort(self, reason: str = "Manually aborted from the SDK api.") -> None:
        raise needs_backend("Aborting a run")

    def to_dict(self) -> Dict[str, Any]:
        r = self._record
        return {"name": r.name, "task_name": r.task, "phase": self.phase.value, "start_time": when(r.start_time),
                "end_time": when(r.end_time), "error_code": r.error_code, "error": r.error, "url": self.url,
                "labels": self.labels}

    def __repr__(self) -> str:
        return f"Run(name={self.name!r}, task_name={self.task_name!r}, phase={self.phase.value!r})"


class RunDetails(ToJSONMixin):
    """A run with its root action's details (`action_details`)."""

    def __init__(self, record: Any):
        self._record = record
        self.action_details = ActionDetails(_root_of(record.name, record))

    @syncify
    @classmethod
    async def get(cls, name: Optional[str] = None) -> RunDetails:
        if not name:
            raise ValueError("RunDetails.get needs the run's name")
        return cls(_run_record_or_raise(name))

    @syncify
    @classmethod
    async def get_details(cls, run_id: Any) -> RunDetails:
        """By a RunIdentifier (anything with `.name`) or the run's name."""
        name = run_id if isinstance(run_id, str) else getattr(run_id, "name", None)
        if not name:
            raise ValueError(f"Not a run identifier: {run_id!r}")
        return cls(_run_record_or_raise(name))

    @property
    def name(self) -> str:
        return self._record.name

    @property
    def task_name(self) -> Optional[str]:
        return self._record.task

    @property
    def labels(self) -> Dict[str, str]:
        return _labels(self._record)

    @property
    def action_id(self) -> Any:
        return self.action_details.action_id

    def done(self) -> bool:
        return self.action_details.done()

    async def inputs(self) -> ActionInputs:
        if self.action_details._record.inputs is None and self._record.inputs is not None:
            return ActionInputs(None, view.decode(self._record.inputs) or {})
        return await self.action_details.inputs()

    async def outputs(self) -> ActionOutputs:
        return await self.action_details.outputs()

    async def input_literals(self) -> Dict[str, Any]:
        return await self.action_details.input_literals()

    async def output_literals(self) -> Dict[str, Any]:
        return await self.action_details.output_literals()

    async def typed_inputs(self, types: Dict[str, type],
                           deserializers: Optional[Dict[type, Callable[[Any], Any]]] = None) -> Dict[str, Any]:
        return await self.action_details.typed_inputs(types, deserializers)

    async def typed_outputs(self, types: Dict[str, type],
                            deserializers: Optional[Dict[type, Callable[[Any], Any]]] = None) -> Dict[str, Any]:
        return await self.action_details.typed_outputs(types, deserializers)

    def to_dict(self) -> Dict[str, Any]:
        return {"name": self.name, "task_name": self.task_name, "labels": self.labels,
                "action": self.action_details.to_dict()}

    def __repr__(self) -> str:
        return f"RunDetails(name={self.name!r}, task_name={self.task_name!r}, phase={self.action_details.phase.value!r})"


def _register_local_runs() -> None:
    """What `flyte.run` returns is a `Run` to `isinstance`, as the SDK's local run is."""
    from .._run import Run as LocalRun

    Run.register(LocalRun)


_register_local_runs()

__all__ = ["Run", "RunDetails", "TimeFilter", "WaitFor"]
