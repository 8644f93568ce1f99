"""`flyte.map`: one action per item, results in input order, at most `concurrency` in flight.

Unlike the SDK's local mode (which runs items one after another), items really overlap here:
async tasks as coroutines on the caller's loop, sync tasks on worker threads that run the body
in place. A failure either takes the item's slot (`return_exceptions=True`, the default) or stops
new items from starting and is raised when the consumer reaches it.
"""

from __future__ import annotations

import asyncio
import contextvars
import functools
import itertools
import queue
import threading
import time
from collections.abc import AsyncGenerator, AsyncIterator, Callable, Iterable, Iterator
from typing import Any, Optional

from ._context import current_frame, current_group
from ._task import TaskTemplate

# Sync items need a thread each while they run; with no limit given, this many at most.
DEFAULT_SYNC_CONCURRENCY = 64
# A consumer that waits this long for the next result adds a worker thread (up to the limit).
_GROW_AFTER = 0.001
# Items faster than this are run in growing batches (up to _MAX_CHUNK) by the consumer.
_FAST_ITEM = 0.0001
_MAX_CHUNK = 64

_MISSING = object()


def _resolve(func: Any, n_iterables: int) -> tuple[TaskTemplate, tuple, dict]:
    if isinstance(func, functools.partial):
        base, args, kwargs = func.func, func.args, dict(func.keywords)
    else:
        base, args, kwargs = func, (), {}
    if not isinstance(base, TaskTemplate):
        raise TypeError(
            f"flyte.map takes a task or a functools.partial of a task, got {type(base).__name__} {getattr(base, '__name__', base)!r}"
        )
    iface = base.interface
    free = [n for n in iface.names[len(args):] if n not in kwargs]
    if n_iterables == 0:
        raise TypeError("flyte.map needs at least one iterable of inputs")
    if n_iterables > len(free):
        raise TypeError(
            f"flyte.map of {base.name!r} got {n_iterables} iterables but the task has only {len(free)} unbound "
            f"input(s) ({', '.join(free) or 'none'})"
        )
    if isinstance(func, functools.partial) and not free:
        raise TypeError(f"Partial function must leave at least one parameter of {base.name!r} unspecified for map")
    # the mapped values go in positionally after the partial's own: one of those positions named
    # by a keyword of the partial would get two values (the SDK refuses it here, before any item runs)
    for name in iface.names[:len(args) + n_iterables]:
        if name in kwargs:
            raise TypeError(f"Parameter '{name}' is provided both as positional argument and keyword argument "
                            f"in partial function {base.name}.")
    return base, args, kwargs


def _group_name(task: TaskTemplate, group_name: Optional[str]) -> str:
    return f"{task.short_name}_{group_name or 'map'}"


class _Item:
    __slots__ = ("done", "ok", "value")

    def __init__(self) -> None:
        self.done = False
        self.ok = True
        self.value: Any = None


# -- async items on the loop -----------------------------------------------------------------------


async def _map_async_task(task: TaskTemplate, pargs: tuple, pkwargs: dict, items: list[tuple], concurrency: int,
                          return_exceptions: bool) -> AsyncGenerator[Any, None]:
    n = len(items)
    frame = current_frame.get()
    if frame is not None:
        from ._controller import submit_async

        rt = task._runtime()

        def invoke(args: tuple) -> Any:
            return submit_async(rt, frame, pargs + args, pkwargs)
    else:
        func = task._runtime().func

        def invoke(args: tuple) -> Any:
            return func(*pargs, *args, **pkwargs)

    # Workers are started one at a time, as they are needed: a worker starts the next one when it
    # begins an item and no started worker is still idle. Items that never wait (trivial bodies)
    # then all run in the first worker, one after another, with no task or future per item;
    # items that wait on something start a new worker each, up to the concurrency limit.
    slots: list[Any] = [_MISSING] * n  # an item's result, or _Failed
    width = n if concurrency <= 0 else min(concurrency, n)
    workers: list[asyncio.Future] = []
    next_index = itertools.count()
    loop = asyncio.get_running_loop()
    state = _AsyncMapState()

    def put(i: int, value: Any) -> None:
        slots[i] = value
        waiter = state.waiter
        if i == state.waiting_for and waiter is not None and not waiter.done():
            waiter.set_result(None)

    def spawn() -> None:
        state.idle = True
        workers.append(asyncio.ensure_future(worker()))

    async def worker() -> None:
        state.idle = False
        for i in next_index:
            if i >= n or state.stop:
                return
            if not state.idle and len(workers) < width and i + 1 < n:
                spawn()  # it runs if this item waits
            try:
                value = await invoke(items[i])
            except asyncio.CancelledError as e:
                put(i, _Failed(e))
                raise
            except BaseException as e:
                put(i, _Failed(e))
                if not return_exceptions:
                    state.stop = True
            else:
                put(i, value)

    spawn()
    try:
        for i in range(n):
            value = slots[i]
            if value is _MISSING:
                # Items are picked in input order, so every item before a failure has started and
                # will finish: the consumer never waits on an item that was stopped.
                state.waiting_for, state.waiter = i, loop.create_future()
                try:
                    await state.waiter
                finally:
                    state.waiting_for, state.waiter = -1, None
                value = slots[i]
            if type(value) is _Failed:
                error = value.error
                if return_exceptions and isinstance(error, Exception):
                    yield error
                else:
                    raise error
            else:
                yield value
    finally:
        for w in workers:
            w.cancel()


