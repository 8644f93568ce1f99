"""FM001 imports: flytekit imports give way to the flyte imports the migrated code uses.

Before::

    import os

    from flytekit import Resources, ShellTask, task, workflow
    from flytekit.types.file import FlyteFile

After::

    import asyncio
    import os

    import flyte
    from flyte.io import File
    from flytekit import ShellTask

A flytekit name stays imported exactly as long as migrated code still uses it (a construct with
no Flyte 2 target keeps its import and gets a TODO). New `flyte` imports take the place of the
first flytekit import; standard-library modules the new code needs (`asyncio`, `os`,
`tempfile`, ...) join the module's standard-library imports in sorted position.
"""

from __future__ import annotations

import sys
from collections.abc import Sequence
from collections.abc import Set as AbstractSet
from typing import TYPE_CHECKING, Optional, Union

import libcst as cst

from .._cst import code, dotted, leading_lines
from .._walk import children
from ._base import Rule

if TYPE_CHECKING:
    from .._context import FileContext

CODE = "FM001"
_STDLIB = set(getattr(sys, "stdlib_module_names", ())) | {"asyncio", "os", "tempfile", "functools", "math", "pathlib", "datetime", "typing"}


def _dotted(node: cst.BaseExpression) -> str:
    if isinstance(node, cst.Name):
        return node.value
    if isinstance(node, cst.Attribute):
        return f"{_dotted(node.value)}.{node.attr.value}"
    return ""


def _is_flytekit(module: str) -> bool:
    return module.split(".")[0] in ("flytekit", "flytekitplugins")


def used_names(node: cst.CSTNode) -> set[str]:
    """Every module-level name `node` reads, outside import statements: a keyword argument's
    name is not a read, and a name a function binds itself (a parameter called `task`, a local
    variable) is that function's own, not the import's."""
    names: set[str] = set()
    _collect(node, names, [])
    return names


def _collect(node: cst.CSTNode, names: set[str], local: list[set[str]]) -> None:
    t = type(node)
    if t is cst.Name:
        value = node.value  # type: ignore[attr-defined]
        if not any(value in frame for frame in local):
            names.add(value)
    elif t is cst.Import or t is cst.ImportFrom:
        return
    elif t is cst.Attribute or t is cst.Arg:
        _collect(node.value, names, local)  # type: ignore[attr-defined]
    elif t is cst.Param:
        for part in (node.annotation, node.default):  # type: ignore[attr-defined]
            if part is not None:
                _collect(part, names, local)
    elif t is cst.FunctionDef:
        fn: cst.FunctionDef = node  # type: ignore[assignment]
        # decorators, annotations and defaults are read where the function is defined
        for dec in fn.decorators:
            _collect(dec, names, local)
        _collect(fn.params, names, local)
        if fn.returns is not None:
            _collect(fn.returns, names, local)
        local.append(_bound_in(fn))
        _collect(fn.body, names, local)
        local.pop()
    elif t is cst.Lambda:
        lam: cst.Lambda = node  # type: ignore[assignment]
        _collect(lam.params, names, local)
        local.append({p.name.value for p in (*lam.params.params, *lam.params.kwonly_params, *lam.params.posonly_params)})
        _collect(lam.body, names, local)
        local.pop()
    else:
        for child in children(node):
            _collect(child, names, local)


def _bound_in(fn: cst.FunctionDef) -> set[str]:
    """Names a function binds for itself: parameters, and plain assignments in its own body
    (unless declared global or nonlocal)."""
    params = fn.params
    names = {p.name.value for p in (*params.params, *params.kwonly_params, *params.posonly_params)}
    for star in (params.star_arg, params.star_kwarg):
        if isinstance(star, cst.Param):
            names.add(star.name.value)
    declared: set[str] = set()

    def walk(node: cst.CSTNode) -> None:
        for child in children(node):
            t = type(child)
            if t is cst.FunctionDef or t is cst.ClassDef:
                names.add(child.name.value)  # type: ignore[attr-defined]
                continue
            if t is cst.AssignTarget and type(child.target) is cst.Name:  # type: ignore[attr-defined]
                names.add(child.target.value)  # type: ignore[attr-defined]
            elif t is cst.Global or t is cst.Nonlocal:
                declared.update(n.name.value for n in child.names)  # type: ignore[attr-defined]
            walk(child)

    walk(fn)
    return names - declared


