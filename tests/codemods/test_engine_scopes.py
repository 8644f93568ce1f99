"""The engine's direct scope resolution gives what LibCST's MetadataWrapper gives.

`_engine.resolve_scopes` runs LibCST's ExpressionContextProvider and ScopeProvider without the
wrapper's batched traversals (a third of the analysis time). It relies on how those providers
do their work, so every fixture's source is resolved both ways here and the scopes compared:
the same nodes, the same scope structure, the same assignments and accesses.
"""

from __future__ import annotations

import libcst as cst
import pytest
from libcst.metadata import MetadataWrapper, ScopeProvider

from codemods._engine import resolve_scopes

from ._fixtures import FIXTURES

SOURCES = sorted(FIXTURES.glob("*/*.py"))


def _shape(scope, names: dict[int, int]) -> tuple:
    """A scope as comparable data: its kind, parent (by order of first sight), bindings, reads."""
    if scope is None:
        return (None,)
    key = names.setdefault(id(scope), len(names))
    parent = names.setdefault(id(scope.parent), len(names)) if scope.parent is not scope else key
    assignments = sorted((a.name, id(getattr(a, "node", None))) for a in scope.assignments)
    accesses = sorted((id(a.node), tuple(sorted((r.name, id(getattr(r, "node", None))) for r in a.referents))) for a in scope.accesses)
    return (type(scope).__name__, key, parent, tuple(assignments), tuple(accesses))


@pytest.mark.parametrize("path", SOURCES, ids=lambda p: f"{p.parent.name}/{p.name}")
def test_direct_resolution_equals_the_wrappers(path) -> None:
    module = cst.parse_module(path.read_bytes())
    expected = MetadataWrapper(module, unsafe_skip_copy=True).resolve(ScopeProvider)
    got = resolve_scopes(module)
    assert set(map(id, got)) == set(map(id, expected))
    names_expected: dict[int, int] = {}
    names_got: dict[int, int] = {}
    for node in expected:
        assert _shape(got[node], names_got) == _shape(expected[node], names_expected), type(node).__name__
