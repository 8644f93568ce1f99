"""Flyte 1 `FlyteRemote` scripts become `flyte.init_from_config` + `flyte.run` / `flyte.remote`.

Flyte 2 has no remote object: the process is configured once (`flyte.init_from_config(...)` or
`flyte.init(endpoint=...)`), `flyte.run(task, **inputs)` starts a run (on the backend when one is
configured), and the `flyte.remote` classes look entities and runs up. A name bound to
`FlyteRemote(...)` or `FlyteRemote.from_config(...)` is rewritten when every use of it is one of
the calls below; one use that is not (`remote.client`, `remote.file_access`, the object handed
to a function or returned) keeps the whole binding as written, with the catch-all rule's TODO,
because half a remote object is worse than none.

| Flyte 1 | Flyte 2 |
|---|---|
| `remote = FlyteRemote(config=Config.auto(F), default_project=P, default_domain=D)` | `flyte.init_from_config(F, project=P, domain=D)` |
| `Config.for_endpoint(E, insecure=I)` | `flyte.init(endpoint=E, insecure=I, ...)` |
| `remote.fetch_task(name=N, version=V)` (`fetch_workflow`, `fetch_launch_plan`) | `flyte.remote.Task.get(N, version=V)` (`auto_version="latest"` without a version), TODO: tasks are named `<environment>.<function>` |
| `remote.execute(e, inputs={"x": 1}, execution_name=N, wait=True)` | `r = flyte.with_runcontext(name=N).run(e, x=1)` then `r.wait()` |
| `remote.wait(r)`, `remote.sync_execution(r)` / `remote.sync(r)` | `r.wait()`, `r.sync()` |
| `remote.generate_console_url(r)` | `r.url` |
| `remote.fetch_execution(name=N)` / `fetch_workflow_execution(name=N)` | `flyte.remote.Run.get(N)` |
| `r.outputs["o0"]` | `r.outputs().named_outputs["o0"]` |
| `r.is_done`, `r.id.name` | `r.done()`, `r.name` |

Like the ShellTask and FileSensor expansions this runs on the source before the analysis pass;
its TODO comments are reported as every rule's are. The flytekit imports it leaves unused are
removed by FM001.
"""

from __future__ import annotations

import sys
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Optional

import libcst as cst

from ._cst import TODO_PREFIX, code, dotted, kwarg, leading_lines, todo_line
from ._shell import _symbol, _table
from ._walk import visit
from .rules._args import bind

CODE = "FM501"
_REMOTE = ("FlyteRemote",)  # flytekit symbols, as `_symbol` names them
_CONFIG = ("Config",)
_FETCH = ("fetch_task", "fetch_workflow", "fetch_launch_plan")
_RUNS = ("fetch_execution", "fetch_workflow_execution")
# FlyteRemote.execute keyword -> flyte.with_runcontext keyword
_RUN_CONTEXT = {"execution_name": "name", "project": "project", "domain": "domain",
                "overwrite_cache": "overwrite_cache", "interruptible": "interruptible", "envs": "env_vars"}
_NAMING = ("Flyte 2 names a task '<environment>.<function>' (a workflow is its driver task, a launch plan "
           "the task that calls it): check the name")


class _Skip(Exception):
    """A use of the remote object this pass cannot rewrite: keep the binding as written."""


@dataclass
class _Plan:
    name: str
    statements: dict[cst.CSTNode, list[cst.SimpleStatementLine]] = field(default_factory=dict)  # original -> new
    calls: dict[cst.CSTNode, cst.BaseExpression] = field(default_factory=dict)  # original Call -> new
    todos: dict[cst.CSTNode, list[str]] = field(default_factory=dict)  # original statement -> TODOs


def _kwargs(call: cst.Call, positional: tuple[str, ...]) -> dict[str, cst.BaseExpression]:
    """The call's arguments by name; a call we cannot bind (`*args`, unknown positionals) is skipped."""
    args = bind(call, positional)
    if args is None:
        raise _Skip
    return args


def _is_true(node: Optional[cst.BaseExpression]) -> Optional[bool]:
    if node is None:
        return False
    if isinstance(node, cst.Name) and node.value in ("True", "False"):
        return node.value == "True"
    return None


def _stmt(text: str) -> cst.SimpleStatementLine:
    stmt = cst.parse_statement(text)
    assert isinstance(stmt, cst.SimpleStatementLine), text  # only one-line statements are built here
    return stmt


