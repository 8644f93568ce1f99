"""Pass 1 reads annotations and defaults as source text; it must read what `ast` reads.

`_index._Source` splits a file into lines once instead of once per node (indexing was quadratic
in file size); each segment must equal `ast.get_source_segment`'s for the same node.
"""

from __future__ import annotations

import ast

import pytest

from codemods._analysis._index import _Source, index_source

from ._fixtures import FIXTURES

TRICKY = (
    "def f(a: 'dict[str, int]' = {'é': 1},\r\n"
    "      b: int = (1 +\r"
    "           2), c=\"x\\f\", *, d: list[\n"
    "   str] = [\"\u2028\", \x0c'ü'], e=lambda: 'ä'):\n"
    "    return a\n"
    "x = ('tail'"
    ")"
)


def _texts() -> list[tuple[str, str]]:
    out = [(f"{p.parent.name}/{p.name}", p.read_text("utf-8")) for p in sorted(FIXTURES.glob("*/*.py"))]
    return [*out, ("tricky", TRICKY)]


@pytest.mark.parametrize("name,text", _texts(), ids=[n for n, _ in _texts()])
def test_segments_equal_ast_get_source_segment(name: str, text: str) -> None:
    source = _Source(text)
    nodes = [n for n in ast.walk(ast.parse(text)) if hasattr(n, "end_col_offset")]
    assert nodes
    for node in nodes:
        assert source.segment(node) == ast.get_source_segment(text, node), (name, ast.dump(node)[:80])


def test_indexed_signature_keeps_annotations_and_defaults_as_written() -> None:
    text = "from flytekit import task\r\n@task\r\ndef t(a: 'list[\u00e9]' = [1,\r\n  2], b: int=3) -> dict[str, int]:\r\n    return {}\r\n"
    entity = index_source(text)["t"]
    assert [(p.name, p.annotation, p.default) for p in entity.params] == [
        ("a", "'list[\u00e9]'", "[1,\r\n  2]"),
        ("b", "int", "3"),
    ]
    assert entity.returns == "dict[str, int]"
