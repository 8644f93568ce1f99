"""Starting runs: `flyte.run`, `flyte.with_runcontext(...)`, `flyte.rerun` and the `Run` they return.

A run executes its root task in this process. A run name names one run: reusing the name of a
run that failed or was aborted resumes it (every action that already succeeded, tasks and
traces alike, is answered from the store instead of running again, which is what a remote Flyte
"recover" does); reusing the name of a run that succeeded is refused (`RunExistsError`) unless
the caller asks to replace it (`flyte run --replace`), and `flyte.rerun(name, recover=True)` of
a succeeded run returns its recorded outputs without running anything.

A run is reported finished only once it is saved: `flyte.run` commits the run's records to the
store before it returns, and raises a `StoreError` (which says what is kept where) if it cannot.
"""

from __future__ import annotations

import asyncio
import base64
import inspect
import logging
import os
import sys
import threading
import time
from collections.abc import Sequence
from datetime import datetime
from pathlib import Path
from typing import Any, Literal, Optional

from ._context import RunState, current_custom_context, io_context
from ._controller import (
    ROOT_ACTION,
    Call,
    Recorder,
    capture_begin,
    capture_end,
    drive,
    encode_inputs,
    execute_async,
    execute_sync,
    pop_env,
    prepare_root,
    push_env,
    run_in_worker,
)
from ._executor import select_executor
from ._fsspec import is_url, join
from ._run_spec import RunSpec, unpack_spec
from ._serde import Codec
from ._store import MetadataStore, Phase, StoreError, open_store, translate
from ._syncify import Dual, Immediate
from ._task import TaskTemplate
from .errors import InitializationError
from .models import ActionPhase

logger = logging.getLogger("flyte")

Mode = Literal["local", "remote", "hybrid"]


class RunExistsError(ValueError):
    """A run name is taken by a run that cannot be resumed (it succeeded, or ran another task)."""

    code = "RunExistsError"


class ActionOutputs(tuple):
    """The outputs of a run: a tuple (`o[0]`) that also knows its output names."""

    def __new__(cls, values: Sequence[Any], names: Sequence[str]) -> ActionOutputs:
        obj = super().__new__(cls, values)
        obj._names = tuple(names)  # type: ignore[attr-defined]
        return obj

    @property
    def named_outputs(self) -> dict[str, Any]:
        return dict(zip(self._names, self))  # type: ignore[attr-defined]

    def __repr__(self) -> str:
        return outputs_repr(self._names, self)  # type: ignore[attr-defined]


def outputs_repr(names: Sequence[str], values: Sequence[Any]) -> str:
    """`ActionOutputs(o0="text", o1=3)` as the SDK prints outputs: a string in double quotes (its
    text as is), any other value as `str()` gives it (a pydantic model as its fields)."""
    inner = ", ".join(f'{n}="{v}"' if isinstance(v, str) else f"{n}={v}" for n, v in zip(names, values))
    return f"ActionOutputs({inner})"


class Run:
    """A run in the local store: its name, phase, inputs and outputs."""

    def __init__(self, name: str, store: MetadataStore, *, outputs: Optional[ActionOutputs] = None, task: Optional[TaskTemplate] = None):
        self.name = name
        self._store = store
        self._outputs = outputs
        self._task = task

    def _row(self) -> Any:
        row = self._store.get_run(self.name)
        if row is None:
            raise KeyError(f"Run {self.name!r} is not in the store at {self._store.home}")
        return row

    @property
    def url(self) -> str:
        """Where this run's files (reports, file and directory values) live."""
        return str(self._store.home / "runs" / self.name)

    @property
    def phase(self) -> ActionPhase:
        return Phase(self._row().phase).public

    @property
    def error(self) -> Optional[str]:
        return self._row().error

    def done(self) -> bool:
        return self.phase.is_terminal

    @Immediate  # type: ignore[misc]  # `await run.wait.aio()` as in the SDK
    def wait(self, quiet: bool = False, wait_for: str = "terminal") -> None:
        """Local runs have finished by the time `flyte.run` returns."""

    def sync(self) -> Run:
        """This run, as the SDK's `Run.sync()` returns it: phase, error and outputs are read from
        the store when asked for, so there is nothing to refresh."""
        return self

    @Immediate  # type: ignore[misc]
    def outputs(self) -> ActionOutputs:
        if self._outputs is None:
            row = self._row()
            if row.phase != Phase.SUCCEEDED:
                raise RuntimeError(f"Run {self.name!r} has no outputs: it is {row.phase}")
            value = Codec(blob_loader=self._store.load_blob).unpack(row.outputs)
            names = value[1] if isinstance(value, list) and len(value) == 2 else [f"o{i}" for i in range(len(value))]
            self._outputs = ActionOutputs(value[0], names)
        return self._outputs

    @Immediate  # type: ignore[misc]
    def inputs(self) -> dict[str, Any]:
        data = self._row().inputs
        return Codec(blob_loader=self._store.load_blob).unpack(data) if data else {}

    def actions(self) -> list[dict[str, Any]]:
        """Every action of the run, as recorded (parents, phases, timings, attempts, errors)."""
        return [r._asdict() for r in self._store.list_actions(self.name).actions]

    def raise_for_status(self) -> None:
        row = self._row()
        if row.phase != Phase.SUCCEEDED:
            raise RuntimeError(f"Run {self.name!r} {row.phase}: {row.error_code}: {row.error}")

    @property
    def action(self) -> Any:
        """The run's root action as `flyte.remote.Action` reads it from the store (`await
        run.action.wait()`, `run.action.phase`, ...)."""
        from .remote import Run as StoredRun

        return StoredRun.get(self.name).action

    def get_debug_url(self) -> str:
        """The VS Code URL of a run started with `with_runcontext(debug=True)`. A debug server runs
        in a backend's task pod; a local run has none (attach a debugger to this process), so
        this fails as the SDK does without a backend client."""
        raise InitializationError(
            "ClientNotInitializedError", "user",
            "Client has not been initialized. Run.get_debug_url() needs a Flyte backend: call flyte.init() with a "
            "valid endpoint/api-key, or flyte.init_from_config() with a valid config file. Local runs have no debug "
            "server; attach a debugger to this process instead.")

    def __repr__(self) -> str:
        return f"Run(name={self.name!r}, url={self.url!r})"


