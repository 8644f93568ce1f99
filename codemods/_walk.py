"""Read-only walks over LibCST trees that do not rebuild them.

`node.visit(visitor)` rebuilds every node it passes, even for a visitor that changes nothing
(LibCST's traversal always goes through `_visit_and_replace_children`, which constructs and
validates a new node per node visited): a walk that only reads costs four times what it
needs. `children()` gives a node's child nodes straight from its fields, for analyses that
only read the tree and do not depend on the order in which siblings are seen.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator

import libcst as cst

_FIELDS: dict[type, tuple[str, ...]] = {}


def children(node: cst.CSTNode) -> Iterator[cst.CSTNode]:
    """The child nodes of `node`, field by field (the order of its dataclass fields, which is
    not always the order of the source: a function's decorators come after its body)."""
    t = type(node)
    names = _FIELDS.get(t)
    if names is None:
        names = _FIELDS[t] = tuple(f.name for f in dataclasses.fields(node))  # type: ignore[arg-type]
    for name in names:
        value = getattr(node, name)
        if isinstance(value, cst.CSTNode):
            yield value
        elif type(value) is tuple or type(value) is list:
            for item in value:
                if isinstance(item, cst.CSTNode):
                    yield item
