"""FM103 dynamic-to-task: `@dynamic` becomes an async `@env.task`: its loops and conditions were
always plain Python, and its task calls are awaited like a workflow's.

Before::

    @dynamic(container_image=image)
    def fan_out(n: int) -> list[int]:
        out = []
        for i in range(n):
            out.append(square(x=i))
        return out

After::

    @image_env.task
    async def fan_out(n: int) -> list[int]:
        out = []
        out.extend(await asyncio.gather(*(square.aio(x=i) for i in range(n))))
        return out

A loop whose iterations each make one task call (appended to a list, assigned then appended,
or only awaited) becomes one `asyncio.gather`, because in Flyte 1 those calls were nodes of one
graph and ran in parallel; `out = []` followed by such a loop becomes `out = await
asyncio.gather(...)`. Other loops await each call in turn; when their iterations do not depend
on each other the rule leaves a TODO saying so.
"""

from __future__ import annotations

from typing import Optional

import libcst as cst

from .._context import FileContext
from .._cst import contains, reads, target_names
from .._walk import visit
from ._driver import DriverRule, is_task_await, register_await


def _append_loop(fx: FileContext, node: cst.For) -> Optional[cst.BaseStatement]:
    """Loops whose iterations each make one task call, gathered into one `asyncio.gather`:

    * `for v in it: out.append(<await call>)` -> `out.extend(await asyncio.gather(*(... for v in it)))`
    * `for v in it: r = <await call>; out.append(r)` -> the same
    * `for v in it: <await call>` (result unused) -> `await asyncio.gather(*(... for v in it))`
    """
    if node.orelse is not None or node.asynchronous is not None or not isinstance(node.body, cst.IndentedBlock):
        return None
    lines = node.body.body
    if not all(isinstance(line, cst.SimpleStatementLine) and len(line.body) == 1 for line in lines):
        return None
    smalls = [line.body[0] for line in lines]  # type: ignore[attr-defined]
    append: Optional[cst.Call] = None
    awaited: Optional[cst.Await] = None
    if len(smalls) == 1 and isinstance(smalls[0], cst.Expr):
        value = smalls[0].value
        if isinstance(value, cst.Await) and is_task_await(fx, value):
            awaited = value
        elif _is_append(value) and isinstance(value.args[0].value, cst.Await):  # type: ignore[attr-defined]
            append, awaited = value, value.args[0].value  # type: ignore[attr-defined,assignment]
    elif len(smalls) == 2 and isinstance(smalls[0], cst.Assign) and isinstance(smalls[1], cst.Expr):
        first, second = smalls[0], smalls[1].value
        if (
            len(first.targets) == 1
            and isinstance(first.targets[0].target, cst.Name)
            and isinstance(first.value, cst.Await)
            and _is_append(second)
            and isinstance(second.args[0].value, cst.Name)  # type: ignore[attr-defined]
            and second.args[0].value.value == first.targets[0].target.value  # type: ignore[attr-defined]
            and first.targets[0].target.value not in reads(first.value)
        ):
            append, awaited = second, first.value  # type: ignore[assignment]
    if awaited is None or not is_task_await(fx, awaited):
        return None
    task_call = awaited.expression
    gen = cst.GeneratorExp(elt=task_call, for_in=cst.CompFor(target=node.target, iter=node.iter))
    gather = cst.Call(func=cst.Attribute(cst.Name("asyncio"), cst.Name("gather")), args=[cst.Arg(gen, star="*")])
    result = register_await(fx, cst.Await(gather))
    fx.need("asyncio")
    if append is None:
        return cst.SimpleStatementLine(body=[cst.Expr(result)], leading_lines=node.leading_lines)
    extend = cst.Call(func=append.func.with_changes(attr=cst.Name("extend")), args=[cst.Arg(result)])  # type: ignore[attr-defined]
    return cst.SimpleStatementLine(body=[cst.Expr(extend)], leading_lines=node.leading_lines)


def _is_append(value: cst.BaseExpression) -> bool:
    return (
        isinstance(value, cst.Call)
        and isinstance(value.func, cst.Attribute)
        and value.func.attr.value == "append"
        and isinstance(value.func.value, cst.Name)
        and len(value.args) == 1
        and value.args[0].keyword is None
        and not value.args[0].star
    )


