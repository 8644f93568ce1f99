"""Sync task bodies as Ray tasks; the controller, the store and async bodies stay in this process.

The driver (this process) sends a body to Ray with the task, its inputs and what the body needs
to know about its run. On the worker the body runs under a *remote frame*: whatever it asks of
the runtime goes back to the driver through a mailbox actor, so the driver stays the only writer
of the store and the only place action ids are decided:

- a nested task call becomes a request the driver serves exactly like a local call (recorded,
  cached, retried, dispatched to Ray again if it is sync), while the worker waits in `ray.get`,
  which frees its CPU for the callee;
- a trace records its rows through a store proxy, and a resumed run answers replay lookups;
- the body's result or exception, and its report, come back as the Ray task's return value.

Async bodies are not sent: they orchestrate (await other tasks), and an awaiting Ray task would
hold a CPU slot that the tasks it waits for may need.
"""

from __future__ import annotations

import asyncio
import itertools
import os
import sys
import threading
from pathlib import Path
from typing import TYPE_CHECKING, Any, Optional

import cloudpickle
import ray
from ray.exceptions import GetTimeoutError

from .._context import KIND_REMOTE, Frame, RunState, current_frame, current_group
from .._custom_context import current_custom_context
from .._serde import dumps
from ._ray_options import ray_options

if TYPE_CHECKING:
    from .._controller._actions import Call

_executor: Optional[RayExecutor] = None
_executor_lock = threading.Lock()


def ray_executor() -> RayExecutor:
    """The process's Ray executor, connecting to (or starting) a Ray cluster on first use."""
    global _executor
    with _executor_lock:
        if _executor is None:
            _executor = RayExecutor()
        return _executor


def _dumps(value: Any) -> bytes:
    try:
        return dumps(value)
    except Exception as e:  # an exception or result that cannot cross processes
        if isinstance(value, tuple) and value and value[0] is False:
            err = RuntimeError(f"{type(value[1]).__name__}: {value[1]} (the original exception could not be pickled: {e})")
            return dumps((False, err, *value[2:]))
        raise


# -- the mailbox: workers' requests to the driver ---------------------------------------------------


@ray.remote(num_cpus=0, max_concurrency=100_000)
class Mailbox:
    """Requests from workers, taken by the driver in batches; answers go back to the waiting caller."""

    def __init__(self) -> None:
        self._requests: asyncio.Queue = asyncio.Queue()
        self._waiting: dict[int, asyncio.Future] = {}
        self._ids = itertools.count()

    async def call(self, request: bytes) -> bytes:
        rid = next(self._ids)
        future = asyncio.get_running_loop().create_future()
        self._waiting[rid] = future
        self._requests.put_nowait((rid, request))
        return await future

    async def take(self, wait: float) -> list:
        try:
            first = await asyncio.wait_for(self._requests.get(), wait)
        except asyncio.TimeoutError:
            return []
        batch = [first]
        while not self._requests.empty():
            batch.append(self._requests.get_nowait())
        return batch

    async def answer(self, rid: int, response: bytes) -> None:
        future = self._waiting.pop(rid, None)
        if future is not None and not future.done():
            future.set_result(response)


# -- driver side ---------------------------------------------------------------------------------------


class RayExecutor:
    """Runs sync task bodies on Ray and serves the requests their workers send back."""

    def __init__(self) -> None:
        if not ray.is_initialized():
            address = os.environ.get("RAY_ADDRESS") or None
            ray.init(address=address, include_dashboard=False, log_to_driver=True, ignore_reinit_error=True)
        self.mailbox = Mailbox.remote()  # type: ignore[attr-defined]
        self._body = ray.remote(_run_body)
        self._frames: dict[str, Frame] = {}  # actions running on Ray, by id: parents of their nested calls
        self._serving: set[asyncio.Task] = set()
        self._listener = threading.Thread(target=lambda: asyncio.run(self._listen()), name="flyte-ray-mailbox", daemon=True)
        self._listener.start()

    # bodies

    def run_body(self, call: Call, frame: Frame, kw: dict, budget: Optional[float]) -> Any:
        """Run one attempt of `call`'s sync body on Ray; returns its result or raises its error.
        Raises the controller's expiry marker when `budget` seconds pass (the Ray task is cancelled)."""
        from .._controller._actions import _Expired

        rt, run = call.rt, call.run
        info = {
            "aid": call.aid, "parent": call.parent.id, "attempt": frame.attempt, "run": run.name,
            "run_dir": str(run.run_dir), "start": run.start_time, "resumed": run.replay is not None,
            "env": {**run.env_vars, **(rt.env or {})}, "custom_context": dict(current_custom_context.get() or {}),
            "run_custom_context": run.custom_context, "raw_data_path": run.raw_data_path,
            "overwrite_cache": run.overwrite_cache, "disable_run_cache": run.disable_run_cache,
            "labels": run.labels, "annotations": run.annotations,
        }
        payload = _dumps((rt.task, kw, info))
        paths = [p for p in sys.path if p and os.path.isdir(p)]
        self._frames[call.aid] = frame
        try:
            ref = self._body.options(name=rt.short_name, **ray_options(getattr(rt.task, "resources", None))).remote(
                payload, paths, self.mailbox
            )
            try:
                response = ray.get(ref, timeout=budget)
            except GetTimeoutError:
                ray.cancel(ref, force=True)
                raise _Expired() from None
            except BaseException:
                ray.cancel(ref, force=True)
                raise
        finally:
            self._frames.pop(call.aid, None)
        ok, value, report = cloudpickle.loads(response)
        if report is not None:
            path = run.run_dir / call.aid / "report.html"
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(report, encoding="utf-8")
        if ok:
            return value
        raise value

    # requests from workers

    async def _listen(self) -> None:
        while True:
            try:
                batch = await self.mailbox.take.remote(1.0)
            except Exception:  # the cluster went away (shutdown): nothing left to serve
                return
            for rid, request in batch:
                task = asyncio.ensure_future(self._serve(rid, request))
                self._serving.add(task)
                task.add_done_callback(self._serving.discard)

    async def _serve(self, rid: int, request: bytes) -> None:
        try:
            kind, payload = cloudpickle.loads(request)
            value = await getattr(self, f"_on_{kind}")(*payload)
            response = _dumps((True, value))
        except BaseException as e:
            response = _dumps((False, e))
        self.mailbox.answer.remote(rid, response)

    def _frame(self, aid: str) -> Frame:
        frame = self._frames.get(aid)
        if frame is None:
            raise RuntimeError(f"Action {aid} is not running on Ray any more; its worker's request came too late")
        return frame

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

    async def _on_store(self, parent: str, method: str, args: tuple) -> Any:
        store = self._frame(parent).run.store
        return await asyncio.to_thread(getattr(store, method), *args)

    async def _on_replay(self, parent: str, aid: str) -> Optional[bytes]:
        replay = self._frame(parent).run.replay
        return None if replay is None else replay.get(aid)