class _Parents(cst.CSTVisitor):
    """Every node's parent, and the simple statement each expression sits in."""

    def __init__(self) -> None:
        super().__init__()
        self.parent: dict[cst.CSTNode, cst.CSTNode] = {}
        self.stack: list[cst.CSTNode] = []
        self.names: dict[str, list[cst.Name]] = {}

    def on_visit(self, node: cst.CSTNode) -> bool:
        if self.stack:
            self.parent[node] = self.stack[-1]
        self.stack.append(node)
        if isinstance(node, cst.Name):
            self.names.setdefault(node.value, []).append(node)
        return True

    def on_leave(self, original_node: cst.CSTNode) -> None:
        self.stack.pop()


class _Planner:
    def __init__(self, module: cst.Module, table: dict[str, str]):
        self.table = table
        self.tree = _Parents()
        module.visit(self.tree)

    def up(self, node: cst.CSTNode) -> Optional[cst.CSTNode]:
        return self.tree.parent.get(node)

    def statement_of(self, node: cst.CSTNode) -> cst.SimpleStatementLine:
        cur: Optional[cst.CSTNode] = node
        while cur is not None and not isinstance(cur, cst.SimpleStatementLine):
            if isinstance(cur, (cst.BaseCompoundStatement, cst.Lambda)):
                raise _Skip
            cur = self.up(cur)
        if cur is None:
            raise _Skip
        return cur

    # -- the binding -----------------------------------------------------------------------
    def binding(self, stmt: cst.SimpleStatementLine) -> Optional[tuple[str, cst.Call]]:
        if len(stmt.body) != 1 or not isinstance(stmt.body[0], cst.Assign):
            return None
        assign = stmt.body[0]
        if len(assign.targets) != 1 or not isinstance(assign.targets[0].target, cst.Name) or not isinstance(assign.value, cst.Call):
            return None
        func = assign.value.func
        if _symbol(func, self.table) in _REMOTE:
            return assign.targets[0].target.value, assign.value
        if isinstance(func, cst.Attribute) and func.attr.value == "from_config" and _symbol(func.value, self.table) in _REMOTE:
            return assign.targets[0].target.value, assign.value
        return None

    def init_call(self, call: cst.Call, todos: list[str]) -> str:
        """`flyte.init_from_config(...)` / `flyte.init(...)` for the FlyteRemote constructor."""
        func = call.func
        if isinstance(func, cst.Attribute) and func.attr.value == "from_config":
            args = _kwargs(call, ("default_project", "default_domain", "config_file_path", "data_upload_location"))
            config_file = args.pop("config_file_path", None)
            kind, config_args = "init_from_config", [code(config_file)] if config_file is not None else []
        else:
            args = _kwargs(call, ("config", "default_project", "default_domain", "data_upload_location"))
            kind, config_args = self.config(args.pop("config", None), todos)
        if "data_upload_location" in args:
            location = args.pop("data_upload_location")
            todos.append(f"FlyteRemote uploaded data to {code(location)}: set the storage of flyte.init(storage=...) instead")
        args.pop("interactive_mode_enabled", None)
        if set(args) - {"default_project", "default_domain"}:
            raise _Skip
        parts = list(config_args)
        for old, new in (("default_project", "project"), ("default_domain", "domain")):
            if old in args:
                parts.append(f"{new}={code(args[old])}")
        return f"flyte.{kind}({', '.join(parts)})"

    def config(self, node: Optional[cst.BaseExpression], todos: list[str]) -> tuple[str, list[str]]:
        if node is None:
            return "init_from_config", []
        if isinstance(node, cst.Call) and isinstance(node.func, cst.Attribute) and _symbol(node.func.value, self.table) in _CONFIG:
            method = node.func.attr.value
            if method == "auto":
                args = _kwargs(node, ("config_file",))
                if set(args) - {"config_file"}:
                    raise _Skip
                file = args.get("config_file")
                if file is None or (isinstance(file, cst.Name) and file.value == "None"):
                    return "init_from_config", []
                return "init_from_config", [code(file)]
            if method == "for_endpoint":
                args = _kwargs(node, ("endpoint", "insecure", "data_config", "config_file"))
                if set(args) - {"endpoint", "insecure"}:
                    raise _Skip
                return "init", [f"{k}={code(v)}" for k, v in args.items()]
            if method == "for_sandbox":
                todos.append("FlyteRemote used the Flyte 1 sandbox (Config.for_sandbox()): point flyte.init_from_config at "
                             "your Flyte 2 backend's config file")
                return "init_from_config", []
        if isinstance(node, cst.Name):
            todos.append(f"FlyteRemote was configured by {node.value} (a flytekit Config): pass its file to "
                         "flyte.init_from_config(...) or its endpoint to flyte.init(endpoint=...)")
            return "init_from_config", []
        raise _Skip

    # -- the uses --------------------------------------------------------------------------
    def plan(self, name: str, stmt: cst.SimpleStatementLine, ctor: cst.Call) -> Optional[_Plan]:
        plan = _Plan(name)
        todos: list[str] = []
        try:
            plan.statements[stmt] = [stmt.with_changes(body=[cst.Expr(cst.parse_expression(self.init_call(ctor, todos)))])]
            if todos:
                plan.todos[stmt] = todos
            target = stmt.body[0].targets[0].target  # type: ignore[attr-defined]
            runs: set[str] = set()
            for use in self.tree.names.get(name, []):
                if use is target:
                    continue
                parent = self.up(use)
                if isinstance(parent, cst.Arg) and parent.keyword is use:
                    continue
                if isinstance(parent, cst.Attribute) and parent.attr is use:
                    continue  # `x.remote`: not this name
                if not (isinstance(parent, cst.Attribute) and parent.value is use):
                    raise _Skip
                call = self.up(parent)
                if not (isinstance(call, cst.Call) and call.func is parent):
                    raise _Skip
                self.method(plan, parent.attr.value, call, runs)
            self.run_attributes(plan, runs)
        except _Skip:
            return None
        return plan

    def method(self, plan: _Plan, method: str, call: cst.Call, runs: set[str]) -> None:
        stmt = self.statement_of(call)
        todos = plan.todos.setdefault(stmt, [])
        if method in _FETCH:
            args = _kwargs(call, ("project", "domain", "name", "version"))
            if "name" not in args or set(args) - {"project", "domain", "name", "version"}:
                raise _Skip
            parts = [code(args["name"])] + [f"{k}={code(args[k])}" for k in ("project", "domain", "version") if k in args]
            if "version" not in args:
                parts.append('auto_version="latest"')
            plan.calls[call] = cst.parse_expression(f"flyte.remote.Task.get({', '.join(parts)})")
            if _NAMING not in todos:
                todos.append(_NAMING)
            self.bind_run(call, runs, run=False)
            return
        if method in _RUNS:
            args = _kwargs(call, ("name", "project", "domain"))
            if "name" not in args or set(args) - {"name", "project", "domain"}:
                raise _Skip
            if "project" in args or "domain" in args:
                todos.append("flyte.remote.Run.get looks the run up in the project and domain given to flyte.init")
            plan.calls[call] = cst.parse_expression(f"flyte.remote.Run.get({code(args['name'])})")
            self.bind_run(call, runs)
            return
        if method == "execute":
            self.execute(plan, call, stmt, runs)
            return
        if method == "generate_console_url":
            args = _kwargs(call, ("entity",))
            if set(args) != {"entity"}:
                raise _Skip
            plan.calls[call] = cst.Attribute(value=args["entity"], attr=cst.Name("url"))
            return
        if method in ("sync_execution", "sync"):
            args = _kwargs(call, ("execution", "entity_definition", "sync_nodes"))
            args.pop("sync_nodes", None)
            if set(args) != {"execution"}:
                raise _Skip
            plan.calls[call] = cst.Call(func=cst.Attribute(value=args["execution"], attr=cst.Name("sync")))
            self.bind_run(call, runs)
            return
        if method == "wait":
            self.wait(plan, call, stmt, todos, runs)
            return
        raise _Skip

    def bind_run(self, call: cst.Call, runs: set[str], run: bool = True) -> None:
        """Note the name a run (or a fetched entity) is assigned to."""
        parent = self.up(call)
        if run and isinstance(parent, cst.Assign) and len(parent.targets) == 1 and isinstance(parent.targets[0].target, cst.Name):
            runs.add(parent.targets[0].target.value)

    def execute(self, plan: _Plan, call: cst.Call, stmt: cst.SimpleStatementLine, runs: set[str]) -> None:
        args = _kwargs(call, ("entity", "inputs", "project", "domain", "name", "version", "execution_name"))
        entity = args.pop("entity", None)
        inputs = args.pop("inputs", None)
        wait = _is_true(args.pop("wait", None))
        if entity is None or wait is None or set(args) - set(_RUN_CONTEXT):
            raise _Skip
        run_args: list[cst.Arg] = [cst.Arg(entity)]
        if isinstance(inputs, cst.Dict):
            for el in inputs.elements:
                key = el.key if isinstance(el, cst.DictElement) else None
                if not (isinstance(key, cst.SimpleString) and isinstance(key.evaluated_value, str) and key.evaluated_value.isidentifier()):
                    raise _Skip
                run_args.append(kwarg(key.evaluated_value, el.value))  # type: ignore[union-attr]
        elif inputs is not None and not (isinstance(inputs, cst.Name) and inputs.value == "None"):
            run_args.append(cst.Arg(inputs, star="**"))
        run_args = [a.with_changes(equal=cst.AssignEqual(whitespace_before=cst.SimpleWhitespace(""), whitespace_after=cst.SimpleWhitespace(""))) if a.keyword else a for a in run_args]
        context = [kwarg(_RUN_CONTEXT[k], v) for k, v in args.items()]
        func: cst.BaseExpression = dotted("flyte.run")
        if context:
            func = cst.Attribute(value=cst.Call(func=dotted("flyte.with_runcontext"), args=_commas(context)), attr=cst.Name("run"))
        new = cst.Call(func=func, args=_commas(run_args))
        parent = self.up(call)
        if not wait:
            plan.calls[call] = new
            self.bind_run(call, runs)
            return
        # wait=True: the run, then its wait() on the next line
        if isinstance(parent, cst.Expr) and parent is stmt.body[0]:
            plan.calls[call] = cst.Call(func=cst.Attribute(value=new, attr=cst.Name("wait")))
            return
        if isinstance(parent, cst.Assign) and parent is stmt.body[0] and len(parent.targets) == 1 and isinstance(parent.targets[0].target, cst.Name):
            var = parent.targets[0].target.value
            plan.calls[call] = new
            plan.statements.setdefault(stmt, [stmt]).append(_stmt(f"{var}.wait()\n"))
            runs.add(var)
            return
        raise _Skip

    def wait(self, plan: _Plan, call: cst.Call, stmt: cst.SimpleStatementLine, todos: list[str], runs: set[str]) -> None:
        args = _kwargs(call, ("execution", "timeout", "poll_interval", "sync_nodes"))
        execution = args.pop("execution", None)
        args.pop("poll_interval", None)
        args.pop("sync_nodes", None)
        timeout = args.pop("timeout", None)
        if timeout is not None and not (isinstance(timeout, cst.Name) and timeout.value == "None"):
            todos.append(f"Run.wait() has no timeout (FlyteRemote.wait had {code(timeout)}): "
                         "set one on the task (timeout=) or the run")
        if not isinstance(execution, cst.Name) or args:
            raise _Skip
        waited = cst.Call(func=cst.Attribute(value=execution, attr=cst.Name("wait")))
        parent = self.up(call)
        if isinstance(parent, cst.Expr) and parent is stmt.body[0]:
            plan.calls[call] = waited
            return
        if isinstance(parent, cst.Assign) and parent is stmt.body[0] and len(parent.targets) == 1 and isinstance(parent.targets[0].target, cst.Name):
            var = parent.targets[0].target.value
            # Run.wait() returns nothing: the run object itself is the waited execution
            new = [stmt.with_changes(body=[cst.Expr(waited)])]
            if var != execution.value:
                new.append(_stmt(f"{var} = {execution.value}\n"))
            plan.statements[stmt] = new
            runs.add(var)
            return
        raise _Skip

    def run_attributes(self, plan: _Plan, runs: set[str]) -> None:
        """`r.outputs[...]`, `r.is_done`, `r.id.name` on the names runs were assigned to."""
        for name in runs:
            for use in self.tree.names.get(name, []):
                parent = self.up(use)
                if not (isinstance(parent, cst.Attribute) and parent.value is use):
                    continue
                attr = parent.attr.value
                if attr == "outputs":
                    outer = self.up(parent)
                    if isinstance(outer, cst.Call) and outer.func is parent:
                        continue  # already Flyte 2
                    plan.calls[parent] = cst.Attribute(value=cst.Call(func=parent), attr=cst.Name("named_outputs"))
                elif attr == "is_done":
                    plan.calls[parent] = cst.Call(func=cst.Attribute(value=use, attr=cst.Name("done")))
                elif attr == "id":
                    outer = self.up(parent)
                    if isinstance(outer, cst.Attribute) and outer.attr.value == "name":
                        plan.calls[outer] = cst.Attribute(value=use, attr=cst.Name("name"))
                elif attr in ("closure", "error", "is_successful", "node_executions", "inputs"):
                    stmt = self.statement_of(parent)
                    message = (f"{name}.{attr} is a Flyte 1 execution's: a flyte.remote.Run has .phase, .done(), "
                               ".outputs(), .inputs() and .raise_for_status()")
                    todos = plan.todos.setdefault(stmt, [])
                    if message not in todos:
                        todos.append(message)


