"""Workflow decorators (fixture `workflow_decorator_ordering` holds the main case): a wrapper that
does more with flytekit's compilation than order its setup/teardown nodes is left to the rules,
which report it."""

from __future__ import annotations

import textwrap

from codemods import migrate_source

BEFORE = '''
from functools import wraps

from flytekit import FlyteContextManager, task, workflow
from flytekit.core.node_creation import create_node


@task
def setup() -> int:
    return 1


def around(fn):
    @wraps(fn)
    def wrapper(*args, **kwargs):
        ctx = FlyteContextManager.current_context()
        before = create_node(setup)
        out = fn(*args, **kwargs)
        if ctx.compilation_state is not None:
            before >> ctx.compilation_state.nodes[1]
        {extra}
        return out

    return wrapper


@workflow
@around
def wf(x: int) -> int:
    return x
'''


def _migrate(extra: str):
    result = migrate_source(textwrap.dedent(BEFORE.replace("{extra}", extra)), path="/nowhere/m.py", module_name="m")
    assert result.error is None
    return result


def test_wrapper_that_only_orders_nodes_awaits_in_order() -> None:
    result = _migrate("pass")
    assert "async def wrapper(*args, **kwargs):" in result.code
    assert "await setup.aio()\n        out = await fn(*args, **kwargs)" in result.code
    assert "compilation_state" not in result.code and "flytekit" not in result.code


def test_wrapper_reading_a_node_is_left_with_its_todos() -> None:
    result = _migrate("print(before.o0)")
    assert "def wrapper(*args, **kwargs):" in result.code and "async def wrapper" not in result.code
    assert "create_node(setup)" in result.code
    assert any(f.code == "FM306" for f in result.findings)
