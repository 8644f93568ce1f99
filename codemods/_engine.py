"""Migrate one module: read once, resolve once, rewrite in one pass.

The pipeline for a file is

1. skip it unless its bytes mention `flytekit` (cheap; most of a repository is skipped here);
2. parse it with LibCST and run the scope analysis once (`ScopeProvider`), then `analyze()`,
   which resolves only the names a flytekit import could have bound;
3. let every enabled rule `prepare()`, then run all rules' hooks in **one** traversal
   (`_Combined`), which also keeps the stacks rules rely on (current function, current
   statement) and attaches each rule's TODOs to the statement being rewritten;
4. `finish()` each rule (module-level insertions, imports), print the tree, and find the line
   of every TODO comment in the output.

Nothing is written here: the caller decides (see `_runner`). A file that does not parse, or a
rule that fails, gives an `error` result and the original bytes are kept.
"""

from __future__ import annotations

import traceback
from collections.abc import Callable, Mapping, Sequence
from typing import Optional

import libcst as cst
from libcst.metadata import ExpressionContextProvider, ScopeProvider
from libcst.metadata.scope_provider import Scope

from ._analysis._index import EntityIndex, module_name_for
from ._analysis._model import analyze
from ._context import FileContext, Frame, StatementFrame
from ._cst import add_todos, code, fit_body, fit_signature, fit_statement, keep_comments
from ._report import TODO_MARK, FileResult, locate_todos, open_todos
from .rules import Rule, rules_for

_STATEMENTS = (cst.SimpleStatementLine, cst.BaseCompoundStatement)

_Handler = Callable[..., object]
_TABLES: dict[frozenset[str], tuple[dict[type, list[_Handler]], dict[type, list[_Handler]], list[Rule]]] = {}


def _tables(codes: frozenset[str]) -> tuple[dict[type, list[_Handler]], dict[type, list[_Handler]], list[Rule]]:
    """Per process and per rule selection: which rule methods handle which node types."""
    cached = _TABLES.get(codes)
    if cached is not None:
        return cached
    rules = rules_for(codes)
    visit: dict[type, list[_Handler]] = {}
    leave: dict[type, list[_Handler]] = {}
    for rule in rules:
        for attr in dir(type(rule)):
            if attr.startswith(("visit_", "leave_")):
                node_type = getattr(cst, attr.split("_", 1)[1], None)
                if isinstance(node_type, type) and issubclass(node_type, cst.CSTNode):
                    table = visit if attr.startswith("visit_") else leave
                    table.setdefault(node_type, []).append(getattr(rule, attr))
    _TABLES[codes] = (visit, leave, rules)
    return _TABLES[codes]


