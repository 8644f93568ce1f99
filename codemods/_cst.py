"""Small helpers to read and build LibCST nodes.

Everything here is pure: it builds new nodes and never mutates the tree. Generated code follows
the layout a person would type (one space after commas, `a=b` keywords), because the output is
meant to be read and committed, not only run.
"""

from __future__ import annotations

import functools
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
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


@dataclass(frozen=True)
class Note:
    """The comments around one argument of a call: own-line comments above it, and comments
    after it on its line. A rule that rebuilds a call hands them to the argument that replaces
    the old one, so a comment stays next to what it annotates."""

    leading: tuple[str, ...] = ()
    trailing: tuple[str, ...] = ()

    def __bool__(self) -> bool:
        return bool(self.leading or self.trailing)

    def __add__(self, other: Note) -> Note:
        return Note(self.leading + other.leading, self.trailing + other.trailing)


def _ws_comments(ws: object) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """(comment ending the line, own-line comments below it) of a whitespace node."""
    if not isinstance(ws, cst.ParenthesizedWhitespace):
        return (), ()
    first = (ws.first_line.comment.value,) if ws.first_line.comment is not None else ()
    below = tuple(line.comment.value for line in ws.empty_lines if line.comment is not None)
    return first, below


def arg_notes(node: cst.Call) -> tuple[list[Note], tuple[str, ...]]:
    """The comments between a call's arguments, per argument, and those after the last one."""
    first, below = _ws_comments(node.whitespace_before_args)
    pending = first + below
    notes: list[Note] = []
    for a in node.args:
        trailing: tuple[str, ...] = ()
        after: tuple[str, ...] = ()
        spots = [a.whitespace_after_arg]
        if isinstance(a.comma, cst.Comma):
            spots += [a.comma.whitespace_before, a.comma.whitespace_after]
        for ws in spots:
            line, rest = _ws_comments(ws)
            trailing += line
            after += rest
        notes.append(Note(pending, trailing))
        pending = after
    return notes, pending


def _comment_lines(texts: Sequence[str], indent: str) -> list[cst.EmptyLine]:
    return [cst.EmptyLine(indent=True, whitespace=cst.SimpleWhitespace(indent), comment=cst.Comment(t)) for t in texts]


def multiline_args(
    args: Sequence[cst.Arg],
    indent: str = "    ",
    level: int = 1,
    notes: Optional[Sequence[Note]] = None,
    footer: Sequence[str] = (),
) -> list[cst.Arg]:
    """Arguments one per line, each followed by a comma, closing paren on its own line.

    `level` is how many parentheses deep the call sits below its statement's indentation.
    `notes` are the arguments' comments (see `Note`); the first argument's leading comments go
    in the call's opening whitespace (`open_paren_newline`), so they are not placed here.
    """
    out = []
    for i, a in enumerate(args):
        last = i == len(args) - 1
        note = notes[i] if notes is not None and i < len(notes) else Note()
        after = note.trailing[1:]
        if not last and notes is not None and i + 1 < len(notes):
            after += notes[i + 1].leading
        elif last:
            after += tuple(footer)
        ws = cst.ParenthesizedWhitespace(
            first_line=cst.TrailingWhitespace(
                whitespace=cst.SimpleWhitespace("  " if note.trailing else ""),
                comment=cst.Comment(note.trailing[0]) if note.trailing else None,
            ),
            empty_lines=_comment_lines(after, indent * level),
            indent=True,
            last_line=cst.SimpleWhitespace(indent * (level - 1) if last else indent * level),
        )
        comma = cst.Comma(whitespace_before=cst.SimpleWhitespace(""), whitespace_after=ws)
        out.append(a.with_changes(comma=comma, whitespace_after_arg=cst.SimpleWhitespace("")))
    return out


def with_notes(node: cst.Call, notes: Sequence[Note], footer: Sequence[str] = (), budget: int = 88, level: int = 1, prefix: int = 0) -> cst.Call:
    """`node` with `notes[i]` placed around argument i: one argument per line when there is any
    note, otherwise fitted to `budget` by `wrap_call` (`prefix`: the width before the call)."""
    if not (footer or any(notes)) or not node.args:
        return wrap_call(node, budget, level, prefix)
    return _break(node, list(notes), tuple(footer), budget, level)


def wrap_call(node: cst.Call, budget: int = 100, level: int = 1, prefix: int = 0) -> cst.Call:
    """Break a call's arguments over lines (recursively) while it is longer than `budget`.

    `prefix` is the width of what precedes the call on its first line. Comments between the
    arguments stay with their arguments (a call holding any is always broken).
    """
    if not node.args:
        return node
    notes, footer = arg_notes(node)
    text = code(node)
    # an argument spread over lines (it holds a comment, or was broken itself) puts every
    # argument on its own line, as black does
    if not (footer or any(notes)) and "\n" not in text and prefix + len(text) + 4 * (level - 1) <= budget:
        return node
    return _break(node, notes, footer, budget, level)