def _independent_iterations(node: cst.For) -> bool:
    """No name written in the loop body is read by the body before it is written."""
    written: set[str] = set(target_names(node.target))
    body_writes: set[str] = set()
    body = node.body.body if isinstance(node.body, cst.IndentedBlock) else []
    for stmt in body:
        if isinstance(stmt, cst.SimpleStatementLine):
            for small in stmt.body:
                if isinstance(small, cst.Assign):
                    for t in small.targets:
                        body_writes.update(target_names(t.target))
                elif isinstance(small, cst.AugAssign):
                    return False
                elif isinstance(small, cst.Expr) and isinstance(small.value, cst.Call):
                    f = small.value.func
                    if isinstance(f, cst.Attribute) and f.attr.value in ("append", "extend", "add", "update"):
                        continue
        else:
            return False
    for stmt in body:
        if isinstance(stmt, cst.SimpleStatementLine):
            for small in stmt.body:
                if isinstance(small, cst.Assign):
                    if reads(small.value) & (body_writes - written):
                        return False
    return True


class DynamicRule(DriverRule):
    __doc__ = __doc__
    code = "FM103"
    name = "dynamic-to-task"
    summary = "@dynamic becomes an async @env.task; append-loops of task calls become asyncio.gather"
    kind = "dynamic"

    def leave_For(self, fx: FileContext, original_node: cst.For, updated_node: cst.For) -> cst.BaseStatement:
        frame = fx.frame
        if frame is None or not frame.is_driver or frame.kind == "eager":
            return updated_node
        gathered = _append_loop(fx, updated_node)
        if gathered is not None:
            fx.change(self.code if frame.kind == "dynamic" else "FM102")
            return gathered
        if contains(updated_node.body, (cst.Await,)) and _independent_iterations(updated_node) and _has_task_await(fx, updated_node):
            fx.todo(
                self.code if frame.kind == "dynamic" else "FM102",
                "this loop now awaits one task call at a time; Flyte 1 ran its iterations in parallel. They look independent: collect the calls and await asyncio.gather(...)",
            )
        return updated_node

    def leave_ListComp(self, fx: FileContext, original_node: cst.ListComp, updated_node: cst.ListComp) -> cst.BaseExpression:
        """`[t(x=i) for i in xs]` in a driver: one gather instead of one await per item."""
        frame = fx.frame
        if frame is None or not frame.is_driver or frame.kind == "eager":
            return updated_node
        elt = updated_node.elt
        if not (isinstance(elt, cst.Await) and is_task_await(fx, elt)):
            return updated_node
        gen = cst.GeneratorExp(elt=elt.expression, for_in=updated_node.for_in)
        gather = cst.Call(func=cst.Attribute(cst.Name("asyncio"), cst.Name("gather")), args=[cst.Arg(gen, star="*")])
        fx.need("asyncio")
        fx.change(self.code if frame.kind == "dynamic" else "FM102")
        return register_await(fx, cst.Await(gather))

    def leave_List(self, fx: FileContext, original_node: cst.List, updated_node: cst.List) -> cst.BaseExpression:
        """`[t(x=1), t(x=2)]` in a driver: the calls were parallel nodes, so gather them."""
        frame = fx.frame
        if frame is None or not frame.is_driver or frame.kind == "eager" or len(updated_node.elements) < 2:
            return updated_node
        values = [el.value for el in updated_node.elements]
        if any(isinstance(el, cst.StarredElement) for el in updated_node.elements):
            return updated_node
        if not all(isinstance(v, cst.Await) and is_task_await(fx, v) for v in values):
            return updated_node
        from .._cst import normalize_commas

        gather = cst.Call(
            func=cst.Attribute(cst.Name("asyncio"), cst.Name("gather")),
            args=normalize_commas([cst.Arg(v.expression) for v in values]),  # type: ignore[attr-defined]
        )
        fx.need("asyncio")
        fx.change(self.code if frame.kind == "dynamic" else "FM102")
        return register_await(fx, cst.Await(gather))


def _has_task_await(fx: FileContext, node: cst.CSTNode) -> bool:
    found: list[bool] = []

    class _V(cst.CSTVisitor):
        def visit_Await(self, n: cst.Await) -> None:
            if is_task_await(fx, n):
                found.append(True)

    visit(node, _V())
    return bool(found)