class _Failed:
    """An item's exception, kept in its slot until the consumer reaches it."""

    __slots__ = ("error",)

    def __init__(self, error: BaseException):
        self.error = error


class _AsyncMapState:
    __slots__ = ("idle", "stop", "waiter", "waiting_for")

    def __init__(self) -> None:
        self.idle = False  # a worker was started and has not begun an item yet
        self.stop = False  # an item failed and return_exceptions is off: start no more
        self.waiting_for = -1  # the item the consumer waits for (only its end wakes it)
        self.waiter: Optional[asyncio.Future] = None


# -- sync items on threads --------------------------------------------------------------------------


class _ThreadedMap:
    """Runs a sync task over items; results are read in order by one consumer.

    With `inline_consumer`, the consumer itself runs items while it waits for the next result, so
    trivial bodies run one after another in one thread with no hand-offs; a watchdog adds worker
    threads (up to the concurrency limit) as soon as an item has run for a millisecond, so slow
    (blocking) items still overlap. Without it (an event-loop consumer), worker threads run the
    items and more are added while the consumer is kept waiting."""

    def __init__(self, task: TaskTemplate, pargs: tuple, pkwargs: dict, items: list[tuple], concurrency: int,
                 return_exceptions: bool, on_done: Optional[Callable[[int], None]] = None, inline_consumer: bool = False):
        self.items = items
        self.slots = [_Item() for _ in items]
        self.cond = threading.Condition()
        self.stop = False
        self.waiting_for = -1  # the index the consumer is blocked on; only its completion wakes it
        self.return_exceptions = return_exceptions
        self.on_done = on_done
        self.inline = inline_consumer
        self._next = itertools.count()
        frame = current_frame.get()
        self._batch: Optional[Callable[[list], list]] = None
        if frame is not None:
            from ._controller import batchable, execute_batch_sync, submit_sync

            rt = task._runtime()
            self.invoke = lambda args: submit_sync(rt, frame, pargs + args, pkwargs)
            # Batching runs bodies right here; an executor that runs them elsewhere (or a body on
            # a worker) takes each item through the controller on its own.
            if inline_consumer and batchable(rt, frame):
                self._batch = lambda idxs: execute_batch_sync(
                    rt, frame, [(pargs + items[j], pkwargs) for j in idxs], stop_on_error=not return_exceptions,
                    item_started=self._item_started,
                )
        else:
            func = task._runtime().func
            self.invoke = lambda args: func(*pargs, *args, **pkwargs)
        self._chunk = 1
        limit = concurrency if concurrency > 0 else DEFAULT_SYNC_CONCURRENCY
        self.width = min(limit, len(items))
        self._ctx = contextvars.copy_context()
        self.group = current_group.get()
        self.threads: list[threading.Thread] = []
        # time.time() when the consumer's current item began (None between items); a batch
        # updates it item by item, so one slow item shows, not a batch of many fast ones
        self._item_started: list = [None]
        self._claimed = -1
        self._watchdog: Optional[threading.Thread] = None
        if not self.inline:
            self.grow()

    def _helpers_allowed(self) -> int:
        return self.width - (1 if self.inline else 0)

    def grow(self) -> None:
        if len(self.threads) >= self._helpers_allowed() or self.stop:
            return
        t = threading.Thread(target=self._ctx.copy().run, args=(self._work,), name=f"flyte-map-{len(self.threads)}", daemon=True)
        self.threads.append(t)
        t.start()

    def _claim(self) -> Optional[int]:
        i = next(self._next)  # atomic under the GIL: each index is claimed once
        self._claimed = i
        return i if i < len(self.items) and not self.stop else None

    def _run(self, i: int) -> None:
        slot = self.slots[i]
        try:
            slot.value = self.invoke(self.items[i])
        except BaseException as e:
            slot.ok, slot.value = False, e
            if not self.return_exceptions:
                self.stop = True
        slot.done = True
        if self.waiting_for == i or self.stop:
            with self.cond:
                self.cond.notify_all()
        if self.on_done is not None:
            self.on_done(i)

    def _work(self) -> None:
        while True:
            i = self._claim()
            if i is None:
                return
            self._run(i)

    def _watch(self) -> None:
        # An item counts as slow (blocked: worth overlapping) when the watchdog finds the same one
        # running past _GROW_AFTER at two looks in a row: once may be a fast item held up by
        # something else (the store's writer holding the GIL, the OS running another process),
        # which more threads only make worse. Helpers double per slow look, up to the limit.
        seen = None
        while not self.stop:
            time.sleep(_GROW_AFTER)
            since = self._item_started[0]
            if since is not None and time.time() - since >= _GROW_AFTER:
                if since == seen:
                    for _ in range(max(1, len(self.threads))):
                        self.grow()
                    if len(self.threads) >= self._helpers_allowed():
                        return
                seen = since
            else:
                seen = None
            if self._claimed >= len(self.items) - 1:
                return  # nothing left to start

    def _ensure_watchdog(self) -> None:
        if self._watchdog is None and self.width > 1:
            self._watchdog = threading.Thread(target=self._watch, name="flyte-map-watchdog", daemon=True)
            self._watchdog.start()

    def _run_batch(self) -> bool:
        """The consumer runs a chunk of items in one batch (recorded together). The chunk grows
        while items are fast and drops back to one as soon as one is slow, so slow items are
        still left to the helper threads the watchdog adds."""
        idxs = []
        for _ in range(self._chunk):
            j = self._claim()
            if j is None:
                break
            idxs.append(j)
        if not idxs:
            return False
        self._ensure_watchdog()
        start = time.monotonic()
        token = current_group.set(self.group)
        try:
            results = self._batch(idxs)  # type: ignore[misc]
        finally:
            current_group.reset(token)
            self._item_started[0] = None
        per_item = (time.monotonic() - start) / len(idxs)
        self._chunk = min(self._chunk * 2, _MAX_CHUNK) if per_item < _FAST_ITEM else 1
        for j, (ok, value) in zip(idxs, results):
            slot = self.slots[j]
            slot.ok, slot.value = ok, value
            if not ok and not self.return_exceptions:
                self.stop = True
            slot.done = True
        if self.stop:
            with self.cond:
                self.cond.notify_all()
        return True

    def result(self, i: int) -> tuple[bool, Any]:
        slot = self.slots[i]
        while not slot.done and self.inline and self._batch is not None:
            if not self._run_batch():
                break
        while not slot.done and self.inline:
            j = self._claim()
            if j is None:
                break
            self._ensure_watchdog()
            self._item_started[0] = time.time()
            token = current_group.set(self.group)  # the map's group, for this item only
            try:
                self._run(j)
            finally:
                current_group.reset(token)
                self._item_started[0] = None
        if not slot.done:
            with self.cond:
                self.waiting_for = i
                while not slot.done:
                    if self.stop and not any(t.is_alive() for t in self.threads) and not slot.done:
                        return False, _MISSING
                    if not self.cond.wait(_GROW_AFTER) and not self.inline:
                        self.grow()
                self.waiting_for = -1
        return slot.ok, slot.value

    def cancel(self) -> None:
        self.stop = True


