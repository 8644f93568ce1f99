"""Running a body away from the controller (another process or machine), whatever the transport.

An executor that sends bodies elsewhere (the process pool, Ray) uses these pieces and supplies
only the transport:

- `attempt_payload` (controller side) packs one attempt: the task, its inputs, and what the body
  needs to know of its run;
- `run_remote_attempt` (worker side) runs it under a *remote frame*, given a `Link` back to the
  controller, and returns the pickled `AttemptOutcome` (result or exception with the worker's
  traceback, and the report);
- on the worker, nested task calls go back through the link (`WorkerLink.call`), and traces
  record through a `RemoteRecorder`, which forwards the controller's `Recorder` methods, so the
  controller stays the only writer of the store and the only place action ids are decided;
- `RequestServer` (controller side) answers a worker's requests: "call" (a nested task call,
  prepared and executed like a local one), "record" (a `Recorder` method), "blob" (a value the
  store kept out of line).
"""

from __future__ import annotations

import asyncio
import contextlib
import inspect
import os
import pickle
import sys
import threading
import time
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any, NamedTuple, Optional, Protocol

import cloudpickle

from .._context import KIND_REMOTE, Frame, RunState, current_custom_context, current_frame, current_group, io_context
from .._controller import (
    WORKER_TRACEBACK,
    Failure,
    Recorder,
    capture_begin,
    capture_end,
    capture_for_process,
    format_failure,
    pop_env,
    push_env,
)
from .._fsspec import is_url, protocol_of
from .._serde import Codec, dumps
from .._store import is_blob_url, read_blob_url

if TYPE_CHECKING:
    from .._controller import Call



def safe_dumps(value: Any) -> bytes:
    """cloudpickle, with an exception that cannot cross processes replaced by a readable one."""
    try:
        return dumps(value)
    except Exception as e:
        if isinstance(value, tuple) and value and value[0] is False:
            err = RuntimeError(f"{type(value[1]).__name__}: {value[1]} (the original exception could not be pickled: {e})")
            if isinstance(value, AttemptOutcome):
                return dumps(value._replace(value=err))
            return dumps((False, err, *value[2:]))
        raise


def outcome(response: bytes) -> Any:
    """The value of a pickled (ok, value, ...) answer or `AttemptOutcome`, or its exception raised."""
    answer = cloudpickle.loads(response)
    if isinstance(answer, AttemptOutcome):
        return answer.result()
    ok, value, *_ = answer
    if ok:
        return value
    raise value


# -- controller side ------------------------------------------------------------------------------


_paths: tuple[tuple[str, ...], list[str]] = ((), [])


def _import_paths() -> list[str]:
    """The directories of sys.path (looked up again only when sys.path changes)."""
    global _paths
    key = tuple(sys.path)
    if key != _paths[0]:
        _paths = (key, [p for p in key if p and os.path.isdir(p)])
    return _paths[1]


_roots: dict[str, tuple[str, ...]] = {}


def _import_roots(task: Any) -> tuple[str, ...]:
    """The directory from which the task's module imports as the name it has here: a module
    loaded from a file (`flyte run file.py`, `flyte rerun`) is not under any sys.path entry."""
    name = getattr(getattr(task, "func", None), "__module__", "") or ""
    found = _roots.get(name)
    if found is not None:
        return found
    module = sys.modules.get(name)
    path = getattr(module, "__file__", None)
    if module is None or not path:
        return ()
    root = os.path.dirname(os.path.abspath(path))
    for _ in range(module.__name__.count(".") + (os.path.basename(path) == "__init__.py")):
        root = os.path.dirname(root)
    found = _roots[name] = (root,)
    return found


def _configured_storage() -> Any:
    from .._fsspec import configured_storage

    return configured_storage()


