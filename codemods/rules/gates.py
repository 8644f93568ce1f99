"""FM305 gates: `sleep`, `wait_for_input` and `approve` become durable sleeps and `flyte.new_condition`.

Before::

    @workflow
    def review(data: list[float]) -> dict:
        report = create_report(data=data)
        title = wait_for_input("title", timeout=timedelta(hours=1), expected_type=str)
        final = finalize(report=report, title=title)
        return approve(final, "approve-final", timeout=timedelta(hours=2))

After::

    @env.task
    async def review(data: list[float]) -> dict:
        report = await create_report.aio(data=data)
        title_condition = await flyte.new_condition.aio("title", prompt="title", data_type=str, timeout=timedelta(hours=1))
        title = await title_condition.wait.aio()
        final = await finalize.aio(report=report, title=title)
        if not await (await flyte.new_condition.aio("approve-final", prompt="Approve?", data_type=bool, timeout=timedelta(hours=2))).wait.aio():
            raise RuntimeError("approve-final was not approved")
        return final

`sleep(timedelta(...))` becomes `await flyte.durable.sleep.aio(seconds)`: a sleep that survives a
restart of the driver, like Flyte 1's gate node. A gate named in a `>>` chain still orders the
calls around it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import libcst as cst

from .._cst import call, code, kwarg, string, wrap_call
from ._args import bind
from ._base import Rule
from ._driver import register_await

if TYPE_CHECKING:
    from .._context import FileContext

CODE = "FM305"
_SECONDS = {"weeks": 604800, "days": 86400, "hours": 3600, "minutes": 60, "seconds": 1, "milliseconds": 0.001}


def seconds_of(fx: FileContext, node: cst.BaseExpression) -> cst.BaseExpression:
    """A number of seconds for a `timedelta(...)` literal, or `(expr).total_seconds()`."""
    if isinstance(node, cst.Call) and isinstance(node.func, (cst.Name, cst.Attribute)) and code(node.func).endswith("timedelta"):
        args = bind(node, ("days", "seconds", "microseconds", "milliseconds", "minutes", "hours", "weeks"))
        if args is not None:
            total = 0.0
            ok = True
            for k, v in args.items():
                if k not in _SECONDS or not isinstance(v, (cst.Integer, cst.Float)):
                    ok = False
                    break
                total += float(v.value) * _SECONDS[k]
            if ok:
                return cst.Integer(str(int(total))) if total == int(total) else cst.Float(repr(total))
    if isinstance(node, (cst.Integer, cst.Float)):
        return node
    return cst.Call(func=cst.Attribute(value=node.with_changes(lpar=[cst.LeftParen()], rpar=[cst.RightParen()]) if not isinstance(node, (cst.Name, cst.Call, cst.Attribute)) else node, attr=cst.Name("total_seconds")))


class GatesRule(Rule):
    __doc__ = __doc__
    code = CODE
    name = "gates"
    summary = "sleep/wait_for_input/approve become flyte.durable.sleep and flyte.new_condition waits"

    def visit_Assign(self, fx: FileContext, node: cst.Assign) -> None:
        if len(node.targets) == 1 and isinstance(node.targets[0].target, cst.Name) and isinstance(node.value, cst.Call):
            fx.scratch.setdefault("assigned_call", {})[node.value] = node.targets[0].target.value

    def leave_Call(self, fx: FileContext, original_node: cst.Call, updated_node: cst.Call) -> cst.BaseExpression:
        func = original_node.func
        which = next((n for n in ("sleep", "wait_for_input", "approve") if fx.is_sym(func, n)), None)
        if which is None:
            return updated_node
        frame = fx.frame
        if frame is None or not frame.is_driver or not frame.is_async_after:
            if frame is None or frame.entity is not None or not frame.is_async_after:
                # (an async function that is no flytekit entity is a driver migrated before: its TODO is there)
                fx.todo(CODE, f"{which}(...) outside a workflow body is not converted")
            return updated_node
        fx.change(CODE)
        target = fx.scratch.get("assigned_call", {}).get(original_node)
        if which == "sleep":
            args = bind(updated_node, ("duration",))
            if args is None or "duration" not in args:
                fx.todo(CODE, "sleep(...) without a duration could not be converted")
                return updated_node
            fx.need("flyte.durable")
            node = cst.Await(expression=call("flyte.durable.sleep.aio", [cst.Arg(seconds_of(fx, args["duration"]))]))
            # `sleeping = sleep(...)` is only a handle for `>>`: keep that name for the scheduler
            fx.scratch.setdefault("drop_assign", set()).add(node)
            return register_await(fx, node, [target] if target else [])
        if which == "wait_for_input":
            args = bind(updated_node, ("name", "timeout", "expected_type"))
            if args is None or "name" not in args:
                fx.todo(CODE, "wait_for_input(...) could not be read; use flyte.new_condition(name, data_type=...)")
                return updated_node
            kw = [cst.Arg(args["name"]), kwarg("prompt", args["name"])]
            if "expected_type" in args:
                kw.append(kwarg("data_type", args["expected_type"]))
            if "timeout" in args:
                kw.append(kwarg("timeout", args["timeout"]))
            base = target or (_identifier(str(args["name"].evaluated_value)) if isinstance(args["name"], cst.SimpleString) else "input")
            name = fx.fresh(f"{base}_condition")
            fx.insert_before(
                cst.SimpleStatementLine(
                    body=[cst.Assign(targets=[cst.AssignTarget(cst.Name(name))], value=cst.Await(wrap_call(call("flyte.new_condition.aio", kw), fx.line_length, prefix=12 + len(name))))]
                )
            )
            return cst.Await(expression=call(f"{name}.wait.aio"))
        args = bind(updated_node, ("value", "name", "timeout"))
        if args is None or "value" not in args or "name" not in args:
            fx.todo(CODE, "approve(...) could not be read; use flyte.new_condition(name, data_type=bool)")
            return updated_node
        value = args["value"]
        if not isinstance(value, (cst.Name, cst.SimpleString, cst.Integer, cst.Float, cst.Attribute, cst.Subscript)):
            held = fx.fresh("approved_value")
            fx.insert_before(cst.SimpleStatementLine(body=[cst.Assign(targets=[cst.AssignTarget(cst.Name(held))], value=value)]))
            value = cst.Name(held)
        kw = [cst.Arg(args["name"]), kwarg("prompt", _prompt(args["name"], value)), kwarg("data_type", cst.Name("bool"))]
        if "timeout" in args:
            kw.append(kwarg("timeout", args["timeout"]))
        base = str(args["name"].evaluated_value) if isinstance(args["name"], cst.SimpleString) else "approval"
        condition = fx.fresh(f"{_identifier(base)}_condition")
        fx.insert_before(
            cst.SimpleStatementLine(
                body=[cst.Assign(targets=[cst.AssignTarget(cst.Name(condition))], value=cst.Await(wrap_call(call("flyte.new_condition.aio", kw), fx.line_length, prefix=12 + len(condition))))]
            )
        )
        rejected = cst.Call(func=cst.Name("RuntimeError"), args=[cst.Arg(_rejected_message(args["name"]))])
        fx.insert_before(
            cst.If(
                test=cst.UnaryOperation(operator=cst.Not(), expression=cst.Await(call(f"{condition}.wait.aio"))),
                body=cst.IndentedBlock(body=[cst.SimpleStatementLine(body=[cst.Raise(exc=rejected)])]),
            )
        )
        return value

    def leave_SimpleStatementLine(self, fx: FileContext, original_node: cst.SimpleStatementLine, updated_node: cst.SimpleStatementLine) -> cst.BaseStatement:
        # `sleeping = await flyte.durable.sleep.aio(10)` -> `await flyte.durable.sleep.aio(10)`
        if len(updated_node.body) == 1 and isinstance(updated_node.body[0], cst.Assign):
            value = updated_node.body[0].value
            if value in fx.scratch.get("drop_assign", ()):
                return updated_node.with_changes(body=[cst.Expr(value)])
        return updated_node


def _identifier(text: str) -> str:
    import re

    ident = re.sub(r"\W+", "_", text).strip("_").lower()
    return ident if ident and not ident[0].isdigit() else f"gate_{ident}"


def _prompt(name: cst.BaseExpression, value: cst.BaseExpression) -> cst.BaseExpression:
    if isinstance(value, cst.Name):
        return cst.FormattedString(parts=[cst.FormattedStringText("Approve "), cst.FormattedStringExpression(expression=value), cst.FormattedStringText("?")])
    return string("Approve?")


def _rejected_message(name: cst.BaseExpression) -> cst.BaseExpression:
    if isinstance(name, cst.SimpleString):
        text = name.evaluated_value
        return string(f"{text.decode() if isinstance(text, bytes) else text} was not approved")
    return cst.BinaryOperation(left=name, operator=cst.Add(), right=string(" was not approved"))

