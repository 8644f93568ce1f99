"""FM403 deck: `Deck` pages become `flyte.report` tabs.

Before::

    @task(enable_deck=True)
    def profile(df: pd.DataFrame) -> None:
        flytekit.Deck("summary", df.describe().to_html())
        current_context().default_deck.append("<p>done</p>")

After::

    @env.task(report=True)
    def profile(df: pd.DataFrame) -> None:
        flyte.report.get_tab("summary").log(df.describe().to_html())
        flyte.report.log("<p>done</p>")

`deck = Deck("name")` followed by `deck.append(html)` becomes a tab and `tab.log(html)`. Reports
are written when the task ends, as decks were; `enable_deck=True` becomes `report=True` (FM205).
Inside async functions the module-level helpers are awaited through `.aio`, as the SDK requires.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import libcst as cst

from .._cst import call, code
from ._args import bind
from ._base import Rule

if TYPE_CHECKING:
    from .._context import FileContext

CODE = "FM403"


def _report_call(fx: FileContext, fn: str, args: list) -> cst.BaseExpression:
    fx.need("flyte.report")
    frame = fx.frame
    if frame is not None and frame.is_async_after:
        return cst.Await(expression=call(f"flyte.report.{fn}.aio", args))
    return call(f"flyte.report.{fn}", args)


class DeckRule(Rule):
    __doc__ = __doc__
    code = CODE
    name = "deck"
    summary = "Deck pages and default_deck become flyte.report tabs and logs"

    def leave_Call(self, fx: FileContext, original_node: cst.Call, updated_node: cst.Call) -> cst.BaseExpression:
        func = original_node.func
        if fx.is_sym(func, "Deck"):
            args = bind(updated_node, ("name", "html", "auto_add_to_deck"))
            if args is None or "name" not in args:
                fx.todo(CODE, f"{code(original_node)}: write to flyte.report.get_tab(<name>).log(<html>)")
                return updated_node
            fx.change(CODE)
            fx.need("flyte.report")
            name = args["name"]
            is_default = isinstance(name, cst.SimpleString) and name.evaluated_value == "default"
            if is_default:
                if "html" in args:
                    return _report_call(fx, "log", [cst.Arg(args["html"])])
                return call("flyte.report.get_tab", [cst.Arg(cst.SimpleString('"main"'))])
            tab = call("flyte.report.get_tab", [cst.Arg(name)])
            if "html" in args:
                return cst.Call(func=cst.Attribute(value=tab, attr=cst.Name("log")), args=[cst.Arg(args["html"])])
            return tab
        if not (isinstance(func, cst.Attribute) and func.attr.value == "append"):
            return updated_node
        base = func.value
        frame = fx.frame
        # current_context().default_deck.append(html)
        if isinstance(base, cst.Attribute) and base.attr.value == "default_deck":
            inner = base.value
            is_ctx = (isinstance(inner, cst.Call) and fx.is_sym(inner.func, "current_context")) or (
                isinstance(inner, cst.Name) and frame is not None and inner.value in frame.facts.ctx_aliases
            )
            if is_ctx:
                fx.change(CODE)
                return _report_call(fx, "log", list(updated_node.args))
        # deck.append(html) on a name bound to Deck(...)
        if isinstance(base, cst.Name) and frame is not None and base.value in frame.facts.decks:
            fx.change(CODE)
            return updated_node.with_changes(func=cst.Attribute(value=updated_node.func.value, attr=cst.Name("log")))  # type: ignore[attr-defined]
        return updated_node