# -- configuration set by flyte.init -------------------------------------------------------------

class _Config:
    home: Optional[Path] = None
    initialized: bool = False
    project: Optional[str] = None
    domain: Optional[str] = None
    org: Optional[str] = None
    executor: Optional[str] = None  # None: $FLYTE_EXECUTOR, else inline
    max_workers: Optional[int] = None  # None: $FLYTE_MAX_WORKERS, else the number of CPUs
    raw_data_path: Optional[str] = None  # flyte.init(raw_data_path=...), or the config file's local.raw_data_path


_config = _Config()


def _recorder(store: MetadataStore, name: str, replay: Optional[dict[str, bytes]],
              raw_data_path: Optional[str]) -> Recorder:
    if raw_data_path is not None and is_url(raw_data_path):
        from ._controller import OffloadingRecorder

        return OffloadingRecorder(store, name, replay, join(raw_data_path, "blobs"))
    return Recorder(store, name, replay)


def current_store() -> MetadataStore:
    """The store runs of this process record to (`flyte.init(local_home=...)`, else `$FLYTE_HOME`)."""
    return open_store(_config.home)


def _new_run_name() -> str:
    return "r" + base64.b32encode(os.urandom(10)).decode().lower()


# -- parameters that a local run cannot use ---------------------------------------------------------

_warned: set[tuple[str, str]] = set()


def _warn_unused(entry: str, fn: Any, values: dict[str, Any], reasons: dict[str, str]) -> None:
    """Warn (once per process and parameter) about each parameter of `entry` in `reasons` that
    was given a value other than its default: this runtime cannot use it, and says why."""
    params = inspect.signature(fn).parameters
    for name, reason in reasons.items():
        if name not in values:
            continue
        default = params[name].default
        value = values[name]
        if value is default or value == default or (entry, name) in _warned:
            continue
        _warned.add((entry, name))
        logger.warning("flyte.%s(%s=...) has no effect on this local runtime: %s", entry, name, reason)


_NO_BACKEND = "it configures a Flyte backend, and this runtime runs everything locally"

# with_runcontext parameters this runtime does not use, and why. Every other parameter is honoured
# (tests/flyte/test_entry_points.py checks each one either way).
RUNCONTEXT_UNUSED = {
    "service_account": "runs use this process's own identity",
    "version": "a local run executes the code as loaded, not a registered version",
    "copy_style": "no code bundle is built for a local run",
    "dry_run": "no code bundle is built for a local run; the task runs",
    "copy_bundle_to": "no code bundle is built for a local run",
    "annotations": "annotations are not stored with local runs",
    "interruptible": "local runs have no interruptible machines",
    "log_format": "set up logging yourself (logging.basicConfig) for another format",
    "reset_root_logger": "the root logger's handlers are left as they are",
    "queue": "there is one local queue",
    "max_action_concurrency": "as in the SDK, it applies only to remote runs",
    "cache_lookup_scope": "the local cache has one scope",
    "preserve_original_types": "values keep their Python types in local runs already",
    "debug": "attach a debugger to this process instead",
    "tracked_strict": "every local run is tracked in the store",
}


