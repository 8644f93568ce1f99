"""What workflows, dynamic workflows and eager workflows have in common: they become async
driver tasks whose calls to other entities are awaited.

`call_entity()` turns one call into its Flyte 2 form and registers the resulting `Await`, so the
scheduler (`_analysis._dataflow`) can tell task calls from other awaits. `DriverRule` is the base
of the three driver rules; each handles the functions of its own kind.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import ClassVar, Optional

import libcst as cst

from .._analysis._dataflow import schedule_block
from .._context import Callee, FileContext
from .._cst import code
from ._base import Rule


def register_await(fx: FileContext, node: cst.Await, pseudo_writes: Iterable[str] = ()) -> cst.Await:
    fx.entity_awaits[node] = set(pseudo_writes)
    return node


def callee_func(callee: Callee, func: cst.BaseExpression) -> cst.BaseExpression:
    """`t` for async entities, `t.aio` for sync tasks (the only way to call them from async code)."""
    if callee.is_async or callee.kind == "partial":
        return func
    return cst.Attribute(value=func, attr=cst.Name("aio"))


def call_entity(fx: FileContext, original: cst.Call, updated: cst.Call, callee: Callee, awaited: Optional[bool] = None) -> cst.BaseExpression:
    """The Flyte 2 form of an entity call inside an async driver.

    `awaited` None means: add `await` unless the source already awaited this call.
    """
    call = updated.with_changes(func=callee_func(callee, updated.func), args=_wrap_pandas_args(fx, original, updated, callee))
    already = original in fx.awaited
    if awaited is None:
        awaited = not already
    if not awaited:
        if already:
            # the enclosing `await` stays; make sure the scheduler knows it awaits a task
            fx.scratch.setdefault("awaited_task_calls", set()).add(call)
        return call
    return register_await(fx, cst.Await(expression=call))


_PANDAS_FRAMES = ("pd.DataFrame", "pandas.DataFrame")


def _returns_pandas(fx: FileContext, node: cst.BaseExpression) -> bool:
    """`node` (a call, or a name the driver assigned from one) gives a task's pandas DataFrame."""
    if isinstance(node, cst.Name) and fx.frame is not None:
        for stmt in _assignments(fx.frame.node, node.value):
            return _returns_pandas(fx, stmt)
        return False
    if isinstance(node, cst.Call) and isinstance(node.func, cst.Name):
        ent = fx.model.entities.get(node.func.value)
        return ent is not None and ent.returns is not None and code(ent.returns) in _PANDAS_FRAMES
    return False


def _assignments(fn: cst.FunctionDef, name: str) -> list[cst.BaseExpression]:
    """Values assigned to `name` directly in `fn`'s body (original nodes)."""
    out = []
    body = fn.body.body if isinstance(fn.body, cst.IndentedBlock) else []
    for stmt in body:
        if isinstance(stmt, cst.SimpleStatementLine):
            for small in stmt.body:
                if isinstance(small, cst.Assign) and len(small.targets) == 1:
                    t = small.targets[0].target
                    if isinstance(t, cst.Name) and t.value == name:
                        out.append(small.value)
    return out


def _wrap_pandas_args(fx: FileContext, original: cst.Call, updated: cst.Call, callee: Callee) -> Sequence[cst.Arg]:
    """flytekit turned a pandas DataFrame into a StructuredDataset input by itself; the SDK wants
    a `flyte.io.DataFrame`, so such an argument is wrapped with `DataFrame.from_df(...)`."""
    ent = callee.entity
    if ent is None or not any(p.io == "dataframe" for p in ent.params):
        return updated.args
    args = list(updated.args)
    for i, (orig, arg) in enumerate(zip(original.args, updated.args, strict=False)):
        if arg.keyword is None or arg.star:
            continue
        param = ent.param(arg.keyword.value)
        if param is None or param.io != "dataframe" or not _returns_pandas(fx, orig.value):
            continue
        fx.need("flyte.io", "DataFrame")
        args[i] = arg.with_changes(value=cst.Call(func=cst.Attribute(cst.Name("DataFrame"), cst.Name("from_df")), args=[cst.Arg(arg.value)]))
    return args


def is_task_await(fx: FileContext, node: cst.CSTNode) -> bool:
    if node in fx.entity_awaits:
        return True
    if isinstance(node, cst.Await):
        return node.expression in fx.scratch.get("awaited_task_calls", ())
    return False


def make_async(fn: cst.FunctionDef) -> cst.FunctionDef:
    if fn.asynchronous is not None:
        return fn
    return fn.with_changes(asynchronous=cst.Asynchronous())


