"""The controller: turns a task call inside a run into a recorded, retried, timed, cached action.

A call goes through `prepare` (bind and check the arguments, encode them, derive the action id,
answer from a resumed run or the cache) and then `execute_async` or `execute_sync` (run the body
with retries and a timeout, record the outcome). Async bodies run on the caller's event loop;
sync bodies run in the caller's thread, because a sync parent is blocked on the call anyway, which
makes a sync→sync call as cheap as an async one.
"""

from __future__ import annotations

import asyncio
import contextvars
import ctypes
import sys
import threading
import time
from typing import TYPE_CHECKING, Any, Optional

from .._context import KIND_REMOTE, KIND_TASK, KIND_TRACE, Frame, RunState, current_frame, current_group
from .._serde import SerializationError, digest
from ..errors import (
    BaseRuntimeError,
    MaxRuntimeExceededError,
    NonRecoverableError,
    RuntimeDataValidationError,
    TaskTimeoutError,
    TraceDoesNotAllowNestedTasksError,
)
from . import _environ
from ._errors import crossing_error, error_code, format_failure
from ._ids import action_id

if TYPE_CHECKING:
    from .._task import TaskRuntime

_now = time.time
_SCALARS = frozenset((int, float, str, bool, bytes, type(None)))


class Call:
    """A prepared call: everything `execute_*` needs, or the answer when none is needed."""

    __slots__ = ("aid", "cache_key", "done", "group", "inputs", "packed", "parent", "rt", "run", "start", "value")

    def __init__(self, rt: TaskRuntime, parent: Frame, packed: bytes, aid: str, group: Optional[str]):
        self.rt = rt
        self.parent = parent
        self.run = parent.run
        self.packed = packed
        self.aid = aid
        self.group = group
        self.cache_key: Optional[str] = None
        self.done = False
        self.value: Any = None
        self.start = 0.0


def _encode_inputs(rt: TaskRuntime, run: RunState, inputs: dict) -> bytes:
    try:
        return run.codec.pack(inputs)
    except SerializationError:
        for name, value in inputs.items():  # find the culprit only on the error path
            try:
                run.codec.pack(value)
            except SerializationError as e:
                raise TypeError(f"Cannot pass input {name!r} to task {rt.name!r}: {e}") from e
        raise


def _nested_in_trace(rt: TaskRuntime, parent: Frame) -> TraceDoesNotAllowNestedTasksError:
    return TraceDoesNotAllowNestedTasksError(
        f"Task {rt.name!r} was called from inside the traced function {parent.task_name!r}; "
        "traces record plain functions and cannot start tasks."
    )


def prepare(rt: TaskRuntime, parent: Frame, args: tuple, kwargs: dict) -> Call:
    if parent.kind == KIND_TRACE:
        raise _nested_in_trace(rt, parent)
    run = parent.run
    inputs = rt.iface.bind(rt.name, args, kwargs)
    packed = _encode_inputs(rt, run, inputs)
    group = current_group.get()
    seq = parent.next_seq((rt.name, packed, group))
    aid = action_id(parent.id, packed, rt.name, seq, group)
    call = Call(rt, parent, packed, aid, group)
    call.inputs = inputs
    replay = run.replay
    if replay is not None:
        stored = replay.get(aid)
        if stored is not None:
            call.done = True
            call.value = run.codec.unpack(stored)
            return call
    if rt.cache is not None and (run.cache_read or run.cache_write):
        call.cache_key = rt.cache_key(inputs, digest(packed) if inputs else "")
        if run.cache_read and rt.cache_readable:
            hit = run.store.cache_get(call.cache_key, rt.cache_max_age)
            if hit is not None:
                _record_cache_hit(call, hit)
    return call


def _record_cache_hit(call: Call, outputs: bytes) -> None:
    rt, run = call.rt, call.run
    now = _now()
    run.store.action_finished(
        (run.name, call.aid, call.parent.id, rt.name, rt.short_name, call.group, KIND_TASK, "SUCCEEDED", 0,
         now, now, call.packed, outputs, None, None, "hit")
    )
    call.done = True
    call.value = run.codec.unpack(outputs)


def _started(call: Call) -> Frame:
    rt, run = call.rt, call.run
    call.start = _now()
    run.store.action_started(
        (run.name, call.aid, call.parent.id, rt.name, rt.short_name, call.group, KIND_TASK, "RUNNING", 0,
         call.start, None, call.packed, None, None, None, "miss" if call.cache_key else None)
    )
    return Frame(run, call.aid, rt.name, rt.short_name, KIND_TASK, rt.task, call.parent.id)