def _commas(args: list[cst.Arg]) -> list[cst.Arg]:
    out = []
    for i, a in enumerate(args):
        comma = cst.Comma(whitespace_after=cst.SimpleWhitespace(" ")) if i < len(args) - 1 else cst.MaybeSentinel.DEFAULT
        out.append(a.with_changes(comma=comma))
    return out


class _Apply(cst.CSTTransformer):
    def __init__(self, plans: list[_Plan]):
        super().__init__()
        self.calls = {k: v for p in plans for k, v in p.calls.items()}
        self.statements = {k: v for p in plans for k, v in p.statements.items()}
        self.todos: dict[cst.CSTNode, list[str]] = {}
        for p in plans:
            for k, v in p.todos.items():
                if v:
                    self.todos.setdefault(k, []).extend(m for m in v if m not in self.todos.get(k, []))

    def on_leave(self, original_node: cst.CSTNode, updated_node: cst.CSTNode):  # type: ignore[override]
        new = self.calls.get(original_node)
        if new is not None:
            return _rebase(new, original_node, updated_node)
        if isinstance(original_node, cst.SimpleStatementLine):
            assert isinstance(updated_node, cst.SimpleStatementLine)  # leaving a line gives a line
            replacement = self.statements.get(original_node)
            if replacement is not None:
                # the rewritten first statement keeps the expressions rewritten inside it
                first = replacement[0]
                if first is original_node:
                    first = updated_node
                result_nodes = [first, *replacement[1:]]
            else:
                result_nodes = [updated_node]
            todos = self.todos.get(original_node)
            if todos:
                existing = {ln.comment.value for ln in result_nodes[0].leading_lines if ln.comment is not None}
                lines = [cst.EmptyLine(indent=True, comment=cst.Comment(f"{TODO_PREFIX}{CODE} {m}")) for m in todos
                         if f"{TODO_PREFIX}{CODE} {m}" not in existing]
                result_nodes[0] = result_nodes[0].with_changes(leading_lines=[*result_nodes[0].leading_lines, *lines])
            if len(result_nodes) == 1:
                return result_nodes[0]
            return cst.FlattenSentinel(result_nodes)
        return updated_node


