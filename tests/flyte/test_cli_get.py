"""`flyte get ...` in every output format, errors with their tracebacks, logs (also followed),
pages of actions, whole run names, distinct marks per phase, `delete run`, and a failed `flyte run`."""

from __future__ import annotations

import asyncio
import json
import os
import re
import subprocess
import sys
import textwrap
import threading
import time

import pytest
from click.testing import CliRunner

import flyte
from flyte._cli import main
from flyte._run import current_store
from flyte._store import ActionRecord, RunRecord

env = flyte.TaskEnvironment("cli_get")


@env.task
async def noisy(i: int) -> int:
    print(f"noisy {i}")
    return i


@env.task
async def breaks(x: int) -> int:
    print("breaking now")
    raise ValueError(f"broken {x}")


@env.task
async def parent(n: int) -> int:
    values = await asyncio.gather(*[noisy(i) for i in range(n)])
    return sum(values) + await breaks(n)


@pytest.fixture
def home(tmp_path, monkeypatch):
    monkeypatch.setenv("FLYTE_HOME", str(tmp_path / "home"))
    with pytest.raises(Exception, match="broken 12"):
        flyte.with_runcontext(name="broken-run").run(parent, 12)
    flyte.with_runcontext(name="fine-run").run(noisy, 5)
    return tmp_path / "home"