def _succeeded(call: Call, frame: Frame, result: Any) -> Any:
    rt, run = call.rt, call.run
    try:
        result = rt.iface.check_outputs(rt.name, result)
        out = run.codec.pack(result)
    except SerializationError as e:
        raise RuntimeDataValidationError("o0", e, rt.name) from e
    end = _now()
    if frame.report is not None and rt.report:
        frame.report.write(run.run_dir / call.aid / "report.html")
    run.store.action_finished(
        (run.name, call.aid, call.parent.id, rt.name, rt.short_name, call.group, KIND_TASK, "SUCCEEDED",
         frame.attempt, call.start, end, call.packed, out, None, None, "miss" if call.cache_key else None)
    )
    if call.cache_key is not None and run.cache_write:
        run.store.cache_put(call.cache_key, rt.name, rt.cache_version, out)
    return run.codec.unpack(out)


def _failed(call: Call, frame: Frame, e: BaseException, phase: str = "FAILED") -> None:
    rt, run = call.rt, call.run
    if frame.report is not None and rt.report:
        try:
            frame.report.write(run.run_dir / call.aid / "report.html")
        except OSError:
            pass
    run.store.action_finished(
        (run.name, call.aid, call.parent.id, rt.name, rt.short_name, call.group, KIND_TASK, phase,
         frame.attempt, call.start, _now(), call.packed, None, error_code(e), format_failure(e), None)
    )


def _attempt_failed(call: Call, attempt: int, start: float, e: BaseException) -> None:
    call.run.store.attempt_failed((call.run.name, call.aid, attempt, start, _now(), error_code(e), format_failure(e)))


def _should_retry(rt: TaskRuntime, call: Call, attempt: int, e: BaseException) -> Optional[float]:
    """Seconds to wait before the next attempt, or None if this failure is final."""
    if attempt > rt.retries or isinstance(e, NonRecoverableError):
        return None
    delay = rt.backoff.compute_delay(attempt - 1).total_seconds() if rt.backoff is not None else 0.0
    if rt.deadline is not None and _now() + delay >= call.start + rt.deadline:
        return None
    return delay


def _timeout_error(rt: TaskRuntime, seconds: float) -> TaskTimeoutError:
    return MaxRuntimeExceededError(f"Task {rt.name!r} exceeded its timeout of {seconds:g}s and was stopped")


def _attempt_budget(rt: TaskRuntime, call: Call) -> Optional[float]:
    budget = rt.timeout
    if rt.deadline is not None:
        left = call.start + rt.deadline - _now()
        budget = left if budget is None else min(budget, left)
    return budget


# -- async ---------------------------------------------------------------------------------------

if sys.version_info >= (3, 11):

    async def _run_with_timeout(coro: Any, seconds: float) -> Any:
        try:
            async with asyncio.timeout(seconds) as cm:
                return await coro
        except TimeoutError:
            if cm.expired():
                raise _Expired() from None
            raise

else:  # pragma: no cover - Python 3.10

    async def _run_with_timeout(coro: Any, seconds: float) -> Any:
        task = asyncio.ensure_future(coro)
        done, _ = await asyncio.wait({task}, timeout=seconds)
        if not done:
            task.cancel()
            raise _Expired()
        return task.result()


class _Expired(Exception):
    """Internal marker: the attempt ran out of time (distinct from a TimeoutError the body raised)."""


async def execute_async(call: Call) -> Any:
    rt, run = call.rt, call.run
    if call.cache_key is not None and rt.cache_serialize:
        return await _serialized_async(call)
    frame = _started(call)
    token = current_frame.set(frame)
    gtoken = current_group.set(None) if call.group is not None else None
    env = _environ.push(rt.env) if rt.env else None
    attempt = 0
    try:
        while True:
            attempt += 1
            frame.attempt = attempt
            astart = _now()
            try:
                kw = run.codec.unpack(call.packed)
                budget = _attempt_budget(rt, call) if (rt.timeout or rt.deadline) else None
                if budget is None:
                    result = await rt.func(**kw)
                else:
                    result = await _run_with_timeout(rt.func(**kw), max(budget, 0.0))
                return _succeeded(call, frame, result)
            except asyncio.CancelledError as e:
                _failed(call, frame, e, "ABORTED")
                raise
            except (KeyboardInterrupt, SystemExit) as e:
                _failed(call, frame, e, "ABORTED")
                raise
            except BaseException as e:
                err: BaseException = _timeout_error(rt, _attempt_budget_seconds(rt)) if isinstance(e, _Expired) else e
                _attempt_failed(call, attempt, astart, err)
                delay = _should_retry(rt, call, attempt, err)
                if delay is None:
                    _failed(call, frame, err, "TIMED_OUT" if isinstance(err, TaskTimeoutError) else "FAILED")
                    raise crossing_error(err) from err
                if delay:
                    await asyncio.sleep(delay)
    finally:
        if env is not None:
            _environ.pop(env)
        if gtoken is not None:
            current_group.reset(gtoken)
        current_frame.reset(token)


