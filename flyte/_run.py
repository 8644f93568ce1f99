"""Starting runs: `flyte.run`, `flyte.with_runcontext(...)`, `flyte.rerun` and the `Run` they return.

A run executes its root task in this process. Reusing the name of a run that did not succeed
resumes it: every action that already succeeded (tasks and traces alike) is answered from the
store instead of running again, which is what a remote Flyte "recover" does.
"""

from __future__ import annotations

import asyncio
import base64
import logging
import os
import sys
import threading
import time
from collections.abc import Sequence
from datetime import datetime
from pathlib import Path
from typing import Any, Literal, Optional

from ._context import KIND_TASK, Frame, RunState, current_custom_context
from ._controller import Call, execute_async, execute_sync
from ._controller._pool import run_in_worker
from ._serde import Codec, digest
from ._store import SQLiteStore, open_store
from ._syncify import Dual
from ._task import TaskTemplate
from .errors import InitializationError
from .models import ActionPhase

logger = logging.getLogger("flyte")

Mode = Literal["local", "remote", "hybrid"]
ROOT_ACTION = "a0"


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
        inner = ", ".join(f"{n}={v!r}" for n, v in zip(self._names, self))  # type: ignore[attr-defined]
        return f"ActionOutputs({inner})"


class Run:
    """A run in the local store: its name, phase, inputs and outputs."""

    def __init__(self, name: str, store: SQLiteStore, *, outputs: Optional[ActionOutputs] = None, task: Optional[TaskTemplate] = None):
        self.name = name
        self._store = store
        self._outputs = outputs
        self._task = task

    def _row(self) -> dict[str, Any]:
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
        return ActionPhase(self._row()["phase"])

    @property
    def error(self) -> Optional[str]:
        return self._row()["error"]

    def done(self) -> bool:
        return self.phase.is_terminal

    def wait(self, quiet: bool = False, wait_for: str = "terminal") -> None:
        """Local runs have finished by the time `flyte.run` returns."""

    def outputs(self) -> ActionOutputs:
        if self._outputs is None:
            row = self._row()
            if row["phase"] != "SUCCEEDED":
                raise RuntimeError(f"Run {self.name!r} has no outputs: it is {row['phase']}")
            value = Codec(blob_loader=self._store.load_blob).unpack(row["outputs"])
            names = value[1] if isinstance(value, list) and len(value) == 2 else [f"o{i}" for i in range(len(value))]
            self._outputs = ActionOutputs(value[0], names)
        return self._outputs

    def inputs(self) -> dict[str, Any]:
        data = self._row()["inputs"]
        return Codec(blob_loader=self._store.load_blob).unpack(data) if data else {}

    def actions(self) -> list[dict[str, Any]]:
        """Every action of the run, as recorded (parents, phases, timings, attempts, errors)."""
        return self._store.list_actions(self.name)

    def raise_for_status(self) -> None:
        row = self._row()
        if row["phase"] != "SUCCEEDED":
            raise RuntimeError(f"Run {self.name!r} {row['phase']}: {row['error_code']}: {row['error']}")

    def __repr__(self) -> str:
        return f"Run(name={self.name!r}, url={self.url!r})"


# -- configuration set by flyte.init -------------------------------------------------------------

class _Config:
    home: Optional[Path] = None
    initialized: bool = False
    project: Optional[str] = None
    domain: Optional[str] = None
    org: Optional[str] = None


_config = _Config()


def _store() -> SQLiteStore:
    return open_store(_config.home)


def _new_run_name() -> str:
    return "r" + base64.b32encode(os.urandom(10)).decode().lower()