def _rebase(new: cst.BaseExpression, original: cst.CSTNode, updated: cst.CSTNode) -> cst.BaseExpression:
    """The planned replacement, with the inner expressions already rewritten in `updated`: the
    plan was built from original nodes (an `r.outputs[...]` inside a rewritten call)."""
    if isinstance(original, cst.Attribute) and isinstance(updated, cst.Attribute):
        swap = _Swap(original.value, updated.value)
        return new.visit(swap)  # type: ignore[return-value]
    if isinstance(original, cst.Call) and isinstance(updated, cst.Call):
        swap = _Swap(None, None)
        for o, u in zip(original.args, updated.args):
            swap.pairs[o.value] = u.value
        return new.visit(swap)  # type: ignore[return-value]
    return new


class _Swap(cst.CSTTransformer):
    def __init__(self, old: Optional[cst.CSTNode], new: Optional[cst.CSTNode]):
        super().__init__()
        self.pairs: dict[cst.CSTNode, cst.CSTNode] = {old: new} if old is not None and new is not None else {}

    def on_visit(self, node: cst.CSTNode) -> bool:
        return node not in self.pairs

    def on_leave(self, original_node: cst.CSTNode, updated_node: cst.CSTNode):  # type: ignore[override]
        return self.pairs.get(original_node, updated_node)