class _Scheduler:
    """Applies `schedule_block` to every block of one function body (not nested functions).

    It walks compound statements by hand with `with_changes`, never with a transformer: a
    transformer rebuilds every node, and the scheduler recognises task calls by the identity of
    the `Await` nodes the rules created.
    """

    def __init__(self, fx: FileContext, taken: set[str], chains: bool):
        self.fx = fx
        self.taken = taken
        self.chains = chains
        self.gathers = 0
        self.chain_count = 0
        self.chain_names: set[str] = set()

    def block(self, block: cst.BaseSuite, depth: int) -> cst.BaseSuite:
        if not isinstance(block, cst.IndentedBlock):
            return block
        body = [self.statement(s, depth + 1) for s in block.body]
        result = schedule_block(
            body,
            lambda n: is_task_await(self.fx, n),
            lambda n: self.fx.entity_awaits.get(n, set()),
            self.taken,
            chains_enabled=self.chains,
            depth=depth,
        )
        self.gathers += result.gathers
        self.chain_count += result.chains
        self.chain_names |= result.chain_names
        return block.with_changes(body=result.statements)

    def statement(self, stmt: cst.BaseStatement, depth: int) -> cst.BaseStatement:
        if isinstance(stmt, (cst.If, cst.While)):
            orelse: Optional[cst.CSTNode] = stmt.orelse  # an If (elif) or an Else
            if isinstance(orelse, cst.If):
                orelse = self.statement(orelse, depth)
            elif isinstance(orelse, cst.Else):
                orelse = orelse.with_changes(body=self.block(orelse.body, depth))
            return stmt.with_changes(body=self.block(stmt.body, depth), orelse=orelse)
        if isinstance(stmt, cst.For):
            orelse = stmt.orelse.with_changes(body=self.block(stmt.orelse.body, depth)) if stmt.orelse is not None else None
            return stmt.with_changes(body=self.block(stmt.body, depth), orelse=orelse)
        if isinstance(stmt, cst.With):
            return stmt.with_changes(body=self.block(stmt.body, depth))
        if isinstance(stmt, cst.Try):
            return stmt.with_changes(
                body=self.block(stmt.body, depth),
                handlers=[h.with_changes(body=self.block(h.body, depth)) for h in stmt.handlers],
                orelse=stmt.orelse.with_changes(body=self.block(stmt.orelse.body, depth)) if stmt.orelse is not None else None,
                finalbody=stmt.finalbody.with_changes(body=self.block(stmt.finalbody.body, depth)) if stmt.finalbody is not None else None,
            )
        return stmt


def schedule_function(fx: FileContext, fn: cst.FunctionDef, taken: set[str]) -> cst.FunctionDef:
    """Regroup every block of a driver so independent task calls run together."""
    sched = _Scheduler(fx, taken, chains=fx.on("FM301"))
    new_body = sched.block(fn.body, 1)
    if sched.gathers:
        fx.need("asyncio")
    for _ in range(sched.chain_count):
        fx.change("FM301")
    fn = fn.with_changes(body=new_body)
    if sched.chain_names:
        fn = _drop_chain_only_targets(fn, sched.chain_names)
    return fn


def _drop_chain_only_targets(fn: cst.FunctionDef, names: set[str]) -> cst.FunctionDef:
    """`c = await create.aio(...)` whose `c` only served a removed `c >> t`: just await it."""
    from .._cst import reads

    read: set[str] = set()
    # compound statements' own expressions (if tests, for iterables) are not scanned: `>>`
    # operands are task results, which only simple statements read in a workflow body
    for stmt in _all_statements(fn.body):
        for small in stmt.body:
            if isinstance(small, cst.Assign):
                read.update(reads(small.value) & names)
            else:
                read.update(reads(small) & names)
    unused = names - read

    class _Strip(cst.CSTTransformer):
        def leave_Assign(self, original_node: cst.Assign, updated_node: cst.Assign):
            if len(updated_node.targets) != 1:
                return updated_node
            target = updated_node.targets[0].target
            if isinstance(target, cst.Name) and target.value in unused:
                return cst.Expr(updated_node.value)
            if isinstance(target, cst.Tuple):
                els = [
                    el.with_changes(value=cst.Name("_")) if isinstance(el.value, cst.Name) and el.value.value in unused else el
                    for el in target.elements
                ]
                if all(isinstance(el.value, cst.Name) and el.value.value == "_" for el in els):
                    return cst.Expr(updated_node.value)
                return updated_node.with_changes(targets=[cst.AssignTarget(target.with_changes(elements=els))])
            return updated_node

    return fn.with_changes(body=fn.body.visit(_Strip())) if unused else fn