class _Runner:
    """Holds the run options of `with_runcontext`; `.run(task, ...)` starts a run with them."""

    def __init__(self, mode: Optional[Mode] = None, *, name: Optional[str] = None, overwrite_cache: bool = False,
                 disable_run_cache: bool = False, env_vars: Optional[dict[str, str]] = None,
                 custom_context: Optional[dict[str, str]] = None, raw_data_path: Optional[str] = None,
                 run_base_dir: Optional[str] = None, labels: Optional[dict[str, str]] = None,
                 annotations: Optional[dict[str, str]] = None, recover: bool = True,
                 force_rerun_actions: Optional[Sequence[str]] = None, **_ignored: Any):
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
        self.run = Dual(self._run_async)
        self.run.__call__ = self._run_sync  # type: ignore[method-assign]

    # -- setup ---------------------------------------------------------------------------------

    def _begin(self, task: Any, args: tuple, kwargs: dict) -> tuple[RunState, Call]:
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
        store = _store()
        name = self.name or _new_run_name()
        replay = self._replay_for(store, name)
        run_dir = Path(self.run_base_dir) if self.run_base_dir else store.home / "runs" / name
        run_dir.mkdir(parents=True, exist_ok=True)
        codec = Codec(io_context=run_dir, blob_loader=store.load_blob)
        run = RunState(
            name, store, codec, run_dir, time.time(), replay=replay, overwrite_cache=self.overwrite_cache,
            disable_run_cache=self.disable_run_cache, env_vars=self.env_vars, custom_context=self.custom_context,
            raw_data_path=self.raw_data_path, labels=self.labels, annotations=self.annotations,
        )
        from ._executor import executor_from_environment

        run.executor = executor_from_environment()
        from ._controller._actions import _encode_inputs

        packed = _encode_inputs(rt, run, inputs)
        root = Frame(run, None, "<run>", "<run>", KIND_TASK)  # type: ignore[arg-type]
        call = Call(rt, root, packed, ROOT_ACTION, None)
        if rt.cache is not None and (run.cache_read or run.cache_write):
            call.cache_key = rt.cache_key(inputs, digest(packed) if inputs else "")
        func = rt.func
        store.run_started(
            (name, rt.name, "RUNNING", run.start_time, None, packed, None, None, None, store.owner,
             getattr(func, "__module__", None), _source_file(func), codec.pack(run.custom_context))
        )
        if run.resumed:
            logger.info("Resuming run %s: %d finished actions will be replayed", name, len(replay or {}))
        return run, call

    def _replay_for(self, store: SQLiteStore, name: str) -> Optional[dict[str, bytes]]:
        previous = store.get_run(name)
        if previous is None:
            return None
        if previous["phase"] == "RUNNING":
            if previous["owner"] == store.owner:
                raise RuntimeError(f"Run {name!r} is already running in this process; pick another name")
            if _owner_alive(store, previous["owner"]):
                raise RuntimeError(f"Run {name!r} is already running in another process; pick another name")
        if previous["phase"] == "SUCCEEDED" or not self.recover:
            store.delete_run(name)
            return None
        done = store.succeeded_outputs(name)
        for action in self.force_rerun_actions:
            done.pop(action, None)
        done.pop(ROOT_ACTION, None)
        return done

    def _finish(self, run: RunState, call: Call, outputs: Optional[tuple], error: Optional[BaseException]) -> None:
        store = run.store
        from ._controller._errors import error_code, format_failure

        out = run.codec.pack([list(outputs), list(call.rt.iface.output_names or ("o0",))]) if outputs is not None else None
        phase = "SUCCEEDED" if error is None else ("ABORTED" if isinstance(error, (KeyboardInterrupt, asyncio.CancelledError)) else "FAILED")
        store.run_finished(
            (run.name, call.rt.name, phase, run.start_time, time.time(), call.packed, out,
             error_code(error) if error else None, format_failure(error) if error else None, store.owner,
             getattr(call.rt.func, "__module__", None), _source_file(call.rt.func), run.codec.pack(run.custom_context))
        )
        # Everything is durable in the journal already; the SQLite tables are a projection the
        # writer thread keeps up to date (queries in this process flush first), so the caller
        # does not wait for it.
        store.request_flush()

    def _outputs(self, call: Call, value: Any) -> ActionOutputs:
        iface = call.rt.iface
        values = iface.outputs_tuple(value)
        return ActionOutputs(values, iface.output_names or ("o0",))

    # -- execution -------------------------------------------------------------------------------

    def _run_sync(self, task: Any, *args: Any, **kwargs: Any) -> Run:
        run, call = self._begin(task, args, kwargs)
        try:
            asyncio.get_running_loop()
            in_loop = True
        except RuntimeError:
            in_loop = False
        if in_loop:
            # Called from async code (a notebook, an async main): run on a helper thread so the
            # caller's loop is not re-entered.
            return _in_thread(lambda: self._execute_blocking(run, call))
        return self._execute_blocking(run, call)

    def _execute_blocking(self, run: RunState, call: Call) -> Run:
        ctx_token = current_custom_context.set(dict(run.custom_context))
        env = _push_env(run)
        try:
            if call.rt.is_async:
                value = asyncio.run(_root_async(call))
            else:
                value = _root_sync(call)
        except BaseException as e:
            self._finish(run, call, None, e)
            raise
        finally:
            _pop_env(env)
            current_custom_context.reset(ctx_token)
        outputs = self._outputs(call, value)
        self._finish(run, call, outputs, None)
        return Run(run.name, run.store, outputs=outputs, task=call.rt.task)

    async def _run_async(self, task: Any, *args: Any, **kwargs: Any) -> Run:
        run, call = self._begin(task, args, kwargs)
        ctx_token = current_custom_context.set(dict(run.custom_context))
        env = _push_env(run)
        try:
            if call.rt.is_async:
                value = await _root_async(call)
            else:
                value = await run_in_worker(_root_sync, call)
        except BaseException as e:
            self._finish(run, call, None, e)
            raise
        finally:
            _pop_env(env)
            current_custom_context.reset(ctx_token)
        outputs = self._outputs(call, value)
        self._finish(run, call, outputs, None)
        return Run(run.name, run.store, outputs=outputs, task=call.rt.task)