def _place_imports(body: list[cst.BaseStatement], modules: list[str]) -> None:
    """`import flyte` / `import flyte.remote` where the module's flytekit imports begin."""
    from ._shell import _first_flytekit_import

    first = _first_flytekit_import(body)
    for mod in reversed(modules):
        line = _stmt(f"import {mod}\n")
        if first < len(body):
            line = line.with_changes(leading_lines=leading_lines(body[first]))
            body[first] = body[first].with_changes(leading_lines=[])
        body.insert(first, line)


def rewrite_remote(module: cst.Module) -> Optional[cst.Module]:
    """The module with every rewritable FlyteRemote binding and its uses in Flyte 2 terms, and
    the imports that code needs; None when there was none."""
    table = _table(module)
    planner = _Planner(module, table)
    plans: list[_Plan] = []
    bound: dict[str, int] = {}
    candidates: list[tuple[str, cst.SimpleStatementLine, cst.Call]] = []
    for stmt in planner.tree.parent:
        if isinstance(stmt, cst.SimpleStatementLine):
            found = planner.binding(stmt)
            if found is not None:
                candidates.append((found[0], stmt, found[1]))
                bound[found[0]] = bound.get(found[0], 0) + 1
    for name, stmt, ctor in candidates:
        if bound[name] != 1:
            continue  # bound twice (a reconnect): the uses cannot be told apart
        plan = planner.plan(name, stmt, ctor)
        if plan is not None:
            plans.append(plan)
    if not plans:
        return None
    new = module.visit(_Apply(plans))
    text = new.code
    imports = []
    plain = {k for k, v in table.items() if k == v}
    if "flyte" not in plain and not _imports(new, "flyte"):
        imports.append("flyte")
    if "flyte.remote." in text and not _imports(new, "flyte.remote"):
        imports.append("flyte.remote")
    body: list[cst.BaseStatement] = list(new.body)
    _place_imports(body, imports)
    return new.with_changes(body=body)


