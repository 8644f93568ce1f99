"""`Action` / `ActionDetails`: one action of a run, from the local store.

Which methods are blocking-with-`.aio` and which are coroutines follows the SDK exactly, so a
script written against a backend runs unchanged: `Action.get(...)`, `listall`, `get_report`,
`show_logs` are syncified; `action.details()`, `action.wait()`, `details.outputs()` are awaited.
"""

from __future__ import annotations

import asyncio
import datetime
from collections import deque
from collections.abc import AsyncGenerator, AsyncIterator
from dataclasses import dataclass
from typing import Any, Callable, Dict, List, Literal, Optional, Tuple

from .._show import line_time
from ..models import ActionPhase
from ..syncify import syncify
from . import _store_view as view
from ._common import ActionInputs, ActionOutputs, ToJSONMixin, needs_backend, phase_names, to_literals, typed, when

ROOT = view.ROOT
WaitFor = Literal["terminal", "running"]
_POLL = 0.2  # seconds between looks at an action another process is still running


def parse_action_uri(uri: Optional[str], run_name: Optional[str], name: Optional[str]) -> Tuple[str, str]:
    """`run/action` (or a URL path ending in them), or run_name and name (default: the root)."""
    if uri:
        parts = [p for p in uri.rstrip("/").split("/") if p]
        if len(parts) < 2:
            raise ValueError(f"An action URI looks like '<run name>/<action name>', got {uri!r}")
        return parts[-2], parts[-1]
    if not run_name:
        raise ValueError("Pass an action URI, or run_name (and name: the action, default the run's root 'a0')")
    return run_name, name or ROOT


def _ids_of(action_id: Any) -> Tuple[str, str]:
    """(run, action) from an `ActionIdentifier` (protobuf: `.run.name`, `.name`), a
    `flyte.models.ActionID` (`.run_name`, `.name`) or a "run/action" string."""
    if isinstance(action_id, str):
        return parse_action_uri(action_id, None, None)
    run = getattr(action_id, "run", None)
    run_name = getattr(run, "name", None) if run is not None else getattr(action_id, "run_name", None)
    if not run_name or not getattr(action_id, "name", None):
        raise ValueError(f"Not an action identifier: {action_id!r}")
    return str(run_name), str(action_id.name)


def _record_or_raise(run: str, aid: str) -> Any:
    record = view.get_action(run, aid)
    if record is None and aid == ROOT:
        run_record = view.get_run(run)
        if run_record is not None:
            return RootRecord(run_record)
    if record is None:
        from ..errors import ActionNotFoundError

        raise ActionNotFoundError(f"Run {run!r} has no action {aid!r} in the local store at {view.home()}")
    return record


def _action_identifier(run: str, name: str) -> Any:
    from flyteidl2.common import identifier_pb2

    from .._run import current_domain, current_project

    return identifier_pb2.ActionIdentifier(
        run=identifier_pb2.RunIdentifier(project=current_project(), domain=current_domain(), name=run), name=name)