# -- worker side ---------------------------------------------------------------------------------------


class WorkerLink:
    """A worker's line to the driver: blocking and async requests through the mailbox."""

    def __init__(self, mailbox: Any, aid: str):
        self.mailbox = mailbox
        self.aid = aid

    def ask(self, kind: str, *payload: Any) -> Any:
        ok, value = cloudpickle.loads(ray.get(self.mailbox.call.remote(_dumps((kind, payload)))))
        if ok:
            return value
        raise value

    async def ask_async(self, kind: str, *payload: Any) -> Any:
        ok, value = cloudpickle.loads(await self.mailbox.call.remote(_dumps((kind, payload))))
        if ok:
            return value
        raise value

    def _call(self, task: Any, args: tuple, kwargs: dict) -> tuple:
        # the caller's group and custom context travel with the call, as they would in process
        return (self.aid, task, args, kwargs, current_group.get(), dict(current_custom_context.get() or {}))

    def call(self, task: Any, args: tuple, kwargs: dict) -> Any:
        return self.ask("call", *self._call(task, args, kwargs))

    async def call_async(self, task: Any, args: tuple, kwargs: dict) -> Any:
        return await self.ask_async("call", *self._call(task, args, kwargs))


class _StoreProxy:
    """The parts of the store a body can reach (traces, conditions), kept on the driver."""

    def __init__(self, link: WorkerLink):
        self._link = link

    def __getattr__(self, method: str) -> Any:
        if method.startswith("_"):
            raise AttributeError(method)
        return lambda *args: self._link.ask("store", self._link.aid, method, args)

    def request_flush(self) -> None:
        pass


class _ReplayProxy:
    def __init__(self, link: WorkerLink):
        self._link = link

    def get(self, aid: str) -> Optional[bytes]:
        return self._link.ask("replay", self._link.aid, aid)


def _run_body(payload: bytes, paths: list[str], mailbox: Any) -> bytes:
    """The Ray task: one attempt of one sync body, under a remote frame."""
    for p in paths:
        if p not in sys.path:
            sys.path.append(p)  # the driver's import paths (the user's modules), where they exist here
    from .._controller import _environ
    from .._serde import Codec

    task, kw, info = cloudpickle.loads(payload)
    link = WorkerLink(mailbox, info["aid"])
    store = _StoreProxy(link)
    run_dir = Path(info["run_dir"])
    run = RunState(
        info["run"], store, Codec(io_context=run_dir, blob_loader=store.load_blob), run_dir, info["start"],  # type: ignore[arg-type]
        overwrite_cache=info["overwrite_cache"], disable_run_cache=info["disable_run_cache"],
        env_vars=info["env"], custom_context=info["run_custom_context"], raw_data_path=info["raw_data_path"],
        labels=info["labels"], annotations=info["annotations"],
    )
    if info["resumed"]:
        run.replay = _ReplayProxy(link)  # type: ignore[assignment]
    run.link = link
    frame = Frame(run, info["aid"], task.name, task.short_name, KIND_REMOTE, task, info["parent"])
    frame.attempt = info["attempt"]
    tokens = (current_frame.set(frame), current_group.set(None), current_custom_context.set(info["custom_context"]))
    env = _environ.push(info["env"]) if info["env"] else None
    report = None
    try:
        outcome: tuple = (True, task.func(**kw))
    except BaseException as e:
        outcome = (False, e)
    finally:
        if env is not None:
            _environ.pop(env)
        current_custom_context.reset(tokens[2])
        current_group.reset(tokens[1])
        current_frame.reset(tokens[0])
    if frame.report is not None and getattr(task, "report", False):
        report = frame.report.get_final_report()
    return _dumps((*outcome, report))
