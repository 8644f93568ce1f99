"""Running a body away from the controller (another process or machine), whatever the transport.

An executor that sends bodies elsewhere (Ray today; a process pool next) uses these pieces and
supplies only the transport:

- `attempt_payload` (controller side) packs one attempt: the task, its inputs, and what the body
  needs to know of its run;
- `run_remote_attempt` (worker side) runs it under a *remote frame*, given a `Link` back to the
  controller, and returns the pickled outcome (result or exception, and the report);
- on the worker, nested task calls go back through the link (`WorkerLink.call`), and traces
  record through a `RemoteRecorder`, which forwards the controller's `Recorder` methods, so the
  controller stays the only writer of the store and the only place action ids are decided;
- `RequestServer` (controller side) answers a worker's requests: "call" (a nested task call,
  prepared and executed like a local one), "record" (a `Recorder` method), "blob" (a value the
  store kept out of line).
"""

from __future__ import annotations

import asyncio
import inspect
import os
import sys
import threading
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any, Optional, Protocol

import cloudpickle

from .._context import KIND_REMOTE, Frame, RunState, current_custom_context, current_frame, current_group, io_context
from .._controller import Failure, Recorder, capture_begin, capture_end, pop_env, push_env
from .._serde import Codec, dumps
from .._store._blobs import is_blob_url, read_blob_url

if TYPE_CHECKING:
    from .._controller import Call



def safe_dumps(value: Any) -> bytes:
    """cloudpickle, with an exception that cannot cross processes replaced by a readable one."""
    try:
        return dumps(value)
    except Exception as e:
        if isinstance(value, tuple) and value and value[0] is False:
            err = RuntimeError(f"{type(value[1]).__name__}: {value[1]} (the original exception could not be pickled: {e})")
            return dumps((False, err, *value[2:]))
        raise


def outcome(response: bytes) -> Any:
    """The value of a pickled (ok, value, ...) answer, or its exception raised."""
    ok, value, *_ = cloudpickle.loads(response)
    if ok:
        return value
    raise value


# -- controller side ------------------------------------------------------------------------------


def attempt_payload(call: Call, frame: Frame, kw: dict) -> bytes:
    """One attempt of `call`'s body, packed for a worker."""
    rt, run = call.rt, call.run
    info = {
        "aid": call.aid, "parent": call.parent.id, "attempt": frame.attempt, "run": run.name,
        "run_dir": str(run.run_dir), "start": run.start_time, "resumed": run.resumed,
        "env": {**run.env_vars, **(rt.env or {})}, "custom_context": dict(current_custom_context.get() or {}),
        "run_custom_context": run.custom_context, "raw_data_path": run.raw_data_path,
        "overwrite_cache": run.overwrite_cache, "disable_run_cache": run.disable_run_cache,
        "labels": run.labels, "annotations": run.annotations,
        "paths": [*_import_roots(rt.task), *_existing_paths()],
        "storage": _configured_storage(),
    }
    # Two layers: the worker reads `info` (its import paths) before it unpickles the task, which
    # may be pickled by reference to a module only those paths lead to.
    return safe_dumps((info, safe_dumps((rt.task, kw))))


_paths_seen: tuple[tuple[str, ...], list[str]] = ((), [])


def _existing_paths() -> list[str]:
    """sys.path's directories, checked once per change of sys.path rather than once per action."""
    global _paths_seen
    current = tuple(sys.path)
    if current != _paths_seen[0]:
        _paths_seen = (current, [p for p in current if p and os.path.isdir(p)])
    return _paths_seen[1]


def _import_roots(task: Any) -> list[str]:
    """The directory from which the task's module imports as the name it has here: a module
    loaded from a file (`flyte run file.py`, `flyte rerun`) is not under any sys.path entry."""
    module = sys.modules.get(getattr(getattr(task, "func", None), "__module__", "") or "")
    path = getattr(module, "__file__", None)
    if module is None or not path:
        return []
    root = os.path.dirname(os.path.abspath(path))
    for _ in range(module.__name__.count(".") + (os.path.basename(path) == "__init__.py")):
        root = os.path.dirname(root)
    return [root]


