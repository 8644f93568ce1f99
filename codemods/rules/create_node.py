"""FM306 create-node: `create_node(task, **inputs)` becomes an awaited call; `node.o0` its value.

Before::

    @workflow
    def wf():
        raw = read()
        n1 = create_node(process, df=raw)
        n2 = create_node(process, df=raw)
        n1 >> n2
        compare(a=n1.o0, b=n2.o0)

After::

    @env.task
    async def wf():
        raw = await read.aio()
        n1 = await process.aio(df=raw)
        n2 = await process.aio(df=raw)
        await compare.aio(a=n1, b=n2)

A node's outputs `o0`, `o1`, ... are the task's return value (or its items, for tasks with
several outputs).
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

import libcst as cst

from ._base import Rule
from ._driver import call_entity

if TYPE_CHECKING:
    from .._context import FileContext

CODE = "FM306"
_TUPLE = re.compile(r"^\s*(\(|typing\.Tuple\[|Tuple\[|tuple\[)")


class CreateNodeRule(Rule):
    __doc__ = __doc__
    code = CODE
    name = "create-node"
    summary = "create_node(task, **inputs) becomes an awaited task call; node.oN becomes the value"

    def leave_Call(self, fx: FileContext, original_node: cst.Call, updated_node: cst.Call) -> cst.BaseExpression:
        if not fx.is_sym(original_node.func, "create_node") or not updated_node.args:
            return updated_node
        frame = fx.frame
        if frame is None or frame.kind not in ("workflow", "dynamic"):
            fx.todo(CODE, "create_node outside a workflow body is not converted; call the task directly")
            return updated_node
        target = updated_node.args[0].value
        callee = fx.callee(target)
        if callee is None:
            fx.todo(CODE, "create_node(...) of something that is not a task we can see; call it directly and await it")
            return updated_node
        fx.change(CODE)
        call = updated_node.with_changes(func=target, args=updated_node.args[1:])
        ret = callee.returns_text or ""
        multi = bool(_TUPLE.match(ret)) or len(fx.model.namedtuples.get(ret.strip(), [])) > 1
        fx.scratch.setdefault("node_calls", {})[original_node] = multi
        return call_entity(fx, original_node, call, callee)

    def visit_Assign(self, fx: FileContext, node: cst.Assign) -> None:
        if len(node.targets) == 1 and isinstance(node.targets[0].target, cst.Name) and isinstance(node.value, cst.Call):
            if fx.is_sym(node.value.func, "create_node"):
                fx.scratch.setdefault("node_names", {})[node.targets[0].target.value] = node.value

    def leave_Attribute(self, fx: FileContext, original_node: cst.Attribute, updated_node: cst.Attribute) -> cst.BaseExpression:
        base = original_node.value
        attr = original_node.attr.value
        if not (isinstance(base, cst.Name) and re.fullmatch(r"o\d+", attr)):
            return updated_node
        origin = fx.scratch.get("node_names", {}).get(base.value)
        if origin is None:
            return updated_node
        multi = fx.scratch.get("node_calls", {}).get(origin, False)
        fx.change(CODE)
        if not multi:
            return updated_node.value
        index = int(attr[1:])
        return cst.Subscript(value=updated_node.value, slice=[cst.SubscriptElement(cst.Index(cst.Integer(str(index))))])