class _Runner:
    """Holds the run options of `with_runcontext`; `.run(task, ...)` starts a run with them."""

    def __init__(self, mode: Optional[Mode] = None, *, name: Optional[str] = None, overwrite_cache: bool = False,
                 disable_run_cache: bool = False, env_vars: Optional[dict[str, str]] = None,
                 custom_context: Optional[dict[str, str]] = None, raw_data_path: Optional[str] = None,
                 run_base_dir: Optional[str] = None, labels: Optional[dict[str, str]] = None,
                 annotations: Optional[dict[str, str]] = None, recover: bool = True,
                 force_rerun_actions: Optional[Sequence[str]] = None, interactive_mode: Optional[bool] = None,
                 run_start_time: Optional[datetime] = None, project: Optional[str] = None,
                 domain: Optional[str] = None, notifications: Any = None, debug: bool = False,
                 replace: bool = False, resume_succeeded: bool = False):
        if mode not in (None, "local", "remote", "hybrid"):
            raise ValueError(f"mode must be 'local', 'remote' or 'hybrid', got {mode!r}")
        self.mode = mode
        self.name = name
        self.overwrite_cache = overwrite_cache
        self.disable_run_cache = disable_run_cache
        self.env_vars = env_vars
        self.custom_context = custom_context
        self.raw_data_path = raw_data_path
        self.run_base_dir = run_base_dir
        self.labels = labels
        self.annotations = annotations
        self.recover = recover
        self.force_rerun_actions = set(force_rerun_actions or ())
        self.interactive_mode = interactive_mode
        self.run_start_time = run_start_time
        self.project = project
        self.domain = domain
        self.replace = replace  # a succeeded run of this name is deleted and run again (explicit only)
        self.resume_succeeded = resume_succeeded  # rerun --recover --force-rerun-action of a succeeded run
        self.images: dict[str, str] = {}  # `flyte run --image`: recorded with the run (no images are used locally)
        self._debug = debug  # kept, as the SDK's runner keeps it; a local run warns that it has no effect
        self._notifications: tuple = ()
        if notifications is not None:  # checked now: a wrong value fails before the run starts
            from ._notify import normalize

            self._notifications = normalize(notifications, "with_runcontext")
        self.run = Dual(self._run_async)
        self.run.__call__ = self._run_sync  # type: ignore[method-assign]

    # -- setup ---------------------------------------------------------------------------------

    def _begin(self, task: Any, args: tuple, kwargs: dict) -> tuple[RunState, Call]:
        local_task = getattr(task, "__flyte_local_task__", None)  # flyte.remote's task references
        if local_task is not None and not isinstance(task, TaskTemplate):
            task = local_task()
        if not isinstance(task, TaskTemplate):
            raise TypeError(
                f"Only Flyte tasks can be run, not generic functions or other objects; got {type(task).__name__} "
                f"{getattr(task, '__name__', task)!r}. Decorate it with @env.task first."
            )
        if self.mode in ("remote", "hybrid"):
            raise InitializationError(
                "InitializationError", "user",
                f"mode={self.mode!r} needs a Flyte backend; this runtime runs locally. Use mode='local' (the default).",
            )
        rt = task._runtime()
        inputs = rt.iface.bind(rt.name, args, kwargs)  # bad arguments fail before anything is recorded
        store = current_store()
        not_writable = getattr(store, "read_only", None)  # a store opened read-only says why
        if not_writable is not None:
            raise not_writable
        name = self.name or _new_run_name()
        replay, spec = self._replay_for(store, name, rt.name)
        setup = self._setup(name, spec)
        run_dir = Path(setup.run_dir) if setup.run_dir else store.home / "runs" / name
        try:
            run_dir.mkdir(parents=True, exist_ok=True)
        except OSError as e:
            raise translate(e, run_dir, "create the run's folder") from e
        raw_data_path = setup.raw_data_path
        codec = Codec(io_context=io_context(run_dir, raw_data_path), blob_loader=store.load_blob)
        start = self.run_start_time.timestamp() if self.run_start_time is not None else time.time()
        run = RunState(
            name, store, codec, run_dir, start, recorder=_recorder(store, name, replay, raw_data_path),
            executor=select_executor(_config.executor, _config.max_workers), resumed=replay is not None, overwrite_cache=self.overwrite_cache,
            disable_run_cache=self.disable_run_cache, env_vars=setup.env_vars, custom_context=setup.custom_context,
            raw_data_path=raw_data_path, labels=dict(setup.labels), annotations=self.annotations,
            images=dict(setup.images),
        )
        run.interactive = bool(self.interactive_mode)
        run.executor.run_starting()
        run.project = self.project or _config.project
        run.domain = self.domain or _config.domain
        run.org = _config.org
        packed = encode_inputs(rt, run, inputs)
        run.recorder.run_started(self._run_record(run, rt, packed, Phase.RUNNING.value))
        if run.resumed:
            logger.info("Resuming run %s: %d finished actions will be replayed", name, len(replay or {}))
        return run, prepare_root(rt, run, inputs, packed)

    def _setup(self, name: str, spec: Optional[RunSpec]) -> RunSpec:
        """This run's setup: this runner's options and flyte.init's, except that a resumed run
        (`spec`: its first attempt's) keeps its raw data path, where its finished actions'
        values are, and, unless given anew, its directory, environment and custom context."""
        raw_data_path = self.raw_data_path or _config.raw_data_path
        if spec is None:
            return RunSpec(raw_data_path, self.run_base_dir, dict(self.env_vars or {}), dict(self.custom_context or {}),
                           labels=dict(self.labels or {}), images=dict(self.images))
        if spec.raw_data_path is not None:
            if raw_data_path is not None and raw_data_path != spec.raw_data_path:
                logger.warning("Run %s resumes with the raw data path it started with, %s, not %s: its finished "
                               "actions' values are there", name, spec.raw_data_path, raw_data_path)
            raw_data_path = spec.raw_data_path
        return RunSpec(
            raw_data_path, self.run_base_dir or spec.run_dir,
            dict(self.env_vars if self.env_vars is not None else spec.env_vars),
            dict(self.custom_context if self.custom_context is not None else spec.custom_context),
            labels=dict(self.labels if self.labels is not None else spec.labels),
            images=dict(self.images or spec.images),
        )

    def _run_record(self, run: RunState, rt: Any, packed: bytes, phase: str, end: Optional[float] = None,
                    outputs: Optional[bytes] = None, error: Optional[BaseException] = None) -> Any:
        spec = RunSpec(run.raw_data_path, str(run.run_dir), run.env_vars, run.custom_context, labels=run.labels,
                       project=run.project or current_project(), domain=run.domain or current_domain(),
                       images=run.images)
        return run.recorder.run_record(
            rt.name, phase, run.start_time, end, packed, outputs, error, getattr(rt.func, "__module__", None),
            _source_file(rt.func), spec.pack(),
        )

    def _replay_for(self, store: MetadataStore, name: str,
                    task: str) -> tuple[Optional[dict[str, bytes]], Optional[RunSpec]]:
        """What a run named `name` replays: (None, None) for a new run, else the outputs of its
        actions that succeeded (a failed or aborted run resumes) and its setup (`RunSpec`), which
        the resumed run keeps. Never deletes a run's records unless the caller asked to replace it."""
        previous = store.get_run(name)
        if previous is None:
            return None, None
        if previous.phase == Phase.RUNNING:
            if previous.owner == store.owner:
                raise RuntimeError(f"Run {name!r} is already running in this process; pick another name")
            if store.owner_alive(previous.owner):  # a dead owner's journal is replayed by this check
                raise RuntimeError(f"Run {name!r} is already running in another process; pick another name")
            previous = store.get_run(name) or previous
        if self.replace:
            logger.warning("Replacing run %s (%s, %s): its records are deleted and it runs again", name,
                           previous.task, previous.phase)
            store.delete_run(name)
            return None, None
        if (previous.phase == Phase.SUCCEEDED and not self.resume_succeeded) or not self.recover:
            raise RunExistsError(_taken_message(name, previous, store))
        if previous.task != task:
            raise RunExistsError(
                f"Run {name!r} in the store at {store.home} ran task {previous.task!r}, not {task!r}, and "
                f"{str(previous.phase).lower()}; a run resumes only with its own task. Pick another name, or "
                f"replace it (its records are deleted): flyte run --name {name} --replace ...")
        done = store.succeeded_outputs(name)
        for action in self.force_rerun_actions:
            done.pop(action, None)
        done.pop(ROOT_ACTION, None)
        store.prepare_resume(name, done)  # what runs again replaces its old record; nothing is deleted
        return done, unpack_spec(previous.context)

    def _finish(self, run: RunState, call: Call, outputs: Optional[tuple], error: Optional[BaseException]) -> None:
        out = run.codec.pack([list(outputs), list(call.rt.iface.output_names or ("o0",))]) if outputs is not None else None
        if error is None:
            phase = Phase.SUCCEEDED.value
        elif isinstance(error, (KeyboardInterrupt, asyncio.CancelledError)):
            phase = Phase.ABORTED.value
        else:
            phase = Phase.FAILED.value
        # Durable in the journal when this returns; the SQLite tables are a projection the writer
        # thread keeps up to date (queries in this process flush first), so nobody waits for it.
        run.recorder.run_finished(self._run_record(run, call.rt, call.packed, phase, time.time(), out, error))
        if self._notifications:
            from ._notify import deliver

            deliver(self._notifications, run_name=run.name, task_name=call.rt.name, phase=Phase(phase).public,
                    error=None if error is None else f"{type(error).__name__}: {error}",
                    project=run.project or current_project(), domain=run.domain or current_domain(),
                    run_dir=run.run_dir)

    # -- execution: one path for flyte.run, with_runcontext(...).run and their .aio forms ----------

    async def _conclude(self, run: RunState, call: Call, root_value: Any) -> Run:
        """Run the root call with the run's context and environment, record the run's end."""
        ctx_token = current_custom_context.set(dict(run.custom_context))
        env = push_env({str(k): str(v) for k, v in run.env_vars.items()}) if run.env_vars else None
        capture_begin(run.name)  # what the run's actions print is kept with them
        try:
            value = call.value if call.done else await root_value(call)
        except BaseException as e:
            capture_end(run.name)
            self._finish(run, call, None, e)
            raise
        finally:
            if env is not None:
                pop_env(env)
            current_custom_context.reset(ctx_token)
        capture_end(run.name)
        iface = call.rt.iface
        outputs = ActionOutputs(iface.outputs_tuple(value), iface.output_names or ("o0",))
        self._finish(run, call, outputs, None)
        _save(run)
        return Run(run.name, run.store, outputs=outputs, task=call.rt.task)  # type: ignore[arg-type]

    def _run_sync(self, task: Any, *args: Any, **kwargs: Any) -> Run:
        """Blocks; the root runs in this thread (a sync body directly, an async one on a new
        loop), or on a helper thread when this thread already runs an event loop."""
        run, call = self._begin(task, args, kwargs)
        return run_blocking_in_thread(lambda: drive(self._conclude(run, call, _root_value_blocking)))

    async def _run_async(self, task: Any, *args: Any, **kwargs: Any) -> Run:
        """On the caller's loop: an async root there, a sync root in a worker thread."""
        run, call = self._begin(task, args, kwargs)
        return await self._conclude(run, call, _root_value_awaited)