def _keep(local: str, flytekit: bool, used: set[str], orphaned: AbstractSet[str], rebound: frozenset[str] = frozenset()) -> bool:
    """An imported name stays if migrated code uses it; a non-flytekit one also stays unless
    only the constructs the migration rewrote used it (`timedelta` inside a FixedRate). A
    flytekit name the migration imports again from Flyte 2 (`TypeEngine` from flyte.types) goes:
    the uses are the new import's."""
    if flytekit and local in rebound:
        return False
    return local in used or (not flytekit and local not in orphaned)


def _with_names(small, keep):
    keep = [a.with_changes(comma=cst.Comma(whitespace_after=cst.SimpleWhitespace(" "))) for a in keep[:-1]] + [
        keep[-1].with_changes(comma=cst.MaybeSentinel.DEFAULT)
    ]
    if isinstance(small, cst.ImportFrom) and len(keep) <= 4:
        return small.with_changes(names=keep, lpar=None, rpar=None)
    return small.with_changes(names=keep)


def _prune(
    small: Union[cst.Import, cst.ImportFrom], used: set[str], orphaned: AbstractSet[str], rebound: frozenset[str] = frozenset()
) -> Optional[Union[cst.Import, cst.ImportFrom]]:
    """The import without the names nothing uses any more (None when nothing is left)."""
    if isinstance(small, cst.ImportFrom):
        if isinstance(small.names, cst.ImportStar):
            return small
        fk = not small.relative and small.module is not None and _is_flytekit(_dotted(small.module))
        keep = [a for a in small.names if _keep(a.asname.name.value if a.asname else _dotted(a.name), fk, used, orphaned, rebound)]  # type: ignore[union-attr]
    else:
        keep = [
            a
            for a in small.names
            if _keep(a.asname.name.value if a.asname else _dotted(a.name).split(".")[0], _is_flytekit(_dotted(a.name)), used, orphaned)  # type: ignore[union-attr]
        ]
    if not keep:
        return None
    if len(keep) == len(small.names):  # type: ignore[arg-type]
        return small
    return _with_names(small, keep)


def _prune_line(
    line: cst.SimpleStatementLine, used: set[str], orphaned: AbstractSet[str] = frozenset(), rebound: frozenset[str] = frozenset()
) -> tuple[Optional[cst.SimpleStatementLine], bool]:
    """(pruned line or None, whether the migration changed it)."""
    changed = False
    body: list[cst.BaseSmallStatement] = []
    for small in line.body:
        if isinstance(small, (cst.Import, cst.ImportFrom)):
            pruned = _prune(small, used, orphaned, rebound)
            changed = changed or pruned is not small
            if pruned is not None:
                body.append(pruned)
        else:
            body.append(small)
    if not body:
        return None, changed
    if len(body) != len(line.body):
        body[-1] = body[-1].with_changes(semicolon=cst.MaybeSentinel.DEFAULT)
    return line.with_changes(body=body), changed


class _PruneNested(cst.CSTTransformer):
    def __init__(self, used: set[str], orphaned: set[str]):
        super().__init__()
        self.used = used
        self.orphaned = orphaned
        self.depth = 0

    def visit_IndentedBlock(self, node: cst.IndentedBlock) -> None:
        self.depth += 1

    def leave_IndentedBlock(self, original_node: cst.IndentedBlock, updated_node: cst.IndentedBlock) -> cst.IndentedBlock:
        self.depth -= 1
        body: list[cst.BaseStatement] = []
        for stmt in updated_node.body:
            if isinstance(stmt, cst.SimpleStatementLine) and any(isinstance(s, (cst.Import, cst.ImportFrom)) for s in stmt.body):
                pruned, _ = _prune_line(stmt, self.used, self.orphaned)
                if pruned is not None:
                    body.append(pruned)
            else:
                body.append(stmt)
        if not body:
            body = [cst.SimpleStatementLine(body=[cst.Pass()])]
        return updated_node.with_changes(body=body)


