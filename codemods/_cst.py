"""Small helpers to read and build LibCST nodes.

Everything here is pure: it builds new nodes and never mutates the tree. Generated code follows
the layout a person would type (one space after commas, `a=b` keywords), because the output is
meant to be read and committed, not only run.
"""

from __future__ import annotations

import functools
from collections.abc import Iterable, Sequence
from typing import Optional, Union

import libcst as cst

from ._walk import visit

_EMPTY = cst.Module(body=[])
TODO_PREFIX = "# TODO(flyte-migrate): "


def code(node: cst.CSTNode) -> str:
    """Source text of a node, as it would be printed."""
    return _EMPTY.code_for_node(node)


@functools.lru_cache(maxsize=512)
def _parse_expr(text: str) -> cst.BaseExpression:
    return cst.parse_expression(text)


def expr(text: str) -> cst.BaseExpression:
    """Parse a small expression template (cached: nodes are immutable, so sharing is safe)."""
    return _parse_expr(text)


def stmt(text: str) -> cst.BaseStatement:
    return cst.parse_statement(text)


def dotted(text: str) -> Union[cst.Name, cst.Attribute]:
    """`"flyte.io.File"` as a Name/Attribute chain."""
    parts = text.split(".")
    node: Union[cst.Name, cst.Attribute] = cst.Name(parts[0])
    for p in parts[1:]:
        node = cst.Attribute(value=node, attr=cst.Name(p))
    return node


def dotted_name(node: cst.CSTNode) -> Optional[str]:
    if isinstance(node, cst.Name):
        return node.value
    if isinstance(node, cst.Attribute):
        base = dotted_name(node.value)
        return f"{base}.{node.attr.value}" if base else None
    return None


def kwarg(name: str, value: cst.BaseExpression) -> cst.Arg:
    return cst.Arg(
        value=value,
        keyword=cst.Name(name),
        equal=cst.AssignEqual(whitespace_before=cst.SimpleWhitespace(""), whitespace_after=cst.SimpleWhitespace("")),
    )


def call(func: Union[str, cst.BaseExpression], args: Sequence[cst.Arg] = ()) -> cst.Call:
    f = dotted(func) if isinstance(func, str) else func
    return cst.Call(func=f, args=normalize_commas(args))


def normalize_commas(args: Sequence[cst.Arg]) -> list[cst.Arg]:
    """Separate arguments with `, ` and drop a trailing comma (for calls we build on one line)."""
    out = []
    for i, a in enumerate(args):
        if i < len(args) - 1:
            out.append(a.with_changes(comma=cst.Comma(whitespace_after=cst.SimpleWhitespace(" "))))
        else:
            out.append(a.with_changes(comma=cst.MaybeSentinel.DEFAULT))
    return out


def multiline_args(args: Sequence[cst.Arg], indent: str = "    ", level: int = 1) -> list[cst.Arg]:
    """Arguments one per line, each followed by a comma, closing paren on its own line.

    `level` is how many parentheses deep the call sits below its statement's indentation.
    """
    out = []
    for i, a in enumerate(args):
        last = i == len(args) - 1
        ws = cst.ParenthesizedWhitespace(
            first_line=cst.TrailingWhitespace(),
            empty_lines=[],
            indent=True,
            last_line=cst.SimpleWhitespace(indent * (level - 1) if last else indent * level),
        )
        out.append(a.with_changes(comma=cst.Comma(whitespace_before=cst.SimpleWhitespace(""), whitespace_after=ws)))
    return out


def wrap_call(node: cst.Call, budget: int = 100, level: int = 1, prefix: int = 0) -> cst.Call:
    """Break a call's arguments over lines (recursively) while it is longer than `budget`.

    `prefix` is the width of what precedes the call on its first line.
    """
    if prefix + len(code(node)) + 4 * (level - 1) <= budget or not node.args:
        return node
    args = []
    for a in node.args:
        v = a.value
        if isinstance(v, cst.Call):
            kw = len(a.keyword.value) + 1 if a.keyword is not None else 0
            v = wrap_call(v, budget, level + 1, kw)
        args.append(a.with_changes(value=v))
    return node.with_changes(args=multiline_args(args, level=level), whitespace_before_args=open_paren_newline("    " * level))