def _taken_message(name: str, previous: Any, store: MetadataStore) -> str:
    when = datetime.fromtimestamp(previous.end_time or previous.start_time or 0).strftime("%Y-%m-%d %H:%M:%S")
    return (
        f"Run {name!r} already {str(previous.phase).lower()} ({previous.task}, {when}) in the store at {store.home}, "
        f"and a run name names one run: its records are kept. Its outputs: `flyte get run {name}`, or "
        f"`flyte rerun {name} --recover` (returns them without running anything). To run it again: "
        f"`flyte rerun {name}` (a new run with its inputs) or another --name; to replace it, deleting its "
        f"records: `flyte run --name {name} --replace ...` (or `flyte delete run {name}` first)."
    )


def _save(run: RunState) -> None:
    """Commit the run's records before it is reported finished. They are durable in the journal
    already; a store that cannot commit them (a full disk, a damaged file) must not let the run
    look saved, so its error is raised, saying where the records are kept."""
    store = run.store
    if store is None:
        return
    try:
        store.flush()
    except StoreError as e:
        raise type(e)(f"Run {run.name!r} finished but could not be saved: {e}", e.path) from e


async def _root_value_blocking(call: Call) -> Any:
    """The root's value in this thread, which runs no event loop (the awaiting never suspends)."""
    return asyncio.run(execute_async(call)) if call.rt.is_async else execute_sync(call)  # type: ignore[arg-type]


