"""`map_task`: one action per item of the input lists, run concurrently through `flyte.map`.

Failed items become None when `min_success_ratio`/`min_successes` allow it; otherwise the map
fails with the first item's own exception. A `functools.partial` binds constant (or promised)
inputs that are the same for every item.
"""

from __future__ import annotations

import functools
import hashlib
import inspect
import math
import typing
from typing import Any, Optional

from . import _bridge
from ._entity import Entity
from ._interface import Interface
from ._typecheck import TypeTransformerFailedError, convert_inputs
from .exceptions.user import FlyteAssertion


def _check_mappable(target: Any) -> None:
    """flytekit maps plain tasks and launch plans only: not workflows, dynamic or eager tasks."""
    from ._dynamic import DynamicTask
    from ._eager import EagerAsyncPythonFunctionTask
    from ._launch_plan import LaunchPlan
    from ._task import PythonFunctionTask
    from ._workflow import WorkflowBase

    if isinstance(target, (WorkflowBase, DynamicTask, EagerAsyncPythonFunctionTask)):
        raise ValueError(
            f"Only plain tasks and launch plans can be mapped; {getattr(target, 'name', target)!r} is a "
            f"{type(target).__name__} (call it from a @dynamic loop instead)"
        )
    if not isinstance(target, (PythonFunctionTask, LaunchPlan)):
        raise ValueError(f"Only tasks and launch plans can be mapped, got {type(target).__name__}")