def _attempt_budget_seconds(rt: TaskRuntime) -> float:
    return rt.timeout if rt.timeout is not None else (rt.deadline or 0.0)


async def _serialized_async(call: Call) -> Any:
    """Cache(serialize=True): identical concurrent calls run once; the others reuse the result."""
    run, key = call.run, call.cache_key
    assert key is not None
    with run.inflight_lock:
        lock = run.inflight.get(("async", key))
        if lock is None:
            lock = run.inflight[("async", key)] = asyncio.Lock()
    async with lock:
        hit = run.store.cache_get(key, call.rt.cache_max_age)
        if hit is not None:
            _record_cache_hit(call, hit)
            return call.value
        call.rt = call.rt.without_serialize()
        return await execute_async(call)


# -- sync ----------------------------------------------------------------------------------------


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
        ctypes.pythonapi.PyThreadState_SetAsyncExc(ctypes.c_ulong(worker.ident), ctypes.py_object(_Interrupt))
        raise _Expired()
    ok, value = box[0]
    if ok:
        return value
    raise value


def execute_sync(call: Call) -> Any:
    rt, run = call.rt, call.run
    if call.cache_key is not None and rt.cache_serialize:
        return _serialized_sync(call)
    frame = _started(call)
    token = current_frame.set(frame)
    gtoken = current_group.set(None) if call.group is not None else None
    env = _environ.push(rt.env) if rt.env else None
    attempt = 0
    try:
        while True:
            attempt += 1
            frame.attempt = attempt
            astart = _now()
            try:
                kw = run.codec.unpack(call.packed)
                budget = _attempt_budget(rt, call) if (rt.timeout or rt.deadline) else None
                if run.executor is not None and call.parent.id is not None:
                    result = run.executor.run_body(call, frame, kw, None if budget is None else max(budget, 0.0))
                elif budget is None:
                    result = rt.func(**kw)
                else:
                    result = _run_sync_with_timeout(rt.func, kw, max(budget, 0.0))
                return _succeeded(call, frame, result)
            except (KeyboardInterrupt, SystemExit) as e:
                _failed(call, frame, e, "ABORTED")
                raise
            except BaseException as e:
                err: BaseException = _timeout_error(rt, _attempt_budget_seconds(rt)) if isinstance(e, _Expired) else e
                _attempt_failed(call, attempt, astart, err)
                delay = _should_retry(rt, call, attempt, err)
                if delay is None:
                    _failed(call, frame, err, "TIMED_OUT" if isinstance(err, TaskTimeoutError) else "FAILED")
                    raise crossing_error(err) from err
                if delay:
                    time.sleep(delay)
    finally:
        if env is not None:
            _environ.pop(env)
        if gtoken is not None:
            current_group.reset(gtoken)
        current_frame.reset(token)


def _serialized_sync(call: Call) -> Any:
    run, key = call.run, call.cache_key
    assert key is not None
    with run.inflight_lock:
        lock = run.inflight.get(("sync", key))
        if lock is None:
            lock = run.inflight[("sync", key)] = threading.Lock()
    with lock:
        hit = run.store.cache_get(key, call.rt.cache_max_age)
        if hit is not None:
            _record_cache_hit(call, hit)
            return call.value
        call.rt = call.rt.without_serialize()
        return execute_sync(call)


# -- many calls of one plain sync task at once (flyte.map) ----------------------------------------


def batchable(rt: TaskRuntime) -> bool:
    """Tasks whose calls can run in a batch: nothing per call beyond body and record (no retries,
    timeouts, caching, environment or report)."""
    return (not rt.is_async and not rt.retries and rt.timeout is None and rt.deadline is None and rt.cache is None
            and not rt.env and not rt.report)