class _ActionView(ToJSONMixin):
    """What `Action` and `ActionDetails` both read off an action's record."""

    def __init__(self, record: Any):
        self._record = record

    @property
    def name(self) -> str:
        return self._record.id

    @property
    def run_name(self) -> str:
        return self._record.run

    @property
    def task_name(self) -> Optional[str]:
        return self._record.task

    @property
    def short_name(self) -> str:
        return self._record.short_name

    @property
    def parent_name(self) -> Optional[str]:
        return self._record.parent

    @property
    def group(self) -> Optional[str]:
        return self._record.group_name

    @property
    def phase(self) -> ActionPhase:
        return ActionPhase(str(self._record.phase))

    @property
    def raw_phase(self) -> int:
        """The phase as the SDK's protobuf enum number (`flyteidl2.common.phase_pb2.ActionPhase`)."""
        return self.phase.to_protobuf_value()

    @property
    def action_id(self) -> Any:
        """A `flyteidl2` ActionIdentifier: `.name`, `.run.name`, `.run.project`, `.run.domain`."""
        return _action_identifier(self.run_name, self.name)

    @property
    def start_time(self) -> datetime.datetime:
        return when(self._record.start_time) or datetime.datetime.fromtimestamp(0, tz=datetime.timezone.utc)

    @property
    def end_time(self) -> Optional[datetime.datetime]:
        return when(self._record.end_time)

    @property
    def relation(self) -> Any:
        """What this run was derived from (a rerun or recovery); locally a resumed run keeps its
        own name, so there is none."""
        return None

    @property
    def cache_status(self) -> Optional[str]:
        return None if self._record.cache_status is None else str(self._record.cache_status)

    def done(self) -> bool:
        return self.phase.is_terminal

    def _refresh(self) -> None:
        fresh = view.get_action(self.run_name, self.name)
        if fresh is not None:
            self._record = fresh
        elif isinstance(self._record, RootRecord):
            run = view.get_run(self.run_name)
            if run is not None:
                self._record = RootRecord(run)

    def to_dict(self) -> Dict[str, Any]:
        r = self._record
        return {"run_name": r.run, "name": r.id, "task_name": r.task, "short_name": r.short_name,
                "parent_name": r.parent, "group": r.group_name, "phase": self.phase.value, "attempts": r.attempts,
                "start_time": self.start_time, "end_time": self.end_time, "cache_status": self.cache_status}


class Action(_ActionView):
    """An action of a local run: `Action.get(run_name=..., name=...)`, `Action.listall(run)`."""

    @syncify
    @classmethod
    async def get(cls, uri: Optional[str] = None, /, run_name: Optional[str] = None, name: Optional[str] = None) -> Action:
        run, aid = parse_action_uri(uri, run_name, name)
        return cls(_record_or_raise(run, aid))

    @syncify
    @classmethod
    async def listall(cls, for_run_name: str, in_phase: Optional[Tuple[Any, ...]] = None,
                      parent_name: Optional[str] = None, sort_by: Optional[Tuple[str, Literal["asc", "desc"]]] = None,
                      created_at: Any = None, updated_at: Any = None) -> AsyncIterator[Action]:
        """The run's actions, in start order unless `sort_by=("created_at"|"updated_at"|<field>,
        "asc"|"desc")`; `created_at`/`updated_at` take a `TimeFilter`."""
        records: Any = view.iter_actions(for_run_name, parent=parent_name, phases=phase_names(in_phase))
        if created_at is not None or updated_at is not None or sort_by is not None:
            records = list(records)
            records = _in_window(records, created_at, lambda r: r.start_time)
            records = _in_window(records, updated_at, lambda r: r.end_time or r.start_time)
            if sort_by is not None:
                records = _sorted(records, sort_by)
        for record in records:
            yield cls(record)

    async def details(self) -> ActionDetails:
        self._refresh()
        return ActionDetails(self._record)

    async def sync(self) -> Action:
        """This action as the store has it now."""
        self._refresh()
        return self

    async def wait(self, quiet: bool = False, wait_for: WaitFor = "terminal") -> None:
        """Return once the action is terminal (or has started, with wait_for="running")."""
        while True:
            self._refresh()
            phase = self.phase
            if phase.is_terminal or (wait_for == "running" and phase != ActionPhase.QUEUED):
                return
            await asyncio.sleep(_POLL)

    async def watch(self, cache_data_on_done: bool = False,
                    wait_for: WaitFor = "terminal") -> AsyncGenerator[ActionDetails, None]:
        """The action's details each time its phase changes, until it is terminal."""
        async for details in _watch(self, wait_for):
            yield details

    @syncify
    async def get_report(self, attempt: Optional[int] = None) -> str:
        """The HTML report the task wrote (`report=True`), or ""."""
        path = view.run_dir(self.run_name) / self.name / "report.html"
        return path.read_text(encoding="utf-8") if path.exists() else ""

    @syncify
    async def get_logs(self, attempt: Optional[int] = None, filter_system: bool = False,
                       show_ts: bool = False) -> AsyncGenerator[str, None]:
        """What the action printed and logged, a line at a time (without its newline), as it is
        written, until the action ends: `attempt` (default: the latest that wrote), without the
        runtime's own lines (notes on failed attempts, the `flyte` logger's warnings) if
        `filter_system`, each line after its time (`[ISO 8601, UTC]`) if `show_ts`. For an action
        that ran again when its run was resumed (and no `attempt`), first what its earlier
        executions wrote, each under a heading line that says so."""
        async for t, _, line, heading in self._log_lines(attempt, filter_system):
            yield f"{line_time(t)} {line}" if show_ts and not heading else line

    async def _log_lines(self, attempt: Optional[int], filter_system: bool) -> AsyncIterator[tuple]:
        for t, system, text in view.earlier_log_lines(self.run_name, self.name, attempt):
            if not (system and filter_system):
                yield t, bool(system), text[:-1], system is None
        after: Optional[str] = None
        continuing = False
        pending: Optional[tuple] = None  # the start of a line the next page goes on with
        while True:
            self._refresh()
            done = self.phase.is_terminal  # read before the log: nothing is written after the end
            lines, after, continuing = view.log_lines(self.run_name, self.name, attempt, after, continuing)
            for k, (t, system, text) in enumerate(lines):
                if pending is not None:
                    t, system, text = pending[0], pending[1], pending[2] + text
                    pending = None
                if k == len(lines) - 1 and not text.endswith("\n"):
                    pending = (t, system, text)
                elif not (system and filter_system):
                    yield t, system, text[:-1] if text.endswith("\n") else text, False
            if done:
                if pending is not None and not (pending[1] and filter_system):
                    yield (*pending, False)
                return
            await asyncio.sleep(_POLL)

    @syncify
    async def show_logs(self, attempt: Optional[int] = None, max_lines: int = 30, show_ts: bool = False,
                        raw: bool = False, filter_system: bool = False) -> None:
        """Print what the action printed and logged as it is written, until it ends (the
        runtime's own lines dimmed, or left out with `filter_system`); without `raw`, only the
        last `max_lines` lines once the action has ended."""
        from rich.console import Console
        from rich.text import Text

        console = Console()
        shown: deque = deque(maxlen=max(max_lines, 1))
        count = 0
        async for t, system, line, heading in self._log_lines(attempt, filter_system):
            count += 1
            text = Text(f"{line_time(t)} {line}" if show_ts and not heading else line,
                        style="dim" if system else "")
            if raw:
                console.print(text)
            else:
                shown.append(text)
        if not count:
            print(f"Action {self.run_name}/{self.name} wrote nothing.")
        for text in shown:
            console.print(text)

    @syncify
    async def abort(self, reason: str = "Manually aborted from the SDK.") -> None:
        raise needs_backend("Aborting an action")

    @syncify
    async def download_code(self, dest: Any = None, extract: bool = True, attempt: Optional[int] = None) -> Any:
        raise needs_backend("Downloading an action's code bundle")

    def __repr__(self) -> str:
        return (f"Action(run_name={self.run_name!r}, name={self.name!r}, task_name={self.task_name!r}, "
                f"phase={self.phase.value!r})")


