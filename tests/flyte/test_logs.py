"""What task bodies print and log is kept with the action that wrote it (and still shown)."""

import asyncio
import logging
import sys
import threading
import time

import pytest

import flyte
import flyte.report
from flyte._controller import Recorder, capturing
from flyte._run import current_store
from flyte._store._logs import SYSTEM_MARK

env = flyte.TaskEnvironment("logs")


def _logs(run) -> dict:
    """{short name: [text of each action with that short name]} of a finished run."""
    store = current_store()
    out: dict = {}
    for a in store.list_actions(run.name).actions:
        page = store.get_log(run.name, a.id)
        out.setdefault(a.short_name, []).append(page.text if page else "")
    return out


@env.task
async def chatty(x: int) -> int:
    print(f"stdout {x}")
    print(f"stderr {x}", file=sys.stderr)
    flyte.logger.info("user logger %d", x)
    return x


def test_stdout_stderr_and_logging_of_an_action_are_stored_and_still_shown(any_store, capsys):
    before = sys.stdout
    run = flyte.run(chatty, 7)
    text = _logs(run)["chatty"][0]
    assert text.splitlines() == ["stdout 7", "stderr 7", "INFO user logger 7"]
    shown = capsys.readouterr()
    assert "stdout 7" in shown.out and "stderr 7" in shown.err and "INFO user logger 7" in shown.err
    assert sys.stdout is before and not capturing()  # the streams are back after the run


# Two children that take turns writing: each waits for the other's line before its next one, so
# their output interleaves on the terminal in a known order, without timing anything.
_turns: dict = {}


@env.task
async def turn_taker(me: str, other: str) -> str:
    for i in range(3):
        if me == "b" or i:
            await _turns[other].wait()
            _turns[other].clear()
        print(f"{me}{i}")
        _turns[me].set()
    return me


@env.task
async def interleaved() -> list[str]:
    _turns.update(a=asyncio.Event(), b=asyncio.Event())
    first = turn_taker.override(short_name="left")
    second = turn_taker.override(short_name="right")
    return list(await asyncio.gather(first("a", "b"), second("b", "a")))


def test_concurrent_children_are_kept_apart_and_prefixed_on_the_terminal(any_store, capsys):
    run = flyte.run(interleaved)
    logs = _logs(run)
    assert logs["left"] == ["a0\na1\na2\n"] and logs["right"] == ["b0\nb1\nb2\n"]
    shown = capsys.readouterr().out.splitlines()
    # Lines are prefixed while the other writer is still running: not the first line (nobody
    # else had written), not the last one (left had returned by then).
    assert shown[:6] == ["a0", "[right] b0", "[left] a1", "[right] b1", "[left] a2", "b2"]


@env.task
async def step(i: int) -> int:
    print(f"step {i}")
    return i


@env.task
async def sequential() -> int:
    print("start")
    total = 0
    for i in range(3):
        total += await step(i)
    print("end")
    return total


def test_sequential_output_is_not_prefixed(any_store, capsys):
    run = flyte.run(sequential)
    assert capsys.readouterr().out.splitlines()[:5] == ["start", "step 0", "step 1", "step 2", "end"]
    assert _logs(run)["step"] == ["step 0\n", "step 1\n", "step 2\n"]


_barrier = threading.Barrier(2, timeout=60)


@env.task
def threaded(me: str) -> str:
    print(f"{me} before")
    _barrier.wait()  # both bodies run at once, in two threads
    print(f"{me} after")
    return me


@env.task
async def two_threads() -> list[str]:
    return list(await asyncio.gather(threaded.aio("x"), threaded.aio("y")))


def test_sync_children_in_threads_are_kept_apart(any_store):
    logs = _logs(flyte.run(two_threads))
    assert sorted(logs["threaded"]) == ["x before\nx after\n", "y before\ny after\n"]


@env.task
def item(i: int) -> int:
    print(f"item {i}")
    return i


@env.task
def mapper(n: int) -> int:
    return sum(flyte.map(item, range(n)))


@flyte.trace
async def traced_step(x: int) -> int:
    print(f"traced {x}")
    return x


@env.task
async def with_trace() -> int:
    return await traced_step(3)


def test_map_items_and_traces_have_their_own_logs(any_store):
    logs = _logs(flyte.run(mapper, 5))
    assert sorted(logs["item"]) == [f"item {i}\n" for i in range(5)]
    logs = _logs(flyte.run(with_trace))
    assert logs["traced_step"] == ["traced 3\n"]


_tries: dict = {"n": 0}


@env.task(retries=2)
async def flaky() -> int:
    _tries["n"] += 1
    print(f"try {_tries['n']}")
    if _tries["n"] < 2:
        raise ValueError("not yet")
    return _tries["n"]


