"""The inline executor: bodies run in this process (async ones on the run's loop, sync ones in
the calling thread), except a sync body with a time limit, which runs where its timeout can stop it.

A timed sync body (`timeout=` or a `Timeout` deadline) runs in a worker process of a pool of
killable workers (`flyte._executor._process.killable_pool`), when its task and inputs can be
pickled. At the deadline the worker is killed (its process group: whatever the
body started dies too), the attempt fails with the SDK's timeout error (`TaskTimeoutError`,
MaxRuntimeExceededError) and is retried per the task's policy. Nothing the body would have done
after the deadline happens: no file written, no nested call, nothing recorded. Why this and not
a thread: Python cannot stop a thread. An exception injected into it fires only at its next
bytecode, so a body blocked in C (time.sleep, a socket read, a C extension's loop) runs on past
its deadline, alongside its own retry, and whatever it does then (writing files, calling tasks,
printing into the action's log) lands in the run as if it belonged to it. A killed process is the
only real stop, and it is what a Flyte backend does: there every action is a container of its
own, which a timeout kills. What changes for the body: it does not share this
process's memory (module globals it changes stay in its worker, as on a backend; inputs were
always private copies). What does not: timed sync bodies run as concurrently as untimed ones on
threads, up to $FLYTE_MAX_SYNC_WORKERS (256) at once, so a fan-out of I/O-bound timed calls
(`asyncio.gather` of `.aio` calls, `flyte.map`, threads) runs as wide as before. Workers are
forked from a server that imported flyte once (about a millisecond each, sharing its pages: an
idle worker costs ~4 MB of its own memory, 22 MB resident counting shared pages); the pool keeps
$FLYTE_MAX_WORKERS of them (default one per CPU) when idle, and the others exit after
$FLYTE_WORKER_IDLE_SECONDS (10) without an attempt.

Otherwise (a task or an input that cannot be pickled: a lock, an open file, a local object the
pickler refuses; or one a worker cannot load: a module loaded from a file under a name no import
finds), the body runs in a thread as before, and the attempt still fails at the deadline
and is retried. The thread gets an exception injected and, until it stops, is fenced: it runs
under a frame of its own, which at the deadline stops leading to the run, so any nested call,
report, checkpoint or `flyte.ctx()` it makes raises `AttemptAbandoned`, and what it prints goes
to the terminal, not to the action's log. The action's log says what happened, naming the action
and why its body could not be stopped. This process does not wait for such a thread when it exits.
"""

from __future__ import annotations

import asyncio
import contextvars
import ctypes
import sys
import threading
from collections.abc import Awaitable
from typing import TYPE_CHECKING, Any, Optional

from .._context import Frame, current_frame
from ._protocol import AttemptExpired

if TYPE_CHECKING:
    from .._controller import Call


class AttemptAbandoned(RuntimeError):
    """Raised in a timed-out body that could not be stopped, when it touches the run again."""


class _Interrupt(BaseException):
    """Injected into a sync body's thread when its time is up."""


class _AbandonedRun:
    """Stands in for the run in the frame of a body abandoned at its deadline."""

    __slots__ = ("_message",)

    def __init__(self, message: str):
        self._message = message

    def __getattr__(self, name: str) -> Any:
        raise AttemptAbandoned(self._message)


def _own_frame(frame: Frame) -> Frame:
    """A frame for one attempt in a thread: the action's, except that it can be cut loose from
    the run without touching the action's frame, which the next attempt uses."""
    if frame.lock is None:
        frame.lock = threading.Lock()  # shared with the copy, so calls are numbered as one
    own = Frame.__new__(Frame)
    for slot in Frame.__slots__:
        setattr(own, slot, getattr(frame, slot))
    return own


def _take_back(frame: Frame, own: Frame) -> None:
    """What the attempt changed on its frame becomes the action's (under the frame's lock, as a
    call's number is taken): its calls' numbers, its report, its checkpoint."""
    with frame.lock:  # type: ignore[union-attr]
        frame.counts, frame.report, frame.checkpoint = own.counts, own.report, own.checkpoint


def _abandon(frame: Frame, own: Frame, worker: threading.Thread, budget: float, why: str) -> None:
    from .._controller import system_print  # the runtime's own line in the action's log

    _take_back(frame, own)
    run = frame.run
    message = (f"action {frame.id} ({frame.task_name}, attempt {frame.attempt}) of run {run.name} timed out after "
               f"{budget:g}s; its body goes on in a thread that cannot be stopped and may not record into the run")
    own.run = _AbandonedRun(message)  # type: ignore[assignment]
    own.id = None  # type: ignore[assignment]  # what it prints is no longer the action's
    own.lock, own.counts, own.report = None, None, None
    # Python cannot kill a thread; ask it to stop at its next bytecode (a body blocked in C stops
    # when that call returns).
    ctypes.pythonapi.PyThreadState_SetAsyncExc(ctypes.c_ulong(worker.ident or 0), ctypes.py_object(_Interrupt))
    system_print(f"flyte: {message}. It ran in a thread because {why}; a body blocked in C (time.sleep, I/O, a C "
                 f"extension) runs on until that call returns, and the action's next attempt may start meanwhile. "
                 f"A sync task whose function and inputs can be pickled runs in a worker process that its timeout "
                 f'kills, as every sync task does with flyte.init(executor="process").')


