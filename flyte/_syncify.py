"""Functions usable both ways: `f(...)` blocks, `await f.aio(...)` does not.

The SDK calls these "syncified". Ours never deadlock when the blocking form is used inside a
running event loop: they run on a helper thread with their own loop instead.
"""

from __future__ import annotations

import asyncio
import contextvars
import functools
import threading
from collections.abc import Callable, Coroutine
from typing import Any, Generic, TypeVar

T = TypeVar("T")


def _loop_running() -> bool:
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return False
    return True


def run_blocking(make_coro: Callable[[], Coroutine[Any, Any, T]]) -> T:
    """Run a coroutine to completion from sync code, whether or not this thread has a running loop."""
    if not _loop_running():  # (outside the except clause: a failure here must not chain to its RuntimeError)
        return asyncio.run(make_coro())
    box: list = []
    ctx = contextvars.copy_context()

    def target() -> None:
        try:
            box.append((True, ctx.run(lambda: asyncio.run(make_coro()))))
        except BaseException as e:
            box.append((False, e))

    t = threading.Thread(target=target, name="flyte-syncify", daemon=True)
    t.start()
    t.join()
    ok, value = box[0]
    if ok:
        return value
    raise value


class Dual(Generic[T]):
    """Wraps an async function: calling blocks; `.aio(...)` returns the awaitable."""

    def __init__(self, afunc: Callable[..., Coroutine[Any, Any, T]]):
        self._afunc = afunc
        functools.update_wrapper(self, afunc)

    def __call__(self, *args: Any, **kwargs: Any) -> T:
        return run_blocking(lambda: self._afunc(*args, **kwargs))

    def aio(self, *args: Any, **kwargs: Any) -> Coroutine[Any, Any, T]:
        return self._afunc(*args, **kwargs)

    def __get__(self, obj: Any, objtype: Any = None) -> Any:
        if obj is None:
            return self
        return Dual(functools.partial(self._afunc, obj))


def syncify(afunc: Callable[..., Coroutine[Any, Any, T]]) -> Dual[T]:
    return Dual(afunc)


class Immediate:
    """Wraps a quick sync function: calling runs it; `await f.aio(...)` runs it too, for code
    written against the SDK's syncified API (no thread: nothing in it blocks)."""

    def __init__(self, fn: Callable[..., Any]):
        self._fn = fn
        self.__doc__ = fn.__doc__
        self.__name__ = getattr(fn, "__name__", type(fn).__name__)
        self.__wrapped__ = fn  # inspect.signature shows the function's

    def __get__(self, obj: Any, objtype: Any = None) -> Any:
        # as a method (`run.wait()`, `await run.wait.aio()`), bound to its instance
        if obj is None:
            return self
        bound = Immediate(functools.partial(self._fn, obj))
        bound.__name__, bound.__doc__ = self.__name__, self.__doc__
        return bound

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        return self._fn(*args, **kwargs)

    async def aio(self, *args: Any, **kwargs: Any) -> Any:
        return self._fn(*args, **kwargs)
