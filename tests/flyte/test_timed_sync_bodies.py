"""Timeouts of sync task bodies on the inline (default) executor: an overrunning body is stopped.

A timed sync body whose task and inputs can be pickled runs in a worker process that its
deadline kills; the checks here are kill-based: each body writes its pid, and after the run the
test asks the kernel whether that process still runs, and whether anyone still reads a FIFO the
body was blocked on. A body that cannot be pickled runs in a thread that cannot be stopped; it
is fenced from the run (nothing it does after the deadline is recorded) and the action's log says
so. No test waits for time to pass: they wait for events (a process's death, a FIFO's reader).
"""

from __future__ import annotations

import errno
import importlib.util
import os
import signal
import subprocess
import sys
import threading
import time
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest

import flyte
import flyte.errors
from flyte._executor._inline import AttemptAbandoned
from flyte._store import open_store

from .executor_checks import alive

pytestmark = pytest.mark.skipif(sys.platform == "win32", reason="worker processes and FIFOs need POSIX")

env = flyte.TaskEnvironment("timed_sync")


def _note_pid(pidfile: str) -> list[int]:
    """Append this process's pid to `pidfile`; the pids noted before it (earlier attempts)."""
    before = [int(p) for p in Path(pidfile).read_text().split()] if os.path.exists(pidfile) else []
    with open(pidfile, "a") as f:
        f.write(f"{os.getpid()}\n")
    return before


@env.task(timeout=timedelta(seconds=1), retries=1)
def spins(pidfile: str, seen: str) -> int:
    earlier = _note_pid(pidfile)
    with open(seen, "a") as f:  # whether the previous attempt's body still ran when this one began
        f.write(" ".join(str(alive(pid)) for pid in earlier) + "\n")
    n = 0
    while True:  # pure Python, never returns
        n += 1


@env.task(timeout=timedelta(seconds=1))
def sleeps(pidfile: str) -> int:
    _note_pid(pidfile)
    time.sleep(3600)  # blocked in C
    return 1


@env.task
def child(x: int) -> int:
    return x


@env.task(timeout=timedelta(seconds=1))
def writes_after_its_deadline(pidfile: str, fifo: str, late: str) -> int:
    _note_pid(pidfile)
    try:
        with open(fifo) as f:  # blocked in C until someone opens the FIFO to write
            f.read()
    finally:  # what an unstoppable body would do once that call returned
        Path(late).write_text("written after the deadline")
        child(7)
    return 1


@env.task
def parent_of(task_name: str, pidfile: str, fifo: str, late: str) -> str:
    try:
        if task_name == "writes_after_its_deadline":
            writes_after_its_deadline(pidfile, fifo, late)
    except flyte.errors.TaskTimeoutError as e:
        return type(e).__name__
    return "no timeout"


def _pids(pidfile: Path) -> list[int]:
    return [int(p) for p in pidfile.read_text().split()]


def test_a_pure_python_loop_is_killed_at_its_deadline_and_retried(flyte_home, tmp_path):
    pidfile, seen = tmp_path / "pids", tmp_path / "seen"
    with pytest.raises(flyte.errors.TaskTimeoutError) as info:
        flyte.with_runcontext(name="spins").run(spins, str(pidfile), str(seen))
    assert info.value.code == "MaxRuntimeExceededError"
    first, second = _pids(pidfile)
    assert first != second and first != os.getpid() and second != os.getpid()
    assert not alive(first) and not alive(second)
    # the retry began after the first attempt's body was dead, never beside it
    assert seen.read_text().splitlines() == ["", "False"]
    action = open_store().get_action("spins", "a0")
    assert action.phase == "TIMED_OUT" and action.attempts == 2


def test_a_body_blocked_in_c_is_killed_at_its_deadline(flyte_home, tmp_path):
    pidfile = tmp_path / "pids"
    with pytest.raises(flyte.errors.TaskTimeoutError):
        flyte.with_runcontext(name="sleeps").run(sleeps, str(pidfile))
    (pid,) = _pids(pidfile)
    assert pid != os.getpid() and not alive(pid)