def run_sync_in_thread(frame: Frame, func: Any, kw: dict, budget: float, why: str) -> Any:
    """One attempt of a sync body in a thread of its own, given `budget` seconds; `why` it could
    not run in a worker process goes into the action's log if it overruns."""
    box: list = []
    own = _own_frame(frame)
    ctx = contextvars.copy_context()
    ctx.run(current_frame.set, own)

    def target() -> None:
        try:
            box.append((True, ctx.run(func, **kw)))
        except BaseException as e:
            box.append((False, e))

    worker = threading.Thread(target=target, name=f"flyte-timed-{frame.id}", daemon=True)
    worker.start()
    worker.join(budget)
    if worker.is_alive():
        _abandon(frame, own, worker, budget, why)
        raise AttemptExpired()
    _take_back(frame, own)
    ok, value = box[0]
    if ok:
        return value
    raise value


def run_sync_timed(call: Call, kw: dict, budget: float) -> Any:
    """One attempt of a timed sync body: in a worker process that the deadline kills, if its
    task and inputs can be pickled; otherwise in a fenced thread (see the module's docstring)."""
    from ._process import BodyNotLoaded, killable_pool
    from ._remote import attempt_payload

    try:
        payload = attempt_payload(call, kw, reuse_task=True)
    except Exception as e:  # the pickler's errors are of many types; any means "not in a worker"
        why = f"its task or inputs cannot be pickled ({type(e).__name__}: {e})"
    else:
        try:
            return killable_pool().run_in_worker(call, payload, budget, require_start=True)
        except BodyNotLoaded as e:  # e.g. a module loaded from a file under a name no import finds
            why = f"a worker process could not load its task or inputs ({e})"
    return run_sync_in_thread(call, call.rt.func, kw, budget, why)


if sys.version_info >= (3, 11):

    async def _run_with_timeout(coro: Any, seconds: float) -> Any:
        try:
            async with asyncio.timeout(seconds) as cm:
                return await coro
        except TimeoutError:
            if cm.expired():
                raise AttemptExpired() from None
            raise

else:  # pragma: no cover - Python 3.10

    async def _run_with_timeout(coro: Any, seconds: float) -> Any:
        task = asyncio.ensure_future(coro)
        done, _ = await asyncio.wait({task}, timeout=seconds)
        if not done:
            task.cancel()
            raise AttemptExpired()
        return task.result()


def _timed_sync_task_loaded() -> bool:
    """Whether a task of a loaded environment has a sync body and a timeout."""
    from .._environment import list_loaded_environments

    return any(getattr(task, "timeout", None) is not None and not task.is_async
               for env in list_loaded_environments() for task in getattr(env, "tasks", {}).values())


class InlineExecutor:
    """Implements `Executor` in this process (timed sync bodies: see the module's docstring)."""

    name = "inline"
    batches_inline = True
    awaits_sync_bodies = False

    # With no budget both methods are a plain call of the body, which the controller's attempt
    # loop then makes itself (flyte._controller._actions._attempts): keep them so.
    calls_untimed_bodies_here = True
    _warmed = False  # run_starting started the killable pool

    def run_sync(self, call: Call, kwargs: dict, budget: Optional[float]) -> Any:
        if budget is None:
            return call.rt.func(**kwargs)
        return run_sync_timed(call, kwargs, budget)

    def run_async(self, call: Call, kwargs: dict, budget: Optional[float]) -> Awaitable[Any]:
        if budget is None:
            return call.rt.func(**kwargs)  # the body's own coroutine: no wrapper on the common path
        return _run_with_timeout(call.rt.func(**kwargs), budget)

    def run_starting(self) -> None:
        # A timed sync body runs in the killable pool, whose fork server takes ~0.5 s to start
        # (it imports flyte): started now, in the background, it is ready (or partly started) by
        # the time the run's first timed fan-out needs workers, instead of in that fan-out.
        if not self._warmed and _timed_sync_task_loaded():
            from ._process import killable_pool

            self._warmed = True
            killable_pool()  # returns at once: the pool starts its fork server on its I/O thread

    def shutdown(self) -> None:
        pass


INLINE = InlineExecutor()
