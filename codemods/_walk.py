"""Read-only walks over LibCST trees that do not rebuild them.

`node.visit(visitor)` rebuilds every node it passes, even for a visitor that changes nothing
(LibCST's traversal always goes through `_visit_and_replace_children`, which constructs and
validates a new node per node visited): a walk that only reads costs about four times what it
needs. `children()` gives a node's children straight from its fields, in source order, leaving
out the whitespace, comments and punctuation no analysis reads; `visit()` runs a CSTVisitor's
`visit_X`/`leave_X` methods over that walk.

tests/codemods/test_walk.py checks, node by node over every fixture and a module using every
statement form, that the children are `node.children` in the same order minus tokens that hold
no name.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator

import libcst as cst

# fields holding only whitespace, comments or punctuation
_TOKENS = frozenset(
    {
        "leading_lines", "lines_after_decorators", "lpar", "rpar", "lbracket", "rbracket", "lbrace",
        "rbrace", "comma", "semicolon", "trailing_whitespace", "header", "footer", "newline", "dot",
        "colon", "equal", "asynchronous", "first_colon", "second_colon", "leading_whitespace",
        "import_star", "posonly_ind",
    }
)  # fmt: skip

# node types whose dataclass fields are not declared in source order
_ORDER: dict[type, tuple[str, ...]] = {
    cst.FunctionDef: ("decorators", "name", "params", "returns", "body"),
    cst.ClassDef: ("decorators", "name", "bases", "keywords", "body"),
    cst.ExceptHandler: ("type", "name", "body"),
    cst.ExceptStarHandler: ("type", "name", "body"),
    cst.IfExp: ("body", "test", "orelse"),
    cst.Parameters: ("posonly_params", "params", "star_arg", "kwonly_params", "star_kwarg"),
    cst.MatchCase: ("pattern", "guard", "body"),
    cst.ImportFrom: ("module", "names"),
    cst.Arg: ("keyword", "value"),
}

_FIELDS: dict[type, tuple[str, ...]] = {}


def _fields(t: type) -> tuple[str, ...]:
    names = _ORDER.get(t)
    if names is None:
        names = tuple(f.name for f in dataclasses.fields(t) if not f.name.startswith("whitespace") and f.name not in _TOKENS)
    _FIELDS[t] = names
    return names


def children(node: cst.CSTNode) -> Iterator[cst.CSTNode]:
    """The child nodes of `node` that can hold code, in source order."""
    names = _FIELDS.get(type(node)) or _fields(type(node))
    for name in names:
        value = getattr(node, name)
        if isinstance(value, cst.CSTNode):
            yield value
        elif type(value) is tuple or type(value) is list:
            for item in value:
                if isinstance(item, cst.CSTNode):
                    yield item


def visit(node: cst.CSTNode, visitor: cst.CSTVisitor) -> None:
    """`node.visit(visitor)` for a visitor that only reads: the same `visit_X` (return False to
    skip the children) and `leave_X` calls, in the same order, on every node but the tokens
    `children()` leaves out. Attribute hooks (`visit_X_attr`) are not called."""
    if visitor.on_visit(node):
        for child in children(node):
            visit(child, visitor)
    visitor.on_leave(node)