class ArrayNodeMapTask(Entity):
    """A task (or launch plan) mapped over lists."""

    _kind = "map"

    def __init__(self, python_function_task: Any, concurrency: Optional[int] = None, min_successes: Optional[int] = None,
                 min_success_ratio: Optional[float] = None, bound_inputs: Optional[set] = None,
                 bound_inputs_values: Optional[dict[str, Any]] = None, **kwargs: Any):
        partial_kwargs: dict[str, Any] = {}
        target = python_function_task
        if isinstance(target, functools.partial):
            if target.args:
                raise ValueError("Only keyword arguments are supported in a partial of a map task")
            partial_kwargs = dict(target.keywords)
            target = target.func
        if bound_inputs is not None and bound_inputs_values is not None and set(bound_inputs) != set(bound_inputs_values):
            raise ValueError("bound_inputs and bound_inputs_values should have the same keys if both set")
        if bound_inputs_values:
            partial_kwargs.update(bound_inputs_values)  # explicit values win over the partial's
        _check_mappable(target)
        if len(target.python_interface.outputs) > 1:
            raise ValueError("Only tasks with a single output are supported in map tasks.")
        self._target = target
        self._partial_kwargs = partial_kwargs
        self.concurrency = concurrency
        self.min_successes = min_successes
        self.min_success_ratio = 1.0 if min_success_ratio is None else min_success_ratio
        self.metadata = kwargs.get("metadata") or getattr(target, "metadata", None)
        self.run_all_sub_nodes = bool(kwargs.get("run_all_sub_nodes", False))
        tinf = target.python_interface
        optional_items = self.min_success_ratio < 1.0 or (min_successes is not None)
        inputs = {}
        for name, (tp, _default) in tinf.inputs_with_defaults.items():
            if name in partial_kwargs:
                continue
            inputs[name] = (list[tp], inspect.Parameter.empty)  # type: ignore[valid-type]
        outputs = {}
        for name, tp in tinf.outputs.items():
            item = typing.Optional[tp] if optional_items else tp  # type: ignore[valid-type]
            outputs[name] = list[item]  # type: ignore[valid-type]
        self._interface = Interface(inputs, outputs)
        digest = hashlib.md5(repr(sorted(partial_kwargs)).encode()).hexdigest()[:8]
        short = target.name.split(".")[-1]
        self.name = f"{target.name.rsplit('.', 1)[0]}.map_{short}_{digest}-arraynode"
        self._template: Any = None

    @property
    def python_function_task(self) -> Any:
        return self._target

    @property
    def bound_inputs(self) -> set:
        return set(self._partial_kwargs)

    def _prepare_inputs(self, bound: dict[str, Any]) -> dict[str, Any]:
        return bound

    def _compile_call(self, args: tuple, kwargs: dict, ctx: Any) -> Any:
        from ._graph import add_call_node

        fixed = dict(self._partial_kwargs)
        interface = Interface({**self._interface.inputs_with_defaults,
                               **{k: (Any, inspect.Parameter.empty) for k in fixed}}, self._interface.outputs)

        def merge(bound: dict[str, Any]) -> dict[str, Any]:
            for k in fixed:
                if k in bound:
                    raise ValueError(f"Input {k!r} is bound by the partial and cannot be given again")
            return {**bound, **fixed}

        names = list(self._interface.inputs)
        if len(args) > len(names):
            raise AssertionError(f"Received more arguments than expected in function '{self.name}'")
        kwargs = {**dict(zip(names, args)), **kwargs}
        return add_call_node(self, interface, (), kwargs, ctx, kind="map", prepare=merge)

    def _bind_for_execution(self, args: tuple, kwargs: dict) -> dict[str, Any]:
        names = list(self._interface.inputs)
        if len(args) > len(names):
            raise AssertionError(f"Received more arguments than expected in function '{self.name}'")
        bound = {**dict(zip(names, args)), **kwargs}
        for k in bound:
            if k not in self._interface.inputs and k not in self._partial_kwargs:
                raise AssertionError(f"Received unexpected keyword argument '{k}' in function '{self.name}'")
        missing = [k for k in names if k not in bound]
        if missing:
            raise FlyteAssertion(f"Input {missing[0]} of type {self._interface.inputs[missing[0]]} was not specified")
        for k in names:
            if not isinstance(bound[k], list):
                raise TypeTransformerFailedError(
                    f"Failed argument '{k}': Expected a list of {self._target.python_interface.inputs.get(k)} but got "
                    f"{type(bound[k])} instead."
                )
        lists = convert_inputs(self.name, self._interface.inputs, {k: bound[k] for k in names}, kind="map")
        return {**bound, **lists, **self._partial_kwargs}

    def _map(self, **kwargs: Any) -> Any:
        import flyte

        names = list(self._interface.inputs)
        lists = [kwargs[n] for n in names]
        lengths = {len(lst) for lst in lists}
        if len(lengths) > 1:
            raise _bridge.mark_user_error(IndexError("list index out of range"), self.name)
        n = lengths.pop() if lengths else 0
        if n == 0:
            return [] if self._interface.outputs else None
        fixed = {k: kwargs[k] for k in self._partial_kwargs}
        template = self._target._flyte_template()
        # Each item is validated by the task that receives it (as flytekit's type engine does on
        # the receiving side). Columns go in the task's own parameter order, a bound input
        # repeated for every item, so the order of a partial's keywords never matters.
        by_name = dict(zip(names, lists))
        columns = [by_name[k] if k in by_name else [fixed[k]] * n for k in self._target.python_interface.inputs]
        results = list(flyte.map(template, *columns, concurrency=self.concurrency or 0, return_exceptions=True))
        failures = [r for r in results if isinstance(r, BaseException)]
        if failures:
            succeeded = n - len(failures)
            needed = self.min_successes if self.min_successes is not None else math.ceil(n * self.min_success_ratio)
            if succeeded < needed:
                first = _bridge.original_error(failures[0])
                raise _bridge.mark_user_error(first, self.name) from None
            results = [None if isinstance(r, BaseException) else r for r in results]
        if not self._interface.outputs:
            return None
        return results

    def _flyte_template(self) -> Any:
        if self._template is None:
            env = _bridge.env_for_module(getattr(self._target, "_module", "flytekit-map"))
            fn_name = self.name.split(".")[-1].replace("-", "_")
            body = _bridge.make_body(self._map, fn_name, tuple(self._interface.inputs) + tuple(self._partial_kwargs),
                                     False, getattr(self._target, "_module", __name__), fn_name)
            self._template = env.task(body, short_name=fn_name)
        return self._template

    def _shape(self, raw: Any) -> Any:
        return raw if self._interface.outputs else None

    def _raw_to_tuple(self, raw: Any) -> tuple:
        return (raw,) if self._interface.outputs else ()


def map_task(target: Any, concurrency: Optional[int] = None, min_successes: Optional[int] = None,
             min_success_ratio: float = 1.0, run_all_sub_nodes: bool = False, **kwargs: Any) -> ArrayNodeMapTask:
    """Map a task (or a `functools.partial` of one) over lists of inputs."""
    return ArrayNodeMapTask(target, concurrency=concurrency, min_successes=min_successes,
                            min_success_ratio=min_success_ratio, run_all_sub_nodes=run_all_sub_nodes, **kwargs)


def array_node(target: Any, concurrency: Optional[int] = None, min_success_ratio: Optional[float] = None,
               min_successes: Optional[int] = None, run_all_sub_nodes: Optional[bool] = None) -> ArrayNodeMapTask:
    return ArrayNodeMapTask(target, concurrency=concurrency, min_successes=min_successes,
                            min_success_ratio=min_success_ratio, run_all_sub_nodes=bool(run_all_sub_nodes))


def _unused(x: list[Any]) -> None:  # keeps typing imports honest for type checkers
    return None
