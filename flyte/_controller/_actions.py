"""The controller: turns a task call inside a run into a recorded, retried, timed, cached action.

A call goes through `prepare` (bind and check the arguments, encode them, derive the action id,
answer from a resumed run or the cache) and then `execute_async` or `execute_sync`. Both run the
same attempt loop (`_attempts`: record the start, run attempts with retries, timeout and backoff,
map errors, record the outcome); they differ only in how an attempt's body is run (the run's
`Executor`, awaited or blocking) and how a backoff waits (`asyncio.sleep` or `time.sleep`).

The loop is a coroutine. For a sync call it is driven to completion in the calling thread with
one `send(None)`: its body and sleep strategies never suspend, so the coroutine never yields. A
sync body runs in the caller's thread because a sync parent is blocked on the call anyway, which
makes a sync→sync call as cheap as an async one.
"""

from __future__ import annotations

import asyncio
import contextvars
import threading
import time
import types
from collections.abc import Awaitable, Callable, Generator
from typing import TYPE_CHECKING, Any, NamedTuple, Optional

from .._context import KIND_REMOTE, KIND_TASK, KIND_TRACE, Frame, RunState, current_frame, current_group
from .._executor import AttemptExpired, WorkerLost
from .._serde import SerializationError, digest, pack_plain, pack_scalars
from .._store import ActionKind, CacheStatus, Phase
from ..errors import (
    BaseRuntimeError,
    MaxRuntimeExceededError,
    NonRecoverableError,
    OOMError,
    RuntimeDataValidationError,
    RuntimeSystemError,
    TaskTimeoutError,
    TraceDoesNotAllowNestedTasksError,
)
from . import _environ
from ._capture import system_note
from ._errors import crossing_error
from ._ids import next_action_id

if TYPE_CHECKING:
    from .._task import TaskRuntime

_now = time.time
_SCALARS = frozenset((int, float, str, bool, bytes, type(None)))
# packs plain data (see pack_scalars); the codec itself where msgpack is pure Python
_PLAIN_PACK = pack_scalars or pack_plain
# plain str values for records (see flyte._controller._recorder)
_TASK = ActionKind.TASK.value
_HIT, _MISS = CacheStatus.HIT.value, CacheStatus.MISS.value
_SUCCEEDED, _FAILED, _ABORTED, _TIMED_OUT = (p.value for p in (Phase.SUCCEEDED, Phase.FAILED, Phase.ABORTED, Phase.TIMED_OUT))
ROOT_ACTION = "a0"


class Call(Frame):
    """A prepared call: everything the attempt loop needs, or the answer when none is needed;
    and, while its action runs, the action's frame (what its body sees as `current_frame`): one
    object per child instead of two."""

    __slots__ = ("cache_key", "done", "group", "inputs", "packed", "parent", "record", "rt", "start", "value")

    def __init__(self, rt: TaskRuntime, parent: Frame, packed: bytes, aid: str, group: Optional[str], inputs: dict):
        # The frame's fields, set here rather than by Frame.__init__: one call per child, not two.
        self.run = parent.run
        self.id = aid
        self.task_name = rt.name
        self.short_name = rt.short_name
        self.kind = KIND_TASK
        self.counts = None
        self.lock = None
        self.attempt = 1
        self.report = None
        self.checkpoint = None
        self.task = rt.task
        self.parent_id = parent.id
        # The call's own.
        self.rt = rt
        self.parent = parent
        self.packed = packed
        self.group = group
        self.inputs = inputs
        self.cache_key: Optional[str] = None
        self.done = False
        self.value: Any = None
        self.start = 0.0
        self.record: Any = None  # the started ActionRecord

    @property
    def aid(self) -> str:
        """The action's id (= `id`)."""
        return self.id


def encode_inputs(rt: TaskRuntime, run: RunState, inputs: dict) -> bytes:
    """A call's bound inputs as the bytes that are recorded (and hashed into its id)."""
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
    if parent.kind is KIND_TRACE:
        raise _nested_in_trace(rt, parent)
    run = parent.run
    iface = rt.iface
    inputs = iface.bind(rt.name, args, kwargs)
    try:
        # plain inputs (ints, strs...) need no codec: see pack_scalars
        packed = _PLAIN_PACK(inputs) if iface.plain_inputs else run.codec.pack(inputs)
    except (SerializationError, TypeError, OverflowError):  # TypeError, OverflowError: not plain after all
        packed = encode_inputs(rt, run, inputs)  # with the codec, or raises naming the input
    group = current_group.get()
    aid = next_action_id(parent, packed, rt.name, group)
    call = Call(rt, parent, packed, aid, group, inputs)
    if run.resumed:
        stored = run.recorder.replayed(aid)
        if stored is not None:
            call.done = True
            call.value = run.codec.unpack(stored)
            return call
    if rt.cache is not None and (run.cache_read or run.cache_write):
        _lookup_cache(call)
    return call


