"""What tasks, workflows, launch plans and map tasks share: how a call is dispatched.

A call means one of three things, depending on where it happens:
- inside a workflow (or dynamic) body being compiled: a node, and promises for its outputs;
- inside a running action (a task body, an eager workflow): a child action, and its values;
- anywhere else: a new local run, and its values.
"""

from __future__ import annotations

import asyncio
import inspect
import os
from typing import Any, Callable, Optional

from . import _bridge
from ._graph import add_call_node, bind_arguments, current_compile, fill_defaults
from ._interface import Interface, make_output_tuple
from ._literal_crossing import is_literal_value, to_python
from ._typecheck import convert_inputs


def name_module(fn: Callable[..., Any]) -> str:
    """The module part of an entity's name: its module, or for one defined in a script run as
    `__main__`, the script's file name (`python wf.py` names a task `wf.t`, as flytekit does)."""
    module = getattr(fn, "__module__", None) or "__main__"
    if module != "__main__":
        return module
    try:
        return os.path.splitext(os.path.basename(inspect.getfile(fn)))[0] or module
    except (TypeError, OSError):  # defined interactively: no file
        return module


class Entity:
    """Base of everything a workflow can call."""

    name: str
    _interface: Interface
    _kind = "task"

    @property
    def python_interface(self) -> Interface:
        return self._interface

    @property
    def interface(self) -> Interface:
        return self._interface

    # -- subclasses provide ----------------------------------------------------------------------

    def _flyte_template(self) -> Any:
        """The flyte task that executes this entity as one action."""
        raise NotImplementedError

    @property
    def _is_async(self) -> bool:
        """Whether calling it returns an awaitable (async tasks, eager workflows)."""
        return False

    @property
    def _template_async(self) -> bool:
        """Whether the backing flyte task is async (workflows drive their graph asynchronously)."""
        return self._is_async

    def _prepare_inputs(self, bound: dict[str, Any]) -> dict[str, Any]:
        """Hook: adjust bound inputs before a call (launch plans add fixed inputs)."""
        return bound

    # -- dispatch -----------------------------------------------------------------------------------

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        ctx = current_compile.get()
        if ctx is not None:
            return self._compile_call(args, kwargs, ctx)
        inputs = self._bind_for_execution(args, kwargs)
        if _bridge.in_run():
            loop = _bridge.current_loop_or_none()
            if loop is not None:
                return self._call_in_async_run(inputs)
            if self._is_async:
                return self._child_async(inputs)
            raw = _bridge.call_child_sync(self._flyte_template(), inputs, self._template_async)
            return self._shape(raw)
        if self._is_async:
            return self._top_level_async(inputs)  # like flytekit: async entities return a coroutine
        raw = _bridge.run_top_level(self._flyte_template(), inputs)
        return self._shape(raw)

    async def _top_level_async(self, inputs: dict[str, Any]) -> Any:
        import flyte

        try:
            run = await flyte.run.aio(self._flyte_template(), **inputs)
        except flyte.errors.BaseRuntimeError as e:
            _bridge.reraise_original(e)
            raise
        return self._shape(run.outputs()[0])

    def _call_in_async_run(self, inputs: dict[str, Any]) -> Any:
        """Inside an eager workflow: async entities return awaitables, sync ones plain values (as
        in flytekit 1.16, where awaiting one is Python's own TypeError)."""
        if self._is_async:
            return self._child_async(inputs)
        try:
            raw = _bridge.call_child_sync(self._flyte_template(), inputs, self._template_async)
        except Exception as e:
            raise _bridge.eager_error(e) from None
        return self._shape(raw)

    async def _child_async(self, inputs: dict[str, Any]) -> Any:
        try:
            raw = await _bridge.call_child_async(self._flyte_template(), inputs)
        except Exception as e:
            raise _bridge.eager_error(e) from None
        return self._shape(raw)

    def _compile_call(self, args: tuple, kwargs: dict, ctx: Any) -> Any:
        return add_call_node(self, self._interface, args, kwargs, ctx, kind=self._kind, prepare=self._prepare_inputs)

    def _bind_for_execution(self, args: tuple, kwargs: dict) -> dict[str, Any]:
        bound = bind_arguments(self.name, self._interface, args, kwargs)
        bound = self._prepare_inputs(bound)
        bound = fill_defaults(self.name, self._interface, bound, compiling=False, kind=self._kind)
        return convert_inputs(self.name, self._interface.inputs, bound, kind=self._kind)

    def _shape(self, raw: Any) -> Any:
        names = self._interface.output_names
        if not names:
            return None
        values = tuple(raw) if (len(names) > 1 or self._interface.output_tuple is not None) else (raw,)
        if any(is_literal_value(v) for v in values):
            outputs = self._interface.outputs
            values = tuple(to_python(v, outputs[n]) if is_literal_value(v) else v for n, v in zip(names, values))
        return make_output_tuple(self._interface, values)

    # -- as a node of a running graph ----------------------------------------------------------------

    def _node_template(self, overrides: Optional[dict[str, Any]]) -> Any:
        template = self._flyte_template()
        if overrides:
            from ._overrides import apply_overrides

            template = apply_overrides(template, overrides)
        return template

    def _run_node_sync(self, inputs: dict[str, Any], overrides: Optional[dict[str, Any]] = None) -> tuple:
        """Run as one node of a workflow (from the driver's thread): a child action; returns the
        outputs as a tuple."""
        template = self._node_template(overrides)
        if self._template_async:
            raw = asyncio.run(template.aio(**inputs))
        else:
            raw = template(**inputs)
        return self._raw_to_tuple(raw)

    async def _run_node(self, inputs: dict[str, Any], overrides: Optional[dict[str, Any]] = None) -> tuple:
        """The same from async code (an eager workflow, a failure handler)."""
        raw = await self._node_template(overrides).aio(**inputs)
        return self._raw_to_tuple(raw)

    def _raw_to_tuple(self, raw: Any) -> tuple:
        names = self._interface.output_names
        if not names:
            return ()
        if len(names) > 1 or self._interface.output_tuple is not None:
            return tuple(raw)
        return (raw,)

    def __repr__(self) -> str:
        return f"{type(self).__name__}(name={self.name!r})"


def run_coroutine_blocking(coro: Any) -> Any:
    """Run a coroutine from sync code (used when a sync caller needs an async entity's value)."""
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return asyncio.run(coro)
    return _bridge.in_worker_thread(lambda: asyncio.run(coro))
