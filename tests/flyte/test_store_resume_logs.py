"""A resumed run keeps what its re-run actions wrote before: a run is killed (kill -9) while an
action's body runs, resumed under the same name, and its logs are read back through the CLI, the
web UI's pages and `flyte.remote`. The earlier output is shown, marked as the earlier execution's."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path
from typing import Optional

import pytest

from flyte._store import SQLiteStore, StoreError

PROGRAM = textwrap.dedent(
    """
    import os, pathlib, time
    import flyte

    env = flyte.TaskEnvironment("resumed")


    @env.task
    async def steady(x: int) -> int:
        print(f"steady ran for {x}")
        return x


    @env.task
    async def fragile(x: int) -> int:
        print(f"fragile started in pid {os.getpid()}")
        print("<b>not markup</b>")
        ready = os.environ.get("READY")
        if ready:  # the first run: say so, then wait for the kill
            pathlib.Path(ready).write_text(str(os.getpid()))
            while True:
                time.sleep(3600)
        print("fragile finished")
        return 2 * x


    @env.task
    async def main(x: int) -> int:
        return await steady(x) + await fragile(x)
    """
)


def _flyte(home: Path, *args: str, env: Optional[dict[str, str]] = None) -> subprocess.CompletedProcess:
    full = {**os.environ, "FLYTE_HOME": str(home), "COLUMNS": "200", **(env or {})}
    return subprocess.run([sys.executable, "-m", "flyte._cli", *args], capture_output=True, text=True, env=full,
                          timeout=300)


def _wait_for(what: str, check, proc: subprocess.Popen, deadline: float = 120.0):
    """Poll `check` until it returns something truthy; fail if `proc` exits first (or after `deadline`)."""
    end = time.monotonic() + deadline
    while time.monotonic() < end:
        got = check()
        if got:
            return got
        if proc.poll() is not None:
            out, err = proc.communicate()
            pytest.fail(f"the run exited ({proc.returncode}) before {what}: {out}\n{err}")
        time.sleep(0.05)
    pytest.fail(f"timed out waiting for {what}")


def _stored_log(home: Path, run: str, short_name: str) -> str:
    """What the store (opened read-only, as another process reads it) has of an action's log."""
    try:
        store = SQLiteStore(home, read_only=True)
    except StoreError:
        return ""  # not created yet
    try:
        found = store.list_actions(run, short_name=short_name).actions
        page = store.get_log(run, found[0].id) if found else None
        return page.text if page else ""
    finally:
        store.close()


@pytest.fixture
def resumed(tmp_path):
    """A run killed while `fragile` runs (after it printed), then resumed to its end."""
    prog = tmp_path / "resumed.py"
    prog.write_text(PROGRAM)
    home = tmp_path / "home"
    ready = tmp_path / "ready"
    env = {**os.environ, "FLYTE_HOME": str(home), "READY": str(ready)}
    proc = subprocess.Popen([sys.executable, "-m", "flyte._cli", "run", "--name", "r1", str(prog), "main", "--x", "3"],
                            env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        pid = _wait_for("fragile said it is ready", lambda: ready.exists() and ready.read_text(), proc)
        # its output is committed by the store's writer within moments: kill once another process sees it
        _wait_for("fragile's output is stored", lambda: "fragile started" in _stored_log(home, "r1", "fragile"), proc)
    finally:
        os.kill(proc.pid, signal.SIGKILL)
        proc.communicate()
    assert proc.returncode == -signal.SIGKILL
    again = _flyte(home, "run", "--name", "r1", str(prog), "main", "--x", "3")
    assert again.returncode == 0 and "Completed" in again.stdout, again.stdout + again.stderr
    return home, pid


def test_get_logs_shows_the_killed_execution_first_marked_as_earlier(resumed):
    home, pid = resumed
    out = _flyte(home, "get", "logs", "r1", "fragile")
    assert out.returncode == 0, out.stderr
    text = out.stdout
    earlier = text.index("── earlier execution 1 of")
    killed = text.index(f"fragile started in pid {pid}")
    now = text.index("── this execution of")
    finished = text.index("fragile finished")
    assert earlier < killed < now < finished, text
    head = text[earlier:text.index("\n", earlier)]
    assert "ProcessExited" in head and "before the run resumed" in head, head
    assert text.count("fragile started in pid") == 2  # once in each execution
    # the latest attempt alone, as before (and the earlier output is pointed to)
    only = _flyte(home, "get", "logs", "r1", "fragile", "--lines", "5")
    assert f"pid {pid}" not in only.stdout and "fragile finished" in only.stdout
    assert "also ran before its run was resumed" in only.stderr
    # steady succeeded before the kill: it did not run again and has no earlier execution
    steady = _flyte(home, "get", "logs", "r1", "steady")
    assert steady.stdout == "steady ran for 3\n" and "earlier" not in steady.stdout + steady.stderr


def test_get_logs_as_json_and_get_action_say_there_was_an_earlier_execution(resumed):
    home, pid = resumed
    out = _flyte(home, "-of", "json", "get", "logs", "r1", "fragile")
    data = json.loads(out.stdout)
    assert "fragile finished" in data["text"] and f"pid {pid}" not in data["text"]
    [earlier] = data["earlier"]
    assert earlier["execution"] == 1 and earlier["attempt"] == 1 and f"pid {pid}" in earlier["text"]
    assert earlier["ended"] == "FAILED" and earlier["resumed"]
    action = json.loads(_flyte(home, "-of", "json", "get", "action", "r1", "fragile").stdout)
    assert action["earlier_logs"] == [{"execution": 1, "attempt": 1}]
    shown = _flyte(home, "get", "action", "r1", "fragile").stdout
    assert "ran 1 time before its run was resumed" in shown


def test_remote_and_the_web_ui_show_the_earlier_execution(resumed):
    from tests.flyte.ui_support import request, serving

    home, pid = resumed
    program = textwrap.dedent(
        """
        import asyncio, json, sys
        import flyte.remote as remote

        action = remote.Action.get(run_name="r1", name=sys.argv[1])
        details = asyncio.run(action.details())
        print(json.dumps({"lines": list(action.get_logs()), "available": details.logs_available()}))
        """
    )
    store = SQLiteStore(home, read_only=True)
    try:
        aid = store.list_actions("r1", short_name="fragile").actions[0].id
        with serving(store) as base:
            page = request(f"{base}/runs/r1/actions/{aid}")
            only_latest = request(f"{base}/runs/r1/actions/{aid}?attempt=1")
    finally:
        store.close()
    done = subprocess.run([sys.executable, "-c", program, aid], capture_output=True, text=True, timeout=120,
                          env={**os.environ, "FLYTE_HOME": str(home)})
    assert done.returncode == 0, done.stderr
    data = json.loads(done.stdout)
    lines = data["lines"]
    marked = [k for k, line in enumerate(lines) if line.startswith("── earlier execution 1 of")]
    assert marked and lines.index(f"fragile started in pid {pid}") > marked[0], lines
    assert lines.index(f"fragile started in pid {pid}") < lines.index(f"── this execution of {aid} (since the run resumed) ──")
    assert lines[-1] == "fragile finished" and data["available"]
    assert page.status == 200 and "Output of earlier executions" in page.text, page.text
    html = page.text
    assert html.index(f"fragile started in pid {pid}") > html.index("Output of earlier executions")
    assert html.index("fragile finished") < html.index("Output of earlier executions")  # the latest comes first
    assert "<b>not markup</b>" not in html and "&lt;b&gt;not markup&lt;/b&gt;" in html
    assert "Output of earlier executions" not in only_latest.text  # one attempt asked for: that one only