def prepare_root(rt: TaskRuntime, run: RunState, inputs: dict, packed: bytes) -> Call:
    """The call of a run's root task (action "a0"), answered from the cache when it can be."""
    root = Frame(run, None, "<run>", "<run>", KIND_TASK)
    call = Call(rt, root, packed, ROOT_ACTION, None, inputs)
    if rt.cache is not None and (run.cache_read or run.cache_write):
        _lookup_cache(call)
    return call


def _lookup_cache(call: Call) -> None:
    rt, run = call.rt, call.run
    assert rt.cache is not None
    call.cache_key = rt.cache_key(call.inputs, digest(call.packed) if call.inputs else "")
    if run.cache_read and rt.cache_readable:
        hit = run.store.cache_get(call.cache_key, rt.cache_max_age)  # type: ignore[union-attr]
        if hit is not None:
            _record_cache_hit(call, hit)


def _record_cache_hit(call: Call, outputs: bytes) -> None:
    rt, recorder = call.rt, call.run.recorder
    rec = recorder.action(call.aid, call.parent.id, rt.name, rt.short_name, call.group, _TASK, call.packed, _HIT, 0, False)
    recorder.finished(rec, _SUCCEEDED, 0, outputs)
    call.done = True
    call.value = call.run.codec.unpack(outputs)


# -- the attempt loop ---------------------------------------------------------------------------------


def _succeeded(call: Call, result: Any) -> Any:
    rt, run = call.rt, call.run
    try:
        iface = rt.iface
        if type(result) is not iface.output_exact:  # check_outputs would return it as it is
            result = iface.check_outputs(rt.name, result)
        if type(result) in _SCALARS:
            try:
                out = _PLAIN_PACK(result)  # no codec needed: see pack_scalars
            except OverflowError:  # an int over 64 bits
                out = run.codec.pack(result)
        else:
            out = run.codec.pack(result)
    except SerializationError as e:
        raise RuntimeDataValidationError("o0", e, rt.name) from e
    if call.report is not None and rt.report:
        publish_report(call)
    run.recorder.finished(call.record, _SUCCEEDED, call.attempt, out)
    if call.cache_key is not None and run.cache_write:
        run.recorder.cache_put(call.cache_key, rt.name, rt.cache_version, out)
    return result if type(result) in _SCALARS else run.codec.unpack(out)


def _failed(call: Call, e: BaseException, phase: str) -> None:
    rt, run = call.rt, call.run
    if call.report is not None and rt.report:
        try:
            publish_report(call)
        except OSError:
            pass
    run.recorder.finished(call.record, phase, call.attempt, None, e)


def publish_report(frame: Frame) -> None:
    """Write `frame`'s report to its action's directory (atomically) and record it with the
    action, where `flyte get` and the UI find it; durable when this returns."""
    html = frame.report.get_final_report()
    frame.report.write(frame.run.run_dir / frame.id / "report.html", html)
    frame.run.recorder.report(frame.id, html)


def _should_retry(rt: TaskRuntime, call: Call, attempt: int, e: BaseException) -> Optional[float]:
    """Seconds to wait before the next attempt, or None if this failure is final."""
    if attempt > rt.retries or isinstance(e, NonRecoverableError):
        return None
    delay = rt.backoff.compute_delay(attempt - 1).total_seconds() if rt.backoff is not None else 0.0
    if rt.deadline is not None and _now() + delay >= call.start + rt.deadline:
        return None
    return delay


def _note_failed_attempt(call: Call, attempt: int, err: BaseException, delay: Optional[float]) -> None:
    """Say in the failed attempt's log, as the runtime's own line, what ended it and what follows."""
    what = f"{type(err).__name__}: {err}".splitlines()[0][:300]
    if delay is None:
        follows = "the action fails"
    else:
        follows = f"attempt {attempt + 1} of {call.rt.retries + 1} starts" + (f" in {delay:g}s" if delay else "")
    system_note(call.run.recorder, call.aid, attempt, f"flyte: attempt {attempt} failed ({what}); {follows}")