def _imports(module: cst.Module, name: str) -> bool:
    for stmt in module.body:
        if isinstance(stmt, cst.SimpleStatementLine):
            for small in stmt.body:
                if isinstance(small, cst.Import) and any(code(a.name) == name and a.asname is None for a in small.names):
                    return True
    return False



# Modules whose names only a remote client uses: when a helper keeps them (a FlyteRemote returned
# to callers, `remote.client`, `remote.file_access`), they are imported where they are used.
_REMOTE_MODULES = ("flytekit.remote", "flytekit.configuration")
_LAZY_TODO = (
    "{fn} still needs flytekit ({names}): Flyte 2 has no remote object (flyte.init_from_config(...) "
    "configures the process; flyte.remote.Run.get(name), flyte.remote.Action.get(run_name=..., name=...) "
    "with .outputs() and .get_report() look runs up); flytekit is imported when it runs, so the module "
    "imports without it"
)


def _remote_import(stmt: cst.BaseStatement) -> Optional[tuple[str, list[cst.ImportAlias]]]:
    """`from flytekit.remote import A, B` (or flytekit.configuration) as its own line: (module, names)."""
    if not isinstance(stmt, cst.SimpleStatementLine) or len(stmt.body) != 1:
        return None
    small = stmt.body[0]
    if not isinstance(small, cst.ImportFrom) or small.relative or small.module is None or isinstance(small.names, cst.ImportStar):
        return None
    mod = code(small.module)
    if not any(mod == m or mod.startswith(m + ".") for m in _REMOTE_MODULES):
        return None
    return mod, list(small.names)