def _storage_for_workers(configured: Any, raw_data_path: str) -> Any:
    """The storage settings workers use for the run's raw data path: flyte.init(storage=...)'s,
    else what this process's environment (FLYTE_AWS_*, ...) sets for the path's protocol, if it
    sets anything. Workers started elsewhere (another node's `ray start`) do not share this
    process's environment, and a process that resumes a run (`flyte rerun --recover`) may not
    call flyte.init; either way every process of the run must reach the same store."""
    if configured is not None or not is_url(raw_data_path):
        return configured
    from .._fsspec import storage_for

    auto = storage_for(protocol_of(raw_data_path))
    return auto if auto is not None and auto != type(auto)() else None


_SCALARS = frozenset((int, float, str, bool, bytes, type(None)))
_run_wire: tuple[Any, bytes] = (None, b"")  # the last run's info, pickled: (key, bytes)


def _run_info(run: RunState, roots: tuple[str, ...]) -> bytes:
    """What a worker needs to know of `run` (its import paths, the storage configured here),
    pickled once per run, set of import paths and storage configuration."""
    global _run_wire
    paths = _import_paths()
    configured = _configured_storage()
    key = (run, paths, roots, configured)
    cached = _run_wire
    if cached[0] is not None and all(a is b for a, b in zip(cached[0], key)):
        return cached[1]
    storage = _storage_for_workers(configured, run.raw_data_path)
    info = {
        "run": run.name, "run_dir": str(run.run_dir), "start": run.start_time, "resumed": run.resumed,
        "run_custom_context": run.custom_context, "raw_data_path": run.raw_data_path,
        "overwrite_cache": run.overwrite_cache, "disable_run_cache": run.disable_run_cache,
        "labels": run.labels, "annotations": run.annotations, "paths": [*roots, *paths],
        "main_file": getattr(sys.modules.get("__main__"), "__file__", None), "storage": storage,
    }
    data = safe_dumps(info)
    _run_wire = (key, data)
    return data


def attempt_payload(call: Call, kw: dict, reuse_task: bool = False) -> bytes:
    """One attempt of `call`'s body, packed for a worker.

    Two layers: the worker reads the run's info (its import paths) before it unpickles the task
    and its inputs, which may be pickled by reference to a module only those paths lead to.

    With `reuse_task`, the task travels as the bytes it was pickled to on its first call in this
    process (which a worker unpickles once and keeps): its code, and the values of the globals
    of a script's task, are those of that first call. Without it, the task is pickled anew."""
    rt, run = call.rt, call.run
    task: Any = rt.task
    if reuse_task:
        task = rt.wire
        if task is None:
            task = rt.wire = safe_dumps(rt.task)
    this = (call.aid, call.parent.id, call.attempt, {**run.env_vars, **(rt.env or {})},
            dict(current_custom_context.get() or {}))
    info = _run_info(run, _import_roots(rt.task))
    if reuse_task and _SCALARS.issuperset(map(type, kw.values())):
        # nothing that needs cloudpickle: the C pickler alone
        return pickle.dumps((info, this, pickle.dumps((task, kw), protocol=5)), protocol=5)
    return safe_dumps((info, this, safe_dumps((task, kw))))


def decode_request(request: bytes) -> tuple[str, tuple]:
    """A worker's request as (kind, payload): kind "call" is a nested task call (the worker waits
    for it and uses no CPU meanwhile), "record" a `Recorder` method, "blob" a stored value."""
    kind, payload = cloudpickle.loads(request)
    return kind, payload


def save_report(call: Call, report: Optional[str]) -> None:
    if report is not None:
        path = call.run.run_dir / call.aid / "report.html"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(report, encoding="utf-8")
        call.run.recorder.report(call.aid, report)


