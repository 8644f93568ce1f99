"""One read of a module: what its flytekit names refer to, and the Flyte entities it defines.

`analyze()` walks the tree once with LibCST's scope analysis and records

* for every Name/Attribute that refers to flytekit, the `Symbol` it names (resolved through
  the scope, so aliases, `import flytekit as fk` and deep imports all resolve, and a local
  variable that shadows an import does not);
* every task, workflow, dynamic and eager function, with its decorator arguments;
* module-level bindings (`image = ImageSpec(...)`, `lp = LaunchPlan.get_or_create(...)`,
  `GROUP = "my-group"`) that later rules read instead of guessing;
* per function: the names it binds (for fresh temporaries), its `functools.partial` and
  `current_context()` aliases, and its file/directory parameters.

Qualified names are computed only for names that some flytekit import could have bound, which
is what keeps this pass close to the cost of the scope analysis itself.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Optional

import libcst as cst
from libcst.metadata import Scope

from .._walk import visit
from ._names import DIR_ALIASES, FILE_ALIASES, TYPE_EXTENSIONS, Symbol, symbol_for

ENTITY_DECORATORS = {"task": "task", "workflow": "workflow", "dynamic": "dynamic", "eager": "eager"}

# Local names an import of flytekit (or a plugin) may bind. Over-approximate: the scope
# analysis decides what each occurrence really refers to.
_IMPORT_RE = re.compile(
    r"^[ \t]*(?:from[ \t]+(flytekit[\w.]*|flytekitplugins[\w.]*)[ \t]+import[ \t]+(\([^)]*\)|[^\n#]*)"
    r"|import[ \t]+([^\n#]*))",
    re.MULTILINE,
)


def candidate_names(text: str) -> set[str]:
    names: set[str] = set()
    for m in _IMPORT_RE.finditer(text):
        if m.group(1):
            body = m.group(2).strip("() \t")
            for part in body.replace("\\\n", " ").replace("\n", " ").split(","):
                bits = part.split()
                if not bits:
                    continue
                names.add(bits[-1] if len(bits) == 3 and bits[1] == "as" else bits[0])
        elif m.group(3):
            for part in m.group(3).split(","):
                bits = part.split()
                if not bits or not bits[0].startswith(("flytekit", "flytekitplugins")):
                    continue
                names.add(bits[-1] if len(bits) == 3 and bits[1] == "as" else bits[0].split(".")[0])
    names.discard("*")
    return names


@dataclass
class Param:
    name: str
    node: cst.Param
    annotation: Optional[cst.BaseExpression]
    default: Optional[cst.BaseExpression]
    io: Optional[str] = None  # "file" | "dir" | "dataframe" when annotated with a flytekit io type


@dataclass
class Entity:
    """A function decorated with a flytekit entity decorator."""

    name: str
    kind: str  # task | workflow | dynamic | eager
    node: cst.FunctionDef
    decorator: cst.Decorator
    kwargs: dict[str, cst.Arg]
    is_async: bool
    params: list[Param]
    returns: Optional[cst.BaseExpression]
    index: int  # index of the top-level statement that holds it
    calls: set[str] = field(default_factory=set)
    env: Optional[str] = None  # variable name of its TaskEnvironment, set by the task rule

    @property
    def is_driver(self) -> bool:
        return self.kind in ("workflow", "dynamic", "eager")

    @property
    def async_after(self) -> bool:
        """Whether the migrated function is `async def`."""
        return self.kind != "task" or self.is_async

    def param(self, name: str) -> Optional[Param]:
        return next((p for p in self.params if p.name == name), None)


@dataclass
class Binding:
    """A module-level `NAME = value` (the last one, and how many there were)."""

    name: str
    value: cst.BaseExpression
    statement: cst.SimpleStatementLine
    index: int
    count: int = 1


@dataclass
class FuncFacts:
    """What the rules need to know about one function body."""

    node: cst.FunctionDef
    entity: Optional[Entity]
    bound: set[str] = field(default_factory=set)
    partials: dict[str, cst.Call] = field(default_factory=dict)  # name -> functools.partial(...)
    partial_uses: dict[str, set[str]] = field(default_factory=dict)  # name -> {"call", "map"}
    ctx_aliases: set[str] = field(default_factory=set)  # names bound to current_context()
    secret_aliases: set[str] = field(default_factory=set)  # names bound to current_context().secrets
    decks: set[str] = field(default_factory=set)  # names bound to Deck(...)
    io_params: dict[str, str] = field(default_factory=dict)  # param name -> file | dir | dataframe
    io_attrs: dict[str, dict[str, str]] = field(default_factory=dict)  # param -> {field: kind}, for dataclass params
    working_dir_uses: int = 0
    becomes_async: bool = False  # a method the migration makes `async def` (a DataFrame handler's encode/decode)


@dataclass
class ImportInfo:
    node: cst.SimpleStatementLine
    index: int  # top-level index, or -1 when nested
    flytekit: bool


class ModuleModel:
    """Everything `analyze()` learned about one module."""

    def __init__(self, module: cst.Module, path: str, module_name: str):
        self.module = module
        self.path = path
        self.module_name = module_name
        self.symbols: dict[cst.CSTNode, Symbol] = {}
        self.entities: dict[str, Entity] = {}
        self.bindings: dict[str, Binding] = {}
        self.functions: dict[cst.FunctionDef, FuncFacts] = {}
        self.plain_functions: set[str] = set()  # module-level non-entity functions and classes
        self.io_fields: dict[str, dict[str, str]] = {}  # class name -> {field: file | dir | dataframe}
        self.namedtuples: dict[str, list[str]] = {}  # NamedTuple type name -> field names
        self.namedtuple_types: dict[str, list[Optional[cst.BaseExpression]]] = {}  # ... -> field types
        self.imports: list[ImportInfo] = []
        self.imported: dict[str, str] = {}  # local name -> dotted source ("pkg.mod.name"), non-flytekit
        self.flytekit_aliases: set[str] = set()  # local names bound by flytekit imports
        self.stdlib_imports: set[str] = set()  # top-level "import x" names present
        self.module_names: set[str] = set()  # every name bound at module level
        self.first_index: dict[str, int] = {}  # name -> index of the first top-level statement binding it
        self.uses_flytekit = False
        self.read_imports: set[str] = set()  # imported (non-flytekit) names the source reads
        # Regions the rewrite must enter: top-level statements (by index) and function bodies that
        # mention a flytekit name or a name a rule may rewrite. Everything else is left as it is,
        # without rebuilding its nodes (the rewrite pass skips it).
        self.interesting_top: set[int] = set()
        self.interesting_bodies: set[cst.FunctionDef] = set()

    def symbol(self, node: cst.CSTNode) -> Optional[Symbol]:
        return self.symbols.get(node)

    def string_constant(self, node: cst.BaseExpression) -> Optional[str]:
        """The value of a string literal, or of a module-level name bound once to one."""
        if isinstance(node, cst.SimpleString):
            return node.evaluated_value if isinstance(node.evaluated_value, str) else None
        if isinstance(node, cst.ConcatenatedString):
            v = node.evaluated_value
            return v if isinstance(v, str) else None
        if isinstance(node, cst.Name):
            b = self.bindings.get(node.value)
            if b is not None and b.count == 1 and isinstance(b.value, (cst.SimpleString, cst.ConcatenatedString)):
                return self.string_constant(b.value)
        return None

    def resolve_binding(self, node: cst.BaseExpression) -> Optional[cst.BaseExpression]:
        """Follow a module-level name assigned exactly once to its value."""
        if isinstance(node, cst.Name):
            b = self.bindings.get(node.value)
            if b is not None and b.count == 1:
                return b.value
        return None


def _call_symbol(model: ModuleModel, node: cst.BaseExpression) -> Optional[Symbol]:
    if isinstance(node, cst.Call):
        return model.symbol(node.func)
    return None


def _io_kind(model: ModuleModel, annotation: Optional[cst.BaseExpression], follow: bool = True) -> Optional[str]:
    if annotation is None:
        return None
    node = annotation
    if follow and isinstance(node, cst.Name) and model.symbol(node) is None:
        # `MyDataset = Annotated[StructuredDataset, cols]` at module level, used as a type
        binding = model.bindings.get(node.value)
        if binding is not None and binding.count == 1:
            return _io_kind(model, binding.value, follow=False)
    # FlyteFile[...] / Annotated[StructuredDataset, ...] / Optional[FlyteFile]
    while isinstance(node, cst.Subscript):
        sym = model.symbol(node.value)
        if sym is not None:
            node = node.value
            break
        first = node.slice[0].slice if node.slice else None
        if isinstance(first, cst.Index):
            node = first.value
        else:
            return None
    sym = model.symbol(node)
    if sym is None:
        return None
    if sym.name in FILE_ALIASES and not sym.rest:
        return "file"
    if sym.name in DIR_ALIASES and not sym.rest:
        return "dir"
    if sym.name in ("StructuredDataset", "FlyteSchema") and not sym.rest:
        return "dataframe"
    return None


class _Analyzer(cst.CSTVisitor):
    def __init__(self, model: ModuleModel, scopes: dict[cst.CSTNode, Optional[Scope]], candidates: set[str]):
        super().__init__()
        self.model = model
        self.scopes = scopes
        self.candidates = candidates
        self.depth = 0  # function nesting
        self.top_index = -1
        self.func_stack: list[FuncFacts] = []
        self.class_depth = 0
        self.class_stack: list[tuple[tuple[str, ...], int]] = []  # (methods that become async, function depth)
        self.top_ids: dict[cst.CSTNode, int] = {stmt: i for i, stmt in enumerate(model.module.body)}
        self.watched: set[str] = set()
        self.in_header = False

    # -- name resolution -------------------------------------------------------------------
    def _resolve(self, node: cst.CSTNode) -> None:
        scope = self.scopes.get(node)
        if scope is None:
            return
        for qn in scope.get_qualified_names_for(node):
            sym = symbol_for(qn.name)
            if sym is not None:
                self.model.symbols[node] = sym
                self.model.uses_flytekit = True
                self._interesting()
                return

    def _interesting(self) -> None:
        self.model.interesting_top.add(self.top_index)
        # a name in a function's decorators or signature concerns the header, not its body
        frames = self.func_stack[:-1] if self.in_header and self.func_stack else self.func_stack
        for facts in frames:
            self.model.interesting_bodies.add(facts.node)

    def visit_IndentedBlock(self, node: cst.IndentedBlock) -> None:
        if self.func_stack and self.func_stack[-1].node.body is node:
            self.in_header = False

    def visit_Name(self, node: cst.Name) -> None:
        value = node.value
        if value in self.candidates:
            self._resolve(node)
        else:
            if value in self.model.imported:
                self.model.read_imports.add(value)
            if value in self.watched or (
                self.func_stack and (value in self.func_stack[-1].io_params or value in self.func_stack[-1].io_attrs)
            ):
                self._interesting()

    def visit_Import(self, node: cst.Import) -> bool:
        return False  # recorded by visit_SimpleStatementLine / visit_Module

    def visit_ImportFrom(self, node: cst.ImportFrom) -> bool:
        return False

    def visit_Attribute(self, node: cst.Attribute) -> None:
        base = node.value
        while isinstance(base, cst.Attribute):
            base = base.value
        if isinstance(base, cst.Name) and base.value in self.candidates:
            self._resolve(node)

    # -- module structure ------------------------------------------------------------------
    def visit_Module(self, node: cst.Module) -> None:
        for i, stmt in enumerate(node.body):
            self._index_top(i, stmt)
        self.watched = _watched_names(self.model, self.candidates)

    def _index_top(self, i: int, stmt: cst.BaseStatement) -> None:
        model = self.model
        before = set(model.module_names)
        self._bind_top(i, stmt)
        for name in model.module_names - before:
            model.first_index.setdefault(name, i)

    def _bind_top(self, i: int, stmt: cst.BaseStatement) -> None:
        model = self.model
        if isinstance(stmt, cst.SimpleStatementLine):
            for small in stmt.body:
                if isinstance(small, (cst.Import, cst.ImportFrom)):
                    self._record_import(stmt, small, i)
                elif isinstance(small, cst.Assign):
                    for t in small.targets:
                        for name in _target_names(t.target):
                            model.module_names.add(name)
                    if len(small.targets) == 1 and isinstance(small.targets[0].target, cst.Name):
                        name = small.targets[0].target.value
                        old = model.bindings.get(name)
                        model.bindings[name] = Binding(name, small.value, stmt, i, (old.count + 1) if old else 1)
                elif isinstance(small, cst.AnnAssign) and isinstance(small.target, cst.Name):
                    model.module_names.add(small.target.value)
        elif isinstance(stmt, (cst.FunctionDef, cst.ClassDef)):
            model.module_names.add(stmt.name.value)

    def _record_import(self, stmt: cst.SimpleStatementLine, small: cst.BaseSmallStatement, index: int) -> None:
        model = self.model
        if isinstance(small, cst.ImportFrom):
            mod = _dotted(small.module) if small.module is not None else ""
            rel = "." * len(small.relative)
            is_fk = not rel and mod.split(".")[0] in ("flytekit", "flytekitplugins")
            model.imports.append(ImportInfo(stmt, index, is_fk))
            if isinstance(small.names, cst.ImportStar):
                return
            for alias in small.names:
                local = cst.ensure_type(alias.asname.name, cst.Name).value if alias.asname else _dotted(alias.name)
                if is_fk:
                    model.flytekit_aliases.add(local)
                    model.uses_flytekit = True
                else:
                    model.imported[local] = f"{rel}{mod}.{_dotted(alias.name)}" if mod else f"{rel}{_dotted(alias.name)}"
                if index >= 0:
                    model.module_names.add(local)
        elif isinstance(small, cst.Import):
            is_fk = any(_dotted(a.name).split(".")[0] in ("flytekit", "flytekitplugins") for a in small.names)
            model.imports.append(ImportInfo(stmt, index, is_fk))
            for alias in small.names:
                dotted = _dotted(alias.name)
                local = cst.ensure_type(alias.asname.name, cst.Name).value if alias.asname else dotted.split(".")[0]
                if dotted.split(".")[0] in ("flytekit", "flytekitplugins"):
                    model.flytekit_aliases.add(local)
                    model.uses_flytekit = True
                else:
                    model.imported[local] = dotted
                    if index >= 0 and not alias.asname:
                        model.stdlib_imports.add(dotted)
                if index >= 0:
                    model.module_names.add(local)

    def visit_SimpleStatementLine(self, node: cst.SimpleStatementLine) -> None:
        if node in self.top_ids:
            return  # recorded by visit_Module
        for small in node.body:
            if isinstance(small, (cst.Import, cst.ImportFrom)):
                self._record_import(node, small, -1)

    def visit_ClassDef(self, node: cst.ClassDef) -> None:
        if self.depth == 0:
            self.model.plain_functions.add(node.name.value)
            fields = []
            is_nt = any(
                (isinstance(b.value, cst.Name) and b.value.value == "NamedTuple")
                or (isinstance(b.value, cst.Attribute) and b.value.attr.value == "NamedTuple")
                for b in node.bases
            )
            types: list[Optional[cst.BaseExpression]] = []
            if is_nt and isinstance(node.body, cst.IndentedBlock):
                for stmt in node.body.body:
                    if isinstance(stmt, cst.SimpleStatementLine):
                        for small in stmt.body:
                            if isinstance(small, cst.AnnAssign) and isinstance(small.target, cst.Name):
                                fields.append(small.target.value)
                                types.append(small.annotation.annotation)
                self.model.namedtuples[node.name.value] = fields
                self.model.namedtuple_types[node.name.value] = types
        methods: tuple[str, ...] = ()
        for base in node.bases:
            self._resolve_expr_deep(base.value)
            head = base.value.value if isinstance(base.value, cst.Subscript) else base.value  # TypeTransformer[T]
            sym = self.model.symbols.get(head)
            if sym is not None and not sym.rest and not sym.plugin and sym.name in TYPE_EXTENSIONS:
                methods = TYPE_EXTENSIONS[sym.name]
        self.class_stack.append((methods, self.depth))
        self.class_depth += 1

    def leave_ClassDef(self, original_node: cst.ClassDef) -> None:
        self.class_depth -= 1
        self.class_stack.pop()
        if self.depth == 0 and self.class_depth == 0 and isinstance(original_node.body, cst.IndentedBlock):
            fields: dict[str, str] = {}
            for stmt in original_node.body.body:
                if isinstance(stmt, cst.SimpleStatementLine):
                    for small in stmt.body:
                        if isinstance(small, cst.AnnAssign) and isinstance(small.target, cst.Name):
                            kind = _io_kind(self.model, small.annotation.annotation)
                            if kind:
                                fields[small.target.value] = kind
            if fields:
                self.model.io_fields[original_node.name.value] = fields

    def leave_Assign(self, node: cst.Assign) -> None:
        # NamedTuple("Name", [("field", type), ...]) at module level
        if self.depth == 0 and isinstance(node.value, cst.Call):
            func = node.value.func
            fname = func.value if isinstance(func, cst.Name) else func.attr.value if isinstance(func, cst.Attribute) else ""
            if fname == "NamedTuple" and len(node.targets) == 1 and isinstance(node.targets[0].target, cst.Name):
                fields: list[str] = []
                types: list[Optional[cst.BaseExpression]] = []
                args = node.value.args
                if len(args) >= 2 and isinstance(args[1].value, (cst.List, cst.Tuple)):
                    for el in args[1].value.elements:
                        if isinstance(el.value, cst.Tuple) and el.value.elements:
                            first = el.value.elements[0].value
                            if isinstance(first, cst.SimpleString):
                                fields.append(str(first.evaluated_value))
                                types.append(el.value.elements[1].value if len(el.value.elements) > 1 else None)
                for arg in args[1:]:
                    if arg.keyword is not None:  # NamedTuple("Outputs", a=int, b=str)
                        fields.append(arg.keyword.value)
                        types.append(arg.value)
                self.model.namedtuples[node.targets[0].target.value] = fields
                self.model.namedtuple_types[node.targets[0].target.value] = types
        if self.func_stack:
            facts = self.func_stack[-1]
            for t in node.targets:
                facts.bound.update(_target_names(t.target))
            if len(node.targets) == 1 and isinstance(node.targets[0].target, cst.Name):
                name = node.targets[0].target.value
                value = node.value
                if isinstance(value, cst.Call) and _is_partial(value, self.model):
                    facts.partials[name] = value
                sym = _call_symbol(self.model, value)
                if sym is not None and sym.name == "current_context" and not sym.rest:
                    facts.ctx_aliases.add(name)
                elif sym is not None and sym.name == "Deck" and not sym.rest:
                    facts.decks.add(name)
                elif isinstance(value, cst.Attribute) and value.attr.value == "secrets":
                    inner = value.value
                    if (isinstance(inner, cst.Name) and inner.value in facts.ctx_aliases) or (
                        (s := _call_symbol(self.model, inner)) is not None and s.name == "current_context"
                    ):
                        facts.secret_aliases.add(name)

    # -- functions --------------------------------------------------------------------------
    def visit_FunctionDef(self, node: cst.FunctionDef) -> None:
        entity = None
        if self.class_depth == 0:
            entity = self._entity(node)
        facts = FuncFacts(node, entity)
        if self.class_stack and self.class_stack[-1][1] == self.depth and node.name.value in self.class_stack[-1][0]:
            facts.becomes_async = True  # Flyte 2's encode/decode/to_literal/to_python_value are coroutines
            self.model.interesting_bodies.add(node)
        for p in _all_params(node.params):
            facts.bound.add(p.name.value)
            if p.annotation is not None:
                self._resolve_expr_deep(p.annotation.annotation)
                sym = self.model.symbols.get(p.annotation.annotation)
                if sym is not None and sym.name == "FlyteContext" and not sym.rest:
                    facts.ctx_aliases.add(p.name.value)  # a context handed in (a type extension's ctx)
                    self.model.interesting_bodies.add(node)
            kind = _io_kind(self.model, p.annotation.annotation if p.annotation else None)
            if kind:
                facts.io_params[p.name.value] = kind
            elif p.annotation is not None and isinstance(p.annotation.annotation, cst.Name):
                fields = self.model.io_fields.get(p.annotation.annotation.value)
                if fields:
                    facts.io_attrs[p.name.value] = fields
        self.model.functions[node] = facts
        if entity is not None and entity.kind == "task" and entity.returns is not None:
            self._resolve_expr_deep(entity.returns)
            if _mentions_io(self.model, entity.returns):
                # its returns may need wrapping (a path returned for a file output)
                self.model.interesting_bodies.add(node)
        self.in_header = True
        if self.depth == 0 and self.class_depth == 0:
            if entity is not None:
                self.model.entities[entity.name] = entity
            else:
                self.model.plain_functions.add(node.name.value)
        self.func_stack.append(facts)
        self.depth += 1

    def leave_FunctionDef(self, original_node: cst.FunctionDef) -> None:
        self.depth -= 1
        self.func_stack.pop()
        self.in_header = False

    def _entity(self, node: cst.FunctionDef) -> Optional[Entity]:
        for dec in node.decorators:
            expr = dec.decorator
            call = expr if isinstance(expr, cst.Call) else None
            target = call.func if call is not None else expr
            # resolve now: decorators are visited after visit_FunctionDef returns
            self._resolve_expr(target)
            sym = self.model.symbol(target)
            if sym is None or sym.rest or sym.name not in ENTITY_DECORATORS:
                continue
            kwargs: dict[str, cst.Arg] = {}
            if call is not None:
                for arg in call.args:
                    if arg.keyword is not None:
                        kwargs[arg.keyword.value] = arg
            params = []
            for p in _all_params(node.params):
                ann = p.annotation.annotation if p.annotation else None
                if ann is not None:
                    self._resolve_expr_deep(ann)
                params.append(Param(p.name.value, p, ann, p.default, _io_kind(self.model, ann)))
            return Entity(
                name=node.name.value,
                kind=ENTITY_DECORATORS[sym.name],
                node=node,
                decorator=dec,
                kwargs=kwargs,
                is_async=node.asynchronous is not None,
                params=params,
                returns=node.returns.annotation if node.returns else None,
                index=self.top_index,
            )
        return None

    def _resolve_expr(self, node: cst.BaseExpression) -> None:
        if node in self.model.symbols:
            return
        if isinstance(node, cst.Name) and node.value in self.candidates:
            self._resolve(node)
        elif isinstance(node, cst.Attribute):
            base = node.value
            while isinstance(base, cst.Attribute):
                base = base.value
            if isinstance(base, cst.Name) and base.value in self.candidates:
                self._resolve(node)

    def _resolve_expr_deep(self, node: cst.CSTNode) -> None:
        analyzer = self

        class _R(cst.CSTVisitor):
            def visit_Name(self, n: cst.Name) -> None:
                analyzer._resolve_expr(n)

            def visit_Attribute(self, n: cst.Attribute) -> None:
                analyzer._resolve_expr(n)

        visit(node, _R())

    # -- facts inside function bodies --------------------------------------------------------
    def leave_Call(self, node: cst.Call) -> None:
        if not self.func_stack:
            return
        facts = self.func_stack[-1]
        func = node.func
        if isinstance(func, cst.Name):
            if func.value in facts.partials:
                facts.partial_uses.setdefault(func.value, set()).add("call")
            if facts.entity is not None:
                facts.entity.calls.add(func.value)
        # map_task(partial_name) counts as a map use
        sym = self.model.symbol(func)
        mapped = sym is not None and sym.name == "map_task"
        if mapped and node.args:
            first = node.args[0].value
            if isinstance(first, cst.Name) and first.value in facts.partials:
                facts.partial_uses.setdefault(first.value, set()).add("map")
        if facts.entity is not None and node.args and (mapped or _is_partial(node, self.model)):
            # a task reached only through map_task(t) or functools.partial(t, ...) is still one
            # this function runs (its environment must be deployed with the driver's)
            target = _wrapped_task(node.args[0].value, facts, self.model)
            if target is not None:
                facts.entity.calls.add(target)

    def visit_For(self, node: cst.For) -> None:
        if self.func_stack:
            self.func_stack[-1].bound.update(_target_names(node.target))

    def visit_AsName(self, node: cst.AsName) -> None:
        if self.func_stack:
            self.func_stack[-1].bound.update(_target_names(node.name))

    def visit_CompFor(self, node: cst.CompFor) -> None:
        if self.func_stack:
            self.func_stack[-1].bound.update(_target_names(node.target))

    def visit_AugAssign(self, node: cst.AugAssign) -> None:
        if self.func_stack:
            self.func_stack[-1].bound.update(_target_names(node.target))

    def visit_AnnAssign(self, node: cst.AnnAssign) -> None:
        if self.func_stack:
            self.func_stack[-1].bound.update(_target_names(node.target))

    def on_visit(self, node: cst.CSTNode) -> bool:
        # top-level statements are visited in order; remember which one we are inside
        if self.depth == 0 and self.class_depth == 0:
            i = self.top_ids.get(node)
            if i is not None:
                self.top_index = i
        return super().on_visit(node)


def _watched_names(model: ModuleModel, candidates: set[str]) -> set[str]:
    """Module-level names whose uses a rule may rewrite wherever they appear: decorated
    functions (tasks, workflows), values built by calls (launch plans, map_task objects, Echo
    tasks, images), NamedTuple types, and names imported from the same project (possibly tasks
    of another module). Over-approximating only costs time."""
    watched: set[str] = set(model.namedtuples)
    top = model.module_name.split(".")[0]
    for stmt in model.module.body:
        if isinstance(stmt, cst.FunctionDef) and stmt.decorators:
            watched.add(stmt.name.value)
    for name, b in model.bindings.items():
        if isinstance(b.value, cst.Call):
            base = b.value.func
            while isinstance(base, (cst.Attribute, cst.Call)):
                base = base.value if isinstance(base, cst.Attribute) else base.func
            if isinstance(base, cst.Name) and base.value in candidates:
                watched.add(name)
    for local, dotted in model.imported.items():
        if dotted.startswith(".") or (top and dotted.split(".")[0] == top):
            watched.add(local)
    return watched


def _dotted(node: cst.BaseExpression) -> str:
    if isinstance(node, cst.Name):
        return node.value
    if isinstance(node, cst.Attribute):
        return f"{_dotted(node.value)}.{node.attr.value}"
    return ""


def _target_names(node: cst.BaseExpression) -> list[str]:
    if isinstance(node, cst.Name):
        return [node.value]
    if isinstance(node, (cst.Tuple, cst.List)):
        out: list[str] = []
        for el in node.elements:
            out.extend(_target_names(el.value))
        return out
    if isinstance(node, cst.StarredElement):
        return _target_names(node.value)
    return []


def _all_params(params: cst.Parameters) -> list[cst.Param]:
    out = list(params.posonly_params) + list(params.params) + list(params.kwonly_params)
    if isinstance(params.star_arg, cst.Param):
        out.append(params.star_arg)
    if params.star_kwarg is not None:
        out.append(params.star_kwarg)
    return out


def _wrapped_task(node: cst.BaseExpression, facts: FuncFacts, model: ModuleModel, depth: int = 0) -> Optional[str]:
    """The name of the task behind `t`, `functools.partial(t, ...)`, a partial bound to a
    name in this function, or `t.with_overrides(...)`-free wrappers of those (None if unknown)."""
    if depth > 4:
        return None
    if isinstance(node, cst.Name):
        if node.value in facts.partials:
            return _wrapped_task(facts.partials[node.value], facts, model, depth + 1)
        return node.value
    if isinstance(node, cst.Call) and node.args and _is_partial(node, model):
        return _wrapped_task(node.args[0].value, facts, model, depth + 1)
    return None


def _is_partial(call: cst.Call, model: ModuleModel) -> bool:
    func = call.func
    if isinstance(func, cst.Attribute) and isinstance(func.value, cst.Name):
        return func.value.value == "functools" and func.attr.value == "partial"
    if isinstance(func, cst.Name) and func.value == "partial":
        return model.imported.get("partial") == "functools.partial"
    return False


def analyze(module: cst.Module, scopes: dict[cst.CSTNode, Optional[Scope]], text: str, path: str, module_name: str) -> ModuleModel:
    """Read `module` once and return its model; `scopes` is LibCST's ScopeProvider mapping."""
    model = ModuleModel(module, path, module_name)
    analyzer = _Analyzer(model, scopes, candidate_names(text))
    visit(module, analyzer)
    return model


def _mentions_io(model: ModuleModel, node: cst.CSTNode) -> bool:
    """Whether a type expression names a flytekit file or directory type anywhere."""
    found = False

    class _Find(cst.CSTVisitor):
        def visit_Name(self, n: cst.Name) -> None:
            nonlocal found
            sym = model.symbol(n)
            found = found or (sym is not None and not sym.rest and (sym.name in FILE_ALIASES or sym.name in DIR_ALIASES))

        def visit_Attribute(self, n: cst.Attribute) -> None:
            nonlocal found
            sym = model.symbol(n)
            found = found or (sym is not None and not sym.rest and (sym.name in FILE_ALIASES or sym.name in DIR_ALIASES))

    visit(node, _Find())
    return found
