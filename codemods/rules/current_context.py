"""FM402 current-context: `current_context()` attributes become their Flyte 2 sources.

Before::

    ctx = flytekit.current_context()
    out = os.path.join(ctx.working_directory, "out.csv")
    run = flytekit.current_context().execution_id.name

After::

    out = os.path.join(tempfile.mkdtemp(), "out.csv")
    run = flyte.ctx().action.run_name

| flytekit | Flyte 2 |
|---|---|
| `.working_directory` | `tempfile.mkdtemp()` (a fresh scratch directory, as Flyte 1 gave each task) |
| `.execution_id.name` / `.project` / `.domain` | `flyte.ctx().action.run_name` / `.project` / `.domain` |
| `.execution_date` | `flyte.ctx().run_start_time` |
| `.raw_output_prefix` | `flyte.ctx().raw_data_path.path` |
| `.logging` | `flyte.logger` (the SDK's logger for user code) |
| `.secrets` | see FM204; `.default_deck` see FM403 |

Other attributes (`checkpoint`, plugin attributes such as `spark_session`, ...) have no direct
target and are reported. `ctx = current_context()` is removed when nothing reads `ctx` any more.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import libcst as cst

from .._cst import call, code
from ._base import Rule

if TYPE_CHECKING:
    from .._context import FileContext

CODE = "FM402"
_SIMPLE = {
    "execution_date": "flyte.ctx().run_start_time",
    "raw_output_prefix": "flyte.ctx().raw_data_path.path",
}
_EXECUTION_ID = {"name": "flyte.ctx().action.run_name", "project": "flyte.ctx().action.project", "domain": "flyte.ctx().action.domain"}
_ELSEWHERE = {"secrets", "default_deck"}  # converted by FM204 / FM403


def _is_context(fx: FileContext, node: cst.BaseExpression) -> bool:
    if isinstance(node, cst.Call) and fx.is_sym(node.func, "current_context") and not node.args:
        return True
    frame = fx.frame
    return isinstance(node, cst.Name) and frame is not None and node.value in frame.facts.ctx_aliases


def _flyte_expr(path: str) -> cst.BaseExpression:
    # "flyte.ctx().action.run_name" without a parser round trip
    head, _, rest = path.partition("().")
    node: cst.BaseExpression = call(head)
    for part in rest.split("."):
        node = cst.Attribute(value=node, attr=cst.Name(part))
    return node


class CurrentContextRule(Rule):
    __doc__ = __doc__
    code = CODE
    name = "current-context"
    summary = "current_context() attributes become flyte.ctx(), tempfile or os.environ equivalents"

    def visit_Attribute(self, fx: FileContext, node: cst.Attribute) -> None:
        if isinstance(node.value, cst.Attribute) and node.value.attr.value == "execution_id":
            fx.scratch.setdefault("execution_id_parts", set()).add(node.value)

    def leave_Attribute(self, fx: FileContext, original_node: cst.Attribute, updated_node: cst.Attribute) -> cst.BaseExpression:
        attr = original_node.attr.value
        base = original_node.value
        # current_context().execution_id.name
        if isinstance(base, cst.Attribute) and base.attr.value == "execution_id" and _is_context(fx, base.value):
            target = _EXECUTION_ID.get(attr)
            if target is None:
                fx.todo(CODE, f"{code(original_node)} has no Flyte 2 counterpart; flyte.ctx().action holds run_name, project and domain")
                if isinstance(base.value, cst.Call):
                    fx.scratch.setdefault("reported", set()).add(base.value.func)
                return original_node
            fx.change(CODE)
            fx.need("flyte")
            return _flyte_expr(target)
        if not _is_context(fx, base):
            return updated_node
        if attr in _ELSEWHERE:
            return updated_node
        if attr == "execution_id":
            if original_node in fx.scratch.get("execution_id_parts", ()):
                return updated_node  # `.execution_id.name` and friends: converted one level up
            fx.change(CODE)
            fx.todo(CODE, "current_context().execution_id was an identifier (project, domain, name); this is the run's name only")
            return _flyte_expr(_EXECUTION_ID["name"])
        if attr == "working_directory":
            fx.change(CODE)
            fx.need("tempfile")
            frame = fx.frame
            if frame is not None:
                frame.facts.working_dir_uses += 1
                if frame.facts.working_dir_uses == 2:
                    fx.todo(CODE, "each tempfile.mkdtemp() is a new directory, while current_context().working_directory was one per task; keep one in a variable if the code relies on that")
            return call("tempfile.mkdtemp")
        if attr == "logging":
            fx.change(CODE)
            fx.need("flyte")
            return cst.Attribute(value=cst.Name("flyte"), attr=cst.Name("logger"))
        target = _SIMPLE.get(attr)
        if target is None:
            fx.todo(CODE, f"current_context().{attr} has no Flyte 2 counterpart; see flyte.ctx() for what a task can read about itself")
            # keep the flytekit expression: it still says what the code meant, and this TODO covers it
            if isinstance(base, cst.Call):
                fx.scratch.setdefault("reported", set()).add(base.func)
                fx.applied[CODE] -= 1  # the inner current_context() -> flyte.ctx() is undone
            return updated_node.with_changes(value=base)
        fx.change(CODE)
        return _flyte_expr(target)

    def leave_Call(self, fx: FileContext, original_node: cst.Call, updated_node: cst.Call) -> cst.BaseExpression:
        # a bare current_context() that survives (assigned, passed on): flyte.ctx() is the object
        if fx.is_sym(original_node.func, "current_context") and not original_node.args:
            if original_node in fx.scratch.get("keep_calls", ()):
                return updated_node
            fx.change(CODE)
            return call("flyte.ctx")
        return updated_node

    def leave_FunctionDef(self, fx: FileContext, original_node: cst.FunctionDef, updated_node: cst.FunctionDef) -> cst.FunctionDef:
        facts = fx.model.functions.get(original_node)
        if facts is not None and (facts.ctx_aliases or facts.secret_aliases):
            # `ctx = current_context()` goes away once nothing reads `ctx` (decided at the end)
            dead = fx.scratch.setdefault("maybe_dead", set())
            dead.update((original_node.name.value, alias) for alias in facts.ctx_aliases | facts.secret_aliases)
        return updated_node
