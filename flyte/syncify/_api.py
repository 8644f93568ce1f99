"""`syncify`: one async definition, callable both ways.

`f(...)` runs the coroutine (or drives the async generator) on a background event loop owned by
the `Syncify` instance, in one daemon thread, and blocks for the result; `await f.aio(...)` (or
`async for x in f.aio(...)`) runs it on the caller's own loop. Context variables are copied into
the background run, and changes made there do not leak back. Calling the blocking form from code
already running on that background loop would wait on itself: that raises an AssertionError
naming the function instead of hanging.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import contextvars
import functools
import inspect
import sys
import threading
import types
from collections.abc import AsyncIterator, Iterator
from typing import Any, Callable, Optional

_ILLEGAL = ("Syncify can only be applied to async functions, async generators, async classmethods or "
            "staticmethods.")


def _task_in(loop: asyncio.AbstractEventLoop, coro: Any, ctx: contextvars.Context) -> asyncio.Task:
    """`loop.create_task(coro, context=ctx)`. Python 3.10 has no `context=`: there the task is
    created while `ctx` is current, so it runs in a copy of it (the same values, the same isolation)."""
    if sys.version_info >= (3, 11):
        return loop.create_task(coro, context=ctx)
    return ctx.run(loop.create_task, coro)


class _Loop:
    """A daemon thread running one event loop forever, started on first use."""

    def __init__(self, name: str):
        self.name = name
        self._loop: Optional[asyncio.AbstractEventLoop] = None
        self._thread: Optional[threading.Thread] = None
        self._lock = threading.Lock()

    def loop(self) -> asyncio.AbstractEventLoop:
        if self._loop is None:
            with self._lock:
                if self._loop is None:
                    ready = threading.Event()
                    loop = asyncio.new_event_loop()

                    def serve() -> None:
                        asyncio.set_event_loop(loop)
                        ready.set()
                        loop.run_forever()

                    self._thread = threading.Thread(target=serve, name=self.name, daemon=True)
                    self._thread.start()
                    ready.wait()
                    self._loop = loop
        return self._loop

    def in_loop_thread(self) -> bool:
        return self._thread is not None and threading.current_thread() is self._thread

    def submit(self, make: Callable[[], Any]) -> concurrent.futures.Future:
        """Run the awaitable `make()` builds on the loop, in a copy of the caller's context."""
        loop = self.loop()
        ctx = contextvars.copy_context()
        done: concurrent.futures.Future = concurrent.futures.Future()

        def start() -> None:
            try:
                task = _task_in(loop, make(), ctx)
            except BaseException as e:  # building the awaitable failed
                done.set_exception(e)
                return

            def finish(t: asyncio.Task) -> None:
                if t.cancelled():
                    done.cancel()
                elif t.exception() is not None:
                    done.set_exception(t.exception())  # type: ignore[arg-type]
                else:
                    done.set_result(t.result())

            task.add_done_callback(finish)

        loop.call_soon_threadsafe(start)
        return done


def _user_traceback(exc: BaseException, code: Optional[types.CodeType]) -> Optional[types.TracebackType]:
    """`exc`'s traceback from the user's function on (the event-loop machinery dropped)."""
    tb = exc.__traceback__
    while tb is not None and code is not None and tb.tb_frame.f_code is not code:
        tb = tb.tb_next
    return tb if tb is not None else exc.__traceback__


class _SyncIterator(Iterator[Any]):
    """Drives an async iterator on the background loop, one item per `next()`."""

    def __init__(self, owner: _Syncified, aiter: AsyncIterator[Any]):
        self._owner = owner
        self._aiter = aiter

    def __iter__(self) -> _SyncIterator:
        return self

    def __next__(self) -> Any:
        owner = self._owner
        owner._check_not_in_loop()
        try:
            return owner._syncify._loop.submit(lambda: self._aiter.__anext__()).result()
        except StopAsyncIteration:
            raise StopIteration from None
        except BaseException as e:
            raise e.with_traceback(_user_traceback(e, owner._code)) from None


class _Syncified:
    """The decorated callable; binds like the function (or classmethod/staticmethod) it wraps."""

    def __init__(self, syncify: Syncify, fn: Callable[..., Any], kind: str, bound: Any = None):
        self._syncify = syncify
        self._fn = fn
        self._kind = kind
        self._bound = bound
        self._code = getattr(fn, "__code__", None)
        self._is_gen = inspect.isasyncgenfunction(fn)
        functools.update_wrapper(self, fn)

    def __get__(self, instance: Any, owner: Optional[type] = None) -> _Syncified:
        if self._kind == "staticmethod":
            return self
        target = owner if self._kind == "classmethod" else instance
        if target is None:
            return self
        return _Syncified(self._syncify, self._fn, self._kind, bound=target)

    def _args(self, args: tuple) -> tuple:
        return (self._bound, *args) if self._bound is not None else args

    def _check_not_in_loop(self) -> None:
        if self._syncify._loop.in_loop_thread():
            raise AssertionError(
                f"Deadlock detected: blocking call used in syncify thread {self._syncify._loop.name} when calling "
                f"function {self._fn}, use .aio() if in an async call.")

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        self._check_not_in_loop()
        call_args = self._args(args)
        if self._is_gen:
            return _SyncIterator(self, self._fn(*call_args, **kwargs))
        try:
            result = self._syncify._loop.submit(lambda: self._fn(*call_args, **kwargs)).result()
        except BaseException as e:
            raise e.with_traceback(_user_traceback(e, self._code)) from None
        if hasattr(result, "__anext__") and not hasattr(result, "__next__"):
            return _SyncIterator(self, result)
        return result

    def aio(self, *args: Any, **kwargs: Any) -> Any:
        """The awaitable (or async iterator) for the caller's own event loop."""
        call_args = self._args(args)
        if self._is_gen:
            return self._relay(self._fn(*call_args, **kwargs))
        return self._isolated(lambda: self._fn(*call_args, **kwargs))

    @staticmethod
    async def _isolated(make: Callable[[], Any]) -> Any:
        """Await the coroutine in a copy of the current context, as the blocking form runs it."""
        return await _task_in(asyncio.get_running_loop(), make(), contextvars.copy_context())

    @staticmethod
    async def _relay(agen: Any) -> Any:
        async for item in agen:
            yield item

    def __repr__(self) -> str:
        return f"<syncified {getattr(self._fn, '__qualname__', self._fn)}>"


class Syncify:
    """A decorator making async functions callable from sync code too (see the module docstring).
    Each instance owns one background loop thread, named `name`."""

    def __init__(self, name: str = "flyte_syncify"):
        self._loop = _Loop(name)

    def __call__(self, obj: Any) -> Any:
        kind = "function"
        fn = obj
        if isinstance(obj, classmethod):
            kind, fn = "classmethod", obj.__func__
        elif isinstance(obj, staticmethod):
            kind, fn = "staticmethod", obj.__func__
        if isinstance(fn, type) or not (inspect.iscoroutinefunction(fn) or inspect.isasyncgenfunction(fn)):
            raise TypeError(_ILLEGAL)
        return _Syncified(self, fn, kind)


syncify = Syncify()