def cli(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(main, list(args), catch_exceptions=False)
    return result.exit_code, result.stdout, result.stderr


GETS = [
    ("get", "runs"),
    ("get", "run"),
    ("get", "run", "broken-run"),
    ("get", "actions", "broken-run"),
    ("get", "action", "broken-run", "breaks"),
    ("get", "io", "broken-run", "breaks"),
    ("get", "logs", "fine-run"),
]


@pytest.mark.parametrize("command", GETS, ids=[" ".join(c) for c in GETS])
def test_every_get_command_honours_every_output_format(home, command):
    code, out, _ = cli("-of", "json", *command)
    assert code == 0
    assert json.loads(out)  # one JSON document
    code, raw, _ = cli("-of", "json-raw", *command)
    assert code == 0 and json.loads(raw) == json.loads(out) and len(raw.strip().splitlines()) == 1
    code, simple, _ = cli("-of", "table-simple", *command)
    assert code == 0 and simple.strip()
    assert not any(ch in simple for ch in "┃│┏━└├"), simple  # plain text: no boxes, no tree lines
    code, table, _ = cli("-of", "table", *command)
    assert code == 0 and table.strip()


def test_the_sdks_scope_options_are_accepted(home):
    # scripts written for the SDK name a project and a domain; the local store has one scope
    for command in GETS:
        code, out, err = cli("-of", "json", *command, "-p", "flytesnacks", "--domain", "development")
        assert code == 0 and out == cli("-of", "json", *command)[1], (command, err)


def test_failed_actions_show_their_error_and_traceback(home):
    _, out, _ = cli("get", "run", "broken-run")
    assert "Failed in breaks" in out and "ValueError: broken 12" in out and 'raise ValueError(f"broken {x}")' in out
    _, out, _ = cli("get", "actions", "broken-run")
    assert "✕ breaks" in out and "ValueError: broken 12" in out
    _, out, _ = cli("get", "io", "broken-run", "breaks")
    assert "inputs: {'x': 12}" in out and 'raise ValueError(f"broken {x}")' in out
    data = json.loads(cli("-of", "json", "get", "io", "broken-run", "breaks")[1])
    assert data["error_code"] == "ValueError" and "Traceback" in data["error"]
    data = json.loads(cli("-of", "json", "get", "run", "broken-run")[1])
    assert data["failed_action"]["short_name"] == "breaks" and data["actions"]["failed"] == 2


def test_logs_of_an_action_by_id_or_short_name(home):
    assert cli("get", "logs", "broken-run", "breaks")[1] == "breaking now\n"
    code, _, err = cli("get", "logs", "broken-run", "noisy")
    assert code == 1 and "12 actions named 'noisy'" in err  # ambiguous: asks for an id
    store = current_store()
    some = store.list_actions("broken-run", short_name="noisy", limit=1).actions[0]
    from flyte._serde import Codec

    assert cli("get", "logs", "broken-run", some.id)[1] == f"noisy {Codec().unpack(some.inputs)['i']}\n"
    _, out, err = cli("get", "logs", "fine-run", "a0", "--lines", "1")
    assert out == "noisy 5\n"


def test_a_truncated_log_says_so(tmp_path, monkeypatch):
    monkeypatch.setenv("FLYTE_HOME", str(tmp_path / "home"))
    monkeypatch.setenv("FLYTE_LOG_LIMIT", "50")
    flyte.with_runcontext(name="long-log").run(chatty_task, 100)
    code, out, err = cli("get", "logs", "long-log")
    assert code == 0 and len(out) == 50
    assert "earlier characters were not kept" in err


@env.task
async def steps(n: int) -> int:
    for i in range(n):
        print(f"step {i}")
    print("a line in", end="")
    print(" two writes")
    return n


def _utc(stamp: str) -> float:
    from datetime import datetime, timezone

    return datetime.fromisoformat(stamp).replace(tzinfo=timezone.utc).timestamp()


def test_logs_show_when_each_line_was_written(tmp_path, monkeypatch):
    monkeypatch.setenv("FLYTE_HOME", str(tmp_path / "home"))
    flyte.with_runcontext(name="timed").run(steps, 3)
    root = current_store().get_action("timed", "a0")
    code, out, _ = cli("get", "logs", "timed", "--show-ts")
    assert code == 0
    found = [re.fullmatch(r"\[(\S+)\] (.*)", line) for line in out.splitlines()]
    assert all(found), out
    assert [m[2] for m in found] == ["step 0", "step 1", "step 2", "a line in two writes"]
    times = [_utc(m[1]) for m in found]
    # written while the action ran (not when the store committed them, after its end), in order
    assert root.start_time <= times[0] and times == sorted(times) and times[-1] <= root.end_time
    code, out, _ = cli("-of", "json", "get", "logs", "timed", "--show-ts", "--lines", "2")
    data = json.loads(out)
    assert [(line["text"], _utc(line["time"])) for line in data["lines"]] == [("step 2\n", times[2]),
                                                                             ("a line in two writes\n", times[3])]
    assert cli("get", "logs", "timed")[1].startswith("step 0\n")  # without the flag: as written


def test_pretty_logs_keep_the_last_lines_in_a_box(tmp_path, monkeypatch):
    monkeypatch.setenv("FLYTE_HOME", str(tmp_path / "home"))
    flyte.with_runcontext(name="boxed").run(steps, 5)
    code, out, err = cli("get", "logs", "boxed", "--pretty", "--lines", "2")
    assert code == 0 and "Scrolled 6 lines of logs." in err
    inside = [line.strip("│ ") for line in out.splitlines() if line.startswith("│")]
    assert inside == ["step 4", "a line in two writes"]
    assert out.splitlines()[0].startswith("╭─ boxed:a0 (steps)")


@env.task
async def chatty_task(n: int) -> int:
    for i in range(n):
        print(f"line {i}")
    return n


def test_actions_are_listed_a_page_at_a_time(home):
    code, out, err = cli("-of", "table-simple", "get", "actions", "broken-run", "--limit", "5")
    assert code == 0 and len(out.strip().splitlines()) == 6  # a header and five actions
    token = err.split("--token ")[1].strip()
    _, second, _ = cli("-of", "table-simple", "get", "actions", "broken-run", "--limit", "5", "--token", token)
    first_ids = {ln.split()[0] for ln in out.splitlines()[1:]}
    second_ids = {ln.split()[0] for ln in second.splitlines()[1:]}
    assert len(second_ids) == 5 and not first_ids & second_ids
    data = json.loads(cli("-of", "json", "get", "actions", "broken-run", "--limit", "5")[1])
    assert len(data["actions"]) == 5 and data["next_token"] == token
    everything = json.loads(cli("-of", "json", "get", "actions", "broken-run", "--all")[1])
    assert len(everything["actions"]) == 14 and everything["next_token"] is None


def test_a_large_fan_out_is_one_line_in_the_tree(home):
    _, out, _ = cli("get", "actions", "broken-run")
    assert "noisy x12  ✓ 12" in out  # 12 > 10 members: folded, with its counts
    _, out, _ = cli("get", "actions", "broken-run", "--parent", "a0")  # unfolded on request
    assert out.count("✓ noisy") == 12
    _, out, _ = cli("get", "actions", "broken-run", "--in-phase", "failed")
    assert "✕ breaks" in out and "noisy" not in out


def _record_run(name: str, phase: str, start: float) -> None:
    store = current_store()
    store.run_started(RunRecord(name, "m.t", phase, start, None if phase == "RUNNING" else start + 1, None, None, None,
                                None, "someone-else", None, None, None))
    store.action_finished(ActionRecord(name, "a0", None, "m.t", "t", None, "task", phase, 1, start, start + 1, None,
                                       None, None, None, None))


def test_run_names_are_never_cut_and_every_phase_has_its_own_mark(tmp_path, monkeypatch):
    monkeypatch.setenv("FLYTE_HOME", str(tmp_path / "home"))
    monkeypatch.setenv("COLUMNS", "80")
    long_name = "nightly-training-" + "x" * 100 + "-end"
    now = time.time()
    _record_run(long_name, "SUCCEEDED", now)
    _record_run("still-going", "RUNNING", now + 1)
    _record_run("stopped", "ABORTED", now + 2)
    _record_run("too-slow", "TIMED_OUT", now + 3)
    for fmt in ("table", "table-simple"):
        _, out, _ = cli("-of", fmt, "get", "runs")
        assert long_name in out, out
    _, out, _ = cli("get", "runs")
    marks = {line.split("│")[1].strip(): line.split("│")[3].strip() for line in out.splitlines() if line.startswith("│")}
    assert marks["still-going"].startswith("▶") and marks["stopped"].startswith("⊘") and marks["too-slow"].startswith("⏱")
    assert len({m.split()[0] for m in marks.values()}) == 4


def test_delete_run_removes_its_records_and_files(home):
    run_dir = home / "runs" / "fine-run"
    assert run_dir.exists()
    code, out, _ = cli("delete", "run", "fine-run")
    assert code == 0 and "Deleted run fine-run and its files" in out
    assert not run_dir.exists() and current_store().get_run("fine-run") is None
    assert current_store().get_log("fine-run", "a0") is None
    code, _, err = cli("delete", "run", "fine-run")
    assert code == 1 and "No run named 'fine-run'" in err


PROGRAM = textwrap.dedent(
    """
    import flyte
    env = flyte.TaskEnvironment("failing_cli")

    def helper(x):
        raise ValueError(f"bad {x}")

    @env.task
    async def boom(x: int) -> int:
        return helper(x)

    @env.task
    async def main(x: int) -> int:
        return await boom(x)
    """
)


def test_a_failed_run_names_the_run_the_action_and_the_traceback(tmp_path):
    path = tmp_path / "prog.py"
    path.write_text(PROGRAM)
    env_vars = {**os.environ, "FLYTE_HOME": str(tmp_path / "home")}
    proc = subprocess.run([sys.executable, "-m", "flyte._cli", "run", "--name", "sad-run", str(path), "main", "--x", "4"],
                          capture_output=True, text=True, env=env_vars, timeout=120)
    assert proc.returncode == 1
    err = proc.stderr
    assert "Execution failed: ValueError: bad 4" in err and "Run sad-run failed" in err
    assert "Failed in boom" in err and 'raise ValueError(f"bad {x}")' in err
    assert "_controller" not in err  # the runtime's frames are hidden ...
    proc = subprocess.run([sys.executable, "-m", "flyte._cli", "-v", "run", str(path), "main", "--x", "4"],
                          capture_output=True, text=True, env=env_vars, timeout=120)
    assert "_controller" in proc.stderr  # ... unless asked for
    proc = subprocess.run([sys.executable, "-m", "flyte._cli", "-of", "json", "run", "--name", "sad-json", str(path),
                           "main", "--x", "4"], capture_output=True, text=True, env=env_vars, timeout=120)
    data = json.loads(proc.stdout)
    assert proc.returncode == 1 and data["run"] == "sad-json" and data["failed_action"]["short_name"] == "boom"


FOLLOWED = textwrap.dedent(
    """
    import os, flyte
    env = flyte.TaskEnvironment("followed")

    @env.task
    def main(n: int) -> int:
        with open(os.environ["GATE"]) as gate:   # one line from the test = one more line printed
            for i in range(n):
                gate.readline()
                print(f"tick {i}", flush=True)
        return n
    """
)


def test_get_logs_follow_prints_output_as_it_comes_and_stops_when_the_action_ends(tmp_path):
    path = tmp_path / "followed.py"
    path.write_text(FOLLOWED)
    fifo = tmp_path / "gate"
    os.mkfifo(fifo)
    env_vars = {**os.environ, "FLYTE_HOME": str(tmp_path / "home"), "GATE": str(fifo)}
    run = subprocess.Popen([sys.executable, "-m", "flyte._cli", "run", "--name", "followed", str(path), "main", "--n", "3"],
                           env=env_vars, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    follower = subprocess.Popen([sys.executable, "-m", "flyte._cli", "get", "logs", "followed", "--follow"],
                                env=env_vars, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    lines: list[str] = []

    def read() -> None:
        for line in follower.stdout:
            lines.append(line)

    reader = threading.Thread(target=read, daemon=True)
    reader.start()
    try:
        with open(fifo, "w") as gate:
            for i in range(3):
                gate.write("next\n")
                gate.flush()
                deadline = time.monotonic() + 60
                while len(lines) < i + 1:  # the follower shows each line while the run still waits for the next
                    assert time.monotonic() < deadline, (lines, follower.poll())
                    time.sleep(0.05)
                assert lines[i] == f"tick {i}\n"
                # still following while the run waits at the gate; after the last line the run may end at once
                assert i == 2 or follower.poll() is None
        assert run.wait(120) == 0
        assert follower.wait(120) == 0  # it stops by itself once the action ended
        reader.join(10)
        assert lines == ["tick 0\n", "tick 1\n", "tick 2\n"]
    finally:
        for p in (run, follower):
            if p.poll() is None:
                p.kill()
                p.wait()