def execute_batch_sync(rt: TaskRuntime, parent: Frame, calls: list, stop_on_error: bool = False,
                       item_started: Optional[list] = None) -> list:
    """Run several calls of a batchable sync task one after another in this thread and record
    them together: one journal record, one lock, instead of one each. Nothing is returned (made
    visible) before the records are durable. Returns [(ok, value or crossing error)].

    `item_started[0]` is set to the start time (time.time()) of each call as it begins, so that a
    watchdog can tell one slow call from a batch of many fast ones.

    This is `prepare` + `execute_sync` flattened for the one case that needs neither cache,
    retries, timeout nor environment: per call it costs a few microseconds less, which is most of
    what a trivial map item costs."""
    if parent.kind == KIND_TRACE:
        raise _nested_in_trace(rt, parent)
    run = parent.run
    codec = run.codec
    pack, unpack = codec.pack, codec.unpack
    bind, check_outputs = rt.iface.bind, rt.iface.check_outputs
    func, name, short, task = rt.func, rt.name, rt.short_name, rt.task
    pid, run_name, replay = parent.id, run.name, run.replay
    group = current_group.get()
    gtoken = current_group.set(None) if group is not None else None  # a child starts outside the map's group
    rows: list = []
    out: list = []
    scalars = _SCALARS
    try:
        for args, kwargs in calls:
            try:
                inputs = bind(name, args, kwargs)
                packed = _encode_inputs(rt, run, inputs)
            except BaseException as e:
                out.append((False, e))
                continue
            aid = action_id(pid, packed, name, parent.next_seq((name, packed, group)), group)
            if replay is not None:
                stored = replay.get(aid)
                if stored is not None:
                    out.append((True, unpack(stored)))
                    continue
            start = _now()
            if item_started is not None:
                item_started[0] = start
            token = current_frame.set(Frame(run, aid, name, short, KIND_TASK, task, pid))
            try:
                # Scalars are immutable: the child can have them as they are; anything else is a copy.
                kw = inputs if scalars.issuperset(map(type, inputs.values())) else unpack(packed)
                result = check_outputs(name, func(**kw))
                packed_out = pack(result)
            except BaseException as e:
                if isinstance(e, (KeyboardInterrupt, SystemExit)):
                    raise
                err = RuntimeDataValidationError("o0", e, name) if isinstance(e, SerializationError) else e
                rows.append((run_name, aid, pid, name, short, group, KIND_TASK, "FAILED", 1,
                             start, _now(), packed, None, error_code(err), format_failure(err), None))
                out.append((False, crossing_error(err)))
                if stop_on_error:
                    break  # fail-fast: later calls of the batch do not start
            else:
                rows.append((run_name, aid, pid, name, short, group, KIND_TASK, "SUCCEEDED", 1,
                             start, _now(), packed, packed_out, None, None, None))
                out.append((True, result if type(result) in scalars else unpack(packed_out)))
            finally:
                current_frame.reset(token)
    finally:
        if gtoken is not None:
            current_group.reset(gtoken)
        run.store.actions_finished(rows)
    return out  # may be shorter than `calls` when stopped on an error


# -- entry points used by TaskTemplate ------------------------------------------------------------


async def submit_async(rt: TaskRuntime, parent: Frame, args: tuple, kwargs: dict) -> Any:
    if parent.kind is KIND_REMOTE:
        return await parent.run.link.call_async(rt.task, args, kwargs)
    call = prepare(rt, parent, args, kwargs)
    if call.done:
        return call.value
    return await execute_async(call)


def submit_sync(rt: TaskRuntime, parent: Frame, args: tuple, kwargs: dict) -> Any:
    if parent.kind is KIND_REMOTE:
        return parent.run.link.call(rt.task, args, kwargs)
    call = prepare(rt, parent, args, kwargs)
    if call.done:
        return call.value
    return execute_sync(call)


async def submit_sync_in_thread(rt: TaskRuntime, parent: Frame, args: tuple, kwargs: dict) -> Any:
    """`await sync_task.aio(...)`: prepare on the loop, run the body in a worker thread."""
    if parent.kind is KIND_REMOTE:
        return await parent.run.link.call_async(rt.task, args, kwargs)
    call = prepare(rt, parent, args, kwargs)
    if call.done:
        return call.value
    from ._pool import run_in_worker

    return await run_in_worker(execute_sync, call)


def is_runtime_error(e: BaseException) -> bool:
    return isinstance(e, BaseRuntimeError)