async def _root_value_awaited(call: Call) -> Any:
    if call.rt.is_async:
        return await execute_async(call)
    return await run_in_worker(execute_sync, call)


def run_blocking_in_thread(fn: Any) -> Any:
    """`fn()` here, or on a helper thread when this thread runs an event loop (a notebook, an
    async main), so that the caller's loop is not re-entered."""
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        in_loop = False
    else:
        in_loop = True
    if not in_loop:  # called outside the except clause, so a failure does not chain to its RuntimeError
        return fn()
    box: list = []

    def target() -> None:  # a fresh context, as a new thread has: the caller's frame and group stay behind
        try:
            box.append((True, fn()))
        except BaseException as e:
            box.append((False, e))

    t = threading.Thread(target=target, name="flyte-run", daemon=True)
    t.start()
    t.join()
    ok, value = box[0]
    if ok:
        return value
    raise value


def _source_file(func: Any) -> Optional[str]:
    code = getattr(func, "__code__", None)
    return os.path.abspath(code.co_filename) if code is not None and os.path.exists(code.co_filename) else None


# -- public entry points ------------------------------------------------------------------------


def with_runcontext(
    mode: Optional[Mode] = None,
    *,
    name: Optional[str] = None,
    service_account: Optional[str] = None,
    version: Optional[str] = None,
    copy_style: str = "loaded_modules",
    dry_run: bool = False,
    copy_bundle_to: Optional[Path] = None,
    interactive_mode: Optional[bool] = None,
    raw_data_path: Optional[str] = None,
    run_base_dir: Optional[str] = None,
    run_start_time: Optional[datetime] = None,
    overwrite_cache: bool = False,
    project: Optional[str] = None,
    domain: Optional[str] = None,
    env_vars: Optional[dict[str, str]] = None,
    labels: Optional[dict[str, str]] = None,
    annotations: Optional[dict[str, str]] = None,
    interruptible: Optional[bool] = None,
    log_level: Optional[int] = None,
    log_format: str = "console",
    user_log_level: Optional[int] = None,
    reset_root_logger: bool = False,
    disable_run_cache: bool = False,
    queue: Optional[str] = None,
    max_action_concurrency: Optional[int] = None,
    notifications: Any = None,
    custom_context: Optional[dict[str, str]] = None,
    cache_lookup_scope: str = "global",
    preserve_original_types: bool = False,
    debug: bool = False,
    tracked: bool = False,
    tracked_strict: bool = False,
    _tracker: Any = None,
) -> _Runner:
    """Run options for the next `.run(task, ...)`: a run name (reusing the name of an unfinished
    run resumes it), environment variables, custom context, cache overrides, where the run's data
    goes, its start time, project and domain (seen in `flyte.ctx()`), log levels. Options that
    only a Flyte backend can use are warned about (see `RUNCONTEXT_UNUSED`)."""
    _warn_unused("with_runcontext", with_runcontext, dict(locals()), RUNCONTEXT_UNUSED)
    _set_log_levels(log_level, user_log_level)
    return _Runner(
        mode, name=name, overwrite_cache=overwrite_cache, disable_run_cache=disable_run_cache, env_vars=env_vars,
        custom_context=custom_context, raw_data_path=raw_data_path, run_base_dir=run_base_dir, labels=labels,
        annotations=annotations, interactive_mode=interactive_mode, run_start_time=run_start_time, project=project,
        domain=domain, notifications=notifications, debug=debug,
    )