class RequestServer:
    """Answers the requests of bodies running elsewhere, on behalf of the frames they run under."""

    def __init__(self) -> None:
        self.frames: dict[str, Frame] = {}  # actions running elsewhere, by id: parents of their nested calls

    def _frame(self, aid: str) -> Frame:
        frame = self.frames.get(aid)
        if frame is None:
            raise RuntimeError(f"Action {aid} is not running on a worker any more; its worker's request came too late")
        return frame

    async def serve(self, request: bytes) -> bytes:
        """One pickled (kind, payload) request in, one pickled (ok, value) answer out."""
        try:
            kind, payload = decode_request(request)
        except BaseException as e:
            return safe_dumps((False, e))
        return await self.handle(kind, payload)

    async def handle(self, kind: str, payload: tuple) -> bytes:
        """A decoded request (see `decode_request`) in, one pickled (ok, value) answer out."""
        try:
            handlers: dict[str, Callable[..., Awaitable[Any]]] = {
                "call": self._on_call, "record": self._on_record, "blob": self._on_blob,
            }
            handler = handlers.get(kind)
            if handler is None:
                raise ValueError(f"unknown worker request {kind!r}")
            value = await handler(*payload)
            return safe_dumps((True, value))
        except BaseException as e:
            return safe_dumps((False, e))

    async def _on_call(self, parent: str, task: Any, args: tuple, kwargs: dict, group: Optional[str],
                       custom_context: dict) -> Any:
        from .._controller import submit_async, submit_sync_in_thread

        frame = self._frame(parent)
        current_group.set(group)
        current_custom_context.set(custom_context)
        rt = task._runtime()
        if rt.is_async:
            return await submit_async(rt, frame, args, kwargs)
        return await submit_sync_in_thread(rt, frame, args, kwargs)

    async def _on_record(self, parent: str, method: str, args: tuple) -> Any:
        if method not in Recorder.REMOTE_METHODS:
            raise ValueError(f"a worker may not call Recorder.{method}")
        recorder = self._frame(parent).run.recorder
        return await asyncio.to_thread(getattr(recorder, method), *args)

    async def _on_blob(self, parent: str, key: str) -> bytes:
        store = self._frame(parent).run.store
        assert store is not None
        return await asyncio.to_thread(store.load_blob, key)


# -- worker side ----------------------------------------------------------------------------------


class Link(Protocol):
    """A worker's transport to the controller: one pickled request, one pickled answer."""

    def send(self, request: bytes) -> bytes: ...

    async def send_async(self, request: bytes) -> bytes: ...


class WorkerLink:
    """What a body running under a remote frame asks of the controller."""

    def __init__(self, link: Link, aid: str):
        self.link = link
        self.aid = aid

    def ask(self, kind: str, *payload: Any) -> Any:
        return outcome(self.link.send(safe_dumps((kind, payload))))

    async def ask_async(self, kind: str, *payload: Any) -> Any:
        return outcome(await self.link.send_async(safe_dumps((kind, payload))))

    def _call(self, task: Any, args: tuple, kwargs: dict) -> tuple:
        # the caller's group and custom context travel with the call, as they would in process
        return (self.aid, task, args, kwargs, current_group.get(), dict(current_custom_context.get() or {}))

    def call(self, task: Any, args: tuple, kwargs: dict) -> Any:
        return self.ask("call", *self._call(task, args, kwargs))

    async def call_async(self, task: Any, args: tuple, kwargs: dict) -> Any:
        return await self.ask_async("call", *self._call(task, args, kwargs))


