"""FM303 conditional: `conditional(...)` chains become `if`/`elif`/`else`; `.fail(msg)` raises.

Before::

    @workflow
    def shape(radius: float) -> float:
        return (
            conditional("shape")
            .if_((radius >= 0.1) & (radius < 1.0))
            .then(circumference(radius=radius))
            .elif_(is_big.is_true())
            .then(area(radius=radius))
            .else_()
            .fail("radius out of range")
        )

After::

    @env.task
    async def shape(radius: float) -> float:
        if (radius >= 0.1) and (radius < 1.0):
            return await circumference.aio(radius=radius)
        elif is_big:
            return await area.aio(radius=radius)
        else:
            raise ValueError("radius out of range")

In Flyte 1 the branch conditions compared promises with `&`, `|`, `.is_true()`, `.is_false()`
and `.is_none()`; in a Flyte 2 driver they are plain values, so they become `and`, `or`, the
value, `not` and `is None`. Only the chosen branch runs, as before. A chain whose result is
assigned assigns in each branch; a chain inside a branch becomes a nested `if`. An `Echo` task
in a branch is the value it echoes.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Optional, Union

import libcst as cst

from .._cst import code
from .._walk import visit
from ._args import bind
from ._base import Rule

if TYPE_CHECKING:
    from .._context import FileContext

CODE = "FM303"
Branch = tuple[Optional[cst.BaseExpression], tuple[str, cst.BaseExpression]]  # (condition or None for else, (then|fail, value))


def parse_chain(fx: FileContext, node: cst.BaseExpression) -> Optional[list[Branch]]:
    steps: list[tuple[str, list[cst.Arg]]] = []
    while isinstance(node, cst.Call) and isinstance(node.func, cst.Attribute):
        steps.append((node.func.attr.value, list(node.args)))
        node = node.func.value
    if not (isinstance(node, cst.Call) and fx.is_sym(node.func, "conditional")):
        return None
    steps.reverse()
    branches: list[Branch] = []
    cond: Optional[cst.BaseExpression] = None
    expecting = "if_"
    for name, args in steps:
        if name in ("if_", "elif_") and expecting in ("if_", "elif_") and len(args) == 1:
            cond = args[0].value
            expecting = "then"
        elif name == "else_" and expecting == "elif_":
            cond = None
            expecting = "else_then"
        elif name in ("then", "fail") and expecting in ("then", "else_then") and len(args) == 1:
            branches.append((cond, (name, args[0].value)))
            if expecting == "else_then":
                expecting = "done"
            else:
                expecting = "elif_"
        else:
            return None
    if expecting != "done":
        return None
    return branches


class _Condition(cst.CSTTransformer):
    """Promise operators to Python: `&` -> and, `|` -> or, `.is_true()` -> x, ..."""

    def leave_BinaryOperation(self, original_node: cst.BinaryOperation, updated_node: cst.BinaryOperation) -> cst.BaseExpression:
        if isinstance(updated_node.operator, cst.BitAnd):
            op: cst.BaseBooleanOp = cst.And()
        elif isinstance(updated_node.operator, cst.BitOr):
            op = cst.Or()
        else:
            return updated_node
        return cst.BooleanOperation(left=updated_node.left, operator=op, right=updated_node.right, lpar=updated_node.lpar, rpar=updated_node.rpar)

    def leave_Call(self, original_node: cst.Call, updated_node: cst.Call) -> cst.BaseExpression:
        func = updated_node.func
        if isinstance(func, cst.Attribute) and not updated_node.args:
            base = func.value
            if func.attr.value == "is_true":
                return base
            if func.attr.value == "is_false":
                return cst.UnaryOperation(operator=cst.Not(), expression=base)
            if func.attr.value == "is_none":
                return cst.Comparison(left=base, comparisons=[cst.ComparisonTarget(cst.Is(), cst.Name("None"))])
        return updated_node


def _branch_statement(fx: FileContext, form: str, target: Optional[cst.BaseAssignTargetExpression], kind: str, value: cst.BaseExpression) -> cst.BaseStatement:
    if kind == "fail":
        return cst.SimpleStatementLine(body=[cst.Raise(exc=cst.Call(func=cst.Name("ValueError"), args=[cst.Arg(value)]))])
    nested = parse_chain(fx, value)
    if nested is not None:
        return _build_if(fx, nested, form, target)
    if form == "return":
        return cst.SimpleStatementLine(body=[cst.Return(value=value)])
    if form == "assign":
        return cst.SimpleStatementLine(body=[cst.Assign(targets=[cst.AssignTarget(target=target)], value=value)])  # type: ignore[arg-type]
    if isinstance(value, (cst.Name, cst.Attribute, cst.Subscript)) or not isinstance(value, (cst.Call, cst.Await)):
        return cst.SimpleStatementLine(body=[cst.Pass()])
    return cst.SimpleStatementLine(body=[cst.Expr(value)])


def _build_if(fx: FileContext, branches: list[Branch], form: str, target: Optional[cst.BaseAssignTargetExpression]) -> cst.BaseCompoundStatement:
    orelse: Union[cst.If, cst.Else, None] = None
    for i in range(len(branches) - 1, -1, -1):
        cond, (kind, value) = branches[i]
        block = cst.IndentedBlock(body=[_branch_statement(fx, form, target, kind, value)])
        if cond is None:
            orelse = cst.Else(body=block)
        else:
            test = cond.visit(_Condition())
            assert isinstance(test, cst.BaseExpression)  # _Condition rewrites expressions into expressions
            test = test.with_changes(lpar=[], rpar=[]) if isinstance(test, (cst.Name, cst.Comparison, cst.BooleanOperation, cst.UnaryOperation)) and _only_wrapping_parens(cond) else test
            orelse = cst.If(test=test, body=block, orelse=orelse)
    assert isinstance(orelse, cst.If)
    return orelse


def _only_wrapping_parens(node: cst.BaseExpression) -> bool:
    return len(getattr(node, "lpar", ())) == 1


class ConditionalRule(Rule):
    __doc__ = __doc__
    code = CODE
    name = "conditional"
    summary = "conditional().if_().then()... chains become if/elif/else; .fail(msg) becomes raise"

    def leave_Call(self, fx: FileContext, original_node: cst.Call, updated_node: cst.Call) -> cst.BaseExpression:
        # Echo(name=..., inputs=...) tasks only pass their input through
        callee = fx.callee(updated_node.func)
        if callee is not None and callee.kind == "echo":
            args = bind(updated_node, ())
            if args is None and len(updated_node.args) == 1 and updated_node.args[0].keyword is None and not updated_node.args[0].star:
                args = {"": updated_node.args[0].value}  # echo(x): flytekit binds the one input by position
            if args is not None and len(args) == 1:
                fx.change(CODE)
                fx.scratch.setdefault("maybe_dead", set()).add(("", callee.name))
                return next(iter(args.values()))
        return updated_node

    def leave_SimpleStatementLine(self, fx: FileContext, original_node: cst.SimpleStatementLine, updated_node: cst.SimpleStatementLine) -> cst.BaseStatement:
        if len(updated_node.body) != 1:
            return updated_node
        small = updated_node.body[0]
        target: Optional[cst.BaseAssignTargetExpression] = None
        if isinstance(small, cst.Return) and small.value is not None:
            form, value = "return", small.value
        elif isinstance(small, cst.Assign) and len(small.targets) == 1:
            form, value, target = "assign", small.value, small.targets[0].target
        elif isinstance(small, cst.Expr):
            form, value = "expr", small.value
        else:
            return updated_node
        branches = parse_chain(fx, value)
        if branches is None:
            if _mentions_conditional(fx, value):
                fx.todo(CODE, f"this conditional(...) chain could not be read; rewrite it as if/elif/else: {code(value)[:80]}")
            return updated_node
        frame = fx.frame
        if frame is None or frame.kind not in ("workflow", "dynamic"):
            fx.todo(CODE, "conditional(...) outside a workflow body is not converted")
            return updated_node
        fx.change(CODE)
        new_if = _build_if(fx, branches, form, target)
        return new_if.with_changes(leading_lines=updated_node.leading_lines)


def _mentions_conditional(fx: FileContext, node: cst.CSTNode) -> bool:
    found = False

    class _V(cst.CSTVisitor):
        def visit_Call(self, n: cst.Call) -> None:
            nonlocal found
            if fx.is_sym(n.func, "conditional"):
                found = True

    visit(node, _V())  # reads only: no rebuilt tree
    return found