def open_paren_newline(indent: str = "    ") -> cst.ParenthesizedWhitespace:
    return cst.ParenthesizedWhitespace(
        first_line=cst.TrailingWhitespace(), empty_lines=[], indent=True, last_line=cst.SimpleWhitespace(indent)
    )


def list_of(values: Sequence[cst.BaseExpression]) -> cst.List:
    els = []
    for i, v in enumerate(values):
        comma = cst.Comma(whitespace_after=cst.SimpleWhitespace(" ")) if i < len(values) - 1 else cst.MaybeSentinel.DEFAULT
        els.append(cst.Element(value=v, comma=comma))
    return cst.List(elements=els)


def tuple_of(values: Sequence[cst.BaseExpression], parens: bool = True) -> cst.Tuple:
    els = []
    for i, v in enumerate(values):
        comma: Union[cst.Comma, cst.MaybeSentinel]
        if i < len(values) - 1:
            comma = cst.Comma(whitespace_after=cst.SimpleWhitespace(" "))
        elif len(values) == 1:
            comma = cst.Comma()
        else:
            comma = cst.MaybeSentinel.DEFAULT
        els.append(cst.Element(value=v, comma=comma))
    if parens:
        return cst.Tuple(elements=els)
    return cst.Tuple(elements=els, lpar=[], rpar=[])


def string(value: str) -> cst.SimpleString:
    return cst.SimpleString(repr_double(value))


def repr_double(value: str) -> str:
    """A double-quoted Python string literal (the style most formatters settle on)."""
    r = repr(value)
    if r.startswith("'") and '"' not in value:
        r = '"' + r[1:-1].replace("\\'", "'") + '"'
    return r


def todo_line(message: str) -> cst.EmptyLine:
    return cst.EmptyLine(indent=True, comment=cst.Comment(TODO_PREFIX + message), whitespace=cst.SimpleWhitespace(""))


def add_todos(node: cst.CSTNode, messages: Iterable[str]) -> cst.CSTNode:
    """Put `# TODO(flyte-migrate): ...` lines above a statement, never the same one twice."""
    if not hasattr(node, "leading_lines"):
        return node
    existing = {ln.comment.value for ln in node.leading_lines if ln.comment is not None}  # type: ignore[attr-defined]
    new = []
    for m in messages:
        text = TODO_PREFIX + m
        if text not in existing:
            existing.add(text)
            new.append(todo_line(m))
    if not new:
        return node
    return node.with_changes(leading_lines=[*node.leading_lines, *new])  # type: ignore[attr-defined]


class _Reads(cst.CSTVisitor):
    """Names an expression reads (not attribute names, not keyword names, not lambda params)."""

    def __init__(self) -> None:
        super().__init__()
        self.names: set[str] = set()

    def visit_Name(self, node: cst.Name) -> None:
        self.names.add(node.value)

    def visit_Attribute(self, node: cst.Attribute) -> bool:
        visit(node.value, self)
        return False

    def visit_Arg(self, node: cst.Arg) -> bool:
        visit(node.value, self)
        return False

    def visit_Lambda(self, node: cst.Lambda) -> bool:
        return False


def reads(node: cst.CSTNode) -> set[str]:
    v = _Reads()
    visit(node, v)
    return v.names


def target_names(node: cst.BaseExpression) -> list[str]:
    if isinstance(node, cst.Name):
        return [node.value]
    if isinstance(node, (cst.Tuple, cst.List)):
        out: list[str] = []
        for el in node.elements:
            out.extend(target_names(el.value))
        return out
    if isinstance(node, cst.StarredElement):
        return target_names(node.value)
    return []


def contains(node: cst.CSTNode, kinds: tuple) -> bool:
    found = False

    class _V(cst.CSTVisitor):
        def on_visit(self, n: cst.CSTNode) -> bool:
            nonlocal found
            if found:
                return False
            if isinstance(n, kinds):
                found = True
                return False
            # awaits inside nested functions belong to those functions
            return not isinstance(n, (cst.FunctionDef, cst.Lambda))

    visit(node, _V())
    return found