class RemoteRecorder(Recorder):
    """A worker's recorder: builds records here, has the controller's recorder write them."""

    __slots__ = ("_output", "_output_lock", "_output_size", "link", "resumed")

    def __init__(self, link: WorkerLink, run: str, resumed: bool):
        super().__init__(None, run)  # type: ignore[arg-type]
        self.link = link
        self.resumed = resumed
        self._output: dict[tuple[str, int], tuple[list[str], list[tuple[int, float]], list[int]]] = {}
        self._output_size = 0
        self._output_lock = threading.Lock()

    def _forward(self, method: str, *args: Any) -> Any:
        return self.link.ask("record", self.link.aid, method, args)

    def action(self, aid: str, parent: Optional[str], task: str, short_name: str, group: Optional[str], kind: str,
               inputs: Optional[bytes], cache_status: Optional[str] = None, attempts: int = 0, write: bool = True) -> Any:
        return self._forward("action", aid, parent, task, short_name, group, kind, inputs, cache_status, attempts, write)

    def finished(self, record: Any, phase: str, attempts: int, outputs: Optional[bytes] = None,
                 error: Any = None, batch: Optional[list] = None) -> Any:
        if batch is not None:
            raise RuntimeError("a worker records no batches")
        return self._forward("finished", record, phase, attempts, outputs, None if error is None else Failure.of(error))

    def attempt_failed(self, record: Any, attempt: int, start: float, error: Any) -> None:
        self._forward("attempt_failed", record, attempt, start, Failure.of(error))

    def replayed(self, aid: str) -> Optional[bytes]:
        return self._forward("replayed", aid) if self.resumed else None

    # Output is sent a chunk at a time, not a round trip per write: a body's output waits here
    # until OUTPUT_CHUNK characters are pending or the attempt ends (`send_output`).
    OUTPUT_CHUNK = 16 * 1024

    def output(self, aid: str, attempt: int, text: str, stamps: Any = None) -> None:
        at = time.time()  # each write keeps its own time (`flyte get logs --show-ts`), not the chunk's
        with self._output_lock:
            key = (aid, attempt)
            parts = self._output.get(key)
            if parts is None:
                parts = self._output[key] = ([], [], [0])  # texts, stamps, characters so far
            parts[0].append(text)
            if stamps:  # several writes forwarded to this worker
                parts[1].extend((parts[2][0] + i, t) for i, t in stamps)
            else:
                parts[1].append((parts[2][0], at))
            parts[2][0] += len(text)
            self._output_size += len(text)
            if self._output_size < self.OUTPUT_CHUNK:
                return
        self.send_output()

    def send_output(self) -> None:
        """Forward what bodies here wrote and the controller has not got yet."""
        with self._output_lock:
            pending, self._output, self._output_size = self._output, {}, 0
        for (aid, attempt), (texts, stamps, _) in pending.items():
            self._forward("output", aid, attempt, "".join(texts), stamps)

    def report(self, aid: str, html: str) -> None:
        self._forward("report", aid, html)

    def cache_put(self, key: str, task: str, version: str, outputs: bytes) -> None:
        raise RuntimeError("a worker writes no cache entries: its nested calls run on the controller")


class AttemptOutcome(NamedTuple):
    """What a worker sends back for one attempt."""

    ok: bool
    value: Any  # the body's result, or the exception it raised
    report: Optional[str]  # the report's HTML, for a task with report=True
    traceback: Optional[str] = None  # the exception's traceback as formatted on the worker

    def result(self) -> Any:
        """The body's result, or its exception raised here, carrying the worker's traceback
        (which the recorded failure shows instead of this process's frames)."""
        if self.ok:
            return self.value
        if self.traceback is not None:
            with contextlib.suppress(AttributeError, TypeError):  # an exception that takes no attributes
                setattr(self.value, WORKER_TRACEBACK, self.traceback)
        raise self.value


_tasks: dict[bytes, Any] = {}
_runs: dict[bytes, dict] = {}


def _task_from_bytes(data: bytes) -> Any:
    """A task sent as bytes (see `attempt_payload`), unpickled once per worker."""
    task = _tasks.get(data)
    if task is None:
        if len(_tasks) >= 1024:
            _tasks.clear()
        task = _tasks[data] = cloudpickle.loads(data)
    return task


def _run_from_bytes(data: bytes) -> dict:
    """A run's info (see `_run_info`), unpickled once per worker; the controller's import paths
    (the user's modules) join this process's, where they exist here."""
    info = _runs.get(data)
    if info is None:
        if len(_runs) >= 64:
            _runs.clear()
        info = cloudpickle.loads(data)
        info["run_dir"] = Path(info["run_dir"])
        for p in info["paths"]:
            if p not in sys.path:
                sys.path.append(p)
        _runs[data] = info
    if info.get("storage") is not None:
        from .._fsspec import configure_storage

        configure_storage(info["storage"])  # the driver's flyte.init(storage=...)
    return info


