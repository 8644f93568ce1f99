"""FM107 named-outputs: NamedTuple outputs are read the way Flyte 2 returns them.

Before::

    slope_value = NamedTuple("slope_value", [("slope", float)])
    both = NamedTuple("both", [("slope", float), ("intercept", float)])

    @task
    def slope(x: list[int]) -> slope_value: ...

    @task
    def fit(x: list[int]) -> both: ...

    @workflow
    def wf(x: list[int]) -> float:
        s = slope(x=x)
        f = fit(x=x)
        return s.slope + f.intercept

After::

    @env.task
    def slope(x: list[int]) -> float: ...

    @env.task
    def fit(x: list[int]) -> both: ...

    @env.task
    async def wf(x: list[int]) -> float:
        s, f = await asyncio.gather(slope.aio(x=x), fit.aio(x=x))
        return s + f[1]

Flyte 2 names outputs `o0, o1, ...` and hands a calling task a plain value (one output) or a
plain tuple (several), so attribute access on a result becomes the value itself or an index,
and a one-field NamedTuple return type becomes the field's type (its `return Out(slope=v)`
becomes `return v`).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Optional

import libcst as cst

from .._walk import visit
from ._base import Rule

if TYPE_CHECKING:
    from .._context import FileContext

CODE = "FM107"


def _nt_of(fx: FileContext, returns: Optional[cst.BaseExpression]) -> Optional[str]:
    if isinstance(returns, cst.Name) and returns.value in fx.model.namedtuples:
        return returns.value
    return None


class NamedOutputsRule(Rule):
    __doc__ = __doc__
    code = CODE
    name = "named-outputs"
    summary = "NamedTuple outputs: one-field types become the field type; result.field becomes the value or an index"

    def prepare(self, fx: FileContext) -> None:
        outputs: dict[str, tuple[str, list[str]]] = {}
        for ent in fx.model.entities.values():
            nt = _nt_of(fx, ent.returns)
            if nt is not None and fx.model.namedtuples[nt]:
                outputs[ent.name] = (nt, fx.model.namedtuples[nt])
        fx.scratch["named_outputs"] = outputs

    def _task_nt(self, fx: FileContext, call: cst.BaseExpression) -> Optional[tuple[str, list[str]]]:
        while isinstance(call, cst.Await):
            call = call.expression
        if isinstance(call, cst.Call) and isinstance(call.func, cst.Name):
            return fx.scratch.get("named_outputs", {}).get(call.func.value)
        return None

    def visit_Assign(self, fx: FileContext, node: cst.Assign) -> None:
        frame = fx.frame
        if frame is None or not frame.is_driver or len(node.targets) != 1 or not isinstance(node.targets[0].target, cst.Name):
            return
        nt = self._task_nt(fx, node.value)
        results = fx.scratch.setdefault("nt_results", {}).setdefault(frame.node, {})
        name = node.targets[0].target.value
        if nt is not None:
            results[name] = nt
        else:
            results.pop(name, None)

    def leave_Attribute(self, fx: FileContext, original_node: cst.Attribute, updated_node: cst.Attribute) -> cst.BaseExpression:
        frame = fx.frame
        base = original_node.value
        if frame is None or not isinstance(base, cst.Name):
            return updated_node
        nt = fx.scratch.get("nt_results", {}).get(frame.node, {}).get(base.value)
        if nt is None or original_node.attr.value not in nt[1]:
            return updated_node
        fields = nt[1]
        fx.change(CODE)
        if len(fields) == 1:
            return updated_node.value
        index = fields.index(original_node.attr.value)
        return cst.Subscript(value=updated_node.value, slice=[cst.SubscriptElement(cst.Index(cst.Integer(str(index))))])

    def leave_Return(self, fx: FileContext, original_node: cst.Return, updated_node: cst.Return) -> cst.Return:
        frame = fx.frame
        if frame is None or frame.entity is None or updated_node.value is None:
            return updated_node
        nt = fx.scratch.get("named_outputs", {}).get(frame.entity.name)
        if nt is None or len(nt[1]) != 1:
            return updated_node
        value = updated_node.value
        if isinstance(value, cst.Call) and isinstance(value.func, cst.Name) and value.func.value == nt[0] and len(value.args) == 1:
            fx.change(CODE)
            return updated_node.with_changes(value=value.args[0].value)
        return updated_node

    def leave_FunctionDef(self, fx: FileContext, original_node: cst.FunctionDef, updated_node: cst.FunctionDef) -> cst.FunctionDef:
        facts = fx.model.functions.get(original_node)
        ent = facts.entity if facts is not None else None
        if ent is None:
            return updated_node
        if ent.kind == "task":
            updated_node = self._plain_outputs(fx, original_node, updated_node)
        nt = fx.scratch.get("named_outputs", {}).get(ent.name)
        if nt is None or len(nt[1]) != 1 or updated_node.returns is None:
            return updated_node
        field_type = fx.model.namedtuple_types.get(nt[0], [None])[0]
        if field_type is None:
            return updated_node
        from .io_types import convert_type

        field_type = convert_type(fx, field_type)
        fx.change(CODE)
        return updated_node.with_changes(returns=updated_node.returns.with_changes(annotation=field_type))

    def _plain_outputs(self, fx: FileContext, original: cst.FunctionDef, fn: cst.FunctionDef) -> cst.FunctionDef:
        """Outputs flytekit converted silently: a list returned for a Tuple[...] (Flyte 2 wants a
        tuple), a value returned with no return annotation (flytekit dropped it, Flyte 2 fails)."""
        returns = fn.returns.annotation if fn.returns is not None else None
        arity = _tuple_arity(returns)
        values = _returned_values(original)
        if returns is None and any(v is not None and not (isinstance(v, cst.Name) and v.value == "None") for v in values):
            fx.change(CODE)
            fx.need("typing")
            fx.todo(CODE, f"{fn.name.value} returns a value but declares no output type (flytekit dropped the value); typing.Any keeps it: write the real type")
            return fn.with_changes(returns=cst.Annotation(cst.Attribute(cst.Name("typing"), cst.Name("Any"))))
        if arity is None or not any(_needs_tuple(fx, v, arity) for v in values):
            return fn
        n: int = arity

        class _Tuples(cst.CSTTransformer):
            def visit_FunctionDef(self, node: cst.FunctionDef) -> bool:
                return False  # not into nested functions

            def visit_Lambda(self, node: cst.Lambda) -> bool:
                return False

            def leave_Return(self, original_node: cst.Return, updated_node: cst.Return) -> cst.Return:
                v = updated_node.value
                if isinstance(v, cst.List) and len(v.elements) == n and not any(isinstance(e, cst.StarredElement) for e in v.elements):
                    return updated_node.with_changes(value=cst.Tuple(elements=v.elements, lpar=[], rpar=[]))
                if _needs_tuple(fx, original_node.value, n) and v is not None:
                    # a call whose sequence flytekit unpacked (train_test_split returns a list)
                    return updated_node.with_changes(value=cst.Call(func=cst.Name("tuple"), args=[cst.Arg(v)]))
                return updated_node

        fx.change(CODE)
        # only the body is rebuilt: the header's nodes keep their identity, which later rules use
        return fn.with_changes(body=fn.body.visit(_Tuples()))


def _needs_tuple(fx: FileContext, value: Optional[cst.BaseExpression], arity: int) -> bool:
    """A returned value that may be a list where the Tuple output needs a tuple."""
    if isinstance(value, cst.List):
        return len(value.elements) == arity
    if not isinstance(value, cst.Call):
        return False
    func = value.func
    if isinstance(func, cst.Name) and (func.value in ("tuple", "zip", "divmod") or func.value in fx.model.namedtuples or (func.value in fx.model.plain_functions and func.value[:1].isupper())):
        return False
    return not (isinstance(func, cst.Name) and func.value in fx.model.entities)


def _tuple_arity(returns: Optional[cst.BaseExpression]) -> Optional[int]:
    """n for `Tuple[a, b, ...]` / `tuple[a, b]` with n >= 2 plain elements."""
    if not isinstance(returns, cst.Subscript):
        return None
    name = returns.value
    spelled = name.value if isinstance(name, cst.Name) else (name.attr.value if isinstance(name, cst.Attribute) else "")
    if spelled not in ("Tuple", "tuple") or len(returns.slice) < 2:
        return None
    if any(isinstance(s.slice, cst.Index) and isinstance(s.slice.value, cst.Ellipsis) for s in returns.slice):
        return None
    return len(returns.slice)


def _returned_values(fn: cst.FunctionDef) -> list[Optional[cst.BaseExpression]]:
    """The values of the function's own `return` statements (not those of nested functions)."""
    found: list[Optional[cst.BaseExpression]] = []

    class _Collect(cst.CSTVisitor):
        def visit_FunctionDef(self, node: cst.FunctionDef) -> bool:
            return node is fn

        def visit_Lambda(self, node: cst.Lambda) -> bool:
            return False

        def visit_Return(self, node: cst.Return) -> None:
            found.append(node.value)

    visit(fn, _Collect())  # reads only: no rebuilt tree
    return found