def _sync_results(tm: _ThreadedMap, n: int, return_exceptions: bool) -> Iterator[Any]:
    try:
        for i in range(n):
            ok, value = tm.result(i)
            if value is _MISSING:
                return
            if ok:
                yield value
            elif return_exceptions and isinstance(value, Exception):
                yield value
            else:
                raise value
    finally:
        tm.cancel()


async def _map_sync_task_from_async(task: TaskTemplate, pargs: tuple, pkwargs: dict, items: list[tuple],
                                    concurrency: int, return_exceptions: bool) -> AsyncGenerator[Any, None]:
    loop = asyncio.get_running_loop()
    n = len(items)
    ready = [loop.create_future() for _ in range(n)]

    def on_done(i: int) -> None:
        def wake() -> None:
            if not ready[i].done():
                ready[i].set_result(None)

        loop.call_soon_threadsafe(wake)

    tm = _ThreadedMap(task, pargs, pkwargs, items, concurrency, return_exceptions, on_done)
    try:
        for i in range(n):
            if not tm.slots[i].done:
                if tm.stop:
                    # later items may never start; wait only for those that did
                    while not tm.slots[i].done and any(t.is_alive() for t in tm.threads):
                        await asyncio.sleep(0.01)
                    if not tm.slots[i].done:
                        return
                else:
                    while not ready[i].done():
                        await asyncio.wait({ready[i]}, timeout=_GROW_AFTER)
                        if not ready[i].done():
                            tm.grow()
            slot = tm.slots[i]
            if slot.ok:
                yield slot.value
            elif return_exceptions and isinstance(slot.value, Exception):
                yield slot.value
            else:
                raise slot.value
    finally:
        tm.cancel()


