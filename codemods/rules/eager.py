"""FM104 eager-to-task: `@eager async def` becomes an async `@env.task`.

Before::

    @eager
    async def train_all(n: int) -> int:
        first = add_one(x=n)              # flytekit >= 1.13: a sync task returns its value
        more = await async_step(x=first)
        try:
            return await fragile(x=more)
        except EagerException:
            return -1

After::

    @env.task
    async def train_all(n: int) -> int:
        first = await add_one.aio(x=n)
        more = await async_step(x=first)
        try:
            return await fragile.aio(x=more)
        except flyte.errors.RuntimeUserError:
            return -1

Every call of a sync task becomes `await task.aio(...)` (an eager body runs on the event loop,
where a blocking call is an error in Flyte 2). Calls handed to `asyncio.gather`/`create_task`,
or appended to a list that is gathered later, become un-awaited `task.aio(...)` coroutines. The
order of the body is kept as written: eager code is already explicit about what it awaits.
Errors from tasks arrive as `flyte.errors.RuntimeUserError` whose `.code` is the original
exception's class name.
"""

from __future__ import annotations

import libcst as cst

from .._context import Callee, FileContext
from .._cst import dotted_name
from .._walk import visit
from ._driver import DriverRule, call_entity

_COROUTINE_SINKS = {"asyncio.gather", "asyncio.create_task", "asyncio.ensure_future", "asyncio.wait"}


class EagerRule(DriverRule):
    __doc__ = __doc__
    code = "FM104"
    name = "eager-to-task"
    summary = "@eager becomes an async @env.task; sync task calls become await task.aio(...)"
    kind = "eager"
    schedule = False

    def visit_Call(self, fx: FileContext, node: cst.Call) -> None:
        frame = fx.frame
        if frame is None or frame.kind != "eager":
            return
        name = dotted_name(node.func)
        sinks = fx.scratch.setdefault("coroutine_args", set())
        if name in _COROUTINE_SINKS:
            sinks.update(a.value for a in node.args)
        elif isinstance(node.func, cst.Attribute) and node.func.attr.value == "append" and isinstance(node.func.value, cst.Name):
            if node.func.value.value in _gathered_lists(fx, frame.node):
                sinks.update(a.value for a in node.args)

    def convert_call(self, fx: FileContext, original: cst.Call, updated: cst.Call, callee: Callee) -> cst.BaseExpression:
        if original in fx.scratch.get("coroutine_args", ()):
            return call_entity(fx, original, updated, callee, awaited=False)
        return call_entity(fx, original, updated, callee)

    def leave_Name(self, fx: FileContext, original_node: cst.Name, updated_node: cst.Name) -> cst.BaseExpression:
        if fx.is_sym(original_node, "EagerException"):
            fx.change(self.code)
            fx.need("flyte.errors")
            return cst.Attribute(cst.Attribute(cst.Name("flyte"), cst.Name("errors")), cst.Name("RuntimeUserError"))
        return updated_node

    def leave_Attribute(self, fx: FileContext, original_node: cst.Attribute, updated_node: cst.Attribute) -> cst.BaseExpression:
        if fx.is_sym(original_node, "EagerException"):
            fx.change(self.code)
            fx.need("flyte.errors")
            return cst.Attribute(cst.Attribute(cst.Name("flyte"), cst.Name("errors")), cst.Name("RuntimeUserError"))
        return updated_node


def _gathered_lists(fx: FileContext, fn: cst.FunctionDef) -> set[str]:
    """Names passed as `*name` to asyncio.gather somewhere in the function."""
    cache = fx.scratch.setdefault("gathered_lists", {})
    if fn in cache:
        return cache[fn]
    names: set[str] = set()

    class _V(cst.CSTVisitor):
        def visit_Call(self, node: cst.Call) -> None:
            if dotted_name(node.func) in _COROUTINE_SINKS:
                for a in node.args:
                    if a.star == "*" and isinstance(a.value, cst.Name):
                        names.add(a.value.value)

    visit(fn, _V())
    cache[fn] = names
    return names