def _set_log_levels(log_level: Optional[int], user_log_level: Optional[int]) -> None:
    if log_level is not None:
        logging.getLogger("flyte").setLevel(log_level)
    if user_log_level is not None:
        logging.getLogger("flyte.user").setLevel(user_log_level)


class _RunFunction:
    """`flyte.run(task, *args, **kwargs)` and `await flyte.run.aio(task, ...)`."""

    def __call__(self, task: Any, *args: Any, **kwargs: Any) -> Run:
        return _Runner()._run_sync(task, *args, **kwargs)

    async def aio(self, task: Any, *args: Any, **kwargs: Any) -> Run:
        return await _Runner()._run_async(task, *args, **kwargs)


run = _RunFunction()


RERUN_UNUSED = {
    "action_name": "a local rerun runs the run's root task again (name the actions to run again in force_rerun_actions)",
    "allow_missing_source_outputs": "a local rerun replays only outputs its store has",
}


class _RerunFunction:
    """`flyte.rerun(run_name, recover=True)`: run a stored run's task again with its inputs
    (or new ones), replaying every action that already succeeded when `recover` is set. With
    `recover`, a run that succeeded runs nothing: its recorded outputs are returned (name
    actions in `force_rerun_actions` to run those again in it)."""

    def __call__(self, run_name: str, action_name: str = ROOT_ACTION, recover: bool = False,
                 force_rerun_actions: Optional[Sequence[str]] = None, allow_missing_source_outputs: bool = False,
                 **inputs: Any) -> Run:
        _warn_unused("rerun", _RerunFunction.__call__, dict(action_name=action_name,
                     allow_missing_source_outputs=allow_missing_source_outputs), RERUN_UNUSED)
        done = _recovered_without_running(run_name, recover, force_rerun_actions, inputs)
        if done is not None:
            return done
        task, stored = _load_stored_run(run_name)
        merged = {**stored, **inputs}
        runner = _Runner(name=run_name if recover else None, recover=recover, force_rerun_actions=force_rerun_actions,
                         resume_succeeded=bool(recover and force_rerun_actions))
        return runner._run_sync(task, **merged)

    async def aio(self, run_name: str, action_name: str = ROOT_ACTION, recover: bool = False,
                  force_rerun_actions: Optional[Sequence[str]] = None, allow_missing_source_outputs: bool = False,
                  **inputs: Any) -> Run:
        _warn_unused("rerun", _RerunFunction.aio, dict(action_name=action_name,
                     allow_missing_source_outputs=allow_missing_source_outputs), RERUN_UNUSED)
        done = _recovered_without_running(run_name, recover, force_rerun_actions, inputs)
        if done is not None:
            return done
        task, stored = _load_stored_run(run_name)
        runner = _Runner(name=run_name if recover else None, recover=recover, force_rerun_actions=force_rerun_actions,
                         resume_succeeded=bool(recover and force_rerun_actions))
        return await runner._run_async(task, **{**stored, **inputs})


rerun = _RerunFunction()


