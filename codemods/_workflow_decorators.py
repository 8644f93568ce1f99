"""Decorators around Flyte 1 workflows become async wrappers that await their tasks in order.

flytekit's idiom for setup/teardown around a workflow (flytesnacks' `decorating_workflows`) is
a decorator whose wrapper runs while the workflow is *compiled*: it adds nodes with
`create_node(task)`, calls the workflow function, and then reaches into
`FlyteContextManager.current_context().compilation_state.nodes` to chain the first node after
the setup node and the teardown node after the last one (`a >> b`). A Flyte 2 workflow is an
async driver task that runs top to bottom, so the same decorator is an async wrapper that awaits
the setup task, awaits the workflow, then awaits the teardown task; the ordering code and the
context it read have nothing left to do and go.

Before::

    def setup_teardown(fn=None, *, before, after):
        @wraps(fn)
        def wrapper(*args, **kwargs):
            ctx = FlyteContextManager.current_context()
            before_node = create_node(before)
            outputs = fn(*args, **kwargs)
            after_node = create_node(after)
            if ctx.compilation_state is not None:
                workflow_node0 = ctx.compilation_state.nodes[1]
                workflow_node1 = ctx.compilation_state.nodes[-2]
                before_node >> workflow_node0
                workflow_node1 >> after_node
            return outputs
        ...

    @workflow
    @setup_teardown(before=setup, after=teardown)
    def wf(x: float) -> float: ...

After (then migrated like any workflow, which makes `wf` an async driver task)::

    def setup_teardown(fn=None, *, before, after):
        @wraps(fn)
        async def wrapper(*args, **kwargs):
            await before.aio()
            outputs = await fn(*args, **kwargs)
            await after.aio()
            return outputs
        ...

Only a decorator used under `@workflow` whose wrapper does nothing with the nodes and the
compilation state but order them is rewritten; anything else (a node's outputs read, the state
used otherwise) is left to the rules, which report it. Runs on the source before the analysis
pass, like the ShellTask and FileSensor expansions.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Optional, Union

import libcst as cst

from ._cst import code, leading_lines
from ._shell import _symbol, _table

_CONTEXTS = ("FlyteContextManager", "FlyteContext", "current_context")
_STALE = re.compile(r"compilation_state|compil(er|ation) state|flytekit compiler")


class _NotOrdering(Exception):
    """The wrapper does more with flytekit's compilation than order its nodes."""


def _decorator_name(dec: cst.Decorator) -> Optional[str]:
    node = dec.decorator.func if isinstance(dec.decorator, cst.Call) else dec.decorator
    return node.value if isinstance(node, cst.Name) else None


def _is_workflow(dec: cst.Decorator, table: dict[str, str]) -> bool:
    node = dec.decorator.func if isinstance(dec.decorator, cst.Call) else dec.decorator
    return _symbol(node, table) == "workflow"


def _wrapper(fn: cst.FunctionDef) -> Optional[cst.FunctionDef]:
    """The nested def the decorator returns."""
    returned = set()
    defs = {}
    for stmt in fn.body.body:
        if isinstance(stmt, cst.FunctionDef):
            defs[stmt.name.value] = stmt
        elif isinstance(stmt, cst.SimpleStatementLine):
            for small in stmt.body:
                if isinstance(small, cst.Return) and isinstance(small.value, cst.Name):
                    returned.add(small.value.value)
    found = [defs[n] for n in returned if n in defs]
    return found[0] if len(found) == 1 and found[0].asynchronous is None else None


class _Rewrite:
    def __init__(self, table: dict[str, str], wrapped: str):
        self.table = table
        self.wrapped = wrapped  # the decorator's parameter holding the workflow function
        self.ctx: set[str] = set()
        self.nodes: set[str] = set()
        self.changed = False

    def _is_context(self, value: cst.BaseExpression) -> bool:
        if not (isinstance(value, cst.Call) and not value.args):
            return False
        func = value.func
        if _symbol(func, self.table) == "current_context":
            return True
        return isinstance(func, cst.Attribute) and func.attr.value == "current_context" and _symbol(func.value, self.table) in _CONTEXTS

    def _node_call(self, value: cst.BaseExpression) -> Optional[cst.BaseExpression]:
        """`create_node(t, x=1)` -> `await t.aio(x=1)`."""
        if not (isinstance(value, cst.Call) and _symbol(value.func, self.table) == "create_node" and value.args):
            return None
        first, rest = value.args[0], list(value.args[1:])
        if first.keyword is not None or first.star or any(a.keyword is None for a in rest):
            raise _NotOrdering
        aio = cst.Call(func=cst.Attribute(value=first.value, attr=cst.Name("aio")), args=rest)
        return cst.Await(expression=aio)

    def _only_orders(self, block: cst.If) -> bool:
        """`if ctx.compilation_state is not None:` holding only node lookups and `a >> b`."""
        test = block.test
        reads = isinstance(test, cst.Comparison) and code(test.left).split(".")[0] in self.ctx and "compilation_state" in code(test.left)
        if not reads or block.orelse is not None or not isinstance(block.body, cst.IndentedBlock):
            return False
        for stmt in block.body.body:
            if not isinstance(stmt, cst.SimpleStatementLine):
                return False
            for small in stmt.body:
                if isinstance(small, cst.Assign) and "compilation_state" in code(small.value):
                    continue
                if isinstance(small, cst.Expr) and isinstance(small.value, cst.BinaryOperation) and isinstance(small.value.operator, cst.RightShift):
                    continue
                return False
        return True

    def body(self, stmts: list[cst.BaseStatement]) -> list[cst.BaseStatement]:
        out: list[cst.BaseStatement] = []
        for stmt in stmts:
            if isinstance(stmt, cst.If) and self._only_orders(stmt):
                self.changed = True
                continue  # the awaits run in order: nothing is left to chain
            if isinstance(stmt, cst.SimpleStatementLine) and len(stmt.body) == 1:
                small = stmt.body[0]
                if isinstance(small, cst.Assign) and len(small.targets) == 1 and isinstance(small.targets[0].target, cst.Name):
                    name = small.targets[0].target.value
                    if self._is_context(small.value):
                        self.ctx.add(name)
                        self.changed = True
                        continue
                    awaited = self._node_call(small.value)
                    if awaited is not None:
                        self.nodes.add(name)
                        self.changed = True
                        out.append(stmt.with_changes(body=[cst.Expr(awaited)]))
                        continue
                if isinstance(small, cst.Expr):
                    awaited = self._node_call(small.value)
                    if awaited is not None:
                        self.changed = True
                        out.append(stmt.with_changes(body=[cst.Expr(awaited)]))
                        continue
            out.append(stmt)
        return out


