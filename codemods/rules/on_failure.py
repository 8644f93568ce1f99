"""FM304 on-failure: `@workflow(on_failure=handler)` becomes `try`/`except` around the body.

Before::

    @task
    def clean_up(name: str, err: Optional[FlyteError] = None): ...

    @workflow(on_failure=clean_up)
    def wf(name: str = "my_cluster"):
        c = create_cluster(name=name)
        t = run_job()
        c >> t

After::

    @env.task
    def clean_up(name: str, err: Optional[str] = None): ...

    @env.task
    async def wf(name: str = "my_cluster"):
        try:
            await create_cluster.aio(name=name)
            await run_job.aio()
        except Exception as err:
            await clean_up.aio(name=name, err=str(err))
            raise

Flyte 1 ran the failure handler with the workflow's inputs (those the handler declares) and an
optional `FlyteError`; Flyte 2 has no such type, so the handler receives the error message as a
string and its annotation says so. The workflow still fails afterwards. `failure_policy=` (let
independent nodes finish before failing) has no Flyte 2 counterpart and is reported.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Optional

import libcst as cst

from .._cst import code, fresh_name, kwarg
from ._base import Rule
from ._driver import call_entity

if TYPE_CHECKING:
    from .._context import FileContext

CODE = "FM304"


class _MentionsFlyteError(cst.CSTVisitor):
    def __init__(self, fx: FileContext):
        super().__init__()
        self.fx = fx
        self.found = False

    def visit_Name(self, n: cst.Name) -> None:
        self.found = self.found or self.fx.is_sym(n, "FlyteError")

    def visit_Attribute(self, n: cst.Attribute) -> None:
        self.found = self.found or self.fx.is_sym(n, "FlyteError")


def _error_param(fx: FileContext, params) -> Optional[str]:
    """The handler parameter annotated with flytekit's FlyteError, if any."""
    for p in params:
        if p.annotation is None:
            continue
        v = _MentionsFlyteError(fx)
        p.annotation.visit(v)
        if v.found:
            return p.name
    return None


class OnFailureRule(Rule):
    __doc__ = __doc__
    code = CODE
    name = "on-failure"
    summary = "@workflow(on_failure=h) becomes try/except that calls h and re-raises; failure_policy is reported"

    def leave_Name(self, fx: FileContext, original_node: cst.Name, updated_node: cst.Name) -> cst.BaseExpression:
        if fx.is_sym(original_node, "FlyteError"):
            fx.change(CODE)
            return cst.Name("str")
        return updated_node

    def leave_Attribute(self, fx: FileContext, original_node: cst.Attribute, updated_node: cst.Attribute) -> cst.BaseExpression:
        if fx.is_sym(original_node, "FlyteError"):
            fx.change(CODE)
            return cst.Name("str")
        return updated_node

    def leave_FunctionDef(self, fx: FileContext, original_node: cst.FunctionDef, updated_node: cst.FunctionDef) -> cst.FunctionDef:
        facts = fx.model.functions.get(original_node)
        ent = facts.entity if facts is not None else None
        if ent is None or ent.kind != "workflow":
            return updated_node
        if "failure_policy" in ent.kwargs:
            fx.todo(
                CODE,
                f"failure_policy={code(ent.kwargs['failure_policy'].value)}: Flyte 2 drivers stop at the first error; to let independent tasks finish first, gather them with return_exceptions=True and raise afterwards",
            )
        if "on_failure" not in ent.kwargs:
            return updated_node
        handler = ent.kwargs["on_failure"].value
        callee = fx.callee(handler)
        if callee is None:
            fx.todo(CODE, f"on_failure={code(handler)} is not a task or workflow we can see; call it from an except block")
            return updated_node
        taken = fx.frame.taken if fx.frame is not None else set()
        err = fresh_name("err", taken)
        args: list[cst.Arg] = []
        wf_params = {p.name for p in ent.params}
        err_param: Optional[str] = None
        if callee.entity is not None:
            err_param = _error_param(fx, callee.entity.params)
            for p in callee.entity.params:
                if p.name == err_param:
                    continue
                if p.name in wf_params:
                    args.append(kwarg(p.name, cst.Name(p.name)))
        elif callee.indexed is not None:
            for ip in callee.indexed.params:
                if ip.annotation and "FlyteError" in ip.annotation:
                    err_param = ip.name
                elif ip.name in wf_params:
                    args.append(kwarg(ip.name, cst.Name(ip.name)))
        else:
            args = [kwarg(n, cst.Name(n)) for n in wf_params]
        if err_param is not None:
            args.append(kwarg(err_param, cst.Call(func=cst.Name("str"), args=[cst.Arg(cst.Name(err))])))
        from .._cst import normalize_commas

        handler_call = cst.Call(func=handler, args=normalize_commas(args))
        awaited = call_entity(fx, handler_call, handler_call, callee, awaited=True)
        suite = updated_node.body  # a one-line def (`def f(): ...`) becomes a block of its one line
        body: list[cst.BaseStatement] = ([cst.SimpleStatementLine(body=suite.body)] if isinstance(suite, cst.SimpleStatementSuite)
                                         else list(cst.ensure_type(suite, cst.IndentedBlock).body))
        doc: list[cst.BaseStatement] = []
        if body and isinstance(body[0], cst.SimpleStatementLine) and isinstance(body[0].body[0], cst.Expr) and isinstance(body[0].body[0].value, (cst.SimpleString, cst.ConcatenatedString)):
            doc, body = body[:1], body[1:]
        handler_block = cst.IndentedBlock(
            body=[cst.SimpleStatementLine(body=[cst.Expr(awaited)]), cst.SimpleStatementLine(body=[cst.Raise()])]
        )
        try_stmt = cst.Try(
            body=cst.IndentedBlock(body=body or [cst.SimpleStatementLine(body=[cst.Pass()])]),
            # `as err` only when the handler is given the error: no unused name
            handlers=[cst.ExceptHandler(body=handler_block, type=cst.Name("Exception"), name=cst.AsName(name=cst.Name(err)) if err_param is not None else None)],
        )
        fx.change(CODE)
        return updated_node.with_changes(body=updated_node.body.with_changes(body=[*doc, try_stmt]))