class _Uses(cst.CSTVisitor):
    """Where each of `names` is read: in an annotation, in the body of a top-level function
    (or method), or elsewhere (module level, decorators, defaults: needed on import)."""

    def __init__(self, names: set[str]):
        super().__init__()
        self.names = names
        self.in_annotation = 0
        self.owner: list[Optional[cst.FunctionDef]] = [None]  # top-level function whose body we are in
        self.depth = 0  # function nesting
        self.in_functions: dict[cst.FunctionDef, list[str]] = {}
        self.annotations: set[str] = set()
        self.on_import = False

    def visit_ImportFrom(self, node: cst.ImportFrom) -> bool:
        return False

    def visit_Import(self, node: cst.Import) -> bool:
        return False

    def visit_Annotation(self, node: cst.Annotation) -> None:
        self.in_annotation += 1

    def leave_Annotation(self, original_node: cst.Annotation) -> None:
        self.in_annotation -= 1

    def visit_Attribute(self, node: cst.Attribute) -> bool:
        visit(node.value, self)  # `x.Config` is not a read of Config
        return False

    def visit_Arg(self, node: cst.Arg) -> bool:
        visit(node.value, self)  # nor is a keyword `Config=...`
        return False

    def visit_FunctionDef(self, node: cst.FunctionDef) -> bool:
        for part in (*node.decorators, node.params):  # evaluated where the function is defined
            visit(part, self)
        if node.returns is not None:
            visit(node.returns, self)
        self.depth += 1
        top = self.owner[-1] is None
        self.owner.append(node if top else self.owner[-1])
        visit(node.body, self)
        self.owner.pop()
        self.depth -= 1
        return False

    def visit_Name(self, node: cst.Name) -> None:
        if node.value not in self.names:
            return
        if self.in_annotation:
            self.annotations.add(node.value)
            return
        fn = self.owner[-1]
        if fn is None:
            self.on_import = True
        else:
            used = self.in_functions.setdefault(fn, [])
            if node.value not in used:
                used.append(node.value)


def _after_docstring(body: Sequence[cst.BaseStatement]) -> int:
    first = body[0] if body else None
    if isinstance(first, cst.SimpleStatementLine) and len(first.body) == 1 and isinstance(first.body[0], cst.Expr):
        if isinstance(first.body[0].value, (cst.SimpleString, cst.ConcatenatedString)):
            return 1
    return 0


def _from_line(mod: str, aliases: list[cst.ImportAlias]) -> cst.SimpleStatementLine:
    names = [a.with_changes(comma=cst.MaybeSentinel.DEFAULT) for a in aliases]
    names = [a.with_changes(comma=cst.Comma(whitespace_after=cst.SimpleWhitespace(" "))) for a in names[:-1]] + names[-1:]
    return cst.SimpleStatementLine(body=[cst.ImportFrom(module=cst.parse_expression(mod), names=names)])  # type: ignore[arg-type]


