"""The inline executor: bodies run in this process (async ones on the run's loop, sync ones in
the calling thread)."""

from __future__ import annotations

import asyncio
import contextvars
import ctypes
import sys
import threading
from collections.abc import Awaitable
from typing import TYPE_CHECKING, Any, Optional

from ._protocol import AttemptExpired

if TYPE_CHECKING:
    from .._context import Frame
    from .._controller import Call


class _Interrupt(BaseException):
    """Injected into a sync body's thread when its time is up."""


def _run_sync_with_timeout(func: Any, kw: dict, seconds: float) -> Any:
    box: list = []
    ctx = contextvars.copy_context()

    def target() -> None:
        try:
            box.append((True, ctx.run(func, **kw)))
        except BaseException as e:
            box.append((False, e))

    worker = threading.Thread(target=target, name="flyte-timed-task", daemon=True)
    worker.start()
    worker.join(seconds)
    if worker.is_alive():
        # Python cannot kill a thread; ask it to stop at its next bytecode. A body blocked in C
        # (a long sleep, a socket read) stops when that call returns; the action fails now.
        ctypes.pythonapi.PyThreadState_SetAsyncExc(ctypes.c_ulong(worker.ident or 0), ctypes.py_object(_Interrupt))
        raise AttemptExpired()
    ok, value = box[0]
    if ok:
        return value
    raise value


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


class InlineExecutor:
    """Implements `Executor` in this process."""

    name = "inline"
    batches_inline = True
    awaits_sync_bodies = False

    def run_sync(self, call: Call, frame: Frame, kwargs: dict, budget: Optional[float]) -> Any:
        if budget is None:
            return call.rt.func(**kwargs)
        return _run_sync_with_timeout(call.rt.func, kwargs, budget)

    def run_async(self, call: Call, frame: Frame, kwargs: dict, budget: Optional[float]) -> Awaitable[Any]:
        if budget is None:
            return call.rt.func(**kwargs)  # the body's own coroutine: no wrapper on the common path
        return _run_with_timeout(call.rt.func(**kwargs), budget)

    def shutdown(self) -> None:
        pass


INLINE = InlineExecutor()