async def _root_async(call: Call) -> Any:
    from ._controller._actions import _record_cache_hit

    if call.cache_key is not None and call.run.cache_read and call.rt.cache_readable:
        hit = call.run.store.cache_get(call.cache_key, call.rt.cache_max_age)
        if hit is not None:
            _record_cache_hit(call, hit)
            return call.value
    return await execute_async(call)


def _root_sync(call: Call) -> Any:
    from ._controller._actions import _record_cache_hit

    if call.cache_key is not None and call.run.cache_read and call.rt.cache_readable:
        hit = call.run.store.cache_get(call.cache_key, call.rt.cache_max_age)
        if hit is not None:
            _record_cache_hit(call, hit)
            return call.value
    return execute_sync(call)


def _push_env(run: RunState) -> Any:
    if not run.env_vars:
        return None
    from ._controller import _environ

    return _environ.push({str(k): str(v) for k, v in run.env_vars.items()})


def _pop_env(handle: Any) -> None:
    if handle is not None:
        from ._controller import _environ

        _environ.pop(handle)


def _in_thread(fn: Any) -> Any:
    box: list = []

    def target() -> None:
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


def _owner_alive(store: SQLiteStore, owner: Optional[str]) -> bool:
    if not owner:
        return False
    import fcntl

    lock = store.journal_dir / f"{owner}.lock"
    try:
        fd = os.open(lock, os.O_RDONLY)
    except FileNotFoundError:
        return False
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        fcntl.flock(fd, fcntl.LOCK_UN)
        return False
    except BlockingIOError:
        return True
    finally:
        os.close(fd)


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
) -> _Runner:
    """Run options for the next `.run(task, ...)`: a run name (reusing the name of an unfinished
    run resumes it), environment variables, custom context, cache overrides."""
    if log_level is not None:
        logging.getLogger("flyte").setLevel(log_level)
    return _Runner(
        mode, name=name, overwrite_cache=overwrite_cache, disable_run_cache=disable_run_cache, env_vars=env_vars,
        custom_context=custom_context, raw_data_path=raw_data_path, run_base_dir=run_base_dir, labels=labels,
        annotations=annotations,
    )


class _RunFunction:
    """`flyte.run(task, *args, **kwargs)` and `await flyte.run.aio(task, ...)`."""

    def __call__(self, task: Any, *args: Any, **kwargs: Any) -> Run:
        return _Runner()._run_sync(task, *args, **kwargs)

    async def aio(self, task: Any, *args: Any, **kwargs: Any) -> Run:
        return await _Runner()._run_async(task, *args, **kwargs)


run = _RunFunction()


class _RerunFunction:
    """`flyte.rerun(run_name, recover=True)`: run a stored run's task again with its inputs
    (or new ones), replaying every action that already succeeded when `recover` is set."""

    def __call__(self, run_name: str, action_name: str = ROOT_ACTION, recover: bool = False,
                 force_rerun_actions: Optional[Sequence[str]] = None, allow_missing_source_outputs: bool = False,
                 **inputs: Any) -> Run:
        task, stored = _load_stored_run(run_name)
        merged = {**stored, **inputs}
        runner = _Runner(name=run_name if recover else None, recover=recover, force_rerun_actions=force_rerun_actions)
        return runner._run_sync(task, **merged)

    async def aio(self, run_name: str, action_name: str = ROOT_ACTION, recover: bool = False,
                  force_rerun_actions: Optional[Sequence[str]] = None, allow_missing_source_outputs: bool = False,
                  **inputs: Any) -> Run:
        task, stored = _load_stored_run(run_name)
        runner = _Runner(name=run_name if recover else None, recover=recover, force_rerun_actions=force_rerun_actions)
        return await runner._run_async(task, **{**stored, **inputs})


