"""FM301 chain: `a >> b` ordering becomes the order of the awaits.

Before::

    @workflow
    def setup_then_train():
        c = create_cluster(name="x")
        t = train()
        c >> t

After::

    @env.task
    async def setup_then_train():
        c = await create_cluster.aio(name="x")
        t = await train.aio()

`>>` only adds an edge to the Flyte 1 graph; in a Flyte 2 driver the edge is the order of the
`await`s, so the statement disappears and the scheduler (see FM102) never puts `t` before or
beside `c`. Inline calls (`t0() >> t1()`) become awaits in the chain's order. A `>>` whose
operands are not task results (or outside a workflow) is reported.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import libcst as cst

from ._base import Rule

if TYPE_CHECKING:
    from .._context import FileContext

CODE = "FM301"


def is_chain(stmt: cst.BaseStatement) -> bool:
    return (
        isinstance(stmt, cst.SimpleStatementLine)
        and len(stmt.body) == 1
        and isinstance(stmt.body[0], cst.Expr)
        and isinstance(stmt.body[0].value, cst.BinaryOperation)
        and isinstance(stmt.body[0].value.operator, cst.RightShift)
    )


class ChainRule(Rule):
    __doc__ = __doc__
    code = CODE
    name = "chain-operator"
    summary = "a >> b between task results becomes the order of awaits; the statement is removed"

    def leave_SimpleStatementLine(self, fx: FileContext, original_node: cst.SimpleStatementLine, updated_node: cst.SimpleStatementLine) -> cst.BaseStatement:
        frame = fx.frame
        if not is_chain(updated_node) or frame is None:
            return updated_node
        operands = []
        node = updated_node.body[0].value  # type: ignore[attr-defined]
        while isinstance(node, cst.BinaryOperation) and isinstance(node.operator, cst.RightShift):
            operands.append(node.right)
            node = node.left
        operands.append(node)
        looks_like_entities = all(isinstance(o, (cst.Name, cst.Await)) for o in operands)
        if frame.kind not in ("workflow", "dynamic") or not looks_like_entities:
            if any(isinstance(o, cst.Await) for o in operands) or frame.kind in ("workflow", "dynamic"):
                fx.todo(CODE, "this `>>` does not chain task results; order the awaits by hand")
        return updated_node