def _timeout_error(rt: TaskRuntime) -> TaskTimeoutError:
    seconds = rt.timeout if rt.timeout is not None else (rt.deadline or 0.0)
    return MaxRuntimeExceededError(f"Task {rt.name!r} exceeded its timeout of {seconds:g}s and was stopped")


def _lost_error(e: WorkerLost) -> BaseRuntimeError:
    """The attempt's worker died: a system failure (out of memory: `OOMError`), retried per policy."""
    if e.out_of_memory:
        return OOMError("OOMKilled", str(e))
    return RuntimeSystemError("WorkerLost", str(e))


def _attempt_budget(rt: TaskRuntime, call: Call) -> Optional[float]:
    budget = rt.timeout
    if rt.deadline is not None:
        left = call.start + rt.deadline - _now()
        budget = left if budget is None else min(budget, left)
    return None if budget is None else max(budget, 0.0)


class _Strategy(NamedTuple):
    """How the attempt loop runs a body and waits between attempts."""

    blocking: bool  # the executor's run_sync (called) or its run_async (awaited) runs the body
    sleep: Callable[[float], Awaitable[None]]
    aborts: tuple[type[BaseException], ...]  # failures that end the action at once, as ABORTED


async def _attempts(call: Call, how: _Strategy) -> Any:
    """Every attempt of one action, from its start record to its end record. Returns the value,
    except a blocking loop (`_SYNC`), which leaves it in `call.value` and returns None: iterated
    to its end (see `submit_sync`), it then ends with no StopIteration object made and caught."""
    rt, run = call.rt, call.run
    rec = call.record = run.recorder.action(call.id, call.parent_id, rt.name, rt.short_name, call.group, _TASK,
                                            call.packed, _MISS if call.cache_key else None)
    call.start = rec[9]
    token = current_frame.set(call)  # the call is its action's frame
    gtoken = current_group.set(None) if call.group is not None else None  # a child starts outside its caller's group
    env = _environ.push(rt.env) if rt.env else None
    blocking = how.blocking
    executor = run.executor
    timed = rt.timeout or rt.deadline
    # An executor that runs an untimed body as a plain call in this thread says so: made here,
    # that call saves one per attempt on the most common path (the controller never asks which
    # executor it has, only what it does).
    direct = executor.calls_untimed_bodies_here and not timed
    # The body's inputs: a private copy, except that immutable scalars need none.
    inputs = call.inputs if _SCALARS.issuperset(map(type, call.inputs.values())) else None
    attempt = 0
    try:
        while True:
            attempt += 1
            call.attempt = attempt
            astart = call.start if attempt == 1 else _now()  # the first attempt starts with its action
            try:
                kw = inputs if inputs is not None else run.codec.unpack(call.packed)
                if direct:
                    result = rt.func(**kw) if blocking else await rt.func(**kw)
                else:
                    budget = _attempt_budget(rt, call) if timed else None
                    if blocking:
                        result = executor.run_sync(call, kw, budget)
                    else:
                        result = await executor.run_async(call, kw, budget)
                if blocking:  # the value goes on the call: the loop ends without a StopIteration to catch
                    call.value = _succeeded(call, result)
                    return None
                return _succeeded(call, result)
            except how.aborts as e:
                _failed(call, e, _ABORTED)
                raise
            except BaseException as e:
                err: BaseException = (_timeout_error(rt) if isinstance(e, AttemptExpired) else
                                      _lost_error(e) if isinstance(e, WorkerLost) else e)
                run.recorder.attempt_failed(call.record, attempt, astart, err)
                delay = _should_retry(rt, call, attempt, err)
                if delay is not None or err is not e:  # a retry follows, or the runtime ended it
                    _note_failed_attempt(call, attempt, err, delay)
                if delay is None:
                    _failed(call, err, _TIMED_OUT if isinstance(err, TaskTimeoutError) else _FAILED)
                    raise crossing_error(err) from err
                if delay:
                    await how.sleep(delay)
    finally:
        if env is not None:
            _environ.pop(env)
        if gtoken is not None:
            current_group.reset(gtoken)
        current_frame.reset(token)


async def _sleep_blocking(seconds: float) -> None:
    time.sleep(seconds)


_ASYNC = _Strategy(False, asyncio.sleep, (asyncio.CancelledError, KeyboardInterrupt, SystemExit))
_SYNC = _Strategy(True, _sleep_blocking, (KeyboardInterrupt, SystemExit))