def _blocked_in_loop(n: int, return_exceptions: bool) -> Iterator[Any]:
    """The blocking `flyte.map` called on a task's event loop: it would stall the loop its items
    need, so none runs. As in the SDK's local mode, each item is an `AssertionError` naming the
    deadlock (yielded with return_exceptions, raised at the first item without), so a task that
    returns the list fails on its output type, as it does there."""
    for _ in range(n):
        # short enough that a type error quoting it still shows the way out
        err = AssertionError("Deadlock detected: blocking call flyte.map in an async task, use flyte.map.aio() there")
        if not return_exceptions:
            raise err
        yield err


# -- the public callable -----------------------------------------------------------------------------


class _Mapper:
    """`flyte.map(task, *iterables, group_name=None, concurrency=0, return_exceptions=True)`."""

    def __call__(self, func: Any, *iterables: Iterable[Any], group_name: Optional[str] = None, concurrency: int = 0,
                 return_exceptions: bool = True) -> Iterator[Any]:
        task, pargs, pkwargs = _resolve(func, len(iterables))
        try:
            asyncio.get_running_loop()
            in_loop = True
        except RuntimeError:
            in_loop = False
        items = list(zip(*iterables))
        if in_loop and current_frame.get() is not None:
            return _blocked_in_loop(len(items), return_exceptions)
        return self._iterate(task, pargs, pkwargs, items, group_name, concurrency, return_exceptions)

    def _iterate(self, task: TaskTemplate, pargs: tuple, pkwargs: dict, items: list[tuple], group_name: Optional[str],
                 concurrency: int, return_exceptions: bool) -> Iterator[Any]:
        if not items:
            return
        token = current_group.set(_group_name(task, group_name)) if current_frame.get() is not None else None
        try:
            if not task.is_async:  # type: ignore[attr-defined]
                tm = _ThreadedMap(task, pargs, pkwargs, items, concurrency, return_exceptions, inline_consumer=True)
            else:
                tm = None
        finally:
            if token is not None:
                current_group.reset(token)
        if tm is not None:
            yield from _sync_results(tm, len(items), return_exceptions)
            return
        yield from _drain_async_in_thread(
            lambda: _map_async_task(task, pargs, pkwargs, items, concurrency, return_exceptions),
            _group_name(task, group_name) if current_frame.get() is not None else None,
        )

    def aio(self, func: Any, *iterables: Iterable[Any], group_name: Optional[str] = None, concurrency: int = 0,
            return_exceptions: bool = True) -> AsyncIterator[Any]:
        task, pargs, pkwargs = _resolve(func, len(iterables))
        items = list(zip(*iterables))
        return self._aiterate(task, pargs, pkwargs, items, group_name, concurrency, return_exceptions)

    async def _aiterate(self, task: TaskTemplate, pargs: tuple, pkwargs: dict, items: list[tuple],
                        group_name: Optional[str], concurrency: int,
                        return_exceptions: bool) -> AsyncGenerator[Any, None]:
        if not items:
            return
        in_run = current_frame.get() is not None
        token = current_group.set(_group_name(task, group_name)) if in_run else None
        try:
            if task.is_async:  # type: ignore[attr-defined]
                gen = _map_async_task(task, pargs, pkwargs, items, concurrency, return_exceptions)
            else:
                gen = _map_sync_task_from_async(task, pargs, pkwargs, items, concurrency, return_exceptions)
            # The generator body starts at the first __anext__, so the group must still be set then.
            first = _MISSING
            try:
                first = await gen.__anext__()
            except StopAsyncIteration:
                return
        finally:
            if token is not None:
                current_group.reset(token)
        try:
            yield first
            async for value in gen:
                yield value
        finally:
            await gen.aclose()


def _drain_async_in_thread(make_gen: Callable[[], AsyncGenerator[Any, None]], group: Optional[str]) -> Iterator[Any]:
    """Iterate an async generator from sync code: a helper thread runs it on its own loop."""
    q: queue.Queue[tuple[str, Any]] = queue.Queue()
    stop = threading.Event()
    ctx = contextvars.copy_context()

    async def pump() -> None:
        if group is not None:
            current_group.set(group)
        gen = make_gen()
        try:
            async for value in gen:
                q.put(("item", value))
                if stop.is_set():
                    break
        except BaseException as e:
            q.put(("error", e))
            return
        finally:
            await gen.aclose()
        q.put(("end", None))

    t = threading.Thread(target=ctx.run, args=(asyncio.run, pump()), name="flyte-map-async", daemon=True)
    t.start()
    try:
        while True:
            kind, value = q.get()
            if kind == "item":
                yield value
            elif kind == "error":
                raise value
            else:
                return
    finally:
        stop.set()


map = _Mapper()