def test_nothing_a_body_would_do_after_its_deadline_happens(flyte_home, tmp_path):
    pidfile, fifo, late = tmp_path / "pids", tmp_path / "fifo", tmp_path / "late"
    os.mkfifo(fifo)
    run = flyte.with_runcontext(name="late").run(parent_of, "writes_after_its_deadline", str(pidfile), str(fifo),
                                                str(late))
    assert run.outputs()[0] == "MaxRuntimeExceededError"
    (pid,) = _pids(pidfile)
    assert not alive(pid)
    # Nobody reads the FIFO any more: the body blocked on it is gone, so it can never go on.
    with pytest.raises(OSError) as no_reader:
        os.close(os.open(fifo, os.O_WRONLY | os.O_NONBLOCK))
    assert no_reader.value.errno == errno.ENXIO
    assert not late.exists()
    actions = open_store().list_actions("late").actions
    assert sorted(a.task for a in actions) == ["timed_sync.parent_of", "timed_sync.writes_after_its_deadline"]


@env.task(timeout=timedelta(seconds=60))
def quick(x: int) -> int:
    return x + 1


def test_a_timed_body_that_finishes_in_time_returns_its_value(flyte_home):
    assert flyte.run(quick, 20).outputs()[0] == 21


def test_a_body_that_cannot_be_pickled_is_fenced_from_the_run_when_it_overruns(flyte_home):
    lock = threading.Lock()  # the body closes over it: it cannot be pickled, so it runs in a thread
    release, finished = threading.Event(), threading.Event()
    outcome: dict[str, str] = {}

    def stuck() -> int:
        with lock:
            pass
        try:
            release.wait()  # blocked in C until the test lets it go, after the attempt failed
        except BaseException as e:  # a body that swallows the interrupt goes on...
            outcome["interrupted"] = type(e).__name__
        try:
            child(1)  # ...but cannot record anything into the run
            outcome["nested"] = "recorded"
        except AttemptAbandoned as e:
            outcome["nested"] = str(e)
        finally:
            finished.set()
        return 1

    task = env.task(timeout=timedelta(milliseconds=500))(stuck)
    with pytest.raises(flyte.errors.TaskTimeoutError):
        flyte.with_runcontext(name="fenced").run(task)
    release.set()
    assert finished.wait(60)
    assert outcome["interrupted"] == "_Interrupt"
    assert "action a0 (timed_sync.stuck, attempt 1) of run fenced timed out" in outcome["nested"]
    store = open_store()
    assert [a.id for a in store.list_actions("fenced").actions] == ["a0"]
    page = store.get_log("fenced", "a0")
    log = page.text if page is not None else ""
    assert "action a0" in log and "cannot be pickled" in log and 'executor="process"' in log, log


ABANDONED_PROGRAM = r'''
import threading
from datetime import timedelta
import flyte, flyte.errors

env = flyte.TaskEnvironment("abandoned")
never = threading.Event()  # the body closes over it: it cannot be pickled, so it runs in a thread

def stuck() -> int:
    never.wait()  # blocked in C for good
    return 1

task = env.task(timeout=timedelta(milliseconds=300))(stuck)
try:
    flyte.run(task)
except flyte.errors.TaskTimeoutError as e:
    print("timed out:", e.code, flush=True)
'''


