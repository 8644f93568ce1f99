"""`_walk.children` reads a node's children as LibCST's `node.children` lists them.

The read-only walks (`_walk.visit`, FM001's used names, the module analysis) rely on it: every
child that can hold a name, in source order. Checked on every node of every fixture and of a
module using every statement form (decorators, position-only parameters, `match`, `except*`,
conditional expressions, slices, f-strings, relative imports).
"""

from __future__ import annotations

import libcst as cst
import pytest

from codemods._walk import children, visit

from ._fixtures import FIXTURES

EVERY_FORM = '''
from . import a as b
from ..pkg.mod import (c, d as e)
import os.path as p, sys
@dec(1)
@other.attr
async def f(x, /, y: int = 2, *args: str, z, k=lambda q, *, r=1: q, **kw) -> "R":
    global G
    v = x if y else z
    w = [i async for i in args if i] + {k: v for k, v in kw.items()}
    s = x[1:y:2], x[::], x[a, *b]
    t = f"{x!r:>{y}} {z=}"
    try:
        await g(*args, key=v, **kw)
    except* (ValueError, TypeError) as err:
        raise RuntimeError(t) from err
    match x:
        case [1, *rest] if rest:
            pass
        case {"k": val, **other}:
            pass
        case Point(x=0) | None:
            pass
        case _:
            pass
    with open(p) as fh, ctx():
        nonlocal_ = (yield fh)
    while (n := v):
        del n
    return t

@decorate
class C(Base, metaclass=Meta):
    attr: int = 1
    def m(self): return self.attr
'''


def _token_only(node: cst.CSTNode) -> bool:
    """A subtree that holds no name (whitespace, comments, punctuation, operators)."""
    if isinstance(node, cst.Name):
        return False
    return all(_token_only(c) for c in node.children)


def _modules() -> list[tuple[str, cst.Module]]:
    out = [("every_form", cst.parse_module(EVERY_FORM))]
    out += [(f"{p.parent.name}/{p.name}", cst.parse_module(p.read_bytes())) for p in sorted(FIXTURES.glob("*/*.py"))]
    return out


def _check(node: cst.CSTNode) -> None:
    ours = list(children(node))
    theirs = list(node.children)
    kept = {id(c) for c in ours}
    assert [id(c) for c in ours] == [id(c) for c in theirs if id(c) in kept], f"order differs in {type(node).__name__}"
    assert len(kept) == len(ours) and kept <= {id(c) for c in theirs}
    for child in theirs:
        if id(child) not in kept:
            assert _token_only(child), f"{type(node).__name__} leaves out {type(child).__name__}, which holds a name"
    for child in theirs:
        _check(child)


@pytest.mark.parametrize("name,module", _modules(), ids=[n for n, _ in _modules()])
def test_children_are_libcsts_in_source_order_without_tokens(name: str, module: cst.Module) -> None:
    _check(module)


def test_visit_calls_the_visitors_hooks_in_libcsts_order() -> None:
    class Record(cst.CSTVisitor):
        def __init__(self) -> None:
            super().__init__()
            self.seen: list[str] = []

        def visit_Name(self, node: cst.Name) -> None:
            self.seen.append(node.value)

        def visit_Lambda(self, node: cst.Lambda) -> bool:
            self.seen.append("lambda")
            return False  # children skipped, as with node.visit

        def leave_FunctionDef(self, original_node: cst.FunctionDef) -> None:
            self.seen.append(f"/{original_node.name.value}")

    module = cst.parse_module(EVERY_FORM)
    expected, got = Record(), Record()
    module.visit(expected)
    visit(module, got)
    assert got.seen == expected.seen
    assert "lambda" in got.seen and "/m" in got.seen