def _all_statements(block: cst.BaseSuite):
    """Simple statements of a block and of the blocks nested in it (not nested functions)."""
    if not isinstance(block, cst.IndentedBlock):
        return
    for stmt in block.body:
        if isinstance(stmt, cst.SimpleStatementLine):
            yield stmt
        elif isinstance(stmt, cst.BaseCompoundStatement) and not isinstance(stmt, (cst.FunctionDef, cst.ClassDef)):
            for child in stmt.children:
                if isinstance(child, cst.BaseSuite):
                    yield from _all_statements(child)
                elif isinstance(child, (cst.If, cst.Else, cst.ExceptHandler, cst.Finally)):
                    for sub in child.children:
                        if isinstance(sub, cst.BaseSuite):
                            yield from _all_statements(sub)


class DriverRule(Rule):
    """Base for rules that turn a flytekit driver (workflow, dynamic, eager) into an async task."""

    kind: ClassVar[str] = ""
    schedule: ClassVar[bool] = True

    def leave_Call(self, fx: FileContext, original_node: cst.Call, updated_node: cst.Call) -> cst.BaseExpression:
        frame = fx.frame
        if frame is None or frame.kind != self.kind:
            return updated_node
        partial_target = _partial_of_sync_task(fx, original_node, updated_node)
        if partial_target is not None:
            return partial_target
        callee = fx.callee(updated_node.func)
        if callee is None or callee.kind in ("map", "echo"):
            return updated_node
        fx.change(self.code)
        return self.convert_call(fx, original_node, updated_node, callee)

    def convert_call(self, fx: FileContext, original: cst.Call, updated: cst.Call, callee: Callee) -> cst.BaseExpression:
        return call_entity(fx, original, updated, callee)

    def leave_FunctionDef(self, fx: FileContext, original_node: cst.FunctionDef, updated_node: cst.FunctionDef) -> cst.FunctionDef:
        facts = fx.model.functions.get(original_node)
        if facts is None or facts.entity is None or facts.entity.kind != self.kind:
            return updated_node
        fx.change(self.code)
        fn = make_async(updated_node)
        if isinstance(fn.body, cst.IndentedBlock):
            fn = fn.with_changes(body=fn.body.with_changes(body=merge_empty_then_extend(list(fn.body.body))))
        if self.schedule:
            fn = schedule_function(fx, fn, fx.frame.taken if fx.frame is not None else set(facts.bound))
        return fn


def _partial_of_sync_task(fx: FileContext, original: cst.Call, updated: cst.Call) -> Optional[cst.Call]:
    """`functools.partial(sync_task, ...)` that the driver then calls: bind `sync_task.aio` instead."""
    frame = fx.frame
    if frame is None:
        return None
    for name, call in frame.facts.partials.items():
        if call is original:
            uses = frame.facts.partial_uses.get(name, set())
            if "call" not in uses or not updated.args:
                return None
            target = updated.args[0].value
            callee = fx.callee(target)
            if callee is None or callee.is_async or callee.kind == "partial":
                return None
            args: list[cst.Arg] = list(updated.args)
            args[0] = args[0].with_changes(value=cst.Attribute(value=target, attr=cst.Name("aio")))
            return updated.with_changes(args=args)
    return None


def merge_empty_then_extend(body: list[cst.BaseStatement]) -> list[cst.BaseStatement]:
    """`out = []` followed by `out.extend(await asyncio.gather(...))` -> `out = await asyncio.gather(...)`."""
    out: list[cst.BaseStatement] = []
    for stmt in body:
        prev = out[-1] if out else None
        if (
            isinstance(prev, cst.SimpleStatementLine)
            and isinstance(stmt, cst.SimpleStatementLine)
            and len(prev.body) == 1
            and len(stmt.body) == 1
            and isinstance(prev.body[0], cst.Assign)
            and len(prev.body[0].targets) == 1
            and isinstance(prev.body[0].targets[0].target, cst.Name)
            and isinstance(prev.body[0].value, cst.List)
            and not prev.body[0].value.elements
            and isinstance(stmt.body[0], cst.Expr)
        ):
            name = prev.body[0].targets[0].target.value
            call = stmt.body[0].value
            if (
                isinstance(call, cst.Call)
                and isinstance(call.func, cst.Attribute)
                and call.func.attr.value == "extend"
                and isinstance(call.func.value, cst.Name)
                and call.func.value.value == name
                and len(call.args) == 1
                and isinstance(call.args[0].value, cst.Await)
                and not stmt.leading_lines
            ):
                gathered = call.args[0].value
                # asyncio.gather returns a list: the one expression says what the two lines did
                out[-1] = prev.with_changes(body=[prev.body[0].with_changes(value=gathered)])
                continue
        out.append(stmt)
    return out
