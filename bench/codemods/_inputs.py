"""Inputs for workflows that need them, taken from the repository's own code.

A workflow with required inputs cannot be run by guessing values. But repositories call their
own workflows: in `__main__` blocks (`print(wf(n=10))`), in tests (`assert wf(x=[1, 2]) == 3`),
in a parent workflow or a launch plan. Every such call whose arguments are all keyword literals
(numbers, strings, booleans, None, and lists/dicts/tuples of them) is a set of inputs the
authors ran; the corpus benches run those on both SDKs. The call is resolved like an import
would resolve it: a name the file defines, or one it imports from another module of the tree.
"""

from __future__ import annotations

import ast
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any, Optional

_NO = object()


def _literal(node: ast.expr) -> Any:
    """The JSON value of a literal expression, or _NO."""
    try:
        value = ast.literal_eval(node)
    except (ValueError, TypeError, SyntaxError, MemoryError, RecursionError):
        return _NO
    try:
        return json.loads(json.dumps(value))  # tuples become lists; sets, bytes, complex fail
    except (TypeError, ValueError):
        return _NO


def _imports(tree: ast.Module, module: str, is_package: bool) -> dict[str, str]:
    """Local name -> `module:name` for the names a file imports from other modules."""
    table: dict[str, str] = {}
    for node in ast.walk(tree):
        if not isinstance(node, ast.ImportFrom) or (node.module is None and node.level == 0):
            continue
        if node.level:
            base = module.split(".")
            if not is_package:
                base = base[:-1]
            base = base[: len(base) - (node.level - 1)] if node.level - 1 <= len(base) else []
            source = ".".join([*base, node.module] if node.module else base)
        else:
            source = node.module or ""
        for alias in node.names:
            table[alias.asname or alias.name] = f"{source}:{alias.name}"
    return table


def collect(files: list[Path], module_of: Callable[[Path], Optional[str]]) -> dict[str, dict]:
    """`{"pkg.module:entry": {input: value}}` for every all-literal keyword call in `files`.

    `module_of(path)` is the dotted name the bench imports the file as (None: not importable).
    The first call found for an entry wins (files in sorted order, calls in source order).
    """
    defined: dict[str, set[str]] = {}  # module -> names it defines at top level
    calls: list[tuple[str, dict[str, str], str, dict]] = []  # (module, imports, callee, inputs)
    for path in sorted(files):
        module = module_of(path)
        if module is None:
            continue
        try:
            tree = ast.parse(path.read_bytes())
        except (SyntaxError, ValueError):
            continue
        names = defined.setdefault(module, set())
        for node in tree.body:
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
                names.add(node.name)
            elif isinstance(node, ast.Assign):
                names.update(t.id for t in node.targets if isinstance(t, ast.Name))
        table = _imports(tree, module, path.name == "__init__.py")
        for node in ast.walk(tree):
            if not isinstance(node, ast.Call) or not isinstance(node.func, ast.Name) or node.args or not node.keywords:
                continue
            if any(k.arg is None for k in node.keywords):
                continue
            values = {k.arg: _literal(k.value) for k in node.keywords}
            if any(v is _NO for v in values.values()):
                continue
            calls.append((module, table, node.func.id, values))
    found: dict[str, dict] = {}
    for module, table, callee, values in calls:
        if callee in defined.get(module, ()):
            key = f"{module}:{callee}"
        elif callee in table:
            key = table[callee]
        else:
            continue
        found.setdefault(key, values)
    return found
