"""The repository-wide index of Flyte entities (pass 1).

A workflow in `wf.py` that calls `from .tasks import train` must know whether `train` is a sync
task (call it as `await train.aio(...)`), an async one, a workflow (now an async task) or a
launch plan, and a launch plan built in one module over a workflow of another needs that
workflow's signature. Before the per-file rewrite, every file that mentions flytekit is read
with the standard library's `ast` (about ten times faster than a LibCST parse) and its entities
are recorded here by import root and dotted module name. The index is a plain picklable value,
so worker processes receive it once.

One run is final whatever the order: migrating a tree file by file, or again after an
interruption, must write what one run over the whole tree writes. So the index covers the whole
project around each migrated file (every module importable from the file's import root, read
or not), and it reads modules already migrated to Flyte 2 (`@env.task` functions of a
`flyte.TaskEnvironment`) as the entities they came from. A module known to the index that
defines no entity of a name is the proof that the name is not a task (a dataclass, a helper).
"""

from __future__ import annotations

import ast
import os
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Optional

from ._names import symbol_for

_DECORATORS = {"task", "workflow", "dynamic", "eager"}


@dataclass(frozen=True)
class IndexedParam:
    name: str
    annotation: Optional[str]  # source text
    default: Optional[str]  # source text


@dataclass(frozen=True)
class IndexedEntity:
    """What another module needs to know to call this entity after migration."""

    kind: str  # task | workflow | dynamic | eager | launchplan
    is_async: bool  # async after migration
    params: tuple[IndexedParam, ...] = ()
    returns: Optional[str] = None


@dataclass
class EntityIndex:
    """Entities by import root (the directory a module is imported from) and dotted module."""

    roots: dict[str, dict[str, dict[str, IndexedEntity]]] = field(default_factory=dict)

    @property
    def modules(self) -> dict[str, dict[str, IndexedEntity]]:
        """Every indexed module by dotted name (the last root wins when names repeat)."""
        return {name: ents for mods in self.roots.values() for name, ents in mods.items()}

    def lookup(self, dotted: str, root: Optional[str] = None) -> Optional[IndexedEntity]:
        """`dotted` is `package.module.name` as imported from `root`; the entity it names, if indexed."""
        mod, _, name = dotted.rpartition(".")
        entities = self._module(mod, root)
        if entities is None:
            return None
        return entities.get(name)

    def knows_module(self, dotted_module: str, root: Optional[str] = None) -> bool:
        return self._module(dotted_module, root) is not None

    def _module(self, dotted_module: str, root: Optional[str]) -> Optional[dict[str, IndexedEntity]]:
        if root is not None:
            return self.roots.get(root, {}).get(dotted_module)
        return self.modules.get(dotted_module)


def import_root(path: str) -> str:
    """The directory `path` is imported from: above its outermost package, else its own."""
    directory = os.path.dirname(os.path.abspath(path))
    while os.path.isfile(os.path.join(directory, "__init__.py")):
        parent = os.path.dirname(directory)
        if parent == directory:
            break
        directory = parent
    return directory


def _importable(root: str) -> list[str]:
    """Python files importable from `root`: its own, and every package below it."""
    out: list[str] = []
    try:
        names = sorted(os.listdir(root))
    except OSError:
        return out
    for name in names:
        full = os.path.join(root, name)
        if name.endswith(".py") and os.path.isfile(full):
            out.append(full)
        elif os.path.isfile(os.path.join(full, "__init__.py")) and not os.path.islink(full):
            out.extend(os.path.join(d, f) for d, _, files in os.walk(full) for f in sorted(files) if f.endswith(".py"))
    return out


def module_name_for(path: str) -> str:
    """The dotted name a file is imported as: its stem, prefixed by every enclosing package."""
    path = os.path.abspath(path)
    directory, filename = os.path.split(path)
    stem = os.path.splitext(filename)[0]
    parts = [] if stem == "__init__" else [stem]
    while os.path.isfile(os.path.join(directory, "__init__.py")):
        directory, pkg = os.path.split(directory)
        parts.insert(0, pkg)
        if not pkg:
            break
    return ".".join(parts)


def resolve_relative(module_name: str, is_package: bool, dotted: str) -> str:
    """Turn `..sub.name` imported in `module_name` into an absolute dotted name."""
    level = len(dotted) - len(dotted.lstrip("."))
    if level == 0:
        return dotted
    base = module_name.split(".") if module_name else []
    if not is_package:
        base = base[:-1]
    if level > 1:
        base = base[: len(base) - (level - 1)] if level - 1 <= len(base) else []
    rest = dotted[level:]
    return ".".join([*base, rest] if rest else base)


def _import_table(tree: ast.Module) -> dict[str, str]:
    table: dict[str, str] = {}
    for node in tree.body:
        if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            for a in node.names:
                table[a.asname or a.name] = f"{node.module}.{a.name}"
        elif isinstance(node, ast.Import):
            for a in node.names:
                table[a.asname or a.name.split(".")[0]] = a.name if a.asname else a.name.split(".")[0]
    return table


def _qualified(node: ast.AST, table: dict[str, str]) -> Optional[str]:
    if isinstance(node, ast.Name):
        return table.get(node.id)
    if isinstance(node, ast.Attribute):
        base = _qualified(node.value, table)
        return f"{base}.{node.attr}" if base else None
    return None