def _import_line(module: str, names: Optional[list[str]] = None, width: int = 88) -> cst.SimpleStatementLine:
    if names:
        aliases = [cst.ImportAlias(name=cst.Name(n)) for n in sorted(names)]
        one_line = [a.with_changes(comma=cst.Comma(whitespace_after=cst.SimpleWhitespace(" "))) for a in aliases[:-1]] + [aliases[-1]]
        line = cst.SimpleStatementLine(body=[cst.ImportFrom(module=dotted(module), names=one_line)])
        if len(code(line).rstrip("\n")) <= width:
            return line
        # black's form: the names in parentheses, one per line, each with a trailing comma
        last = cst.SimpleWhitespace("")
        nl = [cst.ParenthesizedWhitespace(first_line=cst.TrailingWhitespace(), empty_lines=[], indent=True, last_line=cst.SimpleWhitespace("    " if i < len(aliases) - 1 else "")) for i in range(len(aliases))]
        broken = [a.with_changes(comma=cst.Comma(whitespace_before=last, whitespace_after=ws)) for a, ws in zip(aliases, nl, strict=True)]
        return cst.SimpleStatementLine(body=[cst.ImportFrom(
            module=dotted(module),
            names=broken,
            lpar=cst.LeftParen(whitespace_after=cst.ParenthesizedWhitespace(first_line=cst.TrailingWhitespace(), empty_lines=[], indent=True, last_line=cst.SimpleWhitespace("    "))),
            rpar=cst.RightParen(),
        )])
    return cst.SimpleStatementLine(body=[cst.Import(names=[cst.ImportAlias(name=dotted(module))])])


def _existing(body: Sequence[cst.BaseStatement]) -> tuple[set[str], dict[str, set[str]]]:
    plain: set[str] = set()
    froms: dict[str, set[str]] = {}
    for stmt in body:
        if not isinstance(stmt, cst.SimpleStatementLine):
            continue
        for small in stmt.body:
            if isinstance(small, cst.Import):
                for a in small.names:
                    if a.asname is None:
                        plain.add(_dotted(a.name))
            elif isinstance(small, cst.ImportFrom) and small.module is not None and not small.relative and not isinstance(small.names, cst.ImportStar):
                froms.setdefault(_dotted(small.module), set()).update(_dotted(a.name) for a in small.names if a.asname is None)
    return plain, froms


def _import_module_of(stmt: cst.BaseStatement) -> Optional[str]:
    if isinstance(stmt, cst.SimpleStatementLine) and len(stmt.body) >= 1:
        small = stmt.body[0]
        if isinstance(small, cst.Import):
            return _dotted(small.names[0].name)
        if isinstance(small, cst.ImportFrom) and small.module is not None and not small.relative:
            return _dotted(small.module)
    return None


