"""Where the shim meets the flyte runtime, through flyte's public API only.

Every flytekit entity is backed by a flyte task (`flyte.TaskEnvironment(...).task`), one
environment per Python module. Calling an entity at top level starts a `flyte.run`; calling it
while a flyte action runs makes a child action. Errors come back as the user's own exception,
re-raised with flytekit's "Error encountered while executing" message.
"""

from __future__ import annotations

import asyncio
import contextvars
import inspect
import re
import threading
from collections.abc import Callable
from typing import Any, Optional

import flyte
import flyte.errors

from .exceptions.eager import EagerException

_envs: dict[str, Any] = {}
_env_lock = threading.Lock()


def env_for_module(module: str) -> Any:
    """The flyte TaskEnvironment that holds the tasks of one Python module."""
    name = re.sub(r"[^a-z0-9]+", "-", (module or "main").lower()).strip("-") or "main"
    env = _envs.get(name)
    if env is None:
        with _env_lock:
            env = _envs.get(name)
            if env is None:
                env = _envs[name] = flyte.TaskEnvironment(name=name)
    return env


def make_body(fn: Callable[..., Any], name: str, input_names: tuple, is_async: bool, module: str, qualname: str) -> Callable[..., Any]:
    """A function flyte can register: `name`, keyword parameters `input_names`, no type checks
    (the shim validates with flytekit's rules before calling)."""
    params = [inspect.Parameter(n, inspect.Parameter.POSITIONAL_OR_KEYWORD, annotation=Any) for n in input_names]
    if is_async:

        async def body(**kwargs: Any) -> Any:
            return await fn(**kwargs)
    else:

        def body(**kwargs: Any) -> Any:  # type: ignore[misc]
            return fn(**kwargs)

    body.__signature__ = inspect.Signature(params, return_annotation=Any)  # type: ignore[attr-defined]
    body.__annotations__ = {**{n: Any for n in input_names}, "return": Any}
    body.__name__ = name
    body.__qualname__ = qualname
    body.__module__ = module
    return body


# -- errors -----------------------------------------------------------------------------------------


def original_error(e: BaseException) -> BaseException:
    """The user's exception behind the runtime's wrapping (RuntimeUserError chains)."""
    seen = set()
    while isinstance(e, flyte.errors.BaseRuntimeError) and e.__cause__ is not None and id(e) not in seen:
        seen.add(id(e))
        e = e.__cause__
    return e


def reraise_original(e: BaseException) -> None:
    orig = original_error(e)
    if orig is e:
        raise e
    raise orig.with_traceback(orig.__traceback__) from None


def mark_user_error(e: BaseException, entity_name: str) -> BaseException:
    """Rewrite a user exception's message as flytekit does (the same object, new args)."""
    if getattr(e, "_flytekit_marked", None) == entity_name:
        return e
    msg = str(e)
    try:
        e.args = (f"Error encountered while executing '{entity_name}':\n  {msg}",)
        e._flytekit_marked = entity_name  # type: ignore[attr-defined]
    except (AttributeError, TypeError):
        pass
    return e


# -- running ------------------------------------------------------------------------------------------


def in_run() -> bool:
    return bool(flyte.ctx())


def has_running_loop() -> bool:
    try:
        asyncio.get_running_loop()
        return True
    except RuntimeError:
        return False


def run_top_level(template: Any, inputs: dict[str, Any]) -> Any:
    """A new local run with `template` as its root; returns its raw output value."""
    try:
        run = flyte.run(template, **inputs)
    except flyte.errors.BaseRuntimeError as e:
        reraise_original(e)
        raise
    return run.outputs()[0]


def call_child_sync(template: Any, inputs: dict[str, Any], is_async: bool) -> Any:
    """A child action from sync code inside a run."""
    try:
        if is_async:
            if has_running_loop():
                return in_worker_thread(lambda: asyncio.run(template.aio(**inputs)))
            return asyncio.run(template.aio(**inputs))
        if has_running_loop():
            # An eager body calling a sync task without await: block this loop, as flytekit does.
            return in_worker_thread(lambda: template(**inputs))
        return template(**inputs)
    except flyte.errors.BaseRuntimeError as e:
        reraise_original(e)
        raise


async def call_child_async(template: Any, inputs: dict[str, Any]) -> Any:
    try:
        return await template.aio(**inputs)
    except flyte.errors.BaseRuntimeError as e:
        reraise_original(e)
        raise


def in_worker_thread(fn: Callable[[], Any]) -> Any:
    box: list = []
    ctx = contextvars.copy_context()

    def target() -> None:
        try:
            box.append((True, ctx.run(fn)))
        except BaseException as e:
            box.append((False, e))

    t = threading.Thread(target=target, name="flytekit-call", daemon=True)
    t.start()
    t.join()
    ok, value = box[0]
    if ok:
        return value
    raise value


def eager_error(e: BaseException) -> BaseException:
    """Inside @eager a task failure is both the task's own exception type and an EagerException,
    so `except ValueError` (flytekit 1.16) and `except EagerException` (older docs) both catch it."""
    if isinstance(e, EagerException):
        return e
    try:
        cls = type(e)
        mixed = _eager_types.get(cls)
        if mixed is None:
            mixed = _eager_types[cls] = type(cls.__name__, (cls, EagerException), {"__module__": cls.__module__})
        new = mixed.__new__(mixed)
        new.__dict__.update(getattr(e, "__dict__", {}))
        new.args = e.args
        new.__cause__ = e.__cause__
        return new.with_traceback(e.__traceback__)
    except TypeError:
        return e


_eager_types: dict[type, type[BaseException]] = {}


def current_loop_or_none() -> Optional[asyncio.AbstractEventLoop]:
    try:
        return asyncio.get_running_loop()
    except RuntimeError:
        return None
