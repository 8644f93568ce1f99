"""The live view: `flyte run` (and `pyflyte run`) on a terminal show the run's tree as it runs,
with fan-outs folded into counts; off a terminal, or with --no-progress, output stays plain."""

from __future__ import annotations

import asyncio
import io
import os
import pty
import re
import subprocess
import sys
import textwrap

import pytest
from rich.console import Console

import flyte
from flyte._controller import add_listener, remove_listener
from flyte._live import LiveRun

env = flyte.TaskEnvironment("live_view")
_tries = {"n": 0}


@env.task
async def leaf(i: int) -> int:
    if i == 3:
        raise ValueError("three")
    return i


@env.task(retries=1)
async def flaky() -> int:
    _tries["n"] += 1
    if _tries["n"] == 1:
        raise RuntimeError("first try fails")
    return 1


@env.task(cache="auto")
async def cached(x: int) -> int:
    return x


@env.task
async def main(n: int) -> int:
    with flyte.group("leaves"):
        done = await asyncio.gather(*[leaf(i) for i in range(n)], return_exceptions=True)
    await cached(1)
    await cached.override(short_name="cached_again")(1)
    return sum(d for d in done if isinstance(d, int)) + await flaky()


def _render(view: LiveRun) -> str:
    out = io.StringIO()
    Console(file=out, width=140, color_system=None, force_terminal=False).print(view.tree())
    return out.getvalue()


def test_the_tree_folds_a_fan_out_into_counts_and_shows_retries_and_cache_hits(any_store):
    _tries["n"] = 0
    view = LiveRun(show=8)
    add_listener(view)
    try:
        flyte.with_runcontext(name="live-model").run(main, 20)
    finally:
        remove_listener(view)
    text = _render(view)
    assert view.run == "live-model" and view.phase == "SUCCEEDED"
    assert re.search(r"✓ run live-model live_view\.main succeeded .*✓ 23 +✕ 1 +\$ 1", text), text
    assert "leaves (group)" in text
    assert re.search(r"✕ leaf x20 +✓ 19 +✕ 1", text), text  # 20 > 8: one line with the counts
    assert re.search(r"✓ flaky \S+ attempt 2", text), text
    assert re.search(r"✓ \$ cached_again", text), text  # the second call was a cache hit
    assert view.counts().succeeded == 23 and view.counts().failed == 1


def test_only_the_run_it_follows_is_counted(any_store):
    view = LiveRun("the-one")
    add_listener(view)
    try:
        flyte.with_runcontext(name="another").run(leaf, 1)
        flyte.with_runcontext(name="the-one").run(leaf, 2)
    finally:
        remove_listener(view)
    assert view.counts().succeeded == 1 and view.run == "the-one"


PROGRAM = textwrap.dedent(
    """
    import asyncio
    import flyte
    env = flyte.TaskEnvironment("ptyprog")

    @env.task
    async def item(i: int) -> int:
        return i

    @env.task
    async def main(n: int) -> int:
        print("hello from main")
        return sum(await asyncio.gather(*[item(i) for i in range(n)]))
    """
)


def _in_a_terminal(args: list[str], env: dict) -> str:
    """Run a command with a pseudo-terminal as stdout and stderr; everything it wrote, without
    colour and cursor codes."""
    leader, follower = pty.openpty()
    proc = subprocess.Popen(args, stdout=follower, stderr=follower, stdin=subprocess.DEVNULL, env=env)
    os.close(follower)
    chunks = []
    while True:
        try:
            data = os.read(leader, 65536)
        except OSError:  # the command ended and closed its end
            break
        if not data:
            break
        chunks.append(data)
    os.close(leader)
    assert proc.wait(120) == 0, b"".join(chunks).decode(errors="replace")
    text = b"".join(chunks).decode(errors="replace")
    return re.sub(r"\x1b\[[0-9;?]*[A-Za-z]|\x1b\][^\x07]*\x07|\r", "", text)


@pytest.fixture
def program(tmp_path):
    path = tmp_path / "ptyprog.py"
    path.write_text(PROGRAM)
    return path


def _env(tmp_path) -> dict:
    return {**os.environ, "FLYTE_HOME": str(tmp_path / "home"), "COLUMNS": "120", "TERM": "xterm-256color"}


def test_flyte_run_on_a_terminal_shows_the_live_tree(program, tmp_path):
    shown = _in_a_terminal([sys.executable, "-m", "flyte._cli", "run", "--name", "in-a-tty", str(program), "main",
                            "--n", "30"], _env(tmp_path))
    assert re.search(r"✓ run in-a-tty ptyprog\.main succeeded", shown), shown
    assert re.search(r"✓ item x30 +✓ 30", shown), shown
    assert "hello from main" in shown  # what the task printed, above the tree
    assert "Completed local run in-a-tty" in shown


def test_tui_is_accepted_and_no_progress_turns_it_off(program, tmp_path):
    shown = _in_a_terminal([sys.executable, "-m", "flyte._cli", "run", "--tui", str(program), "main", "--n", "3"],
                           _env(tmp_path))
    assert "item" in shown and "Completed local run" in shown
    plain = _in_a_terminal([sys.executable, "-m", "flyte._cli", "--no-progress", "run", str(program), "main", "--n", "3"],
                           _env(tmp_path))
    assert "✓ run" not in plain and "Completed local run" in plain


def test_off_a_terminal_output_stays_plain(program, tmp_path):
    proc = subprocess.run([sys.executable, "-m", "flyte._cli", "run", str(program), "main", "--n", "3"],
                          capture_output=True, text=True, env=_env(tmp_path), timeout=120)
    assert proc.returncode == 0
    assert "\x1b[" not in proc.stdout and "✓ run" not in proc.stdout
    assert proc.stdout.splitlines()[0] == "hello from main"


FLYTEKIT_PROGRAM = textwrap.dedent(
    """
    from flytekit import task, workflow

    @task
    def double(x: int) -> int:
        return 2 * x

    @workflow
    def wf(x: int = 3) -> int:
        return double(x=double(x=x))
    """
)


def test_pyflyte_run_on_a_terminal_shows_it_too(tmp_path):
    path = tmp_path / "legacy.py"
    path.write_text(FLYTEKIT_PROGRAM)
    shown = _in_a_terminal([sys.executable, "-m", "flytekit_compat._cli_main", "run", str(path), "wf", "--x", "3"],
                           {**_env(tmp_path), "PYTHONPATH": str(tmp_path)})
    assert "Running Execution on local." in shown and "12" in shown
    assert re.search(r"✓ run \S+ .*succeeded", shown), shown
    assert "double" in shown
