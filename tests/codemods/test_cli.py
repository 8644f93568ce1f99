"""The flyte-migrate command: modes, selection, reports, parallel runs and bad input."""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner

from codemods._cli import main

from ._fixtures import FIXTURES

WF = '''from flytekit import task, workflow


@task
def inc(x: int) -> int:
    return x + 1


@workflow
def wf(x: int = 1) -> int:
    return inc(x=inc(x=x))
'''


def _tree(tmp_path: Path, copies: int = 1) -> Path:
    root = tmp_path / "repo"
    pkg = root / "pkg"
    pkg.mkdir(parents=True)
    (pkg / "__init__.py").write_text("")
    for i in range(copies):
        (pkg / f"wf{i}.py").write_text(WF)
    (pkg / "plain.py").write_text("import os\n\nprint(os.getcwd())\n")
    venv = root / ".venv" / "lib"
    venv.mkdir(parents=True)
    (venv / "vendored.py").write_text(WF)
    return root


def _invoke(*args: str):
    return CliRunner().invoke(main, list(args), catch_exceptions=False)


def test_rewrites_in_place_and_second_run_changes_nothing(tmp_path: Path) -> None:
    root = _tree(tmp_path)
    first = _invoke(str(root), "--no-progress")
    assert first.exit_code == 0, first.output
    migrated = (root / "pkg" / "wf0.py").read_text()
    assert "@env.task\nasync def wf" in migrated and "await inc.aio(x=await inc.aio(x=x))" in migrated
    assert "Migrated 1 of 3 files" in first.output  # plain.py skipped, .venv never entered
    assert (root / ".venv" / "lib" / "vendored.py").read_text() == WF
    assert (root / "pkg" / "plain.py").read_text() == "import os\n\nprint(os.getcwd())\n"
    second = _invoke(str(root), "--no-progress", "--check")
    assert second.exit_code == 0, second.output
    assert (root / "pkg" / "wf0.py").read_text() == migrated


def test_diff_writes_nothing_and_prints_a_unified_diff(tmp_path: Path) -> None:
    root = _tree(tmp_path)
    result = _invoke(str(root), "--diff", "--no-progress")
    assert result.exit_code == 0
    assert "--- a/" in result.output and "+++ b/" in result.output
    assert "-@task\n" in result.output and "+@env.task\n" in result.output
    assert "+async def wf(x: int = 1) -> int:" in result.output
    assert (root / "pkg" / "wf0.py").read_text() == WF


def test_check_exits_1_when_something_would_change(tmp_path: Path) -> None:
    root = _tree(tmp_path)
    result = _invoke(str(root), "--check", "--no-progress")
    assert result.exit_code == 1
    assert "would change:" in result.output
    assert (root / "pkg" / "wf0.py").read_text() == WF


def test_select_and_ignore_by_code_prefix_and_name(tmp_path: Path) -> None:
    root = _tree(tmp_path)
    only_tasks = _invoke(str(root), "--diff", "--select", "FM101,FM001", "--no-progress")
    assert "+@env.task\n def inc" in only_tasks.output
    assert "async def wf" not in only_tasks.output  # FM102 not selected: the workflow stays
    no_workflows = _invoke(str(root), "--diff", "--ignore", "workflow-to-task", "--no-progress")
    assert "async def wf" not in no_workflows.output
    bad = _invoke(str(root), "--select", "FM999")
    assert bad.exit_code == 2 and "unknown rule 'FM999'" in bad.output


def test_json_report_lists_rules_and_todos_with_lines(tmp_path: Path) -> None:
    root = tmp_path / "src"
    shutil.copytree(FIXTURES / "unsupported_constructs", root)
    (root / "after.py").unlink()
    result = _invoke(str(root / "before.py"), "--report", "json", "--no-progress")
    assert result.exit_code == 0, result.output
    report = json.loads(result.output)
    assert report["summary"]["changed"] == 1 and report["summary"]["rules"]["FM101"] == 3
    (entry,) = report["files"]
    lines = (root / "before.py").read_text().splitlines()
    assert {t["code"] for t in entry["todos"]} >= {"FM900", "FM205", "FM204", "FM402"}
    for todo in entry["todos"]:
        assert lines[todo["line"] - 1].strip() == f"# TODO(flyte-migrate): {todo['code']} {todo['message']}"


def test_file_that_does_not_parse_is_reported_and_left_untouched(tmp_path: Path) -> None:
    bad = tmp_path / "broken.py"
    bad.write_text("from flytekit import task\n\n@task\ndef f(:\n    pass\n")
    good = tmp_path / "good.py"
    good.write_text(WF)
    result = _invoke(str(tmp_path), "--no-progress")
    assert result.exit_code == 1
    assert f"error: {bad}: cannot parse" in result.output
    assert bad.read_text() == "from flytekit import task\n\n@task\ndef f(:\n    pass\n"
    assert "async def wf" in good.read_text()


def test_missing_path_is_a_usage_error(tmp_path: Path) -> None:
    result = _invoke(str(tmp_path / "nope"))
    assert result.exit_code == 2 and "no such file or directory" in result.output


def test_parallel_jobs_give_the_same_result_as_one_process(tmp_path: Path) -> None:
    root_a = _tree(tmp_path / "a", copies=10)
    root_b = _tree(tmp_path / "b", copies=10)
    assert _invoke(str(root_a), "--jobs", "1", "--no-progress").exit_code == 0
    assert _invoke(str(root_b), "--jobs", "2", "--no-progress").exit_code == 0
    for i in range(10):
        assert (root_a / "pkg" / f"wf{i}.py").read_text() == (root_b / "pkg" / f"wf{i}.py").read_text()


def test_writes_are_atomic_and_keep_the_file_mode(tmp_path: Path) -> None:
    target = tmp_path / "wf.py"
    target.write_text(WF)
    os.chmod(target, 0o640)
    before = os.stat(target).st_ino
    assert _invoke(str(target), "--no-progress").exit_code == 0
    assert os.stat(target).st_mode & 0o777 == 0o640
    assert os.stat(target).st_ino != before  # replaced by rename, never rewritten in place
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".flyte-migrate-")]


def test_list_rules_and_explain() -> None:
    listed = _invoke("--list-rules")
    assert listed.exit_code == 0
    assert "FM101  task-environment" in listed.output and "FM900  unsupported" in listed.output
    explained = _invoke("--explain", "FM302")
    assert "Before::" in explained.output and "flyte.map.aio" in explained.output


@pytest.mark.parametrize("flag", ["--diff", "--check"])
def test_read_only_modes_never_write(tmp_path: Path, flag: str) -> None:
    target = tmp_path / "wf.py"
    target.write_text(WF)
    mtime = os.stat(target).st_mtime_ns
    _invoke(str(target), flag, "--no-progress")
    assert os.stat(target).st_mtime_ns == mtime