class _AwaitWrapped(cst.CSTTransformer):
    """`fn(*args, **kwargs)` -> `await fn(*args, **kwargs)`; comments about the compilation state go."""

    def __init__(self, wrapped: str):
        super().__init__()
        self.wrapped = wrapped
        self.calls = 0

    def visit_FunctionDef(self, node: cst.FunctionDef) -> bool:
        return False  # a def nested in the wrapper is not the wrapper

    def leave_Call(self, original_node: cst.Call, updated_node: cst.Call) -> Union[cst.Call, cst.Await]:
        if isinstance(original_node.func, cst.Name) and original_node.func.value == self.wrapped:
            self.calls += 1
            return cst.Await(expression=updated_node)  # type: ignore[return-value]
        return updated_node



def _without_compiler_notes(lines: Sequence[cst.EmptyLine]) -> list[cst.EmptyLine]:
    """Leading lines without the comment paragraphs that describe flytekit's compilation (the
    nodes, the compilation state): the code they described is gone."""
    out: list[cst.EmptyLine] = []
    run: list[cst.EmptyLine] = []
    for line in [*lines, None]:
        if line is not None and line.comment is not None:
            run.append(line)
            continue
        if not any(_STALE.search(c.comment.value) for c in run if c.comment is not None):
            out += run
        run = []
        if line is not None:
            out.append(line)
    return out


def _reads(node: cst.CSTNode, names: set[str]) -> bool:
    found = False

    class _V(cst.CSTVisitor):
        def visit_Name(self, n: cst.Name) -> None:
            nonlocal found
            if n.value in names:
                found = True

    node.visit(_V())
    return found


def _rewrite_decorator(fn: cst.FunctionDef, table: dict[str, str]) -> Optional[cst.FunctionDef]:
    params = fn.params.params
    wrapper = _wrapper(fn)
    if not params or wrapper is None or not isinstance(wrapper.body, cst.IndentedBlock):
        return None
    wrapped = params[0].name.value
    rewrite = _Rewrite(table, wrapped)
    try:
        body = rewrite.body(list(wrapper.body.body))
    except _NotOrdering:
        return None
    if not rewrite.changed or not rewrite.nodes:
        return None
    new_wrapper = wrapper.with_changes(body=wrapper.body.with_changes(body=body))
    # what is left may not read the context or the nodes (beyond the awaited calls)
    rest = new_wrapper.body
    if _reads(rest, rewrite.ctx | rewrite.nodes):
        return None
    awaiter = _AwaitWrapped(wrapped)
    new_body = rest.visit(awaiter)
    if awaiter.calls == 0 or not isinstance(new_body, cst.IndentedBlock):
        return None
    stmts = [st.with_changes(leading_lines=_without_compiler_notes(leading_lines(st))) for st in new_body.body]
    if stmts:  # the wrapper's first line follows its def directly
        first = list(leading_lines(stmts[0]))
        while first and first[0].comment is None:
            first.pop(0)
        stmts[0] = stmts[0].with_changes(leading_lines=first)
    new_wrapper = new_wrapper.with_changes(body=new_body.with_changes(body=stmts), asynchronous=cst.Asynchronous())
    return fn.with_changes(body=fn.body.with_changes(body=[new_wrapper if s is wrapper else s for s in fn.body.body]))


def rewrite_workflow_decorators(module: cst.Module) -> Optional[cst.Module]:
    """The module with every workflow decorator that only orders setup/teardown nodes written as
    an async wrapper awaiting them; None when there was none."""
    table = _table(module)
    used: set[str] = set()
    for stmt in module.body:
        if isinstance(stmt, cst.FunctionDef) and any(_is_workflow(d, table) for d in stmt.decorators):
            for dec in stmt.decorators:
                name = _decorator_name(dec)
                if name is not None and not _is_workflow(dec, table):
                    used.add(name)
    if not used:
        return None
    body = list(module.body)
    changed = False
    for i, stmt in enumerate(body):
        if isinstance(stmt, cst.FunctionDef) and stmt.name.value in used:
            new = _rewrite_decorator(stmt, table)
            if new is not None:
                body[i] = new
                changed = True
    return module.with_changes(body=body) if changed else None