@dataclass
class PhaseTransitionInfo:
    """When an action entered and left a phase."""

    phase: ActionPhase
    start_time: datetime.datetime
    end_time: Optional[datetime.datetime]

    @property
    def duration(self) -> datetime.timedelta:
        end = self.end_time or datetime.datetime.now(tz=datetime.timezone.utc)
        return end - self.start_time


class ActionDetails(_ActionView):
    """An action with its inputs, outputs, attempts and error."""

    def __init__(self, record: Any):
        super().__init__(record)
        self._inputs: Optional[ActionInputs] = None
        self._outputs: Optional[ActionOutputs] = None

    @syncify
    @classmethod
    async def get(cls, uri: Optional[str] = None, /, run_name: Optional[str] = None,
                  name: Optional[str] = None) -> ActionDetails:
        run, aid = parse_action_uri(uri, run_name, name)
        return cls(_record_or_raise(run, aid))

    @syncify
    @classmethod
    async def get_details(cls, action_id: Any) -> ActionDetails:
        run, aid = _ids_of(action_id)
        return cls(_record_or_raise(run, aid))

    @syncify
    @classmethod
    async def watch(cls, action_id: Any) -> AsyncIterator[ActionDetails]:
        run, aid = _ids_of(action_id)
        async for details in _watch(Action(_record_or_raise(run, aid)), "terminal"):
            yield details

    async def watch_updates(self, cache_data_on_done: bool = False) -> AsyncGenerator[ActionDetails, None]:
        async for details in _watch(Action(self._record), "terminal"):
            self._record = details._record
            yield details

    @property
    def is_running(self) -> bool:
        return self.phase == ActionPhase.RUNNING

    @property
    def attempts(self) -> int:
        return self._record.attempts

    @property
    def failed_attempts(self) -> List[Dict[str, Any]]:
        """Every failed attempt before the last one: when, and why."""
        return [{"attempt": a.attempt, "start_time": when(a.start_time), "end_time": when(a.end_time),
                 "error_code": a.error_code, "error": a.error} for a in view.attempts(self.run_name, self.name)]

    @property
    def error_message(self) -> str:
        return self._record.error or ""

    @property
    def error_info(self) -> Optional[Dict[str, Any]]:
        """The failure's kind (the exception's class or error code) and message, or None."""
        if self._record.error_code is None and self._record.error is None:
            return None
        return {"kind": self._record.error_code, "message": self._record.error}

    @property
    def abort_info(self) -> Optional[Dict[str, Any]]:
        return {"reason": self._record.error or ""} if self.phase == ActionPhase.ABORTED else None

    @property
    def runtime(self) -> datetime.timedelta:
        r = self._record
        end = r.end_time if r.end_time is not None else datetime.datetime.now().timestamp()
        return datetime.timedelta(seconds=max(0.0, end - (r.start_time or end)))

    def get_phase_transitions(self, attempt: Optional[int] = None) -> List[PhaseTransitionInfo]:
        """Locally an action is recorded when it starts running and when it ends: RUNNING, then
        its terminal phase."""
        start = self.start_time
        if not self.done():
            return [PhaseTransitionInfo(ActionPhase.RUNNING, start, None)]
        end = self.end_time or start
        return [PhaseTransitionInfo(ActionPhase.RUNNING, start, end), PhaseTransitionInfo(self.phase, end, end)]

    @property
    def phase_durations(self) -> Dict[ActionPhase, datetime.timedelta]:
        return {t.phase: t.duration for t in self.get_phase_transitions()}

    @property
    def queued_time(self) -> Optional[datetime.timedelta]:
        return None

    @property
    def waiting_for_resources_time(self) -> Optional[datetime.timedelta]:
        return None

    @property
    def initializing_time(self) -> Optional[datetime.timedelta]:
        return None

    @property
    def running_time(self) -> Optional[datetime.timedelta]:
        return self.runtime

    def logs_available(self, attempt: Optional[int] = None) -> bool:
        return bool(view.earlier_log_lines(self.run_name, self.name, attempt)
                    or view.log_lines(self.run_name, self.name, attempt, None, False)[0])

    async def inputs(self) -> ActionInputs:
        if self._inputs is None:
            self._inputs = ActionInputs(None, view.decode(self._record.inputs) or {})
        return self._inputs

    async def outputs(self) -> ActionOutputs:
        """The action's outputs; RuntimeError when it has not succeeded (as the SDK)."""
        if self._outputs is None:
            self._refresh()
            if not self.done():
                raise RuntimeError("Action is not in a terminal state, outputs are not available. "
                                   "Please wait for the action to complete.")
            if self.phase != ActionPhase.SUCCEEDED:
                raise RuntimeError(f"Action {self.run_name}/{self.name} has no outputs: it {self.phase.value}")
            self._outputs = _outputs_of(self._record)
        return self._outputs

    async def input_literals(self) -> Dict[str, Any]:
        """The inputs as `flyteidl2` literals, by name."""
        values = dict(await self.inputs())
        return await to_literals(values, _declared_input_types(self.task_name))

    async def output_literals(self) -> Dict[str, Any]:
        """The outputs as `flyteidl2` literals, by output name (`o0`, ...)."""
        outputs = await self.outputs()
        return await to_literals(outputs.named_outputs, _declared_output_types(self.task_name, outputs._fields))

    async def typed_inputs(self, types: Dict[str, type],
                           deserializers: Optional[Dict[type, Callable[[Any], Any]]] = None) -> Dict[str, Any]:
        return typed(dict(await self.inputs()), types, deserializers)

    async def typed_outputs(self, types: Dict[str, type],
                            deserializers: Optional[Dict[type, Callable[[Any], Any]]] = None) -> Dict[str, Any]:
        return typed((await self.outputs()).named_outputs, types, deserializers)

    def to_dict(self) -> Dict[str, Any]:
        out = super().to_dict()
        out.update(error_code=self._record.error_code, error=self._record.error)
        return out

    def __repr__(self) -> str:
        return (f"ActionDetails(run_name={self.run_name!r}, name={self.name!r}, task_name={self.task_name!r}, "
                f"phase={self.phase.value!r}, attempts={self.attempts})")


