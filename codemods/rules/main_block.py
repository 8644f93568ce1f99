"""FM002 main-block: running a workflow from a script becomes `flyte.init()` + `flyte.run(...)`.

Before::

    if __name__ == "__main__":
        print(f"result: {my_wf(x=3)}")
        runner = CliRunner()
        result = runner.invoke(pyflyte.main, ["run", path, "my_wf", "--x", 3])

After::

    if __name__ == "__main__":
        flyte.init()
        print(f"result: {flyte.run(my_wf, x=3).outputs()[0]}")
        runner = CliRunner()
        result = flyte.run(my_wf, x=3)

In Flyte 1 calling a workflow ran it locally and returned its outputs. A migrated workflow is an
async task: calling it outside a run only creates a coroutine, so calls of workflows, dynamic
and eager workflows and launch plans in module-level code, in `__main__` blocks and in plain
functions (tests, helpers) become `flyte.run(...)`, and where the value is used,
`.outputs()[0]` (or `.outputs()` for tasks with several outputs). Sync tasks called outside a run
are plain function calls in both versions and stay as they are. A `pyflyte run` started through
click's `CliRunner` becomes the equivalent `flyte.run`.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Optional

import libcst as cst

from .._cst import call, code, kwarg, normalize_commas
from ._base import Rule

if TYPE_CHECKING:
    from .._context import Callee, FileContext

CODE = "FM002"
_TUPLE_RETURN = re.compile(r"^\s*(\(|typing\.Tuple\[|Tuple\[|tuple\[)")


def _returns_tuple(fx: FileContext, callee: Callee) -> bool:
    text = callee.returns_text
    if not text:
        return False
    if _TUPLE_RETURN.match(text):
        return True
    fields = fx.model.namedtuples.get(text.strip())
    return fields is not None and len(fields) > 1


def _is_main_test(node: cst.BaseExpression) -> bool:
    return isinstance(node, cst.Comparison) and code(node).replace("'", '"').replace(" ", "") in ('__name__=="__main__"', '"__main__"==__name__')


class MainBlockRule(Rule):
    __doc__ = __doc__
    code = CODE
    name = "main-block"
    summary = "workflow calls in scripts, __main__ blocks and plain functions become flyte.run(...); pyflyte run via CliRunner too"

    def visit_If(self, fx: FileContext, node: cst.If) -> None:
        if fx.frame is None and _is_main_test(node.test):
            fx.scratch.setdefault("main_ifs", []).append(0)

    def visit_Expr(self, fx: FileContext, node: cst.Expr) -> None:
        fx.scratch.setdefault("statement_calls", set()).add(node.value)

    def visit_Assign(self, fx: FileContext, node: cst.Assign) -> None:
        if len(node.targets) == 1 and isinstance(node.targets[0].target, cst.Name) and isinstance(node.value, cst.Call):
            fx.scratch.setdefault("assigned_to", {})[node.value] = node.targets[0].target.value

    def leave_Attribute(self, fx: FileContext, original_node: cst.Attribute, updated_node: cst.Attribute) -> cst.BaseExpression:
        # `result.output` of a converted CliRunner run: the Run's outputs
        base = original_node.value
        if isinstance(base, cst.Name) and base.value in fx.scratch.get("cli_results", ()):
            if original_node.attr.value == "output":
                fx.change(CODE)
                return cst.Call(func=cst.Attribute(value=updated_node.value, attr=cst.Name("outputs")))
            if original_node.attr.value in ("exit_code", "exception", "stdout", "stderr"):
                fx.todo(CODE, f"{base.value}.{original_node.attr.value}: flyte.run returns a Run (it raises on failure); use .outputs() and .url")
        return updated_node

    def leave_Call(self, fx: FileContext, original_node: cst.Call, updated_node: cst.Call) -> cst.BaseExpression:
        frame = fx.frame
        if frame is not None and (frame.entity is not None or frame.node.asynchronous is not None):
            return updated_node
        invoked = self._cli_runner(fx, original_node, updated_node)
        if invoked is not None:
            return invoked
        if (code(original_node.func) == "asyncio.run" and len(original_node.args) == 1
                and original_node.args[0].value in fx.scratch.get("run_calls", ())):
            # asyncio.run(eager_wf(x=1)): the eager workflow is a task now, and flyte.run runs it
            fx.change(CODE)
            return updated_node.args[0].value
        callee = fx.callee(updated_node.func)
        if callee is None or callee.assumed or callee.kind in ("map", "echo", "partial"):
            return updated_node
        if callee.kind == "task" and not callee.is_async:
            return updated_node  # a sync task called outside a run is a plain call in both versions
        return self._run(fx, original_node, updated_node.func, list(updated_node.args), callee)

    def _run(self, fx: FileContext, original: cst.Call, func: cst.BaseExpression, args: list[cst.Arg], callee: Optional[Callee]) -> cst.BaseExpression:
        fx.change(CODE)
        fx.scratch.setdefault("run_calls", set()).add(original)
        fx.need("flyte")
        runs = fx.scratch.get("main_ifs")
        if runs:
            runs[-1] += 1
        run = call("flyte.run", [cst.Arg(func), *args])
        if original in fx.scratch.get("statement_calls", ()):
            return run
        outputs = cst.Call(func=cst.Attribute(value=run, attr=cst.Name("outputs")))
        if callee is not None and _returns_tuple(fx, callee):
            return outputs
        return cst.Subscript(value=outputs, slice=[cst.SubscriptElement(cst.Index(cst.Integer("0")))])

    def _cli_runner(self, fx: FileContext, original: cst.Call, updated: cst.Call) -> Optional[cst.BaseExpression]:
        """runner.invoke(pyflyte.main, ["run", ..., path, "wf", "--x", 1]) -> flyte.run(wf, x=1)."""
        func = updated.func
        if not (isinstance(func, cst.Attribute) and func.attr.value == "invoke" and len(updated.args) >= 2):
            return None
        target = original.args[0].value
        if not (isinstance(target, cst.Attribute) and target.attr.value == "main" and fx.is_sym(target.value, "pyflyte")):
            if not (isinstance(target, cst.Attribute) and isinstance(target.value, cst.Name) and target.value.value == "pyflyte"):
                return None
        argv = updated.args[1].value
        if not isinstance(argv, cst.List):
            fx.todo(CODE, "pyflyte run arguments are not a literal list; call flyte.run(task, **inputs) instead")
            return None
        items = [e.value for e in argv.elements]
        words = [str(i.evaluated_value) if isinstance(i, cst.SimpleString) else None for i in items]
        if not words or words[0] != "run":
            return None
        i = 1
        context: list[cst.Arg] = []
        while i < len(words) and words[i] is not None and words[i].startswith("-"):  # type: ignore[union-attr]
            opt = words[i]
            if opt in ("--raw-output-data-prefix", "--raw-data-path") and i + 1 < len(items):
                context.append(kwarg("raw_data_path", items[i + 1]))
                i += 2
            elif opt in ("--remote", "-r"):
                fx.todo(CODE, "pyflyte run --remote: configure a Flyte 2 endpoint with flyte.init_from_config() and call flyte.run")
                i += 1
            else:
                fx.todo(CODE, f"pyflyte run option {opt} has no flyte.run counterpart here; see flyte.with_runcontext(...)")
                i += 1 if i + 1 >= len(words) or (words[i + 1] or "").startswith("-") else 2
        entity = words[i + 1] if i + 1 < len(items) else None
        if entity is None:
            return None
        if entity not in fx.model.entities and fx.model.bindings.get(entity) is None:
            fx.todo(CODE, f"pyflyte run {entity}: not defined in this module; call flyte.run on the task")
            return None
        kwargs: list[cst.Arg] = []
        j = i + 2
        while j + 1 < len(items) and words[j] is not None and words[j].startswith("--"):  # type: ignore[union-attr]
            kwargs.append(kwarg(words[j][2:].replace("-", "_"), items[j + 1]))  # type: ignore[index]
            j += 2
        fx.change(CODE)
        fx.need("flyte")
        runs = fx.scratch.get("main_ifs")
        if runs:
            runs[-1] += 1
        target = fx.scratch.get("assigned_to", {}).get(original)
        if target is not None:
            fx.scratch.setdefault("cli_results", set()).add(target)
        if isinstance(func.value, cst.Name):
            scope = fx.frame.node.name.value if fx.frame is not None else ""
            fx.scratch.setdefault("maybe_dead", set()).add((scope, func.value.value))  # the CliRunner
        if context:
            runner = call("flyte.with_runcontext", context)
            return cst.Call(func=cst.Attribute(runner, cst.Name("run")), args=normalize_commas([cst.Arg(cst.Name(entity)), *kwargs]))
        return call("flyte.run", [cst.Arg(cst.Name(entity)), *kwargs])

    def leave_If(self, fx: FileContext, original_node: cst.If, updated_node: cst.If) -> cst.BaseStatement:
        if fx.frame is not None or not _is_main_test(original_node.test):
            return updated_node
        runs = fx.scratch.get("main_ifs", [0]).pop() if fx.scratch.get("main_ifs") else 0
        if not runs:
            return updated_node
        body = updated_node.body
        if not isinstance(body, cst.IndentedBlock):
            return updated_node
        first = body.body[0] if body.body else None
        if first is not None and "flyte.init" in code(first):
            return updated_node
        init = cst.SimpleStatementLine(body=[cst.Expr(call("flyte.init"))])
        return updated_node.with_changes(body=body.with_changes(body=[init, *body.body]))
