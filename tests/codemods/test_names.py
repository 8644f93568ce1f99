"""Names resolve by what they refer to, and cross-module entities through the index."""

from __future__ import annotations

from pathlib import Path

from codemods import migrate_paths, migrate_source


def test_shadowing_local_is_not_a_flytekit_name() -> None:
    src = """from flytekit import task


def build(task):
    # `task` here is a parameter, not flytekit's decorator
    return task(1)


@task
def real(x: int) -> int:
    return x
"""
    out = migrate_source(src, module_name="m").code
    assert "def build(task):\n    # `task` here is a parameter, not flytekit's decorator\n    return task(1)" in out
    assert "@env.task\ndef real" in out


def test_file_without_flytekit_is_skipped_unparsed() -> None:
    result = migrate_source("def broken(:\n", module_name="m")
    assert result.status == "skipped" and result.error is None


def test_flytekit_in_a_string_only_changes_nothing() -> None:
    src = 'NOTE = "we used flytekit once"\n'
    result = migrate_source(src, module_name="m")
    assert result.status == "unchanged" and result.code == src


def test_comments_and_formatting_outside_rewritten_nodes_are_kept() -> None:
    src = '''"""Module docs."""
# a leading comment
import math  # trailing comment

from flytekit import task

CONST = {  'odd':   [1,3] }   # odd spacing kept


@task  # decorator comment
def f(x: int) -> float:
    """Task docs."""
    return   math.sqrt(x)   # body kept as is
'''
    out = migrate_source(src, module_name="m").code
    for line in ('"""Module docs."""', "# a leading comment", "import math  # trailing comment",
                 "CONST = {  'odd':   [1,3] }   # odd spacing kept", "@env.task  # decorator comment",
                 '    """Task docs."""', "    return   math.sqrt(x)   # body kept as is"):
        assert line in out.splitlines()


def test_workflow_calling_tasks_of_another_module_uses_the_index(tmp_path: Path) -> None:
    pkg = tmp_path / "pkg"
    pkg.mkdir()
    (pkg / "__init__.py").write_text("")
    (pkg / "tasks.py").write_text(
        "from flytekit import task, workflow\n\n\n@task\ndef sync_t(x: int) -> int:\n    return x\n\n\n"
        "@workflow\ndef sub(x: int) -> int:\n    return sync_t(x=x)\n"
    )
    (pkg / "flows.py").write_text(
        "from flytekit import workflow\n\nfrom .tasks import sub, sync_t\n\n\n"
        "@workflow\ndef main(x: int) -> int:\n    return sub(x=sync_t(x=x))\n"
    )
    report = migrate_paths([str(tmp_path)], jobs=1)
    assert [f.status for f in report.files if f.path.endswith(".py") and "init" not in f.path] == ["changed", "changed"]
    flows = (pkg / "flows.py").read_text()
    # the sync task goes through .aio; the workflow, now an async task, is awaited directly
    assert "return await sub(x=await sync_t.aio(x=x))" in flows