class RootRecord:
    """A run's record seen as its root action, for runs recorded without an "a0" action."""

    def __init__(self, run: Any):
        self.run, self.id, self.parent, self.task = run.name, ROOT, None, run.task
        self.short_name = run.task.rsplit(".", 1)[-1]
        self.group_name, self.kind, self.phase, self.attempts = None, "task", run.phase, 1
        self.start_time, self.end_time = run.start_time or 0.0, run.end_time
        self.inputs, self.outputs, self.error_code, self.error = run.inputs, run.outputs, run.error_code, run.error
        self.cache_status = None


def _outputs_of(record: Any) -> ActionOutputs:
    """An action's recorded outputs with their names. A run's root records [values, names]; a
    child records its value (a tuple for several outputs, named by its task when loaded)."""
    if record.id == ROOT:
        run = view.get_run(record.run)
        if run is not None and run.outputs is not None:
            value = view.decode(run.outputs)
            if isinstance(value, (list, tuple)) and len(value) == 2 and isinstance(value[1], (list, tuple)):
                return ActionOutputs(None, tuple(value[0]), list(value[1]))
    value = view.decode(record.outputs)
    names = _output_names(record.task)
    if names and len(names) > 1 and isinstance(value, (list, tuple)) and len(value) == len(names):
        return ActionOutputs(None, tuple(value), names)
    return ActionOutputs(None, (value,), names[:1] if names else None)


