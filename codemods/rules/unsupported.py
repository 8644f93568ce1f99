"""FM900 unsupported: every flytekit construct left in the migrated code is reported.

Before::

    t = ShellTask(name="t", script="echo hi", inputs=kwtypes(x=str))

After::

    # TODO(flyte-migrate): ShellTask (flytekit) has no automatic Flyte 2 rewrite: use flyte.extras.shell.create(...)
    t = ShellTask(name="t", script="echo hi", inputs=kwtypes(x=str))

Runs after all other rules: a statement that still refers to a flytekit (or flytekitplugins)
name gets one TODO per name with the closest Flyte 2 counterpart when there is one, and the
name's import is kept. Nothing is dropped silently.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Union

import libcst as cst

from .._walk import visit
from ._base import Rule

if TYPE_CHECKING:
    from .._context import FileContext

CODE = "FM900"
HINTS: dict[str, str] = {
    "ShellTask": "use flyte.extras.shell (shell.create(...)) or run the command with subprocess in a task",
    "OutputLocation": "declare outputs with flyte.extras.shell instead",
    "ContainerTask": "use flyte.extras.ContainerTask(name, image, command, inputs, outputs, ...)",
    "SQLite3Task": "run the query with sqlite3 inside an @env.task",
    "SQLite3Config": "run the query with sqlite3 inside an @env.task",
    "SQLTask": "run the query with the database client inside an @env.task",
    "kwtypes": "Flyte 2 tasks take typed parameters; there is no column/IO dict",
    "Workflow": "write the imperative workflow as an @env.task that calls its tasks",
    "reference_task": "use flyte.remote.Task.get(\"env.task\", project=..., domain=..., version=...)",
    "reference_workflow": "use flyte.remote.Task.get(...) for the migrated driver task",
    "reference_launch_plan": "use flyte.remote.Task.get(...) or a remote trigger",
    "get_reference_entity": "use flyte.remote.Task.get(...)",
    "FlyteRemote": "use flyte.init_from_config() with flyte.run/flyte.deploy and flyte.remote",
    "Config": "use flyte.init_from_config(...)",
    "Options": "use flyte.with_runcontext(labels=..., annotations=..., ...)",
    "Artifact": "use flyte.remote.Artifact / flyte.OnArtifact",
    "HashMethod": "use flyte.io.HashFunction for File/Dir/DataFrame cache keys",
    "FlyteSchema": "use flyte.io.DataFrame",
    "BatchSize": "pass lists directly; Flyte 2 offloads large values itself",
    "Checkpoint": "use flyte.Checkpoint / flyte.latest_checkpoint()",
    "FlyteRecoverableException": "raise an ordinary exception; retries apply to every user error in Flyte 2",
    "TaskMetadata": "set retries/timeout/cache on @env.task(...) or task.override(...)",
    "FlyteContext": "flytekit internals have no Flyte 2 counterpart",
    "FlyteContextManager": "flytekit internals have no Flyte 2 counterpart",
    "SecretsManager": "secrets are environment variables in Flyte 2; set them with os.environ in tests",
    "TypeEngine": "register a flyte.types.TypeTransformer instead",
    "TypeTransformer": "subclass flyte.types.TypeTransformer instead",
    "Email": "use flyte.notify.Email(on_phase=..., recipients=...) on the flyte.Trigger",
    "Slack": "use flyte.notify.Slack(...) on the flyte.Trigger",
    "PagerDuty": "use flyte.notify on the flyte.Trigger",
    "PythonFunctionTask": "tasks are flyte.TaskTemplate objects in Flyte 2",
    "Deck": "use flyte.report",
    "TopFrameRenderer": "render the frame yourself and log it with flyte.report",
    "MarkdownRenderer": "render the markdown yourself and log it with flyte.report",
    "LaunchPlan": "a launch plan becomes a task (with a flyte.Trigger for schedules)",
    "current_context": "use flyte.ctx()",
    "map_task": "use flyte.map / flyte.map.aio inside an async task",
    "conditional": "use if/elif/else inside an async task",
    "dynamic": "use an async @env.task",
    "workflow": "use an async @env.task",
    "task": "use @env.task on a flyte.TaskEnvironment",
    "Resources": "kept, because the plugin or Union API around it takes flytekit's Resources; Flyte 2 tasks take flyte.Resources on their environment",
}


class _Scan(cst.CSTVisitor):
    def __init__(self, fx: FileContext):
        super().__init__()
        self.fx = fx
        self.found: list[str] = []

    def _hit(self, node: Union[cst.Name, cst.Attribute]) -> bool:
        sym = self.fx.sym(node)
        if sym is None:
            return False
        if node in self.fx.scratch.get("reported", ()):
            return True  # another rule already left a TODO for this construct
        label = f"{sym.name} ({'flytekitplugins' if sym.plugin else 'flytekit'})"
        if label not in self.found:
            self.found.append(label)
        return True

    def visit_Name(self, node: cst.Name) -> None:
        self._hit(node)

    def visit_Attribute(self, node: cst.Attribute) -> bool:
        # the longest chain that resolves is the construct; do not report its parts again
        return not self._hit(node)

    def visit_IndentedBlock(self, node: cst.IndentedBlock) -> bool:
        return False  # statements inside a block are scanned on their own

    def visit_Import(self, node: cst.Import) -> bool:
        return False

    def visit_ImportFrom(self, node: cst.ImportFrom) -> bool:
        return False


def _inlinable_binding(fx: FileContext, stmt: cst.SimpleStatementLine):
    """(name, symbol) for a module-level `name = map_task(...)`, `Echo(...)` or `Artifact(...)`."""
    if fx.frame is not None or len(stmt.body) != 1 or not isinstance(stmt.body[0], cst.Assign):
        return None
    assign = stmt.body[0]
    if len(assign.targets) != 1 or not isinstance(assign.targets[0].target, cst.Name) or not isinstance(assign.value, cst.Call):
        return None
    for sym in ("map_task", "Echo", "Artifact"):
        if fx.is_sym(assign.value.func, sym):
            return assign.targets[0].target.value, sym
    return None


def _still_assigned(module: cst.Module, name: str) -> bool:
    for stmt in module.body:
        if isinstance(stmt, cst.SimpleStatementLine) and len(stmt.body) == 1 and isinstance(stmt.body[0], cst.Assign):
            t = stmt.body[0].targets
            if len(t) == 1 and isinstance(t[0].target, cst.Name) and t[0].target.value == name:
                return True
    return False


class UnsupportedRule(Rule):
    __doc__ = __doc__
    code = CODE
    name = "unsupported"
    summary = "any flytekit name still in use after the other rules gets a TODO with the nearest Flyte 2 counterpart"

    def _scan(self, fx: FileContext, node: cst.CSTNode) -> None:
        if not fx.statements or not fx.statements[-1].has_flytekit:
            return
        scan = _Scan(fx)
        visit(node, scan)
        for label in scan.found:
            name = label.split(" ")[0]
            plugin = "flytekitplugins" in label
            if plugin:
                fx.todo(CODE, f"{name} comes from a Flyte 1 plugin (flytekitplugins); use the matching flyteplugins package for Flyte 2")
            else:
                hint = HINTS.get(name, "see the Flyte 2 migration guide")
                fx.todo(CODE, f"{name} (flytekit) has no automatic Flyte 2 rewrite: {hint}")

    def leave_SimpleStatementLine(self, fx: FileContext, original_node: cst.SimpleStatementLine, updated_node: cst.BaseStatement) -> cst.BaseStatement:
        if not isinstance(updated_node, cst.SimpleStatementLine) or any(isinstance(s, (cst.Import, cst.ImportFrom)) for s in updated_node.body):
            return updated_node
        inlinable = _inlinable_binding(fx, original_node)
        if inlinable is not None:
            # `m = map_task(t)` / `echo = Echo(...)`: other rules inline their uses; decide at the end
            fx.scratch.setdefault("deferred", []).append(inlinable)
            return updated_node
        self._scan(fx, updated_node)
        return updated_node

    def finish(self, fx: FileContext, module: cst.Module) -> cst.Module:
        from .._cst import add_todos, drop_unused_assignments

        dead_candidates = set(fx.scratch.get("maybe_dead", set())) | {("", name) for name, _ in fx.scratch.get("deferred", [])}
        module = drop_unused_assignments(module, dead_candidates)
        live = {name: sym for name, sym in fx.scratch.get("deferred", []) if _still_assigned(module, name)}
        if not live:
            return module
        todos = {name: f"{sym} (flytekit) has no automatic Flyte 2 rewrite: {HINTS.get(sym, 'see the Flyte 2 migration guide')}" for name, sym in live.items()}
        for name in live:
            fx.findings.append((CODE, todos[name]))

        class _Mark(cst.CSTTransformer):
            def leave_SimpleStatementLine(self, original_node: cst.SimpleStatementLine, updated_node: cst.SimpleStatementLine) -> cst.SimpleStatementLine:
                small = updated_node.body[0] if len(updated_node.body) == 1 else None
                if isinstance(small, cst.Assign) and len(small.targets) == 1 and isinstance(small.targets[0].target, cst.Name):
                    name = small.targets[0].target.value
                    if name in todos:
                        return add_todos(updated_node, [f"{CODE} {todos[name]}"])  # type: ignore[return-value]
                return updated_node

        return module.visit(_Mark())

    def _compound(self, fx: FileContext, updated_node: cst.CSTNode) -> None:
        self._scan(fx, updated_node)

    def leave_FunctionDef(self, fx: FileContext, original_node: cst.FunctionDef, updated_node: cst.FunctionDef) -> cst.FunctionDef:
        self._compound(fx, updated_node)
        return updated_node

    def leave_ClassDef(self, fx: FileContext, original_node: cst.ClassDef, updated_node: cst.ClassDef) -> cst.ClassDef:
        self._compound(fx, updated_node)
        return updated_node

    def leave_If(self, fx: FileContext, original_node: cst.If, updated_node: cst.If) -> cst.If:
        self._scan(fx, updated_node.test)
        return updated_node

    def leave_For(self, fx: FileContext, original_node: cst.For, updated_node: cst.For) -> cst.For:
        self._scan(fx, updated_node.iter)
        return updated_node

    def leave_While(self, fx: FileContext, original_node: cst.While, updated_node: cst.While) -> cst.While:
        self._scan(fx, updated_node.test)
        return updated_node

    def leave_With(self, fx: FileContext, original_node: cst.With, updated_node: cst.With) -> cst.With:
        for item in updated_node.items:
            self._scan(fx, item)
        return updated_node

    def leave_Try(self, fx: FileContext, original_node: cst.Try, updated_node: cst.Try) -> cst.Try:
        for h in updated_node.handlers:
            if h.type is not None:
                self._scan(fx, h.type)
        return updated_node