def _blob_loader(wlink: WorkerLink) -> Callable[[str], bytes]:
    def load(key: str) -> bytes:
        if is_blob_url(key):  # in the run's object store: read it from here, not through the controller
            return read_blob_url(key)
        return wlink.ask("blob", wlink.aid, key)

    return load


def run_remote_attempt(payload: bytes, link: Link) -> bytes:
    """Worker side: one attempt of one body (sync, or async in a loop of its own) under a remote
    frame; returns the pickled `AttemptOutcome`. The process keeps capturing output between
    attempts (`capture_for_process`): it is a worker, running one attempt after another."""
    capture_for_process()
    answer = run_attempt_here(payload, link)
    if answer.ok and answer.report is None and type(answer.value) in _SCALARS:
        return pickle.dumps(answer, protocol=5)  # nothing that needs cloudpickle: the C pickler alone
    return safe_dumps(answer)


def run_attempt_here(payload: bytes, link: Link, capture: bool = True,
                     on_start: Optional[Callable[[], None]] = None) -> AttemptOutcome:
    """Worker side: one attempt of one body under a remote frame, not yet pickled. With
    `capture`, what the body prints through `sys.stdout`/`sys.stderr` is forwarded to its action's
    log through the link; without it, the transport keeps the output itself (the process pool
    reads the worker's file descriptors, which also carry C and subprocess output). `on_start`
    is called right before the body (after its task and inputs were unpickled and imported)."""
    run_info, this, packed = cloudpickle.loads(payload)
    info = _run_from_bytes(run_info)  # first: it sets the import paths the task may need
    task, kw = cloudpickle.loads(packed)
    if isinstance(task, bytes):
        task = _task_from_bytes(task)
    aid, parent, attempt, env, custom_context = this
    wlink = WorkerLink(link, aid)
    run_dir = info["run_dir"]
    run = RunState(
        info["run"], None, Codec(io_context=io_context(run_dir, info["raw_data_path"]), blob_loader=_blob_loader(wlink)),
        run_dir, info["start"], recorder=RemoteRecorder(wlink, info["run"], info["resumed"]),
        executor=None,  # type: ignore[arg-type]  # a remote frame's calls go back through the link
        resumed=info["resumed"], overwrite_cache=info["overwrite_cache"], disable_run_cache=info["disable_run_cache"],
        env_vars=env, custom_context=info["run_custom_context"], raw_data_path=info["raw_data_path"],
        labels=info["labels"], annotations=info["annotations"],
    )
    run.link = wlink
    frame = Frame(run, aid, task.name, task.short_name, KIND_REMOTE, task, parent)
    frame.attempt = attempt
    tokens = (current_frame.set(frame), current_group.set(None), current_custom_context.set(custom_context))
    pushed = push_env(env) if env else None
    if capture:
        capture_begin(info["run"])  # what the body prints goes to its action's log, through the link
    try:
        if on_start is not None:
            on_start()
        value = task.func(**kw)
        if inspect.iscoroutine(value):  # an async body sent to run here: its own event loop
            value = asyncio.run(value)
        result: tuple = (True, value)
    except BaseException as e:
        result = (False, e)
    finally:
        if capture:
            capture_end(info["run"])
        if pushed is not None:
            pop_env(pushed)
        current_custom_context.reset(tokens[2])
        current_group.reset(tokens[1])
        current_frame.reset(tokens[0])
        try:
            run.recorder.send_output()  # type: ignore[attr-defined]
        except Exception:  # a lost link fails the attempt below, not here
            pass
    report = frame.report.get_final_report() if frame.report is not None and getattr(task, "report", False) else None
    if result[0]:
        return AttemptOutcome(True, result[1], report)
    trace = format_failure(result[1])
    if info.get("main_file"):
        # code that travelled by value (the controller's script) is named so by cloudpickle
        trace = trace.replace('File "<dynamic-code>"', f'File "{info["main_file"]}"')
    return AttemptOutcome(False, result[1], report, trace)