def test_each_attempt_keeps_its_own_output(any_store):
    _tries["n"] = 0
    run = flyte.run(flaky)
    store = current_store()
    aid = "a0"
    assert store.log_attempts(run.name, aid) == [1, 2]
    # the failed attempt's log ends with the runtime's note (marked as the runtime's) on what followed
    assert store.get_log(run.name, aid, attempt=1).text == (
        "try 1\n" + SYSTEM_MARK + "flyte: attempt 1 failed (ValueError: not yet); attempt 2 of 3 starts\n")
    assert store.get_log(run.name, aid).text == "try 2\n"


@env.task
async def very_chatty(n: int) -> int:
    for i in range(n):
        print(f"line {i:06d}")
    return n


def test_a_chatty_task_keeps_only_its_tail(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("FLYTE_HOME", str(tmp_path / "home"))
    monkeypatch.setenv("FLYTE_LOG_LIMIT", "1200")
    run = flyte.run(very_chatty, 5000)
    capsys.readouterr()
    page = current_store().get_log(run.name, "a0")
    assert len(page.text) == 1200 and page.text.endswith("line 004999\n")
    assert page.dropped == 5000 * 12 - 1200


def test_a_logging_handler_configured_before_the_run_is_captured_and_restored(any_store, capsys):
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(logging.Formatter("CONFIGURED %(message)s"))
    lib = logging.getLogger("configured.library")
    lib.addHandler(handler)
    lib.propagate = False
    try:
        run = flyte.run(library_user)
        assert _logs(run)["library_user"] == ["CONFIGURED from the library\n"]
        assert handler.stream is sys.stderr  # pointed back at what it wrote to before
    finally:
        lib.removeHandler(handler)
        lib.propagate = True


@env.task
async def library_user() -> None:
    logging.getLogger("configured.library").warning("from the library")


PROGRAM = """
import logging, flyte
env = flyte.TaskEnvironment("plain")

@env.task
async def main() -> int:
    logging.getLogger("lib").warning("unconfigured warning")   # Python's last-resort handler
    logging.getLogger("lib").info("not shown: below the root's level")
    print("printed")
    return 1

if __name__ == "__main__":
    run = flyte.with_runcontext(name="plain-run").run(main)
    from flyte._run import current_store
    print("STORED " + repr(current_store().get_log("plain-run", "a0").text))
"""


def test_logging_of_a_program_that_configured_nothing(tmp_path):
    import os
    import subprocess

    path = tmp_path / "plain.py"
    path.write_text(PROGRAM)
    proc = subprocess.run([sys.executable, str(path)], capture_output=True, text=True,
                          env={**os.environ, "FLYTE_HOME": str(tmp_path / "home")}, timeout=120)
    assert proc.returncode == 0, proc.stderr
    assert "unconfigured warning" in proc.stderr and "printed" in proc.stdout
    assert "STORED 'unconfigured warning\\nprinted\\n'" in proc.stdout


def test_output_outside_actions_is_not_captured(any_store, capsys):
    print("outside")
    assert capsys.readouterr().out == "outside\n"
    assert not capturing()


@env.task(report=True)
async def reporting() -> None:
    flyte.report.log("<p>hello report</p>")


def test_reports_are_recorded_with_the_action(any_store):
    run = flyte.run(reporting)
    assert "hello report" in current_store().get_report(run.name, "a0")


def test_recorder_output_is_the_one_entry_point_for_forwarded_output(any_store):
    """What an executor that runs bodies elsewhere does with a worker's output."""
    store = current_store()
    recorder = Recorder(store, "forwarded")
    recorder.output("a0", 1, "from a worker\n")
    assert store.get_log("forwarded", "a0").text == "from a worker\n"
    assert "output" in Recorder.REMOTE_METHODS


def test_output_a_worker_sends_in_chunks_keeps_the_time_of_each_write(any_store):
    """A worker (Ray) sends output a chunk at a time; each line keeps the time it was written there."""
    from flyte._executor._remote import RemoteRecorder

    store = current_store()
    controller = Recorder(store, "chunked")
    sent = []

    class Worker(RemoteRecorder):
        __slots__ = ()

        def _forward(self, method, *args):
            sent.append((method, args))
            return getattr(controller, method)(*args)

    worker = Worker(None, "chunked", False)
    before = time.time()
    worker.output("a0", 1, "one\n")
    worker.output("a0", 1, "two")
    middle = time.time()
    worker.output("a0", 1, "\nthree\n")
    worker.send_output()
    after = time.time()
    [(method, (aid, attempt, text, stamps))] = sent  # one message for the three writes
    assert (method, aid, attempt, text) == ("output", "a0", 1, "one\ntwo\nthree\n")
    assert [i for i, _ in stamps] == [0, 4, 7]
    lines = store.get_log("chunked", "a0").lines()
    assert [line for _, line in lines] == ["one\n", "two\n", "three\n"]
    assert before <= lines[0][0] <= lines[1][0] <= middle <= lines[2][0] <= after


@pytest.fixture(autouse=True)
def _no_capture_left_behind():
    yield
    assert not capturing()