def drive(coro: Any) -> Any:
    """Run a coroutine that never suspends to its end in this thread, without an event loop."""
    try:
        coro.send(None)
    except StopIteration as done:
        return done.value
    coro.close()
    raise RuntimeError("a blocking attempt loop suspended; its strategies must not await anything that waits")


def execute_async(call: Call) -> Awaitable[Any]:
    """Await this to run a prepared call's attempts on the current event loop."""
    if call.cache_key is not None and call.rt.cache_serialize:
        return _serialized_async(call)
    return _attempts(call, _ASYNC)


def execute_sync(call: Call) -> Any:
    """Run a prepared call's attempts in this thread (which must not be running an event loop)."""
    if call.cache_key is not None and call.rt.cache_serialize:
        return _serialized_sync(call)
    drive(_attempts(call, _SYNC))
    return call.value


async def _serialized_async(call: Call) -> Any:
    """Cache(serialize=True): identical concurrent calls run once; the others reuse the result."""
    run, key = call.run, call.cache_key
    assert key is not None
    with run.inflight_lock:
        lock = run.inflight.get(("async", key))
        if lock is None:
            lock = run.inflight[("async", key)] = asyncio.Lock()
    async with lock:
        hit = run.store.cache_get(key, call.rt.cache_max_age)  # type: ignore[union-attr]
        if hit is not None:
            _record_cache_hit(call, hit)
            return call.value
        call.rt = call.rt.without_serialize()
        return await execute_async(call)


def _serialized_sync(call: Call) -> Any:
    run, key = call.run, call.cache_key
    assert key is not None
    with run.inflight_lock:
        lock = run.inflight.get(("sync", key))
        if lock is None:
            lock = run.inflight[("sync", key)] = threading.Lock()
    with lock:
        hit = run.store.cache_get(key, call.rt.cache_max_age)  # type: ignore[union-attr]
        if hit is not None:
            _record_cache_hit(call, hit)
            return call.value
        call.rt = call.rt.without_serialize()
        return execute_sync(call)


# -- many calls of one plain sync task at once (flyte.map) ----------------------------------------


def batchable(rt: TaskRuntime, parent: Frame) -> bool:
    """Whether calls of `rt` from `parent` can run in a batch: nothing per call beyond body and
    record (no retries, timeouts, caching, environment or report), in this thread."""
    return (not rt.is_async and not rt.retries and rt.timeout is None and rt.deadline is None and rt.cache is None
            and not rt.env and not rt.report and parent.run.link is None and parent.run.executor.batches_inline)


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
    if parent.kind is KIND_TRACE:
        raise _nested_in_trace(rt, parent)
    run = parent.run
    codec, recorder = run.codec, run.recorder
    pack, unpack = codec.pack, codec.unpack
    action, finished = recorder.action, recorder.finished
    rt.iface.ensure_compiled()
    bind, check_outputs, output_exact = rt.iface.bind, rt.iface.check_outputs, rt.iface.output_exact
    func, name, short, task = rt.func, rt.name, rt.short_name, rt.task
    pid, resumed = parent.id, run.resumed
    group = current_group.get()
    gtoken = current_group.set(None) if group is not None else None  # a child starts outside the map's group
    batch: list = []
    out: list = []
    scalars, plain_pack, plain_inputs = _SCALARS, _PLAIN_PACK, rt.iface.plain_inputs
    try:
        for args, kwargs in calls:
            try:
                inputs = bind(name, args, kwargs)
                try:
                    packed = plain_pack(inputs) if plain_inputs else encode_inputs(rt, run, inputs)
                except (TypeError, OverflowError):  # not plain after all (see pack_scalars)
                    packed = encode_inputs(rt, run, inputs)
            except BaseException as e:
                out.append((False, e))
                continue
            aid = next_action_id(parent, packed, name, group)
            if resumed:
                stored = recorder.replayed(aid)
                if stored is not None:
                    out.append((True, unpack(stored)))
                    continue
            rec = action(aid, pid, name, short, group, _TASK, packed, None, 0, False)
            if item_started is not None:
                item_started[0] = rec[9]
            token = current_frame.set(Frame(run, aid, name, short, KIND_TASK, task, pid))
            try:
                # Scalars are immutable: the child can have them as they are; anything else is a copy.
                kw = inputs if scalars.issuperset(map(type, inputs.values())) else unpack(packed)
                result = func(**kw)
                if type(result) is not output_exact:
                    result = check_outputs(name, result)
                try:
                    packed_out = plain_pack(result) if type(result) in scalars else pack(result)
                except OverflowError:  # an int over 64 bits
                    packed_out = pack(result)
            except BaseException as e:
                if isinstance(e, (KeyboardInterrupt, SystemExit)):
                    raise
                err = RuntimeDataValidationError("o0", e, name) if isinstance(e, SerializationError) else e
                finished(rec, _FAILED, 1, None, err, batch)
                out.append((False, crossing_error(err)))
                if stop_on_error:
                    break  # fail-fast: later calls of the batch do not start
            else:
                finished(rec, _SUCCEEDED, 1, packed_out, None, batch)
                out.append((True, result if type(result) in scalars else unpack(packed_out)))
            finally:
                current_frame.reset(token)
    finally:
        if item_started is not None:
            item_started[0] = None  # committing is not a call: a long commit must not read as a slow item
        if gtoken is not None:
            current_group.reset(gtoken)
        recorder.commit(batch)
    return out  # may be shorter than `calls` when stopped on an error


