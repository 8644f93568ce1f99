"""The runtime's own lines in an action's log are recorded as the runtime's, not the task's.

What the runtime writes into an action's log (its note on a failed attempt and what follows,
the warning about a timed-out body it could not stop, records of its `flyte` logger) is marked
when it is recorded. As on the SDK, `flyte get logs` shows those lines by default (dimmed on a
terminal) and `--filter-system` leaves them out; `flyte.remote.Action.get_logs` /
`show_logs(filter_system=...)` do the same. Each fault here happens for real: a body raises, a
worker process is killed, a body overruns its timeout.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
from datetime import timedelta

import pytest
from click.testing import CliRunner

import flyte
import flyte.errors
import flyte.remote
from flyte._cli import main
from flyte._store import open_store
from flyte._store._logs import SYSTEM_MARK, line_parts, system_text

env = flyte.TaskEnvironment("system_logs")

PROGRAM = '''
import logging, os, signal, sys
import flyte

env = flyte.TaskEnvironment("wobbly")
tries = {"n": 0}


@env.task(retries=1)
async def wobbly() -> int:
    tries["n"] += 1
    print(f"body try {tries['n']}")
    logging.getLogger("flyte").warning("a warning of the runtime")
    flyte.logger.info("the task's own log line")
    if tries["n"] == 1:
        print("no newline yet", end="")
        raise ValueError("first try fails")
    return tries["n"]


@env.task(retries=1)
def dies_once(marker: str) -> int:
    if os.path.exists(marker):
        print("second life", flush=True)
        return 2
    print("about to be killed", file=sys.stderr, flush=True)  # one pipe for both lines: their order is kept
    logging.getLogger("flyte").warning("the runtime warns in a worker")
    open(marker, "w").close()
    os.kill(os.getpid(), signal.SIGKILL)
    return 1


@env.task
async def survives(marker: str) -> int:
    return await dies_once.aio(marker)  # a child: the process executor runs it in a worker process


@env.task
def late_logger() -> int:
    # loggers made here, long after the worker process started: a runtime one and the task's own
    logging.getLogger(f"flyte.late.{os.getpid()}").warning("a runtime logger made in the body warns")
    logging.getLogger(f"mine.late.{os.getpid()}").warning("the task's own late logger warns")
    flyte.logger.getChild("late").warning("a child of flyte.logger is the task's")
    return 1


@env.task
async def lates() -> int:
    return await late_logger.aio()  # in a worker process
'''


def cli(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(main, list(args), catch_exceptions=False)
    return result.exit_code, result.stdout, result.stderr


@pytest.fixture(scope="module")
def program_home(tmp_path_factory):
    """A store holding the runs of PROGRAM made by `flyte run` in a process of its own (so that
    the `flyte` logger's records take the route they take in a user's program: no handlers
    configured, Python's last-resort handler on stderr)."""
    base = tmp_path_factory.mktemp("system-logs")
    (base / "wobbly_prog.py").write_text(PROGRAM)
    home = base / "home"
    run_env = {**os.environ, "FLYTE_HOME": str(home)}
    runs = {"wobbly": (["wobbly"], False, "a warning of the runtime"),
            "dies": (["survives", "--marker", str(base / "died")], True, "the runtime warns in a worker"),
            "late": (["lates"], True, "a runtime logger made in the body warns")}
    for name, (args, in_workers, shown) in runs.items():
        proc = subprocess.run([sys.executable, "-m", "flyte._cli", "run", "--name", name, "wobbly_prog.py", *args],
                              cwd=base, capture_output=True, text=True, timeout=300,
                              env={**run_env, "FLYTE_EXECUTOR": "process"} if in_workers else run_env)
        assert proc.returncode == 0, proc.stdout + proc.stderr
        # the terminal shows the runtime's lines as they are, without the mark the log keeps
        assert SYSTEM_MARK not in proc.stdout + proc.stderr
        assert shown in proc.stderr
    return home


@pytest.fixture
def in_home(program_home, monkeypatch):
    monkeypatch.setenv("FLYTE_HOME", str(program_home))
    return program_home


def test_a_retried_attempt_log_keeps_the_runtime_lines_apart(in_home):
    stored = open_store().get_log("wobbly", "a0", attempt=1).text
    # marked when recorded: the `flyte` logger's record and the note on the failure; not the body's lines
    assert stored == ("body try 1\n" + SYSTEM_MARK + "WARNING flyte: a warning of the runtime\nINFO the task's own log line\n"
                      "no newline yet" + SYSTEM_MARK + "flyte: attempt 1 failed (ValueError: first try fails); "
                      "attempt 2 of 2 starts\n")


def test_get_logs_shows_the_runtime_lines_by_default_and_filter_system_hides_them(in_home):
    code, out, _ = cli("get", "logs", "wobbly", "--attempt", "1")
    assert code == 0
    assert out.splitlines() == ["body try 1", "WARNING flyte: a warning of the runtime", "INFO the task's own log line",
                                "no newline yet",  # the runtime's line began inside it: it gets a line of its own
                                "flyte: attempt 1 failed (ValueError: first try fails); attempt 2 of 2 starts"]
    assert SYSTEM_MARK not in out
    code, out, _ = cli("get", "logs", "wobbly", "--attempt", "1", "--filter-system")
    assert code == 0 and out == "body try 1\nINFO the task's own log line\nno newline yet\n"
    # the latest attempt succeeded: only the logger's record is the runtime's there
    assert cli("get", "logs", "wobbly", "--filter-system")[1] == "body try 2\nINFO the task's own log line\n"
    assert cli("get", "logs", "wobbly")[1] == "body try 2\nWARNING flyte: a warning of the runtime\nINFO the task's own log line\n"


def test_filter_system_with_tail_timestamps_json_and_the_box(in_home):
    # --lines counts the lines shown, after the runtime's are left out
    assert cli("get", "logs", "wobbly", "-a", "1", "--lines", "2", "--filter-system")[1] == \
        "INFO the task's own log line\nno newline yet\n"
    code, out, _ = cli("get", "logs", "wobbly", "-a", "1", "--show-ts", "--filter-system")
    assert code == 0 and [line.split("] ", 1)[1] for line in out.splitlines()] == \
        ["body try 1", "INFO the task's own log line", "no newline yet"]
    code, out, _ = cli("-of", "json", "get", "logs", "wobbly", "-a", "1", "--show-ts")
    data = json.loads(out)
    assert [(line["text"], line["system"]) for line in data["lines"]] == [
        ("body try 1\n", False), ("WARNING flyte: a warning of the runtime\n", True), ("INFO the task's own log line\n", False),
        ("no newline yet\nflyte: attempt 1 failed (ValueError: first try fails); attempt 2 of 2 starts\n", True)]
    assert SYSTEM_MARK not in data["text"]
    code, out, _ = cli("-of", "json", "get", "logs", "wobbly", "-a", "1", "--filter-system")
    assert json.loads(out)["text"] == "body try 1\nINFO the task's own log line\nno newline yet\n"
    code, out, err = cli("get", "logs", "wobbly", "-a", "1", "--pretty", "--filter-system")
    assert code == 0 and "Scrolled 3 lines of logs." in err and "flyte: attempt" not in out
    assert "no newline yet" in out


def test_a_killed_worker_is_noted_in_the_attempt_it_ended_and_its_runtime_lines_are_marked(in_home):
    code, out, _ = cli("get", "logs", "dies", "dies_once", "-a", "1")
    lines = out.splitlines()
    assert code == 0 and lines[:2] == ["about to be killed", "the runtime warns in a worker"], out
    assert lines[2].startswith("flyte: attempt 1 failed (RuntimeSystemError: ") and "SIGKILL" in lines[2], out
    assert lines[2].endswith("; attempt 2 of 2 starts")
    # the worker's own record is marked in the worker, the note by the controller
    stored = open_store().get_log("dies", _action_id("dies", "dies_once"), attempt=1).text
    assert stored.startswith("about to be killed\n" + SYSTEM_MARK + "the runtime warns in a worker\n"), stored
    assert cli("get", "logs", "dies", "dies_once", "-a", "1", "--filter-system")[1] == "about to be killed\n"
    assert cli("get", "logs", "dies", "dies_once", "--filter-system")[1] == "second life\n"


def test_a_runtime_logger_made_inside_a_body_in_a_worker_process_is_marked(in_home):
    stored = open_store().get_log("late", _action_id("late", "late_logger")).text
    assert stored.split("\n") == [SYSTEM_MARK + "a runtime logger made in the body warns",  # (splitlines splits at the mark)
                                   "the task's own late logger warns", "WARNING a child of flyte.logger is the task's", ""]
    assert cli("get", "logs", "late", "late_logger", "--filter-system")[1] == \
        "the task's own late logger warns\nWARNING a child of flyte.logger is the task's\n"


def _action_id(run: str, short_name: str) -> str:
    [action] = open_store().list_actions(run, short_name=short_name).actions
    return action.id


def test_remote_action_logs_have_the_same_switch(in_home, capsys):
    action = flyte.remote.Action.get(run_name="wobbly", name="a0")
    assert list(action.get_logs(attempt=1)) == [
        "body try 1", "WARNING flyte: a warning of the runtime", "INFO the task's own log line", "no newline yet",
        "flyte: attempt 1 failed (ValueError: first try fails); attempt 2 of 2 starts"]
    assert list(action.get_logs(attempt=1, filter_system=True)) == [
        "body try 1", "INFO the task's own log line", "no newline yet"]
    stamped = list(action.get_logs(attempt=1, filter_system=True, show_ts=True))
    assert all(line.startswith("[20") for line in stamped) and stamped[0].endswith("] body try 1")
    assert list(flyte.remote.Run.get("wobbly").get_logs(filter_system=True)) == [
        "body try 2", "INFO the task's own log line"]
    action.show_logs(attempt=1, raw=True, filter_system=True)
    assert capsys.readouterr().out == "body try 1\nINFO the task's own log line\nno newline yet\n"
    action.show_logs(attempt=1, max_lines=1)
    assert capsys.readouterr().out.startswith("flyte: attempt 1 failed")


def test_the_flag_is_documented_like_the_sdks():
    code, out, _ = cli("get", "logs", "--help")
    assert code == 0 and "--filter-system" in out


def test_a_timed_out_body_left_in_a_thread_is_the_runtimes_line(flyte_home):
    lock = threading.Lock()  # the body closes over it: it cannot be pickled, so it runs in a thread
    release, finished = threading.Event(), threading.Event()

    def stuck() -> int:
        with lock:
            pass
        print("stuck body starts")
        try:
            release.wait()  # until the test lets it go, once the attempt has failed
        except BaseException:
            pass
        finally:
            finished.set()
        return 1

    task = env.task(timeout=timedelta(milliseconds=500))(stuck)
    with pytest.raises(flyte.errors.TaskTimeoutError):
        flyte.with_runcontext(name="stuck").run(task)
    release.set()
    assert finished.wait(60)
    code, out, _ = cli("get", "logs", "stuck")
    lines = out.splitlines()
    assert code == 0 and lines[0] == "stuck body starts", out
    assert lines[1].startswith("flyte: action a0 (") and "cannot be pickled" in lines[1]
    assert lines[-1].startswith("flyte: attempt 1 failed (MaxRuntimeExceededError: ") and \
        lines[-1].endswith("; the action fails")
    assert cli("get", "logs", "stuck", "--filter-system")[1] == "stuck body starts\n"


def test_a_plain_failure_without_retries_adds_no_line(flyte_home):
    @env.task
    async def fails_plainly() -> int:
        print("about to fail")
        raise ValueError("plain")

    with pytest.raises(Exception, match="plain"):
        flyte.with_runcontext(name="plain-fail").run(fails_plainly)
    # the error is the run's to show (`flyte get run`); the log holds what the body wrote
    assert open_store().get_log("plain-fail", "a0").text == "about to fail\n"


def test_line_parts_split_where_the_runtime_began_inside_a_line():
    assert system_text("one\ntwo\n") == f"{SYSTEM_MARK}one\n{SYSTEM_MARK}two\n"
    assert line_parts("body\n") == [(False, "body\n")]
    assert line_parts(f"{SYSTEM_MARK}note\n") == [(True, "note\n")]
    assert line_parts(f"half{SYSTEM_MARK}note\n") == [(False, "half"), (True, "note\n")]
    assert line_parts("rest of a runtime line\n", system=True) == [(True, "rest of a runtime line\n")]


def test_the_ui_sets_the_runtime_lines_apart(program_home):
    import html

    from flyte._store import SQLiteStore
    from tests.flyte.ui_support import request, serving

    store = SQLiteStore(program_home)
    try:
        with serving(store) as base:
            page = request(base + "/runs/wobbly/actions/a0?attempt=1").text
            last = request(base + "/runs/wobbly/actions/a0/logs?attempt=1").text
    finally:
        store.close()
    assert SYSTEM_MARK not in page and 'id="hide-system"' in page
    note = html.escape("flyte: attempt 1 failed (ValueError: first try fails); attempt 2 of 2 starts\n", quote=True)
    assert f'<span class="sys"><span class="ts"></span>{note}</span>' in page, page  # began inside a body's line
    assert '<span class="ts">' in page and "no newline yet\n" in page
    lines = json.loads(last)["lines"]
    assert [(text, system) for _, text, system in lines] == [
        ("body try 1\n", False), ("WARNING flyte: a warning of the runtime\n", True),
        ("INFO the task's own log line\n", False), ("no newline yet\n", False),
        ("flyte: attempt 1 failed (ValueError: first try fails); attempt 2 of 2 starts\n", True)]


def test_a_hostile_error_in_a_runtime_note_is_escaped_in_the_ui(flyte_home):
    from flyte._store import SQLiteStore
    from tests.flyte.ui_support import EVIL, request, serving

    tries = {"n": 0}

    @env.task(retries=1)
    async def hostile_once() -> int:
        tries["n"] += 1
        if tries["n"] == 1:
            raise ValueError(EVIL)
        return 1

    flyte.with_runcontext(name="hostile-note").run(hostile_once)
    store = SQLiteStore(flyte_home)
    try:
        with serving(store) as base:
            page = request(base + "/runs/hostile-note/actions/a0?attempt=1").text
    finally:
        store.close()
    assert "<script>document" not in page and "<img src=x" not in page
    assert '<span class="sys">' in page and "&lt;script&gt;document.body.dataset.pwned" in page