def test_the_process_does_not_wait_for_an_abandoned_body_when_it_exits(tmp_path):
    program = tmp_path / "abandoned.py"
    program.write_text(ABANDONED_PROGRAM)
    env = {**os.environ, "FLYTE_HOME": str(tmp_path / "home")}
    proc = subprocess.run([sys.executable, str(program)], capture_output=True, text=True, env=env, timeout=300,
                          cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert "timed out: MaxRuntimeExceededError" in proc.stdout
    assert "cannot be pickled" in proc.stderr  # the warning, on the console as in the action's log


def test_a_task_no_worker_can_import_runs_in_a_thread(flyte_home, tmp_path, monkeypatch):
    source = tmp_path / "tasks_file.py"
    source.write_text("import os\nfrom datetime import timedelta\nimport flyte\n\nenv = flyte.TaskEnvironment('unimportable')\n\n"
                      "@env.task(timeout=timedelta(seconds=60))\ndef where() -> int:\n    return os.getpid()\n")
    spec = importlib.util.spec_from_file_location("_loaded_under_another_name", source)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    monkeypatch.setitem(sys.modules, spec.name, module)  # as a test runner loads a file: no import finds it
    spec.loader.exec_module(module)
    assert flyte.run(module.where).outputs()[0] == os.getpid()


# -- a fan-out of timed sync bodies ------------------------------------------------------------------------
#
# Timed sync bodies run as wide as untimed ones on threads: the killable pool forks workers as
# attempts need them, beyond its idle size (FLYTE_MAX_WORKERS, 2 here), and shrinks back to it.
# The bodies below wait at a barrier (a directory each body adds its pid to) for all of the
# fan-out: the run finishes only if they all ran at the same time.

WIDE = 8  # more than the pool's idle size and than max_workers' default on the CI's 2 cores


def _arrive(room: str, size: int) -> None:
    """Join the barrier `room` and wait until `size` bodies have (a body that waits a minute for
    the others raises: they never ran at once)."""
    Path(room, str(os.getpid())).touch()
    deadline = time.monotonic() + 60
    while len(os.listdir(room)) < size:
        if time.monotonic() > deadline:
            raise RuntimeError(f"only {len(os.listdir(room))} of {size} timed bodies ever ran at once")
        time.sleep(0.005)


@env.task(timeout=timedelta(seconds=120))
def meet(room: str, size: int) -> int:
    _arrive(room, size)
    return os.getpid()


@env.task
async def gather_meet(room: str, size: int) -> list[int]:
    import asyncio

    return list(await asyncio.gather(*(meet.aio(room, size) for _ in range(size))))


@env.task
def map_meet(room: str, size: int) -> list[int]:
    return list(flyte.map(meet, [room] * size, [size] * size))


@env.task
def threads_meet(room: str, size: int) -> list[int]:
    import contextvars
    from concurrent.futures import ThreadPoolExecutor

    ctx = contextvars.copy_context()  # each thread calls from this action, as the SDK's threads do
    with ThreadPoolExecutor(size) as threads:
        return list(threads.map(lambda _: ctx.copy().run(meet, room, size), range(size)))


@pytest.fixture
def killable(monkeypatch):
    """A fresh killable pool that keeps 2 idle workers and retires the others as soon as idle."""
    from flyte._executor import _process

    monkeypatch.setenv("FLYTE_MAX_WORKERS", "2")
    monkeypatch.setenv("FLYTE_WORKER_IDLE_SECONDS", "0")
    monkeypatch.setattr(_process, "_killable", None)
    pool = _process.killable_pool()
    assert pool.keep_idle == 2 and pool.max_workers >= 256
    yield pool
    pool.shutdown()


@pytest.mark.parametrize("parent", [gather_meet, map_meet, threads_meet], ids=["gather", "map", "threads"])
def test_a_fan_out_of_timed_sync_bodies_runs_at_once_beyond_max_workers(flyte_home, tmp_path, killable, parent):
    room = tmp_path / "room"
    room.mkdir()
    pids = flyte.run(parent, str(room), WIDE).outputs()[0]
    assert len(set(pids)) == WIDE and os.getpid() not in pids  # WIDE worker processes, all at the barrier
    # idle, the pool goes back to its idle size: the other workers exit
    assert killable.wait_for_workers(2, timeout=60), killable.worker_pids()
    kept = killable.worker_pids()
    assert set(kept) <= set(pids)
    assert not [pid for pid in pids if pid not in kept and alive(pid)]


@env.task
async def fan_out_with_an_overrun(room: str, size: int, pidfile: str) -> list[str]:
    import asyncio

    got = await asyncio.gather(sleeps.aio(pidfile), *(meet.aio(room, size) for _ in range(size)),
                               return_exceptions=True)
    return ["timed out" if isinstance(g, flyte.errors.TaskTimeoutError) else repr(g) if isinstance(g, BaseException)
            else "ok" for g in got]


def test_a_timeout_kills_its_body_in_a_wide_fan_out(flyte_home, tmp_path, killable):
    room, pidfile = tmp_path / "room", tmp_path / "pids"
    room.mkdir()
    out = flyte.run(fan_out_with_an_overrun, str(room), WIDE, str(pidfile)).outputs()[0]
    assert out == ["timed out"] + ["ok"] * WIDE
    (pid,) = _pids(pidfile)
    assert not alive(pid)


@env.task(timeout=timedelta(seconds=120), retries=1)
def meet_then_wait(room: str, size: int, go: str) -> int:
    _arrive(room, size)
    deadline = time.monotonic() + 120
    while not os.path.exists(go):  # the test kills one of us meanwhile
        if time.monotonic() > deadline:
            raise RuntimeError("never told to go on")
        time.sleep(0.005)
    return os.getpid()


@env.task
async def gather_meet_then_wait(room: str, size: int, go: str) -> list[int]:
    import asyncio

    return list(await asyncio.gather(*(meet_then_wait.aio(room, size, go) for _ in range(size))))


def _run_in_background(run: Any) -> tuple[threading.Thread, dict]:
    box: dict = {}

    def target() -> None:
        try:
            box["out"] = run()
        except BaseException as e:
            box["error"] = e

    thread = threading.Thread(target=target, daemon=True)
    thread.start()
    return thread, box


def _wait_for(predicate: Any, what: str) -> None:
    deadline = time.monotonic() + 120
    while not predicate():
        assert time.monotonic() < deadline, what
        time.sleep(0.01)


def test_kill_9_of_a_worker_in_a_fan_out_fails_only_its_attempt(flyte_home, tmp_path, killable):
    room, go = tmp_path / "room", tmp_path / "go"
    room.mkdir()
    thread, box = _run_in_background(
        lambda: flyte.with_runcontext(name="fan").run(gather_meet_then_wait, str(room), WIDE, str(go)).outputs()[0])
    _wait_for(lambda: len(os.listdir(room)) >= WIDE or not thread.is_alive(), "the bodies never met")
    first = sorted(int(p) for p in os.listdir(room))
    victim = first[3]
    os.kill(victim, signal.SIGKILL)
    go.touch()
    thread.join(300)
    assert not thread.is_alive() and "error" not in box, box
    pids = box["out"]
    assert victim not in pids and set(first) - {victim} <= set(pids)  # its retry ran on another worker
    actions = [a for a in open_store().list_actions("fan").actions if a.task == "timed_sync.meet_then_wait"]
    assert sorted(a.attempts for a in actions) == [1] * (WIDE - 1) + [2], actions
    assert all(a.phase == "SUCCEEDED" for a in actions)
    retried = next(a for a in actions if a.attempts == 2)
    (lost,) = open_store().list_attempts("fan", retried.id)
    assert lost.error_code == "WorkerLost" and f"Worker process {victim} running task" in (lost.error or "")


@env.task(timeout=timedelta(seconds=120), retries=1)
def waits_for(room: str, go: str) -> int:
    Path(room, str(os.getpid())).touch()
    deadline = time.monotonic() + 120
    while not os.path.exists(go):
        if time.monotonic() > deadline:
            raise RuntimeError("never told to go on")
        time.sleep(0.005)
    return os.getpid()


def test_workers_die_with_their_fork_server_and_the_attempt_is_retried(flyte_home, tmp_path, killable):
    room, go = tmp_path / "room", tmp_path / "go"
    room.mkdir()
    thread, box = _run_in_background(
        lambda: flyte.with_runcontext(name="server").run(waits_for, str(room), str(go)).outputs()[0])
    _wait_for(lambda: os.listdir(room) or not thread.is_alive(), "the body never ran")
    (victim,) = (int(p) for p in os.listdir(room))
    assert killable._forks is not None
    server = killable._forks.proc.pid
    os.kill(server, signal.SIGKILL)
    _wait_for(lambda: not alive(victim), "a worker outlived its fork server")
    go.touch()
    thread.join(300)
    assert not thread.is_alive() and "error" not in box, box
    assert box["out"] not in (victim, os.getpid())  # the retry ran in a worker of a new fork server
    assert killable._forks is not None and killable._forks.proc.pid != server
    (lost,) = open_store().list_attempts("server", "a0")
    assert lost.error_code == "WorkerLost" and "SIGKILL" in (lost.error or "")


@env.task
async def calls_nothing_timed() -> int:
    return 1


def test_a_run_starts_the_killable_pools_fork_server_ahead_of_its_first_timed_call(flyte_home, monkeypatch):
    # A loaded sync task has a timeout (this module's): the run starts the pool and its fork
    # server in the background, before any timed call, so that a first fan-out need not wait for
    # the server's start; no worker is started for it.
    from flyte._executor import INLINE, _process

    monkeypatch.setattr(_process, "_killable", None)
    monkeypatch.setattr(INLINE, "_warmed", False)
    assert flyte.run(calls_nothing_timed).outputs()[0] == 1
    pool = _process._killable
    assert pool is not None
    try:
        if _process._START_BY_FORK:
            _wait_for(lambda: pool._forks is not None, "the fork server was not started ahead")
            assert alive(pool._forks.proc.pid)
        assert not pool._workers
        flyte.run(calls_nothing_timed)
        assert _process._killable is pool  # once per process
    finally:
        pool.shutdown()