def _output_names(task_name: Optional[str]) -> List[str]:
    task = view.loaded_task(task_name) if task_name else None
    if task is None:
        return []
    return list(task.interface.outputs)


def _declared_input_types(task_name: Optional[str]) -> Dict[str, Any]:
    task = view.loaded_task(task_name) if task_name else None
    return {n: tp for n, (tp, _) in task.interface.inputs.items()} if task is not None else {}


def _declared_output_types(task_name: Optional[str], fields: List[str]) -> Dict[str, Any]:
    task = view.loaded_task(task_name) if task_name else None
    return dict(zip(fields, task.interface.outputs.values())) if task is not None else {}


async def _watch(action: Action, wait_for: WaitFor) -> AsyncIterator[ActionDetails]:
    last = None
    while True:
        action._refresh()
        phase = action.phase
        if phase != last:
            last = phase
            yield ActionDetails(action._record)
        if phase.is_terminal or (wait_for == "running" and phase != ActionPhase.QUEUED):
            return
        await asyncio.sleep(_POLL)


def _in_window(records: list, window: Any, time_of: Callable[[Any], Optional[float]]) -> list:
    if window is None:
        return records
    after = window.after.timestamp() if getattr(window, "after", None) else None
    before = window.before.timestamp() if getattr(window, "before", None) else None
    return [r for r in records if (t := time_of(r)) is not None and (after is None or t >= after)
            and (before is None or t <= before)]


_SORT_FIELDS = {"created_at": "start_time", "updated_at": "end_time", "name": "id", "run_name": "run"}


def _sorted(records: list, sort_by: Tuple[str, str]) -> list:
    field, order = sort_by
    key = _SORT_FIELDS.get(field, field)
    if records and not hasattr(records[0], key):
        raise ValueError(f"Cannot sort by {field!r}: sort by created_at, updated_at, name or a record field")
    return sorted(records, key=lambda r: (getattr(r, key) is None, getattr(r, key) or 0), reverse=order == "desc")
