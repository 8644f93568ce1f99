"""`@flyte.trace`: record a plain function's calls inside a task as actions of their own.

A traced call gets a deterministic id like a task call, its inputs and outputs are recorded, and
when a run is resumed a traced call that already succeeded returns its recorded result without
running again: side effects (an LLM call, a payment) happen once per run. Outside a task the
function runs as is. Errors are re-raised unchanged; traces are part of their task's body.
"""

from __future__ import annotations

import functools
import inspect
from collections.abc import Callable
from typing import Any, Optional, TypeVar

from ._context import KIND_TRACE, Frame, current_frame, current_group
from ._controller import next_action_id
from ._serde import SerializationError
from ._store import ActionKind, Phase

T = TypeVar("T")
_UNSET = object()


class _TraceCall:
    __slots__ = ("frame", "record", "run")
    frame: Frame
    record: Any  # the started ActionRecord
    run: Any  # the RunState


def _begin(sig: inspect.Signature, name: str, args: tuple, kwargs: dict) -> tuple[Optional[_TraceCall], Any]:
    """(call, replayed value or _UNSET); call is None outside a task."""
    parent = current_frame.get()
    if parent is None:
        return None, _UNSET
    run = parent.run
    try:
        bound = sig.bind(*args, **kwargs)
    except TypeError:
        return None, _UNSET  # let the function raise its own argument error
    bound.apply_defaults()
    inputs = dict(bound.arguments)
    try:
        packed = run.codec.pack(inputs)
    except SerializationError:
        packed = run.codec.pack({k: repr(v) for k, v in inputs.items()})  # recorded for display only
    group = current_group.get()
    aid = next_action_id(parent, packed, name, group)
    call = _TraceCall()
    call.run = run
    if run.resumed:
        stored = run.recorder.replayed(aid)
        if stored is not None:
            return call, run.codec.unpack(stored)
    recorder = run.recorder
    call.record = recorder.action(aid, parent.id, name, name, group, ActionKind.TRACE.value, packed, None, 1)
    call.frame = Frame(run, aid, name, name, KIND_TRACE, parent_id=parent.id)
    return call, _UNSET


def _finish(call: _TraceCall, value: Any) -> None:
    run = call.run
    try:
        out: Optional[bytes] = run.codec.pack(value)
    except SerializationError:
        out = None  # not replayable; the record still shows the call happened
    run.recorder.finished(call.record, Phase.SUCCEEDED.value, 1, out)


def _fail(call: _TraceCall, e: BaseException) -> None:
    call.run.recorder.finished(call.record, Phase.FAILED.value, 1, None, e)


def trace(func: Callable[..., T]) -> Callable[..., T]:
    """Decorate a sync or async function (or generator) whose calls inside tasks are recorded."""
    if not callable(func):
        raise TypeError(f"@flyte.trace decorates functions, got {type(func).__name__}")
    wrapper = _traced(func)
    # How the wrapper crosses processes: as "trace(func)" (see flyte._serde.dumps), since its
    # closure holds this module's context variables, which do not pickle.
    wrapper.__flyte_traced__ = func  # type: ignore[attr-defined]
    return wrapper


def _traced(func: Callable[..., T]) -> Callable[..., T]:
    sig = inspect.signature(func)
    name = getattr(func, "__name__", "trace")

    if inspect.isasyncgenfunction(func):

        @functools.wraps(func)
        async def agen_wrapper(*args: Any, **kwargs: Any) -> Any:
            call, replayed = _begin(sig, name, args, kwargs)
            if call is None:
                async for item in func(*args, **kwargs):
                    yield item
                return
            if replayed is not _UNSET:
                for item in replayed:
                    yield item
                return
            items = []
            token = current_frame.set(call.frame)
            try:
                async for item in func(*args, **kwargs):
                    items.append(item)
                    current_frame.reset(token)
                    yield item
                    token = current_frame.set(call.frame)
            except BaseException as e:
                _fail(call, e)
                raise
            finally:
                current_frame.reset(token)
            _finish(call, items)

        return agen_wrapper  # type: ignore[return-value]

    if inspect.iscoroutinefunction(func):

        @functools.wraps(func)
        async def async_wrapper(*args: Any, **kwargs: Any) -> Any:
            call, replayed = _begin(sig, name, args, kwargs)
            if call is None:
                return await func(*args, **kwargs)
            if replayed is not _UNSET:
                return replayed
            token = current_frame.set(call.frame)
            try:
                value = await func(*args, **kwargs)
            except BaseException as e:
                _fail(call, e)
                raise
            finally:
                current_frame.reset(token)
            _finish(call, value)
            return value

        return async_wrapper  # type: ignore[return-value]

    if inspect.isgeneratorfunction(func):

        @functools.wraps(func)
        def gen_wrapper(*args: Any, **kwargs: Any) -> Any:
            call, replayed = _begin(sig, name, args, kwargs)
            if call is None:
                yield from func(*args, **kwargs)
                return
            if replayed is not _UNSET:
                yield from replayed
                return
            items = []
            try:
                for item in _in_frame(call.frame, func(*args, **kwargs)):
                    items.append(item)
                    yield item
            except BaseException as e:
                _fail(call, e)
                raise
            _finish(call, items)

        return gen_wrapper  # type: ignore[return-value]

    @functools.wraps(func)
    def sync_wrapper(*args: Any, **kwargs: Any) -> Any:
        call, replayed = _begin(sig, name, args, kwargs)
        if call is None:
            return func(*args, **kwargs)
        if replayed is not _UNSET:
            return replayed
        token = current_frame.set(call.frame)
        try:
            value = func(*args, **kwargs)
        except BaseException as e:
            _fail(call, e)
            raise
        finally:
            current_frame.reset(token)
        _finish(call, value)
        return value

    return sync_wrapper


def _in_frame(frame: Frame, gen: Any) -> Any:
    """Advance a generator with `frame` current, but yield to the caller outside it."""
    while True:
        token = current_frame.set(frame)
        try:
            item = next(gen)
        except StopIteration:
            return
        finally:
            current_frame.reset(token)
        yield item