def _recovered_without_running(run_name: str, recover: bool, force: Optional[Sequence[str]],
                               inputs: dict[str, Any]) -> Optional[Run]:
    """`rerun(name, recover=True)` of a run that succeeded: the run as recorded, nothing runs."""
    if not recover or force:
        return None
    store = current_store()
    row = store.get_run(run_name)
    if row is None or row.phase != Phase.SUCCEEDED:
        return None
    if inputs:
        stored = Codec(blob_loader=store.load_blob).unpack(row.inputs) if row.inputs else {}
        if any(k not in stored or stored[k] != v for k, v in inputs.items()):
            raise RunExistsError(
                f"Run {run_name!r} succeeded with other inputs; recovering it cannot change them. "
                f"`flyte rerun {run_name}` (without --recover) runs it again under a new name with yours.")
    logger.info("Run %s already succeeded: its recorded outputs are returned, nothing runs", run_name)
    return Run(run_name, store)


def _load_stored_run(run_name: str) -> tuple[TaskTemplate, dict[str, Any]]:
    store = current_store()
    row = store.get_run(run_name)
    if row is None:
        raise KeyError(f"No run named {run_name!r} in the store at {store.home}")
    from ._loader import load_task

    task = load_task(row.task, row.task_module, row.task_file)
    inputs = Codec(blob_loader=store.load_blob).unpack(row.inputs) if row.inputs else {}
    return task, inputs


# -- init -----------------------------------------------------------------------------------------

_IMAGES = "no container images are built or used for local runs"

# flyte.init parameters this runtime does not use, and why; the others are honoured.
INIT_UNUSED = {
    **dict.fromkeys(
        ("endpoint", "headless", "insecure", "insecure_skip_verify", "ca_cert_file_path", "auth_type", "command",
         "proxy_command", "api_key", "client_id", "client_credentials_secret", "auth_client_config", "rpc_retries",
         "http_proxy_url", "disable_keyring", "scopes"),
        _NO_BACKEND,
    ),
    "log_format": RUNCONTEXT_UNUSED["log_format"],
    "reset_root_logger": RUNCONTEXT_UNUSED["reset_root_logger"],
    "batch_size": "it sizes requests to a backend",
    "image_builder": _IMAGES,
    "images": _IMAGES,
    "image_registry": _IMAGES,
    "source_config_path": "no configuration file is read; pass options to flyte.init",
    "sync_local_sys_paths": "tasks run in this process, with its sys.path",
    "load_plugin_type_transformers": "plugins' types load when their modules are imported",
    "local_tracked_strict": "every local run is tracked in the store",
}


def _init(org: Optional[str] = None, project: Optional[str] = None, domain: Optional[str] = None,
          root_dir: Optional[Path] = None, log_level: Optional[int] = None, log_format: Optional[str] = None,
          reset_root_logger: bool = False, user_log_level: Optional[int] = None, endpoint: Optional[str] = None,
          headless: bool = False, insecure: bool = False, insecure_skip_verify: bool = False,
          ca_cert_file_path: Optional[str] = None, auth_type: str = "Pkce", command: Optional[list[str]] = None,
          proxy_command: Optional[list[str]] = None, api_key: Optional[str] = None, client_id: Optional[str] = None,
          client_credentials_secret: Optional[str] = None, auth_client_config: Any = None, rpc_retries: int = 3,
          http_proxy_url: Optional[str] = None, disable_keyring: bool = False, storage: Any = None,
          batch_size: int = 1000, image_builder: str = "local", images: Any = None,
          image_registry: Optional[str] = None, source_config_path: Optional[Path] = None,
          sync_local_sys_paths: bool = True, load_plugin_type_transformers: bool = True,
          local_persistence: bool = False, local_tracked: bool = False, local_tracked_strict: bool = False,
          scopes: Any = None, local_home: Optional[Path] = None, raw_data_path: Optional[str] = None, *,
          executor: Optional[str] = None, max_workers: Optional[int] = None) -> None:
    """Configure this process: project, domain and org (seen in `flyte.ctx()`), the directory
    added to `sys.path` for loading tasks, log levels, where the metadata store lives
    (`local_home`, else `$FLYTE_HOME`), and where runs write their data (`raw_data_path`: a
    local directory or any fsspec URL such as s3://bucket/prefix, so that every node of a
    cluster and a later recovery read the same bytes; a run's own `with_runcontext(raw_data_path=)`
    or `flyte run --raw-data-path` wins). Runs are always recorded (`local_persistence` and
    `local_tracked` are what this runtime does anyway); backend options are warned about.

    Beyond the SDK: `executor` chooses where sync task bodies run ("local", the default: in this
    process; "process": in a pool of `max_workers` worker processes, default one per CPU; "ray":
    on a Ray cluster), instead of $FLYTE_EXECUTOR."""
    _warn_unused("init", _init, dict(locals()), INIT_UNUSED)
    if executor is not None or max_workers is not None:
        from ._executor import KNOWN

        name = executor.strip().lower() if executor is not None else None
        if name is not None and name not in (*KNOWN, "inline"):
            raise ValueError(f"executor={executor!r} is not an executor; use one of: {', '.join(KNOWN)}")
        if max_workers is not None and (not isinstance(max_workers, int) or max_workers < 1):
            raise ValueError(f"max_workers must be a positive number of worker processes, got {max_workers!r}")
        _config.executor = name if name is not None else _config.executor
        _config.max_workers = max_workers if max_workers is not None else _config.max_workers
    _set_log_levels(log_level, user_log_level)
    root = Path(root_dir) if root_dir is not None else Path.cwd()
    if str(root) not in sys.path:
        sys.path.append(str(root))
    _config.home = Path(local_home) if local_home is not None else _config.home
    if storage is not None:
        from ._fsspec import configure_storage

        configure_storage(storage)
    _config.project, _config.domain, _config.org = project, domain, org
    _config.raw_data_path = raw_data_path
    _config.initialized = True


