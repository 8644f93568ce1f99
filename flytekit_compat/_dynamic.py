"""`@dynamic`: a task whose body, given real input values, builds a workflow that then runs.

As on a Flyte backend, the body runs once with Python values for its inputs (so `if` and `for`
on them work); the task calls it makes become nodes of a graph, which runs with independent
nodes in parallel, like any workflow.
"""

from __future__ import annotations

import inspect
from typing import Any

from . import _bridge
from ._executor import NodeFailure, execute_graph
from ._graph import CompileContext, StartNode, current_compile
from ._literal_crossing import check_graph_outputs
from ._task import ExecutionBehavior, PythonFunctionTask, make_task_decorator
from ._typecheck import output_items
from .exceptions.user import FlyteValidationException


class DynamicTask(PythonFunctionTask):
    """A flytekit dynamic task."""

    @property
    def _is_async(self) -> bool:
        return False

    @property
    def _template_async(self) -> bool:
        return False

    def _drive(self, **kwargs: Any) -> Any:
        from ._context import task_execution
        from ._workflow import WorkflowBase

        ctx = CompileContext(self.name)
        start = StartNode(self._interface)
        token = current_compile.set(ctx)
        try:
            with task_execution(self):
                try:
                    result = self.task_function(**kwargs)
                except Exception as e:
                    raise _bridge.mark_user_error(e, self.name) from None
        finally:
            current_compile.reset(token)
        if inspect.iscoroutine(result):
            result.close()
            raise FlyteValidationException(f"Dynamic task {self.name!r} must not be async")
        for section in ctx.open_conditionals:
            if not section.complete:
                raise FlyteValidationException(f"The conditional {section.name!r} in {self.name!r} has no else_()")
        if len(self._interface.outputs) > 1 and not isinstance(result, tuple):
            # flytekit reads a dynamic task's return as a task's: item by item (a list works)
            result = output_items(result) or result
        binder = WorkflowBase(self.name, self._interface, None, None, self._module)  # type: ignore[arg-type]
        bindings = binder._bind_outputs(result)
        try:
            values = execute_graph(ctx.nodes, {}, bindings, start_id=start.id)
        except NodeFailure as failure:
            raise _bridge.mark_user_error(failure.error, self.name) from None
        outputs = self._interface.outputs
        if not outputs:
            return None
        single = len(values) == 1 and self._interface.output_tuple is None
        checked = check_graph_outputs(self.name, outputs, tuple(values))
        return checked[0] if single else checked

    def _build_template(self) -> Any:
        template = super()._build_template()
        env = _bridge.env_for_module(self._module)
        name = self.task_function.__name__
        body = _bridge.make_body(self._drive, name, tuple(self._interface.inputs), False, self._module,
                                 getattr(self.task_function, "__qualname__", name))
        changes: dict[str, Any] = {}
        for key in ("env_vars", "secrets", "resources"):
            value = getattr(template, key, None)
            if value:
                changes[key] = value
        driver = env.task(body, short_name=name, cache=template.cache, retries=template.retries, timeout=template.timeout or 0)
        return driver.override(**changes) if changes else driver


dynamic = make_task_decorator(ExecutionBehavior.DYNAMIC, DynamicTask)
