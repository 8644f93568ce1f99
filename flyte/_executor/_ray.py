"""Sync task bodies as Ray tasks; the controller, the store and async bodies stay in this process.

The driver (this process) sends a body to Ray with the task, its inputs and what the body needs
to know about its run. On the worker the body runs under a *remote frame*: whatever it asks of
the runtime goes back to the driver through a mailbox actor, so the driver stays the only writer
of the store and the only place action ids are decided:

- a nested task call becomes a request the driver serves exactly like a local call (recorded,
  cached, retried, dispatched to Ray again if it is sync), while the worker waits in `ray.get`,
  which frees its CPU for the callee;
- a trace records through a `RemoteRecorder`, which has the driver's recorder write its rows
  (and answer a resumed run's replay lookups);
- the body's result or exception, and its report, come back as the Ray task's return value.

Async bodies are not sent: they orchestrate (await other tasks), and an awaiting Ray task would
hold a CPU slot that the tasks it waits for may need.
"""

from __future__ import annotations

import asyncio
import itertools
import os
import threading
from collections.abc import Awaitable
from typing import TYPE_CHECKING, Any, Optional

import ray
from ray.exceptions import GetTimeoutError

from ._inline import INLINE
from ._protocol import AttemptExpired
from ._ray_options import ray_options
from ._remote import AttemptOutcome, RequestServer, attempt_payload, run_remote_attempt, save_report

if TYPE_CHECKING:
    from .._context import Frame
    from .._controller import Call

_executor: Optional[RayExecutor] = None
_executor_lock = threading.Lock()


def ray_executor() -> RayExecutor:
    """The process's Ray executor, connecting to (or starting) a Ray cluster on first use."""
    global _executor
    with _executor_lock:
        if _executor is None:
            _executor = RayExecutor()
        return _executor


# -- the mailbox: workers' requests to the driver ---------------------------------------------------


@ray.remote(num_cpus=0, max_concurrency=100_000)  # type: ignore[call-overload]  # ray's overloads omit actor options
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


class MailboxLink:
    """A worker's `Link` to the driver through the mailbox actor."""

    def __init__(self, mailbox: Any):
        self.mailbox = mailbox

    def send(self, request: bytes) -> bytes:
        return ray.get(self.mailbox.call.remote(request))

    async def send_async(self, request: bytes) -> bytes:
        return await self.mailbox.call.remote(request)


# -- driver side ---------------------------------------------------------------------------------------


class RayExecutor:
    """Implements `Executor`: sync bodies below a run's root run as Ray tasks; the root (which
    orchestrates) and async bodies run inline."""

    name = "ray"
    batches_inline = False  # every call goes through run_sync, so that it reaches Ray

    def __init__(self) -> None:
        if not ray.is_initialized():
            # A cluster only when RAY_ADDRESS names one: with None, ray.init joins whatever local
            # cluster this machine last started (another user's, running other code); "local"
            # starts this process its own.
            address = os.environ.get("RAY_ADDRESS") or "local"
            ray.init(address=address, include_dashboard=False, log_to_driver=True, ignore_reinit_error=True)
        self.mailbox = Mailbox.remote()  # type: ignore[attr-defined]
        self._body = ray.remote(_run_body)
        self._server = RequestServer()
        self._serving: set[asyncio.Task] = set()
        self._listener = threading.Thread(target=lambda: asyncio.run(self._listen()), name="flyte-ray-mailbox", daemon=True)
        self._listener.start()

    def run_async(self, call: Call, frame: Frame, kwargs: dict, budget: Optional[float]) -> Awaitable[Any]:
        return INLINE.run_async(call, frame, kwargs, budget)

    def run_sync(self, call: Call, frame: Frame, kwargs: dict, budget: Optional[float]) -> Any:
        if call.parent.id is None:
            return INLINE.run_sync(call, frame, kwargs, budget)
        payload = attempt_payload(call, frame, kwargs)
        self._server.frames[call.aid] = frame
        try:
            ref = self._body.options(name=call.rt.short_name, **ray_options(getattr(call.rt.task, "resources", None))).remote(
                payload, self.mailbox
            )
            try:
                response = ray.get(ref, timeout=budget)
            except GetTimeoutError:
                ray.cancel(ref, force=True)
                raise AttemptExpired() from None
            except BaseException:
                ray.cancel(ref, force=True)
                raise
        finally:
            self._server.frames.pop(call.aid, None)
        import cloudpickle

        answer: AttemptOutcome = cloudpickle.loads(response)
        save_report(call, answer.report)
        return answer.result()

    def shutdown(self) -> None:
        pass

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
        self.mailbox.answer.remote(rid, await self._server.serve(request))


# -- worker side ---------------------------------------------------------------------------------------


def _run_body(payload: bytes, mailbox: Any) -> bytes:
    """The Ray task: one attempt of one sync body, under a remote frame."""
    return run_remote_attempt(payload, MailboxLink(mailbox))