def defer_remote_imports(module: cst.Module) -> Optional[cst.Module]:
    """The migrated module with its flytekit remote-client imports (`flytekit.remote`,
    `flytekit.configuration`) moved into the functions that use them, each with an FM501 TODO,
    and names used only in annotations imported under `TYPE_CHECKING` (annotations postponed);
    None when a name is needed on import (module-level code, a decorator, a default), when
    another flytekit import stays at module level, or when there is nothing to move. It runs
    after the rules, on their output, so it knows which flytekit imports the migration kept.

    A helper that hands a FlyteRemote to its callers or uses `remote.client`/`remote.file_access`
    has no Flyte 2 form this tool can write; moved, its flytekit imports stop the whole package
    from importing only when such a function is called, so the workflows next to it run on
    Flyte 2.
    """
    body = list(module.body)
    found: list[tuple[int, str, list[cst.ImportAlias]]] = []
    for i, stmt in enumerate(body):
        got = _remote_import(stmt)
        if got is not None:
            found.append((i, *got))
    if not found:
        return None
    moved = {i for i, _, _ in found}
    if any(_is_import(stmt) and "flytekit" in code(stmt) for i, stmt in enumerate(body) if i not in moved):
        return None  # the module needs flytekit on import anyway: moving these would only scatter them
    local: dict[str, tuple[str, cst.ImportAlias]] = {}
    for _, mod, aliases in found:
        for alias in aliases:
            local[code(alias.asname.name) if alias.asname else code(alias.name).split(".")[0]] = (mod, alias)
    uses = _Uses(set(local))
    visit(module, uses)
    if uses.on_import or not uses.in_functions:
        return None

    def lines(names: Sequence[str]) -> list[cst.SimpleStatementLine]:
        by_module: dict[str, list[cst.ImportAlias]] = {}
        for name in local:  # in the order they were imported
            if name in names:
                mod, alias = local[name]
                by_module.setdefault(mod, []).append(alias)
        return [_from_line(mod, aliases) for mod, aliases in by_module.items()]

    class _Insert(cst.CSTTransformer):
        def leave_FunctionDef(self, original_node: cst.FunctionDef, updated_node: cst.FunctionDef) -> cst.FunctionDef:
            names = uses.in_functions.get(original_node)
            if not names or not isinstance(updated_node.body, cst.IndentedBlock):
                return updated_node
            new = lines(names)
            todo = _LAZY_TODO.format(fn=original_node.name.value, names=", ".join(sorted(names, key=list(local).index)))
            new[0] = new[0].with_changes(leading_lines=[todo_line(f"{CODE} {todo}")])
            inner = list(updated_node.body.body)
            at = _after_docstring(inner)
            inner[at:at] = new
            if at < len(inner) - len(new):
                nxt = inner[at + len(new)]
                above = leading_lines(nxt)
                if not above or above[0].comment is not None:
                    inner[at + len(new)] = nxt.with_changes(leading_lines=[cst.EmptyLine(indent=False), *above])
            return updated_node.with_changes(body=updated_node.body.with_changes(body=inner))

    new_module = module.visit(_Insert())
    body = list(new_module.body)
    first = found[0][0]
    keep_lines = leading_lines(body[first])
    for i, _, _ in reversed(found):
        del body[i]
    if first < len(body) and keep_lines:
        body[first] = body[first].with_changes(leading_lines=[*keep_lines, *leading_lines(body[first])])
    annotated = sorted(uses.annotations, key=list(local).index)
    if annotated:
        guard = cst.parse_statement("if TYPE_CHECKING:\n    pass\n")
        assert isinstance(guard, cst.If)
        guard = guard.with_changes(body=guard.body.with_changes(body=lines(annotated)), leading_lines=[cst.EmptyLine(indent=False)])
        # after the module's imports, where the removed lines stood or below
        last = first - 1
        while last + 1 < len(body) and _is_import(body[last + 1]):
            last += 1
        body.insert(last + 1, guard)
        if last + 2 < len(body) and not leading_lines(body[last + 2]):
            body[last + 2] = body[last + 2].with_changes(leading_lines=[cst.EmptyLine(indent=False)])
        if not _imports_name(body, "typing", "TYPE_CHECKING"):
            # with the standard-library imports: after the last of them, else above the first import
            stdlib = [i for i, stmt in enumerate(body) if isinstance(stmt, cst.SimpleStatementLine) and _is_import(stmt) and _is_stdlib(stmt)]
            at = stdlib[-1] + 1 if stdlib else next((i for i, stmt in enumerate(body) if _is_import(stmt)), last + 1)
            line = _stmt("from typing import TYPE_CHECKING\n")
            if at == 0 or not _is_import(body[at - 1]):
                line = line.with_changes(leading_lines=leading_lines(body[at]))
                body[at] = body[at].with_changes(leading_lines=[cst.EmptyLine(indent=False)])
            body.insert(at, line)
    if annotated and not _imports_name(body, "__future__", "annotations"):
        # the annotations naming flytekit types are no longer evaluated when the module is imported
        at = _after_docstring(body)
        line = _stmt("from __future__ import annotations\n")
        if at < len(body):
            line = line.with_changes(leading_lines=leading_lines(body[at]))
            body[at] = body[at].with_changes(leading_lines=[cst.EmptyLine(indent=False)])
        body.insert(at, line)
    return new_module.with_changes(body=body)


def _is_stdlib(stmt: cst.SimpleStatementLine) -> bool:
    for small in stmt.body:
        if isinstance(small, cst.ImportFrom):
            names = [code(small.module)] if small.module is not None and not small.relative else []
        elif isinstance(small, cst.Import):
            names = [code(a.name) for a in small.names]
        else:
            return False
        if not names or any(n.split(".")[0] not in sys.stdlib_module_names or n == "__future__" for n in names):
            return False
    return True


def _is_import(stmt: cst.BaseStatement) -> bool:
    return isinstance(stmt, cst.SimpleStatementLine) and all(isinstance(s, (cst.Import, cst.ImportFrom)) for s in stmt.body)


def _imports_name(body: Sequence[cst.BaseStatement], mod: str, name: str) -> bool:
    for stmt in body:
        if isinstance(stmt, cst.SimpleStatementLine):
            for small in stmt.body:
                if isinstance(small, cst.ImportFrom) and small.module is not None and code(small.module) == mod:
                    if not isinstance(small.names, cst.ImportStar) and any(code(a.name) == name and a.asname is None for a in small.names):
                        return True
    return False
