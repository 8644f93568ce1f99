"""The repository-wide index of Flyte entities (pass 1).

A workflow in `wf.py` that calls `from .tasks import train` must know whether `train` is a sync
task (call it as `await train.aio(...)`), an async one, a workflow (now an async task) or a
launch plan, and a launch plan built in one module over a workflow of another needs that
workflow's signature. Before the per-file rewrite, every file that mentions flytekit is read
with the standard library's `ast` (about ten times faster than a LibCST parse) and its entities
are recorded here by dotted module name. The index is a plain picklable value, so worker
processes receive it once.
"""

from __future__ import annotations

import ast
import os
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
    modules: dict[str, dict[str, IndexedEntity]] = field(default_factory=dict)
    paths: dict[str, str] = field(default_factory=dict)  # dotted module -> file path

    def lookup(self, dotted: str) -> Optional[IndexedEntity]:
        """`dotted` is `package.module.name`; returns the entity it names, if indexed."""
        mod, _, name = dotted.rpartition(".")
        entities = self.modules.get(mod)
        if entities is None:
            return None
        return entities.get(name)

    def knows_module(self, dotted_module: str) -> bool:
        return dotted_module in self.modules


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
    out: dict[str, IndexedEntity] = {}
    for node in tree.body:
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            for dec in node.decorator_list:
                target = dec.func if isinstance(dec, ast.Call) else dec
                qn = _qualified(target, table)
                sym = symbol_for(qn) if qn else None
                if sym is None or sym.rest or sym.name not in _DECORATORS:
                    continue
                is_async = isinstance(node, ast.AsyncFunctionDef) or sym.name != "task"
                out[node.name] = IndexedEntity(sym.name, is_async, _params(node, text), _src(text, node.returns))
                break
        elif isinstance(node, ast.Assign) and len(node.targets) == 1 and isinstance(node.targets[0], ast.Name):
            value = node.value
            if isinstance(value, ast.Call):
                qn = _qualified(value.func, table)
                sym = symbol_for(qn) if qn else None
                if sym is not None and sym.name == "LaunchPlan":
                    out[node.targets[0].id] = IndexedEntity("launchplan", True)
    return out


def _src(text: str, node: Optional[ast.AST]) -> Optional[str]:
    return ast.get_source_segment(text, node) if node is not None else None


def _params(fn: ast.FunctionDef | ast.AsyncFunctionDef, text: str) -> tuple[IndexedParam, ...]:
    args = fn.args
    positional = list(args.posonlyargs) + list(args.args)
    defaults: list[Optional[ast.expr]] = [None] * (len(positional) - len(args.defaults)) + list(args.defaults)
    out = [IndexedParam(a.arg, _src(text, a.annotation), _src(text, d)) for a, d in zip(positional, defaults, strict=False)]
    out += [
        IndexedParam(a.arg, _src(text, a.annotation), _src(text, d)) for a, d in zip(args.kwonlyargs, args.kw_defaults, strict=False)
    ]
    return tuple(out)


def build_index(files: Sequence[tuple[str, bytes]]) -> EntityIndex:
    """Index the given `(path, content)` pairs; files without `flytekit` are skipped unread."""
    index = EntityIndex()
    for path, data in files:
        if b"flytekit" not in data:
            continue
        try:
            text = data.decode("utf-8")
        except UnicodeDecodeError:
            continue
        entities = index_source(text)
        name = module_name_for(path)
        index.modules[name] = entities
        index.paths[name] = path
    return index