def _configured_storage() -> Any:
    from ..storage import _config as storage_config

    return storage_config._configured


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
            kind, payload = cloudpickle.loads(request)
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
        self._output: dict[tuple[str, int], list[str]] = {}
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

    def output(self, aid: str, attempt: int, text: str) -> None:
        with self._output_lock:
            key = (aid, attempt)
            self._output.setdefault(key, []).append(text)
            self._output_size += len(text)
            if self._output_size < self.OUTPUT_CHUNK:
                return
        self.send_output()

    def send_output(self) -> None:
        """Forward what bodies here wrote and the controller has not got yet."""
        with self._output_lock:
            pending, self._output, self._output_size = self._output, {}, 0
        for (aid, attempt), parts in pending.items():
            self._forward("output", aid, attempt, "".join(parts))

    def report(self, aid: str, html: str) -> None:
        self._forward("report", aid, html)

    def cache_put(self, key: str, task: str, version: str, outputs: bytes) -> None:
        raise RuntimeError("a worker writes no cache entries: its nested calls run on the controller")


def _blob_loader(wlink: WorkerLink) -> Callable[[str], bytes]:
    def load(key: str) -> bytes:
        if is_blob_url(key):  # in the run's object store: read it from here, not through the controller
            return read_blob_url(key)
        return wlink.ask("blob", wlink.aid, key)

    return load


def run_remote_attempt(payload: bytes, link: Link) -> bytes:
    """Worker side: one attempt of one body (sync, or async in a loop of its own) under a remote
    frame; returns the pickled (ok, result or exception, report)."""
    info, packed = cloudpickle.loads(payload)
    for p in info["paths"]:
        if p not in sys.path:
            sys.path.append(p)  # the controller's import paths (the user's modules), where they exist here
    task, kw = cloudpickle.loads(packed)
    wlink = WorkerLink(link, info["aid"])
    run_dir = Path(info["run_dir"])
    if info.get("storage") is not None:
        from ..storage import _config as storage_config

        storage_config.set_configured(info["storage"])  # the driver's flyte.init(storage=...)
    run = RunState(
        info["run"], None, Codec(io_context=io_context(run_dir, info["raw_data_path"]), blob_loader=_blob_loader(wlink)),
        run_dir, info["start"], recorder=RemoteRecorder(wlink, info["run"], info["resumed"]),
        executor=None,  # type: ignore[arg-type]  # a remote frame's calls go back through the link
        resumed=info["resumed"], overwrite_cache=info["overwrite_cache"], disable_run_cache=info["disable_run_cache"],
        env_vars=info["env"], custom_context=info["run_custom_context"], raw_data_path=info["raw_data_path"],
        labels=info["labels"], annotations=info["annotations"],
    )
    run.link = wlink
    frame = Frame(run, info["aid"], task.name, task.short_name, KIND_REMOTE, task, info["parent"])
    frame.attempt = info["attempt"]
    tokens = (current_frame.set(frame), current_group.set(None), current_custom_context.set(info["custom_context"]))
    env = push_env(info["env"]) if info["env"] else None
    capture_begin(info["run"])  # what the body prints goes to its action's log, through the link
    try:
        value = task.func(**kw)
        if inspect.iscoroutine(value):  # an async body sent to run here: its own event loop
            value = asyncio.run(value)
        result: tuple = (True, value)
    except BaseException as e:
        result = (False, e)
    finally:
        capture_end(info["run"])
        if env is not None:
            pop_env(env)
        current_custom_context.reset(tokens[2])
        current_group.reset(tokens[1])
        current_frame.reset(tokens[0])
        try:
            run.recorder.send_output()  # type: ignore[attr-defined]
        except Exception:  # a lost link fails the attempt below, not here
            pass
    report = frame.report.get_final_report() if frame.report is not None and getattr(task, "report", False) else None
    return safe_dumps((*result, report))