class _Combined(cst.CSTTransformer):
    def __init__(self, fx: FileContext, visit: dict[type, list[_Handler]], leave: dict[type, list[_Handler]]):
        super().__init__()
        self.fx = fx
        self.visit_table = visit
        self.leave_table = leave
        # frames set aside while a signature is visited: defaults and annotations are evaluated
        # where the function is defined, so no rule may await there
        self.signature_frames: list[Frame] = []
        self.depth = 0  # blocks the current statement is indented by
        self.indent = len(fx.model.module.default_indent.expandtabs(4))

    def on_visit(self, node: cst.CSTNode) -> bool:
        fx = self.fx
        t = type(node)
        skip = not fx.statements and node in fx.top_index and fx.top_index[node] not in fx.model.interesting_top
        if t is cst.IndentedBlock:
            self.depth += 1  # (on_leave is called for a block even when it is not entered)
            if fx.frames and fx.frames[-1].node.body is node:
                frame = fx.frames[-1]
                if not frame.is_driver and frame.node not in fx.model.interesting_bodies:
                    return False  # a body no rule touches: not rebuilt
        if t is cst.FunctionDef:
            facts = fx.model.functions.get(node)  # type: ignore[call-overload]
            if facts is not None:
                fx.frames.append(Frame(node, facts, facts.entity, set(facts.bound)))  # type: ignore[arg-type]
        if t is cst.Parameters and fx.frames and fx.frames[-1].node.params is node:
            self.signature_frames.append(fx.frames.pop())
        if isinstance(node, _STATEMENTS):
            fx.statements.append(StatementFrame())
        elif t is cst.Await:
            fx.awaited.add(node.expression)  # type: ignore[attr-defined]
        elif t is cst.Comment and fx.statements:
            fx.statements[-1].comments.append(node)  # type: ignore[arg-type]
        elif (t is cst.Name or t is cst.Attribute) and node in fx.syms and fx.statements:
            fx.statements[-1].has_flytekit = True
        if skip:
            return False  # nothing here for any rule: keep the statement as it is, unvisited
        for handler in self.visit_table.get(t, ()):
            if handler(fx, node) is False:
                return False
        return True

    def on_leave(self, original_node: cst.CSTNode, updated_node: cst.CSTNode):  # type: ignore[override]
        fx = self.fx
        t = type(original_node)
        if t is cst.Name or t is cst.Attribute:
            sym = fx.syms.get(original_node)
            if sym is not None:
                fx.syms[updated_node] = sym
        result: object = updated_node
        for handler in self.leave_table.get(t, ()):
            if type(result) is not t:
                break
            result = handler(fx, original_node, result)
        if t is cst.Parameters and self.signature_frames and self.signature_frames[-1].node.params is original_node:
            fx.frames.append(self.signature_frames.pop())
        if isinstance(original_node, _STATEMENTS):
            frame = fx.statements.pop()
            if not fx.statements and fx.insert_top:
                top = fx.top_index.get(original_node)
                if top is not None and top in fx.insert_top:
                    frame.before[:0] = fx.insert_top.pop(top)
            if frame.comments and result is not original_node:
                result = keep_comments([c for c in frame.comments if c.value not in fx.moved_comments], result)  # type: ignore[arg-type]
            if result is not original_node or frame.before:
                result = self._fit(original_node, result, frame)
            result = self._attach(frame, result)
        if t is cst.FunctionDef and fx.frames and fx.frames[-1].node is original_node:
            fx.frames.pop()
        if t is cst.IndentedBlock:
            self.depth -= 1
        return result

    def _fit(self, original: cst.CSTNode, result: object, frame: StatementFrame) -> object:
        """Break the lines a rewrite made longer than the project's width (the statement's own
        lines that the rewrite kept as they were are left alone), and those of statements a rule
        put before it."""
        width = self.fx.line_length
        indent = self.depth * self.indent
        if self.fx.frames and not isinstance(result, cst.FunctionDef):
            # inside a function, rules still recognise the nodes they wrote by identity (a
            # driver's scheduling finds its task awaits so): its body is fitted when it is left
            return result
        if frame.before:
            frame.before = [fit_statement(b, width, indent) if isinstance(b, cst.SimpleStatementLine) else b for b in frame.before]
        if isinstance(result, cst.FunctionDef):
            before = original if isinstance(original, cst.FunctionDef) else None
            result = fit_signature(result, before, width, indent)
            result = fit_body(result, width, indent, code(original).splitlines(), self.indent)
            return result
        if not isinstance(result, cst.SimpleStatementLine):
            return result
        text = code(result)
        if "\n" not in text.rstrip("\n") and indent + len(text.rstrip("\n")) <= width:
            return result
        return fit_statement(result, width, indent, code(original).splitlines())

    def _attach(self, frame: StatementFrame, result: object) -> object:
        """Put the statement's TODOs above it and the statements rules asked for before it."""
        fx = self.fx
        if frame.todos:
            fx.findings.extend(frame.todos)
        if not frame.todos and not frame.before:
            return result
        if isinstance(result, cst.FlattenSentinel):
            nodes = list(result.nodes)
        elif isinstance(result, cst.RemovalSentinel):
            nodes = []
        else:
            nodes = [result]
        if frame.todos:
            if not nodes:
                # the statement was removed but something must carry the TODO
                nodes = [cst.SimpleStatementLine(body=[cst.Pass()])]
            nodes[0] = add_todos(nodes[0], [f"{c} {m}" for c, m in frame.todos])  # type: ignore[assignment]
        nodes = [*frame.before, *nodes]
        if len(nodes) == 1:
            return nodes[0]
        return cst.FlattenSentinel(nodes)


def resolve_scopes(module: cst.Module) -> Mapping[cst.CSTNode, Optional[Scope]]:
    """What `MetadataWrapper(module).resolve(ScopeProvider)` gives, for `module` itself (no copy).

    The wrapper runs each provider in a batched traversal of the whole tree, and both providers
    involved do all their work in `visit_Module` with a walk of their own: the batched walks
    visit every node for nothing, which cost a third of the scope analysis. Calling the two
    `visit_Module`s directly runs the same visitors on the same tree and skips them
    (tests/codemods/test_engine_scopes.py compares the two on every fixture).
    """
    contexts = ExpressionContextProvider()
    contexts.visit_Module(module)
    scopes = ScopeProvider()
    scopes.metadata = {ExpressionContextProvider: contexts._computed}
    scopes.visit_Module(module)
    return scopes._computed  # type: ignore[return-value]


