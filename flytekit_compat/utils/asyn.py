"""`loop_manager`: running flytekit's async functions from sync code.

`loop_manager.synced(coroutine_function)` is a plain function that runs the coroutine to its end:
in this thread when no event loop runs here, else in a helper thread with its own loop (so sync
code called from inside a running loop, as in an async task, still gets its value).
"""

from __future__ import annotations

import asyncio
import contextvars
import functools
import threading
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

R = TypeVar("R")


def run_sync(awaitable: Awaitable[R]) -> R:
    """The result of `awaitable`, from sync code."""
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return asyncio.run(_as_coroutine(awaitable))
    box: list = []
    ctx = contextvars.copy_context()

    def target() -> None:
        try:
            box.append((True, ctx.run(asyncio.run, _as_coroutine(awaitable))))
        except BaseException as e:
            box.append((False, e))

    worker = threading.Thread(target=target, name="flytekit-sync", daemon=True)
    worker.start()
    worker.join()
    ok, value = box[0]
    if ok:
        return value
    raise value


async def _as_coroutine(awaitable: Awaitable[R]) -> R:
    return await awaitable


class LoopManager:
    def synced(self, fn: Callable[..., Awaitable[R]]) -> Callable[..., R]:
        @functools.wraps(fn)
        def run(*args: Any, **kwargs: Any) -> R:
            return run_sync(fn(*args, **kwargs))

        return run

    def run_sync(self, fn: Callable[..., Awaitable[R]], *args: Any, **kwargs: Any) -> R:
        return run_sync(fn(*args, **kwargs))


loop_manager = LoopManager()

__all__ = ["LoopManager", "loop_manager", "run_sync"]