async def _init_aio(*args: Any, **kwargs: Any) -> None:
    _init(*args, **kwargs)


_init_aio.__wrapped__ = _init  # type: ignore[attr-defined]  # its signature is _init's
init = Dual(_init_aio)

INIT_FROM_CONFIG_UNUSED = {
    k: v for k, v in INIT_UNUSED.items() if k in ("log_format", "batch_size", "image_builder", "images",
                                                  "sync_local_sys_paths")
}


async def _init_from_config_aio(path_or_config: Any = None, root_dir: Optional[Path] = None, log_level: Optional[int] = None,
                                log_format: str = "console", user_log_level: Optional[int] = None, org: Optional[str] = None,
                                project: Optional[str] = None, domain: Optional[str] = None, storage: Any = None,
                                batch_size: int = 1000, image_builder: Optional[str] = None, images: Any = None,
                                sync_local_sys_paths: bool = True) -> None:
    """Checks that the configuration file exists (its backend settings have no use here) and
    configures the process like `flyte.init`."""
    _warn_unused("init_from_config", _init_from_config_aio, dict(locals()), INIT_FROM_CONFIG_UNUSED)
    if isinstance(path_or_config, (str, Path)) and not Path(path_or_config).expanduser().exists():
        raise InitializationError("ConfigFileNotFoundError", "user", f"Configuration file '{path_or_config}' does not exist")
    _set_log_levels(log_level, user_log_level)
    raw_data_path = _config_file_raw_data_path(path_or_config)
    _init(org=org, project=project, domain=domain, root_dir=root_dir, storage=storage, raw_data_path=raw_data_path)


def _config_file_raw_data_path(path_or_config: Any) -> Optional[str]:
    """`local.raw_data_path` of a YAML configuration file (or of a dict), if it names one."""
    data: Any = path_or_config
    if isinstance(path_or_config, (str, Path)):
        text = Path(path_or_config).expanduser().read_text()
        if "raw_data_path" not in text:
            return None
        try:
            import yaml
        except ImportError:
            raise InitializationError("ConfigFileError", "user",
                                      f"Reading local.raw_data_path from '{path_or_config}' needs PyYAML: pip install pyyaml")
        try:
            data = yaml.safe_load(text)
        except yaml.YAMLError as e:
            raise InitializationError("ConfigFileError", "user", f"Configuration file '{path_or_config}' is not YAML: {e}")
    local = data.get("local") if isinstance(data, dict) else None
    value = local.get("raw_data_path") if isinstance(local, dict) else None
    if value is not None and not isinstance(value, str):
        raise InitializationError("ConfigFileError", "user",
                                  f"local.raw_data_path in '{path_or_config}' must be a path or URL, not {value!r}")
    return value


init_from_config = Dual(_init_from_config_aio)

INIT_FROM_API_KEY_UNUSED = {
    "api_key": _NO_BACKEND, "insecure_skip_verify": _NO_BACKEND, "ca_cert_file_path": _NO_BACKEND,
    **{k: v for k, v in INIT_FROM_CONFIG_UNUSED.items() if k != "sync_local_sys_paths"},
    "sync_local_sys_paths": INIT_UNUSED["sync_local_sys_paths"],
}


async def _init_from_api_key_aio(api_key: Optional[str] = None, project: Optional[str] = None, domain: Optional[str] = None,
                                 root_dir: Optional[Path] = None, log_level: Optional[int] = None,
                                 log_format: Optional[str] = None, storage: Any = None, batch_size: int = 1000,
                                 image_builder: str = "local", images: Any = None, sync_local_sys_paths: bool = True,
                                 insecure_skip_verify: bool = False, ca_cert_file_path: Optional[str] = None) -> None:
    _warn_unused("init_from_api_key", _init_from_api_key_aio, dict(locals()), INIT_FROM_API_KEY_UNUSED)
    _set_log_levels(log_level, None)
    _init(project=project, domain=domain, root_dir=root_dir, storage=storage)


init_from_api_key = Dual(_init_from_api_key_aio)


def current_project() -> str:
    return _config.project or "default"


def current_domain() -> str:
    return _config.domain or "development"


def is_control_plane_available() -> bool:
    return False