def migrate_bytes(
    data: bytes,
    path: str,
    codes: frozenset[str],
    index: Optional[EntityIndex] = None,
    module_name: Optional[str] = None,
) -> FileResult:
    """Migrate one file's bytes; never raises for bad input (errors are in the result)."""
    if b"flytekit" not in data:
        if TODO_MARK in data:
            # migrated before: its follow-ups are still open and belong in the report
            return FileResult(path, "unchanged", source=data, findings=open_todos(path, data.decode("utf-8", "replace")))
        return FileResult(path, "skipped", source=data)
    try:
        module = cst.parse_module(data)
    except cst.ParserSyntaxError as e:
        return FileResult(path, "error", source=data, error=f"cannot parse: {_one_line(str(e))}")
    except Exception as e:
        return FileResult(path, "error", source=data, error=f"cannot parse: {type(e).__name__}: {_one_line(str(e))}")
    try:
        return _migrate_module(module, data, path, codes, index, module_name)
    except Exception as e:
        where = traceback.extract_tb(e.__traceback__)[-1]
        return FileResult(
            path,
            "error",
            source=data,
            error=f"internal error ({type(e).__name__}: {_one_line(str(e))} at {where.filename}:{where.lineno}); file left unchanged",
        )


def _migrate_module(
    module: cst.Module,
    data: bytes,
    path: str,
    codes: frozenset[str],
    index: Optional[EntityIndex],
    module_name: Optional[str],
) -> FileResult:
    text = data.decode(module.encoding, errors="replace")
    if "ShellTask" in text:
        from ._config import line_length_for
        from ._shell import expand_shell_tasks

        expanded = expand_shell_tasks(module, line_length_for(path))
        if expanded is not None:  # the shell tasks are flytekit tasks now; the rules migrate them
            module, text = expanded, expanded.code
    if "FlyteRemote" in text and "FM501" in codes:
        from ._remote import rewrite_remote

        expanded = rewrite_remote(module)
        if expanded is not None:  # flyte.init_from_config + flyte.run / flyte.remote now
            module, text = expanded, expanded.code
    if "create_node" in text and "compilation_state" in text and "FM102" in codes:
        from ._workflow_decorators import rewrite_workflow_decorators

        expanded = rewrite_workflow_decorators(module)
        if expanded is not None:  # the decorators' wrappers await their setup/teardown tasks now
            module, text = expanded, expanded.code
    if "FileSensor" in text:
        from ._sensors import expand_file_sensors

        expanded = expand_file_sensors(module)
        if expanded is not None:  # the sensors are flytekit tasks now; the rules migrate them
            module, text = expanded, expanded.code
    scopes = resolve_scopes(module)
    is_package = path.endswith("__init__.py")
    name = module_name if module_name is not None else (module_name_for(path) if path and not path.startswith("<") else "")
    model = analyze(module, scopes, text, path, name)  # type: ignore[arg-type]
    if not model.uses_flytekit:
        return FileResult(path, "unchanged", source=data)
    visit, leave, rules = _tables(codes)
    fx = FileContext(model, index, codes, is_package=is_package)
    for rule in rules:
        rule.prepare(fx)
    new_module = module.visit(_Combined(fx, visit, leave))
    for rule in rules:
        new_module = rule.finish(fx, new_module)
    if ("flytekit.remote" in text or "flytekit.configuration" in text) and "FM501" in codes:
        from ._remote import defer_remote_imports

        deferred = defer_remote_imports(new_module)
        if deferred is not None:  # kept remote helpers import flytekit when they run, not on import
            new_module = deferred
    if fx.module_todos:
        fx.findings.extend(fx.module_todos)
    text_out = new_module.code
    out = text_out.encode(new_module.encoding)
    changed = out != data
    findings = locate_todos(path, text_out, fx.findings)
    return FileResult(
        path,
        "changed" if changed else "unchanged",
        source=data,
        output=out if changed else None,
        applied={code: n for code, n in fx.applied.items() if n > 0},
        findings=findings,
    )


def migrate_source(
    source: str | bytes,
    path: str = "<string>",
    select: Optional[Sequence[str]] = None,
    ignore: Optional[Sequence[str]] = None,
    index: Optional[EntityIndex] = None,
    module_name: Optional[str] = None,
) -> FileResult:
    """Migrate Python source text. `select`/`ignore` take rule codes or code prefixes."""
    from .rules import select_codes

    data = source.encode("utf-8") if isinstance(source, str) else source
    codes = select_codes(select, ignore)
    if index is None:
        from ._analysis._index import build_index

        index = build_index([(path, data)]) if not path.startswith("<") else None
    return migrate_bytes(data, path, codes, index, module_name)


def _one_line(text: str) -> str:
    return " ".join(text.split())[:300]