def index_source(text: str) -> dict[str, IndexedEntity]:
    """The entities one module defines (empty when it does not parse)."""
    try:
        tree = ast.parse(text)
    except (SyntaxError, ValueError):
        return {}
    table = _import_table(tree)
    envs = _environments(tree, table)
    src = _Source(text)
    out: dict[str, IndexedEntity] = {}
    for node in tree.body:
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            for dec in node.decorator_list:
                target = dec.func if isinstance(dec, ast.Call) else dec
                if isinstance(target, ast.Attribute) and target.attr == "task" and isinstance(target.value, ast.Name) and target.value.id in envs:
                    # migrated already: a sync task stays a task; an async one is a driver now
                    is_async = isinstance(node, ast.AsyncFunctionDef)
                    out[node.name] = IndexedEntity("workflow" if is_async else "task", is_async, _params(node, src), src.segment(node.returns))
                    break
                qn = _qualified(target, table)
                sym = symbol_for(qn) if qn else None
                if sym is None or sym.rest or sym.name not in _DECORATORS:
                    continue
                is_async = isinstance(node, ast.AsyncFunctionDef) or sym.name != "task"
                out[node.name] = IndexedEntity(sym.name, is_async, _params(node, src), src.segment(node.returns))
                break
        elif isinstance(node, ast.Assign) and len(node.targets) == 1 and isinstance(node.targets[0], ast.Name):
            value = node.value
            if isinstance(value, ast.Call):
                qn = _qualified(value.func, table)
                sym = symbol_for(qn) if qn else None
                if sym is not None and sym.name == "LaunchPlan":
                    out[node.targets[0].id] = IndexedEntity("launchplan", True)
                elif sym is not None and sym.name == "ShellTask" and not sym.plugin:
                    out[node.targets[0].id] = IndexedEntity("task", False)  # written out as a sync task
                elif sym is not None and sym.name == "FileSensor" and not sym.plugin:
                    out[node.targets[0].id] = IndexedEntity("task", True)  # written out as an async task
            elif isinstance(value, ast.Name) and value.id in out and out[value.id].is_async:
                out[node.targets[0].id] = IndexedEntity("launchplan", True)  # a migrated launch plan: `lp = wf`
    return out


def _environments(tree: ast.Module, table: dict[str, str]) -> set[str]:
    """Module-level names bound to `flyte.TaskEnvironment(...)`."""
    names = set()
    for node in tree.body:
        if isinstance(node, ast.Assign) and isinstance(node.value, ast.Call) and len(node.targets) == 1 and isinstance(node.targets[0], ast.Name):
            if _qualified(node.value.func, table) == "flyte.TaskEnvironment":
                names.add(node.targets[0].id)
    return names


# a line with its end, as the parser splits them (not at form feeds, unlike str.splitlines)
_LINE = re.compile(r"[^\r\n]*(?:\r\n|\r|\n)|[^\r\n]+\Z")


class _Source:
    """`ast.get_source_segment` for many nodes of one text: that function splits the whole text
    into lines again for every node it is asked about, which made indexing quadratic in file
    size (most of pass 1's time on flytesnacks)."""

    def __init__(self, text: str):
        self.lines = _LINE.findall(text)

    def segment(self, node: Optional[ast.AST]) -> Optional[str]:
        if node is None:
            return None
        end_lineno, end_col = getattr(node, "end_lineno", None), getattr(node, "end_col_offset", None)
        if end_lineno is None or end_col is None:
            return None
        first, last, col = node.lineno - 1, end_lineno - 1, node.col_offset  # type: ignore[attr-defined]
        if first == last:
            return self.lines[first].encode()[col:end_col].decode()
        head = self.lines[first].encode()[col:].decode()
        tail = self.lines[last].encode()[:end_col].decode()
        return "".join([head, *self.lines[first + 1 : last], tail])


def _params(fn: ast.FunctionDef | ast.AsyncFunctionDef, src: _Source) -> tuple[IndexedParam, ...]:
    args = fn.args
    positional = list(args.posonlyargs) + list(args.args)
    defaults: list[Optional[ast.expr]] = [None] * (len(positional) - len(args.defaults)) + list(args.defaults)
    out = [IndexedParam(a.arg, src.segment(a.annotation), src.segment(d)) for a, d in zip(positional, defaults, strict=False)]
    out += [
        IndexedParam(a.arg, src.segment(a.annotation), src.segment(d)) for a, d in zip(args.kwonlyargs, args.kw_defaults, strict=False)
    ]
    return tuple(out)


def build_index(files: Sequence[tuple[str, bytes]]) -> EntityIndex:
    """Index the project around the given `(path, content)` pairs.

    Every module importable from the import root of a given file is known to the index; the
    given contents are used as they are, other files are read from disk. Only files that
    mention `flyte` are parsed.
    """
    index = EntityIndex()
    given = {os.path.abspath(path): data for path, data in files}
    roots = sorted({import_root(path) for path in given})
    for root in roots:
        modules = index.roots.setdefault(root, {})
        for path in _importable(root):
            data = given.get(path)
            if data is None:
                try:
                    with open(path, "rb") as fh:
                        data = fh.read()
                except OSError:
                    continue
            entities: dict[str, IndexedEntity] = {}
            if b"flyte" in data:
                try:
                    entities = index_source(data.decode("utf-8"))
                except UnicodeDecodeError:
                    pass
            modules[module_name_for(path)] = entities
    return index
