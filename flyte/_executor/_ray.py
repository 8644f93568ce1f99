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

Async bodies stay in the driver by default: they orchestrate (await other tasks), and an
awaiting Ray task would hold a CPU slot that the tasks it waits for may need. With
`FLYTE_RAY_ASYNC_BODIES` (all, or some tasks' names) they run on the cluster too, in an event
loop of their own on the worker; their nested calls travel to the driver like a sync body's,
awaited there rather than blocked on.
"""

from __future__ import annotations

import asyncio
import atexit
import itertools
import os
import threading
import time
import uuid
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Any, Optional

import cloudpickle
import ray
from ray.exceptions import GetTimeoutError

from ._inline import INLINE
from ._protocol import AttemptExpired, WorkerLost
from ._ray_options import ray_options
from ._remote import AttemptOutcome, RequestServer, attempt_payload, run_remote_attempt, save_report

if TYPE_CHECKING:
    from .._controller import Call

_executor: Optional[RayExecutor] = None
_executor_lock = threading.Lock()


def ray_executor() -> RayExecutor:
    """The process's Ray executor, connecting to (or starting) a Ray cluster on first use, and
    again after the program shut Ray down itself (the old executor's mailbox died with it)."""
    global _executor
    with _executor_lock:
        if _executor is not None and not ray.is_initialized():
            _executor.shutdown()
            _executor = None
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
    """A worker's `Link` to the driver through the mailbox actor, named: a task sends the
    mailbox's name, not its handle, which Ray would serialize, and track as borrowed, with every
    task. The handle is looked up when a body first asks something, once per worker process."""

    _handles: dict[str, Any] = {}
    LOOKUP_TIMEOUT = 60.0  # seconds: Ray registers an actor's name asynchronously, so it may not be known yet

    def __init__(self, name: str):
        self.name = name

    def _lookup(self) -> Any:
        """The mailbox's handle, or None while Ray does not know the name yet."""
        mailbox = self._handles.get(self.name)
        if mailbox is None:
            try:
                mailbox = self._handles[self.name] = ray.get_actor(self.name)
            except ValueError:
                return None
        return mailbox

    def _missing(self) -> LookupError:
        return LookupError(f"the driver's mailbox actor {self.name!r} was not found in {self.LOOKUP_TIMEOUT:.0f} s "
                           f"(has the driver gone?)")

    def send(self, request: bytes) -> bytes:
        deadline = time.monotonic() + self.LOOKUP_TIMEOUT
        while (mailbox := self._lookup()) is None:
            if time.monotonic() > deadline:
                raise self._missing()
            time.sleep(0.05)
        return ray.get(mailbox.call.remote(request))

    async def send_async(self, request: bytes) -> bytes:
        deadline = time.monotonic() + self.LOOKUP_TIMEOUT
        while (mailbox := self._lookup()) is None:
            if time.monotonic() > deadline:
                raise self._missing()
            await asyncio.sleep(0.05)
        return await mailbox.call.remote(request)


# -- driver side ---------------------------------------------------------------------------------------


class Completions:
    """Awaitable answers of Ray tasks, got in batches.

    `asyncio.wrap_future(ref.future())` costs the driver about 0.1-0.2 ms of CPU per task beyond
    a plain `ray.get`: Ray fetches and deserializes each object in its io thread (taking the GIL
    for it) and sets a concurrent future that wakes the event loop, once per task. Here the io
    thread only notes that an object exists (`ObjectRef._on_ready`, which fetches nothing) and
    wakes the event loop once per batch of noted objects, which the loop gets with one `ray.get`
    if they are all here already (`timeout=0`: the common small answer, which Ray keeps in this
    process's memory); a batch with an object still to fetch from another node, or a failed one,
    is got in a thread, so the loop never waits for a transfer. On a Ray without `_on_ready`,
    `watch` falls back to the future."""

    def __init__(self) -> None:
        self._noted: dict[Any, list] = {}  # per event loop: (ref, future) noted since its last batch
        self._lock = threading.Lock()

    def watch(self, ref: Any) -> asyncio.Future:
        """A future of this event loop that gets `ref`'s value (or its error)."""
        on_ready = getattr(ref, "_on_ready", None)
        if on_ready is None:
            return asyncio.wrap_future(ref.future())
        loop = asyncio.get_running_loop()
        future = loop.create_future()
        on_ready(lambda _error: self._note(loop, ref, future))
        return future

    def _note(self, loop: asyncio.AbstractEventLoop, ref: Any, future: asyncio.Future) -> None:
        """Ray's io thread: `ref` is ready; the first of a batch wakes the loop."""
        with self._lock:
            noted = self._noted.get(loop)
            first = noted is None
            if noted is None:
                noted = self._noted[loop] = []
            noted.append((ref, future))
        if first:
            try:
                loop.call_soon_threadsafe(self._take, loop)
            except RuntimeError:  # that loop is closed: nobody awaits these any more
                with self._lock:
                    self._noted.pop(loop, None)

    def _take(self, loop: asyncio.AbstractEventLoop) -> None:
        with self._lock:
            batch = self._noted.pop(loop, [])
        try:
            values = ray.get([ref for ref, _ in batch], timeout=0)
        except Exception:  # one is still on another node, or failed: the batch is got in a thread
            loop.run_in_executor(None, self._get_slowly, loop, batch)
            return
        self._deliver([(future, True, value) for (_, future), value in zip(batch, values)])

    def _get_slowly(self, loop: asyncio.AbstractEventLoop, batch: list) -> None:
        answers = []
        for ref, future in batch:
            try:
                answers.append((future, True, ray.get(ref)))
            except Exception as e:  # delivered to its awaiting attempt
                answers.append((future, False, e))
        try:
            loop.call_soon_threadsafe(self._deliver, answers)
        except RuntimeError:  # that loop is closed
            pass

    @staticmethod
    def _deliver(answers: list) -> None:
        """(future, succeeded, value or error) answers to their futures, on the future's loop."""
        for future, ok, value in answers:
            if future.done():  # its attempt stopped waiting (cancelled, timed out)
                continue
            if ok:
                future.set_result(value)
            else:
                future.set_exception(value)


# Ray's own word that the process or machine running a task is gone (not the body's exception,
# which comes back inside the answer).
_LOST = (ray.exceptions.WorkerCrashedError, ray.exceptions.NodeDiedError, ray.exceptions.LocalRayletDiedError,
         ray.exceptions.ObjectLostError)

ASYNC_BODIES_ENV = "FLYTE_RAY_ASYNC_BODIES"
# Ray's scheduling strategy for task bodies: DEFAULT packs a stream of short tasks onto the
# workers it already leased (fast, but a fan-out of quick tasks may stay on one node); SPREAD
# places them across the nodes, as a fan-out meant to use the whole cluster wants.
SCHEDULING_ENV = "FLYTE_RAY_SCHEDULING_STRATEGY"


def _async_on_cluster(rt: Any) -> bool:
    """Whether an async body runs on the cluster: `FLYTE_RAY_ASYNC_BODIES` set to 1/all, or to a
    comma-separated list naming the task (short or full name), in this process's environment or
    in the task's environment's env_vars (a per-task option)."""
    value = ((rt.env or {}).get(ASYNC_BODIES_ENV) or os.environ.get(ASYNC_BODIES_ENV, "")).strip().lower()
    if not value or value in ("0", "false", "no", "none"):
        return False
    if value in ("1", "true", "yes", "all"):
        return True
    names = {v.strip() for v in value.split(",")}
    return rt.short_name.lower() in names or rt.name.lower() in names


def _lost(call: Call, e: BaseException) -> WorkerLost:
    first = str(e).strip().splitlines()[0] if str(e).strip() else type(e).__name__
    return WorkerLost(f"the Ray worker running {call.rt.short_name} (action {call.aid}, attempt {call.attempt}) "
                      f"died before it answered: {type(e).__name__}: {first}")


class RayExecutor:
    """Implements `Executor`: sync bodies below a run's root run as Ray tasks, and async ones too
    when asked (`FLYTE_RAY_ASYNC_BODIES`); the root and other async bodies run inline.

    An attempt is awaited, not waited for in a thread (`awaits_sync_bodies`): a fan-out of a
    thousand actions holds a thousand futures, not a thousand threads, and cancelling the
    awaiting coroutine (a cancelled or timed-out parent) cancels the Ray task. Ray never retries
    a task on its own (max_retries=0): a worker that dies is a failed attempt (`WorkerLost`),
    retried by the task's retry policy and recorded like any other."""

    name = "ray"
    TAKE_PATIENCE = 3.0  # seconds to await one `take` (which answers within 1 s) before checking Ray is still up
    batches_inline = False  # every call goes through the executor, so that it reaches Ray
    awaits_sync_bodies = True
    calls_untimed_bodies_here = False  # bodies run as Ray tasks

    def __init__(self) -> None:
        if not ray.is_initialized():
            # A cluster only when RAY_ADDRESS names one: with None, ray.init joins whatever local
            # cluster this machine last started (another user's, running other code); "local"
            # starts this process its own.
            address = os.environ.get("RAY_ADDRESS") or "local"
            ray.init(address=address, include_dashboard=False, log_to_driver=True, ignore_reinit_error=True)
        self.mailbox_name = f"flyte-mailbox-{uuid.uuid4().hex}"
        self.mailbox = Mailbox.options(name=self.mailbox_name).remote()  # type: ignore[attr-defined]
        # The mailbox's name travels inside the function (pickled once, when Ray exports it), not
        # as an argument of every task, which Ray would check against the signature and serialize.
        self._body = ray.remote(max_retries=0)(_body_for(self.mailbox_name))
        self._variants: dict[tuple, Any] = {}  # the body with one task's options, made once per task
        self._remotes: dict[int, tuple[Any, Any]] = {}  # id(task runtime) -> (it, its variant): no key built per call
        self._completions = Completions()
        self._server = RequestServer()
        self._serving: set[asyncio.Task] = set()
        self._stopping = threading.Event()
        self._listening: Optional[tuple[asyncio.AbstractEventLoop, asyncio.Task]] = None
        self._listener = threading.Thread(target=lambda: asyncio.run(self._listen()), name="flyte-ray-mailbox", daemon=True)
        self._listener.start()
        # Registered after `ray.init` registered its own `ray.shutdown`, so it runs first (atexit
        # is last-in, first-out): a listener still calling `.remote()` on a shut-down core worker
        # makes Ray end the whole process with exit status 1, after the run succeeded.
        atexit.register(self.shutdown)

    def _submit(self, call: Call, kwargs: dict) -> Any:
        rt = call.rt
        known = self._remotes.get(id(rt))
        remote = known[1] if known is not None and known[0] is rt else self._variant(rt)
        # the task travels pickled once per process, and is unpickled once per worker
        payload = attempt_payload(call, kwargs, reuse_task=True)
        self._server.frames[call.aid] = call
        return remote.remote(payload)

    def _variant(self, rt: Any) -> Any:
        """The body with `rt`'s Ray options: one per task name and resources."""
        resources = getattr(rt.task, "resources", None)
        key = (rt.short_name, repr(resources))
        remote = self._variants.get(key)
        if remote is None:
            options = ray_options(resources)
            strategy = os.environ.get(SCHEDULING_ENV, "").strip().upper()
            if strategy:
                if strategy not in ("DEFAULT", "SPREAD"):
                    raise ValueError(f"{SCHEDULING_ENV}={strategy!r} is not a Ray scheduling strategy; use DEFAULT or SPREAD")
                options["scheduling_strategy"] = strategy
            remote = self._variants[key] = self._body.options(name=rt.short_name, **options)
        if len(self._remotes) >= 4096:  # task runtimes made on the fly (overrides): keep it bounded
            self._remotes.clear()
        self._remotes[id(rt)] = (rt, remote)
        return remote

    def run_starting(self) -> None:
        pass  # joined Ray when it was made

    def run_async(self, call: Call, kwargs: dict, budget: Optional[float]) -> Awaitable[Any]:
        rt = call.rt
        if call.parent.id is None:
            if rt.is_async:
                return INLINE.run_async(call, kwargs, budget)
            return asyncio.to_thread(INLINE.run_sync, call, kwargs, budget)
        if rt.is_async and not _async_on_cluster(rt):
            return INLINE.run_async(call, kwargs, budget)
        return self._await_remote(call, kwargs, budget)

    async def _await_remote(self, call: Call, kwargs: dict, budget: Optional[float]) -> Any:
        ref = self._submit(call, kwargs)
        try:
            answer = self._completions.watch(ref)
            try:
                response = await (answer if budget is None else asyncio.wait_for(answer, budget))
            except asyncio.TimeoutError:
                ray.cancel(ref, force=True)
                raise AttemptExpired() from None
            except _LOST as e:
                raise _lost(call, e) from None
            except BaseException:  # cancelled (the parent was), or the cluster went away
                ray.cancel(ref, force=True)
                raise
        finally:
            self._server.frames.pop(call.aid, None)
        return self._conclude(call, response)

    def run_sync(self, call: Call, kwargs: dict, budget: Optional[float]) -> Any:
        if call.parent.id is None:
            return INLINE.run_sync(call, kwargs, budget)
        ref = self._submit(call, kwargs)
        try:
            try:
                response = ray.get(ref, timeout=budget)
            except GetTimeoutError:
                ray.cancel(ref, force=True)
                raise AttemptExpired() from None
            except _LOST as e:
                raise _lost(call, e) from None
            except BaseException:
                ray.cancel(ref, force=True)
                raise
        finally:
            self._server.frames.pop(call.aid, None)
        return self._conclude(call, response)

    @staticmethod
    def _conclude(call: Call, response: bytes) -> Any:
        answer: AttemptOutcome = cloudpickle.loads(response)  # once: a large result is not decoded twice
        if answer.report is not None:
            save_report(call, answer.report)
        return answer.result()

    def shutdown(self) -> None:
        """Stop taking workers' requests; when it returns, this executor's thread no longer calls Ray
        (so Ray may be shut down). Tasks already submitted are left to Ray."""
        self._stopping.set()
        listening = self._listening
        if listening is not None:
            loop, task = listening
            try:
                loop.call_soon_threadsafe(task.cancel)
            except RuntimeError:  # its loop has already closed
                pass
        if self._listener is not threading.current_thread():
            self._listener.join(timeout=10.0)

    # requests from workers

    async def _listen(self) -> None:
        current = asyncio.current_task()
        assert current is not None
        self._listening = (asyncio.get_running_loop(), current)
        taking: Optional[asyncio.Future] = None
        # Ray is checked as well as the flag: a program may shut Ray down itself, after which a
        # `.remote()` ends the process and a pending `take` never answers (so it is awaited a few
        # seconds at a time, then Ray is checked again).
        while not self._stopping.is_set() and ray.is_initialized():
            if taking is None:
                taking = asyncio.wrap_future(self.mailbox.take.remote(1.0).future())
            try:
                done, _ = await asyncio.wait({taking}, timeout=self.TAKE_PATIENCE)
                if not done:
                    continue
                batch = taking.result()
            except asyncio.CancelledError:  # shutdown: the process is ending
                return
            except Exception:  # the cluster went away: nothing left to serve
                return
            taking = None
            for rid, request in batch:
                task = asyncio.ensure_future(self._serve(rid, request))
                self._serving.add(task)
                task.add_done_callback(self._serving.discard)

    async def _serve(self, rid: int, request: bytes) -> None:
        self.mailbox.answer.remote(rid, await self._server.serve(request))


# -- worker side ---------------------------------------------------------------------------------------


def _body_for(mailbox: str) -> Callable[[bytes], bytes]:
    """The Ray task of the driver whose mailbox actor is named `mailbox`."""

    def run_body(payload: bytes) -> bytes:
        """One attempt of one body, under a remote frame."""
        return run_remote_attempt(payload, MailboxLink(mailbox))

    return run_body