rerun = _RerunFunction()


def _load_stored_run(run_name: str) -> tuple[TaskTemplate, dict[str, Any]]:
    store = _store()
    row = store.get_run(run_name)
    if row is None:
        raise KeyError(f"No run named {run_name!r} in the store at {store.home}")
    from ._loader import load_task

    task = load_task(row["task"], row["task_module"], row["task_file"])
    inputs = Codec(blob_loader=store.load_blob).unpack(row["inputs"]) if row["inputs"] else {}
    return task, inputs


# -- init -----------------------------------------------------------------------------------------


def _init(org: Optional[str] = None, project: Optional[str] = None, domain: Optional[str] = None,
          root_dir: Optional[Path] = None, log_level: Optional[int] = None, log_format: Optional[str] = None,
          reset_root_logger: bool = False, user_log_level: Optional[int] = None, endpoint: Optional[str] = None,
          headless: bool = False, insecure: bool = False, insecure_skip_verify: bool = False,
          ca_cert_file_path: Optional[str] = None, auth_type: str = "Pkce", command: Optional[list[str]] = None,
          proxy_command: Optional[list[str]] = None, api_key: Optional[str] = None, client_id: Optional[str] = None,
          client_credentials_secret: Optional[str] = None, auth_client_config: Any = None, rpc_retries: int = 3,
          http_proxy_url: Optional[str] = None, storage: Any = None, batch_size: int = 1000,
          image_builder: str = "local", images: Any = None, source_config_path: Optional[Path] = None,
          sync_local_sys_paths: bool = True, load_plugin_type_transformers: bool = True,
          local_persistence: bool = False, local_tracked: bool = False, local_tracked_strict: bool = False,
          scopes: Any = None, local_home: Optional[Path] = None, **_future: Any) -> None:
    """Configure this process. Everything runs locally; `local_home` (or `$FLYTE_HOME`) chooses
    where the metadata store lives."""
    if log_level is not None:
        logging.getLogger("flyte").setLevel(log_level)
    root = Path(root_dir) if root_dir is not None else Path.cwd()
    if str(root) not in sys.path:
        sys.path.append(str(root))
    if endpoint or api_key:
        logger.warning("This runtime runs tasks locally; endpoint/api_key are ignored.")
    _config.home = Path(local_home) if local_home is not None else _config.home
    if storage is not None:
        from .storage import _config as _storage_config

        _storage_config.set_configured(storage)
    _config.project, _config.domain, _config.org = project, domain, org
    _config.initialized = True


async def _init_aio(*args: Any, **kwargs: Any) -> None:
    _init(*args, **kwargs)


init = Dual(_init_aio)


async def _init_from_config_aio(path_or_config: Any = None, root_dir: Optional[Path] = None, log_level: Optional[int] = None,
                                log_format: str = "console", user_log_level: Optional[int] = None, org: Optional[str] = None,
                                project: Optional[str] = None, domain: Optional[str] = None, storage: Any = None,
                                batch_size: int = 1000, image_builder: Optional[str] = None, images: Any = None,
                                sync_local_sys_paths: bool = True) -> None:
    if isinstance(path_or_config, (str, Path)) and not Path(path_or_config).expanduser().exists():
        raise InitializationError("ConfigFileNotFoundError", "user", f"Configuration file '{path_or_config}' does not exist")
    _init(org=org, project=project, domain=domain, root_dir=root_dir, log_level=log_level)


init_from_config = Dual(_init_from_config_aio)


async def _init_from_api_key_aio(api_key: Optional[str] = None, project: Optional[str] = None, domain: Optional[str] = None,
                                 root_dir: Optional[Path] = None, **kwargs: Any) -> None:
    _init(project=project, domain=domain, root_dir=root_dir)


init_from_api_key = Dual(_init_from_api_key_aio)


def current_project() -> str:
    return _config.project or "default"


def current_domain() -> str:
    return _config.domain or "development"


def is_control_plane_available() -> bool:
    return False