def _break(node: cst.Call, notes: list[Note], footer: tuple[str, ...], budget: int, level: int) -> cst.Call:
    args = []
    for a in node.args:
        v = a.value
        if isinstance(v, cst.Call):
            kw = len(a.keyword.value) + 1 if a.keyword is not None else 0
            v = wrap_call(v, budget, level + 1, kw)
        args.append(a.with_changes(value=v))
    return node.with_changes(
        args=multiline_args(args, level=level, notes=notes, footer=footer),
        whitespace_before_args=open_paren_newline("    " * level, notes[0].leading if notes else ()),
    )


def open_paren_newline(indent: str = "    ", comments: Sequence[str] = ()) -> cst.ParenthesizedWhitespace:
    return cst.ParenthesizedWhitespace(
        first_line=cst.TrailingWhitespace(),
        empty_lines=_comment_lines(comments, indent),
        indent=True,
        last_line=cst.SimpleWhitespace(indent),
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


def comments_in(node: Union[cst.CSTNode, cst.FlattenSentinel, cst.RemovalSentinel]) -> set[str]:
    """The text of every comment in a node (or in the nodes a transformer returned)."""
    found: set[str] = set()

    class _V(cst.CSTVisitor):
        def visit_Comment(self, n: cst.Comment) -> None:
            found.add(n.value)

    if isinstance(node, cst.FlattenSentinel):
        for n in node.nodes:
            n.visit(_V())
    elif isinstance(node, cst.CSTNode):
        node.visit(_V())
    return found


def keep_comments(comments: Sequence[cst.Comment], result: Union[cst.CSTNode, cst.FlattenSentinel, cst.RemovalSentinel]):
    """`result` with the `comments` a rewrite dropped put back, on their own lines above it.

    A rule that rebuilds a call or a decorator keeps the comments it can place next to what they
    annotate; whatever else a statement's rewrite lost lands here, in its original order, so no
    comment of the user's is ever dropped silently. A removed statement has nowhere to keep them.
    """
    if isinstance(result, cst.RemovalSentinel):
        return result
    kept = comments_in(result)
    lost: list[str] = []
    for c in comments:
        if c.value not in kept and c.value not in lost:
            lost.append(c.value)
    if not lost:
        return result
    nodes = list(result.nodes) if isinstance(result, cst.FlattenSentinel) else [result]
    first = nodes[0]
    if not isinstance(first, (cst.SimpleStatementLine, cst.BaseCompoundStatement)):
        return result
    lines = [cst.EmptyLine(indent=True, comment=cst.Comment(text), whitespace=cst.SimpleWhitespace("")) for text in lost]
    nodes[0] = first.with_changes(leading_lines=[*first.leading_lines, *lines])
    return nodes[0] if len(nodes) == 1 else cst.FlattenSentinel(nodes)


def fit_statement(stmt: cst.SimpleStatementLine, width: int, indent: int, keep: Sequence[str] = ()) -> cst.SimpleStatementLine:
    """`stmt` with its calls and list displays broken, outermost first, until its lines fit in
    `width` columns.

    `indent` is the width of the statement's block indentation; lines in `keep` (the statement's
    lines before the rewrite) are the user's and are never a reason to break. A call is broken
    black's way: one argument per line, each with a trailing comma, the closing parenthesis on a
    line of its own; a call with an argument spread over lines is broken too. A comprehension's
    element and a call whose one argument is a bare generator are not broken (a trailing comma
    there would not be Python).
    """
    kept = {line.strip() for line in keep}
    for _ in range(8):  # each round breaks one more bracket; statements rarely need more than two
        lines = [ln for ln in code(stmt).splitlines() if ln.strip() not in kept]
        if not lines:
            return stmt
        # a comment ending a line is no reason to break it: breaking would not move the comment
        ends = tuple(comments_in(stmt))
        long = [ln for ln in lines if indent + len(_without_comment(ln, ends)) > width]
        target = _bracket_to_break(stmt, lines, long)
        if target is None:
            return stmt
        node, level = target
        if isinstance(node, cst.Call) and len(node.args) == 1 and isinstance(node.args[0].value, cst.GeneratorExp) and not node.args[0].value.lpar:
            new: cst.CSTNode = _break_generator_call(node, level)  # f(x for x in y): no comma may follow
        elif isinstance(node, cst.GeneratorExp):
            new = _break_generator(node, level)
        elif isinstance(node, cst.Call):
            notes, footer = arg_notes(node)
            new = _break(node, notes, footer, width - indent, level)
        else:
            assert isinstance(node, (cst.List, cst.Tuple))
            new = _break_elements(node, level)
        stmt = stmt.deep_replace(node, new)  # type: ignore[arg-type,assignment]
    return stmt


def _without_comment(line: str, comments: tuple[str, ...]) -> str:
    for c in comments:
        if line.endswith(c):
            return line[: -len(c)].rstrip()
    return line.rstrip()


def _spread(node: cst.Call) -> bool:
    """Whether an argument of the call is a call spread over lines."""
    return any(isinstance(a.value, cst.Call) and "\n" in code(a.value) for a in node.args)


def _newline(indent: str) -> cst.ParenthesizedWhitespace:
    return cst.ParenthesizedWhitespace(first_line=cst.TrailingWhitespace(), empty_lines=[], indent=True, last_line=cst.SimpleWhitespace(indent))


def _break_generator(node: cst.GeneratorExp, level: int, indent: str = "    ") -> cst.GeneratorExp:
    """`(elt for x in xs)` as black breaks it: the element and the `for` on lines of their own."""
    return node.with_changes(
        lpar=[node.lpar[0].with_changes(whitespace_after=_newline(indent * level)), *node.lpar[1:]],
        for_in=node.for_in.with_changes(whitespace_before=_newline(indent * level)),
        rpar=[*node.rpar[:-1], node.rpar[-1].with_changes(whitespace_before=_newline(indent * (level - 1)))],
    )


def _break_generator_call(node: cst.Call, level: int, indent: str = "    ") -> cst.Call:
    """`f(elt for x in xs)` broken the same way (the call's parentheses are the generator's)."""
    arg = node.args[0]
    gen = arg.value
    assert isinstance(gen, cst.GeneratorExp)
    gen = gen.with_changes(for_in=gen.for_in.with_changes(whitespace_before=_newline(indent * level)))
    return node.with_changes(
        whitespace_before_args=_newline(indent * level),
        args=[arg.with_changes(value=gen, comma=cst.MaybeSentinel.DEFAULT, whitespace_after_arg=_newline(indent * (level - 1)))],
    )


def _break_elements(node: Union[cst.List, cst.Tuple], level: int, indent: str = "    ") -> Union[cst.List, cst.Tuple]:
    """A list or tuple display with one element per line, each followed by a comma."""
    els = []
    for i, el in enumerate(node.elements):
        last = i == len(node.elements) - 1
        ws = cst.ParenthesizedWhitespace(
            first_line=cst.TrailingWhitespace(),
            empty_lines=[],
            indent=True,
            last_line=cst.SimpleWhitespace(indent * (level - 1) if last else indent * level),
        )
        els.append(el.with_changes(comma=cst.Comma(whitespace_before=cst.SimpleWhitespace(""), whitespace_after=ws)))
    opening = open_paren_newline(indent * level)
    if isinstance(node, cst.List):
        return node.with_changes(elements=els, lbracket=cst.LeftSquareBracket(whitespace_after=opening))
    return node.with_changes(elements=els, lpar=[cst.LeftParen(whitespace_after=opening)])


def _bracket_to_break(stmt: cst.CSTNode, changed: list[str], long: list[str]) -> Optional[tuple[cst.CSTNode, int]]:
    """The call or list display to break next, with its indentation level: the outermost one
    not yet broken that starts on one of the `long` lines, or a call on a `changed` line with
    an argument spread over lines. In a chain `a.f(...).g(...)` the earlier call comes first,
    as black splits it, so the short tail `).g(...)` stays on the closing line."""

    def level_of(head: str, lines: list[str]) -> Optional[int]:
        for ln in lines:
            if head in ln:
                return (len(ln) - len(ln.lstrip())) // 4 + 1
        return None

    def walk(node: cst.CSTNode) -> Optional[tuple[cst.CSTNode, int]]:
        if isinstance(node, (cst.FunctionDef, cst.Lambda, cst.FormattedString)):
            return None  # (a line break inside an f-string's braces is not Python before 3.12)
        if isinstance(node, cst.GeneratorExp):
            if node.lpar and not isinstance(node.lpar[0].whitespace_after, cst.ParenthesizedWhitespace):
                level = level_of(code(node).split("\n", 1)[0], long)
                if level is not None:
                    return node, level  # `(elt for ...)` becomes `(`, elt, `for ...`, `)` on lines of their own
            return None  # the element and the `for` clause are not broken inside
        if isinstance(node, (cst.ListComp, cst.SetComp, cst.DictComp)):
            return walk(node.for_in)  # the element stays on its line
        if isinstance(node, cst.Call):
            found = walk(node.func)
            if found is not None:
                return found
            broken = isinstance(node.whitespace_before_args, cst.ParenthesizedWhitespace)
            if not broken and node.args:
                head = code(node).split("\n", 1)[0]
                level = level_of(head, long)
                if level is None and _spread(node):
                    level = level_of(head, changed)
                if level is not None:
                    return node, level
        elif isinstance(node, (cst.List, cst.Tuple)) and node.elements and not isinstance(node.elements[-1], cst.StarredElement):
            opening = node.lbracket.whitespace_after if isinstance(node, cst.List) else (node.lpar[0].whitespace_after if node.lpar else None)
            if opening is not None and not isinstance(opening, cst.ParenthesizedWhitespace):
                level = level_of(code(node).split("\n", 1)[0], long)
                if level is not None:
                    return node, level
        for child in node.children:
            found = walk(child)
            if found is not None:
                return found
        return None

    return walk(stmt)


def _header(fn: cst.FunctionDef) -> str:
    """The `def name(params) -> returns:` part of a function, as printed."""
    bare = fn.with_changes(decorators=[], leading_lines=[], lines_after_decorators=[], body=cst.SimpleStatementSuite(body=[cst.Pass()]))
    return code(bare).rsplit(" pass", 1)[0]


def fit_signature(fn: cst.FunctionDef, original: Optional[cst.FunctionDef], width: int, indent: int) -> cst.FunctionDef:
    """A function whose `def` line the migration changed (`async`, new annotations) or wrote
    (`original` None) and made longer than `width`, with its parameters one per line, black's way."""
    header = _header(fn)
    if "\n" in header or indent + len(header) <= width or (original is not None and header == _header(original)):
        return fn
    params = fn.params
    slots: list[tuple[str, object]] = []  # (field, index or None) in printing order
    slots += [("posonly_params", i) for i in range(len(params.posonly_params))]
    if isinstance(params.posonly_ind, cst.ParamSlash):
        slots.append(("posonly_ind", None))
    slots += [("params", i) for i in range(len(params.params))]
    if isinstance(params.star_arg, (cst.Param, cst.ParamStar)):
        slots.append(("star_arg", None))
    slots += [("kwonly_params", i) for i in range(len(params.kwonly_params))]
    if params.star_kwarg is not None:
        slots.append(("star_kwarg", None))
    if not slots:
        return fn
    changes: dict[str, object] = {}
    for n, (name, i) in enumerate(slots):
        last = n == len(slots) - 1
        ws = cst.ParenthesizedWhitespace(
            first_line=cst.TrailingWhitespace(), empty_lines=[], indent=True, last_line=cst.SimpleWhitespace("" if last else "    ")
        )
        comma = cst.Comma(whitespace_before=cst.SimpleWhitespace(""), whitespace_after=ws)
        if i is None:
            node = changes.get(name, getattr(params, name))
            changes[name] = node.with_changes(comma=comma)  # type: ignore[attr-defined]
        else:
            seq = list(changes.get(name, getattr(params, name)))  # type: ignore[call-overload]
            seq[i] = seq[i].with_changes(comma=comma)  # type: ignore[index]
            changes[name] = seq
    return fn.with_changes(params=params.with_changes(**changes), whitespace_before_params=open_paren_newline())


def fit_body(fn: cst.FunctionDef, width: int, indent: int, keep: Sequence[str], step: int = 4) -> cst.FunctionDef:
    """`fit_statement` over the statements of a function body that a rule regrouped or wrote as
    a whole (a driver's `asyncio.gather` of calls that were separate statements, a launch plan's
    task); lines in `keep` (the function's lines before the rewrite) are the user's."""

    def block(suite: cst.BaseSuite, depth: int) -> cst.BaseSuite:
        if not isinstance(suite, cst.IndentedBlock):
            return suite
        return suite.with_changes(body=[statement(s, depth) for s in suite.body])

    def statement(s: cst.BaseStatement, depth: int) -> cst.BaseStatement:
        if isinstance(s, cst.SimpleStatementLine):
            return fit_statement(s, width, indent + depth * step, keep)
        if isinstance(s, (cst.FunctionDef, cst.ClassDef)):
            return s  # fitted when the engine left it
        changes: dict[str, object] = {}
        if hasattr(s, "body"):
            changes["body"] = block(s.body, depth + 1)  # type: ignore[attr-defined]
        orelse = getattr(s, "orelse", None)
        if isinstance(orelse, cst.If):
            changes["orelse"] = statement(orelse, depth)
        elif isinstance(orelse, cst.Else):
            changes["orelse"] = orelse.with_changes(body=block(orelse.body, depth + 1))
        if isinstance(s, cst.Try):
            changes["handlers"] = [h.with_changes(body=block(h.body, depth + 1)) for h in s.handlers]
            if s.finalbody is not None:
                changes["finalbody"] = s.finalbody.with_changes(body=block(s.finalbody.body, depth + 1))
        return s.with_changes(**changes)

    return fn.with_changes(body=block(fn.body, 1))