def fresh_name(base: str, taken: set[str]) -> str:
    """`base`, or `base_2`, `base_3`, ... whichever is not in `taken`; the result is added to it."""
    name = base
    n = 2
    while name in taken:
        name = f"{base}_{n}"
        n += 1
    taken.add(name)
    return name


def leading_lines(stmt: cst.BaseStatement) -> Sequence[cst.EmptyLine]:
    """The blank and comment lines above a statement. Every statement has them; libcst declares
    them on its two kinds of statement (simple lines and compound statements), not on their base."""
    assert isinstance(stmt, (cst.SimpleStatementLine, cst.BaseCompoundStatement))
    return stmt.leading_lines


def assign(targets: Union[cst.BaseAssignTargetExpression, Sequence[cst.BaseAssignTargetExpression]], value: cst.BaseExpression) -> cst.Assign:
    many = [targets] if isinstance(targets, cst.BaseAssignTargetExpression) else list(targets)
    return cst.Assign(targets=[cst.AssignTarget(target=t) for t in many], value=value)


def drop_unused_assignments(module: cst.Module, names: set[tuple]) -> cst.Module:
    """Remove `name = ...` statements for `(scope, name)` pairs that nothing reads.

    `scope` is the name of the enclosing function ("" for module level). Rules call this for
    bindings whose every use they inlined (a module-level `map_task(...)`, an `Echo` task, a
    `functools.partial` replaced by direct calls), so no dead code stays behind.
    """
    if not names:
        return module
    read: set[tuple] = set()
    stack: list[str] = [""]

    class _Collect(cst.CSTVisitor):
        def visit_FunctionDef(self, node: cst.FunctionDef) -> None:
            stack.append(node.name.value)

        def leave_FunctionDef(self, original_node: cst.FunctionDef) -> None:
            stack.pop()

        def visit_AssignTarget(self, node: cst.AssignTarget) -> bool:
            return not (isinstance(node.target, cst.Name) and (stack[-1], node.target.value) in names)

        def visit_Name(self, node: cst.Name) -> None:
            key = (stack[-1], node.value)
            read.add(key if key in names else ("", node.value))

        def visit_Attribute(self, node: cst.Attribute) -> bool:
            visit(node.value, self)
            return False

    visit(module, _Collect())
    dead = set(names) - read
    if not dead:
        return module

    def is_dead(stmt: cst.BaseStatement) -> bool:
        if isinstance(stmt, cst.SimpleStatementLine) and len(stmt.body) == 1 and isinstance(stmt.body[0], cst.Assign):
            targets = stmt.body[0].targets
            return len(targets) == 1 and isinstance(targets[0].target, cst.Name) and (stack[-1], targets[0].target.value) in dead
        return False

    def prune(body: Sequence[cst.BaseStatement]) -> list[cst.BaseStatement]:
        out: list[cst.BaseStatement] = []
        carry: list[cst.EmptyLine] = []  # comments above a removed statement stay, on the next one
        for stmt in body:
            if is_dead(stmt):
                if any(line.comment is not None for line in leading_lines(stmt)):
                    carry.extend(leading_lines(stmt))
                continue
            if carry:
                stmt = stmt.with_changes(leading_lines=[*carry, *leading_lines(stmt)])
                carry = []
            out.append(stmt)
        if carry and out:
            return out  # trailing comments of a removed last statement have nowhere better to go
        return out or [cst.SimpleStatementLine(body=[cst.Pass()], leading_lines=carry)]

    class _Drop(cst.CSTTransformer):
        def visit_FunctionDef(self, node: cst.FunctionDef) -> None:
            stack.append(node.name.value)

        def leave_FunctionDef(self, original_node: cst.FunctionDef, updated_node: cst.FunctionDef) -> cst.FunctionDef:
            stack.pop()
            return updated_node

        def leave_IndentedBlock(self, original_node: cst.IndentedBlock, updated_node: cst.IndentedBlock) -> cst.IndentedBlock:
            return updated_node.with_changes(body=prune(updated_node.body))

        def leave_Module(self, original_node: cst.Module, updated_node: cst.Module) -> cst.Module:
            return updated_node.with_changes(body=prune(updated_node.body))

    return module.visit(_Drop())