# -- entry points used by TaskTemplate ------------------------------------------------------------


@types.coroutine
def _in_own_context(coro: Any) -> Generator[Any, Any, Any]:
    """Awaits a coroutine inside a context of its own (a copy of the caller's).

    A child action sets the current frame (and group, environment) while it runs. Set in the
    context of the asyncio task that awaits it, the change outlives the action: `set` and
    `reset` each build a new context mapping, and a finished task keeps its context (and its
    coroutine) for as long as anything holds the task, which `asyncio.gather` does for all its
    children until the last one ends: ~140 bytes per child of a 100,000-wide gather. In a
    private copy, the mapping goes when the action ends; the caller's context is never changed,
    so nothing a child's body sets leaks into its caller either (as on a backend).

    The coroutine is stepped with `Context.run`, as an asyncio task steps its own; what it
    yields (futures, bare yields) passes through to the task untouched, and what the task
    throws in (cancellation) is thrown into it. A generator-based coroutine rather than an
    awaitable object: one object per call instead of two (and no `__init__` call)."""
    run = contextvars.copy_context().run
    send = coro.send
    try:
        signal = run(send, None)
        while True:
            try:
                value = yield signal
            except GeneratorExit:
                coro.close()
                raise
            except BaseException as e:
                signal = run(coro.throw, e)
            else:
                signal = run(send, value)
    except StopIteration as done:
        return done.value


async def submit_async(rt: TaskRuntime, parent: Frame, args: tuple, kwargs: dict) -> Any:
    if parent.kind is KIND_REMOTE:
        return await parent.run.link.call_async(rt.task, args, kwargs)
    call = prepare(rt, parent, args, kwargs)
    if call.done:
        return call.value
    if call.cache_key is not None and rt.cache_serialize:
        return await _in_own_context(_serialized_async(call))
    return await _in_own_context(_attempts(call, _ASYNC))


def submit_sync(rt: TaskRuntime, parent: Frame, args: tuple, kwargs: dict) -> Any:
    if parent.kind is KIND_REMOTE:
        return parent.run.link.call(rt.task, args, kwargs)
    call = prepare(rt, parent, args, kwargs)
    if call.done:
        return call.value
    if call.cache_key is not None and rt.cache_serialize:
        return _serialized_sync(call)
    coro = _attempts(call, _SYNC)  # execute_sync's drive(), inlined: a sync child's hot path
    for _ in coro.__await__():  # never suspends: the loop body does not run
        coro.close()
        raise RuntimeError("a blocking attempt loop suspended")
    return call.value


async def submit_sync_in_thread(rt: TaskRuntime, parent: Frame, args: tuple, kwargs: dict) -> Any:
    """`await sync_task.aio(...)`: prepare on the loop, run the body in a worker thread."""
    if parent.kind is KIND_REMOTE:
        return await parent.run.link.call_async(rt.task, args, kwargs)
    call = prepare(rt, parent, args, kwargs)
    if call.done:
        return call.value
    if call.run.executor.awaits_sync_bodies:
        # the executor runs the body elsewhere and awaits it: no thread is held while it runs,
        # and cancelling this coroutine reaches the body (see RayExecutor)
        return await execute_async(call)
    from ._pool import run_in_worker

    return await run_in_worker(execute_sync, call)


def is_runtime_error(e: BaseException) -> bool:
    return isinstance(e, BaseRuntimeError)