class ImportsRule(Rule):
    __doc__ = __doc__
    code = CODE
    name = "imports"
    summary = "flytekit imports are removed once unused; the flyte and standard-library imports the new code needs are added"

    def finish(self, fx: FileContext, module: cst.Module) -> cst.Module:
        used = used_names(module)
        body = list(module.body)
        plain, froms = _existing(body)
        orphaned = fx.model.read_imports - used  # imports only the rewritten constructs used
        rebound = frozenset(n for (m, n) in fx.imports if n and n in used)

        new_third: list[cst.SimpleStatementLine] = []
        if "flyte" in used and not any(p == "flyte" or p.startswith("flyte.") for p in plain):
            new_third.append(_import_line("flyte"))
        for sub in ("flyte.durable", "flyte.errors", "flyte.report"):
            if (sub, None) in fx.imports and sub not in plain:
                if new_third and _import_module_of(new_third[0]) == "flyte":
                    new_third = new_third[1:]  # `import flyte.x` binds `flyte` too
                new_third.append(_import_line(sub))
        for from_module in ("flyte.io", "flyte.io.extend", "flyte.types", "flyteidl2.core"):
            names = sorted(n for (m, n) in fx.imports if m == from_module and n and n in used and n not in froms.get(from_module, set()))
            if names:
                new_third.append(_import_line(from_module, names, fx.line_length))
        new_std = sorted(m for (m, n) in fx.imports if n is None and m in _STDLIB and m not in plain and m.split(".")[0] in used)

        out: list[cst.BaseStatement] = []
        placed = False
        first_import_pos: Optional[int] = None
        carry: list[cst.EmptyLine] = []  # comments above a removed import move to the next statement

        def emit(stmt: cst.BaseStatement) -> None:
            nonlocal carry
            if carry:
                stmt = stmt.with_changes(leading_lines=[*carry, *leading_lines(stmt)])
                carry = []
            out.append(stmt)

        for stmt in body:
            is_import_line = isinstance(stmt, cst.SimpleStatementLine) and any(isinstance(s, (cst.Import, cst.ImportFrom)) for s in stmt.body)
            if not is_import_line:
                emit(stmt)
                continue
            if first_import_pos is None and _import_module_of(stmt) != "__future__":
                first_import_pos = len(out)
            pruned, _ = _prune_line(stmt, used, orphaned, rebound)  # type: ignore[arg-type]
            # the flyte imports take the place of the first flytekit import (which sorts after them)
            if not placed and new_third and _is_flytekit(_import_module_of(stmt) or ""):
                placed = True
                new_third[0] = new_third[0].with_changes(leading_lines=[*carry, *stmt.leading_lines])
                carry = []
                for line in new_third:
                    emit(line)
                if pruned is not None:
                    emit(pruned.with_changes(leading_lines=[]))
                fx.change(CODE)
                continue
            if pruned is not None:
                emit(pruned)
            else:
                fx.change(CODE)
                carry = [*carry, *(ln for ln in stmt.leading_lines if ln.comment is not None)]  # type: ignore[union-attr]
        if carry:
            out.append(cst.SimpleStatementLine(body=[cst.Pass()], leading_lines=carry))
        if new_third and not placed:
            pos = first_import_pos if first_import_pos is not None else _after_docstring(out)
            if pos < len(out) and pos == first_import_pos:
                new_third[0] = new_third[0].with_changes(leading_lines=leading_lines(out[pos]))
                out[pos] = out[pos].with_changes(leading_lines=[])
            out[pos:pos] = new_third
        if new_std:
            _place_stdlib(out, new_std)
            fx.change(CODE)
        module = module.with_changes(body=out)
        if any(info.index < 0 and _prune_line(info.node, used, orphaned)[1] for info in fx.model.imports):
            # an import inside a function or block lost names: one more pass, only then
            module = module.visit(_PruneNested(used, orphaned))  # type: ignore[assignment]
        return module


def _is_plain(stmt: cst.BaseStatement) -> bool:
    return isinstance(stmt, cst.SimpleStatementLine) and isinstance(stmt.body[0], cst.Import)


def _place_stdlib(out: list[cst.BaseStatement], modules: list[str]) -> None:
    """Insert `import m` lines into the leading import block's standard-library group."""
    start = _after_docstring(out)
    for mod in modules:
        end = start
        while end < len(out) and _import_module_of(out[end]) is not None:
            end += 1
        std = [i for i in range(start, end) if (_import_module_of(out[i]) or "").split(".")[0] in _STDLIB]
        plain = [i for i in std if _is_plain(out[i])]
        line = _import_line(mod)
        if plain:
            pos = next((i for i in plain if (_import_module_of(out[i]) or "") > mod), plain[-1] + 1)
        elif std:
            pos = std[0]
        else:
            pos = start
        if pos < len(out) and (pos == start or (std and pos == std[0])):
            # the new line opens the group: it takes over the comments/blank lines above it
            line = line.with_changes(leading_lines=leading_lines(out[pos]))
            gap = [] if std else [cst.EmptyLine(indent=False)]
            out[pos] = out[pos].with_changes(leading_lines=gap)  # type: ignore[union-attr]
        out.insert(pos, line)


def _after_docstring(body: list[cst.BaseStatement]) -> int:
    i = 0
    if body and isinstance(body[0], cst.SimpleStatementLine) and isinstance(body[0].body[0], cst.Expr) and isinstance(body[0].body[0].value, (cst.SimpleString, cst.ConcatenatedString)):
        i = 1
    while i < len(body) and _import_module_of(body[i]) == "__future__":
        i += 1
    return i
