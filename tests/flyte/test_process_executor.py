"""The process executor: sync task bodies in a pool of worker processes.

The programs under executor_programs/ (shared with the Ray executor's tests) run in a fresh
interpreter with FLYTE_EXECUTOR=process, as a user would run them; faults are real (kill -9, a
segfault, an address-space limit, os._exit, a kill -9 of the driver itself).
"""

from __future__ import annotations

import asyncio
import codecs
import json
import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

import flyte
import flyte._run
from flyte._executor import INLINE, _process, select_executor
from flyte._executor._process import ProcessExecutor, process_executor

from .executor_checks import alive, check_distribute_run

PROGRAMS = Path(__file__).parent / "executor_programs"

pytestmark = pytest.mark.skipif(sys.platform == "win32", reason="worker processes need POSIX")


def run_program(name: str, tmp_path: Path, *args: str, workers: int = 2, timeout: float = 300) -> dict:
    env = {**os.environ, "FLYTE_EXECUTOR": "process", "FLYTE_MAX_WORKERS": str(workers),
           "FLYTE_HOME": str(tmp_path / "home")}
    proc = subprocess.run([sys.executable, str(PROGRAMS / name), *args], capture_output=True, text=True, env=env,
                          timeout=timeout, cwd=tmp_path)
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-5000:]
    line = proc.stdout.strip().splitlines()[-1]
    return {**json.loads(line.removeprefix("@@RESULT@@")), "_stdout": proc.stdout, "_stderr": proc.stderr}


# -- the same programs as on Ray -----------------------------------------------------------------------


def test_sync_bodies_run_in_worker_processes_and_every_call_is_recorded(tmp_path: Path) -> None:
    result = run_program("distribute.py", tmp_path)
    check_distribute_run(result, tmp_path / "home")


def test_retries_errors_and_timeouts_in_worker_processes(tmp_path: Path) -> None:
    marks = tmp_path / "marks"
    marks.mkdir()
    result = run_program("failures.py", tmp_path, str(marks))
    out = result["out"]
    assert out["flaky"] == 3
    assert out["catcher"].startswith("caught ValueError on pid ")
    assert int(out["catcher"].rsplit(" ", 1)[1]) != result["driver"]
    assert out["timeout"] == "MaxRuntimeExceededError"
    assert out["timeout_seconds"] < 30  # the 60 s sleep was killed, not waited out
    phases = {a["task"].rsplit(".", 1)[-1]: (a["phase"], a["attempts"]) for a in result["actions"]}
    assert phases["flaky"] == ("SUCCEEDED", 2)
    assert phases["broken"][0] == "FAILED"
    assert phases["sleepy"][0] == "TIMED_OUT"


def test_a_failed_run_resumes_without_rerunning_finished_worker_actions(tmp_path: Path) -> None:
    marks = tmp_path / "marks"
    marks.mkdir()
    result = run_program("resume.py", tmp_path, str(marks))
    assert result["first"] == "RuntimeUserError"
    assert result["out"] == ["s0", "s1", "s2"]
    assert result["executions"] == {"step-0": 1, "step-1": 1, "step-2": 2, "stamp-0": 1, "stamp-1": 1, "stamp-2": 1}


# -- workers that die -------------------------------------------------------------------------------------


def test_a_dying_worker_fails_its_attempt_clearly_and_is_replaced(tmp_path: Path) -> None:
    marks = tmp_path / "marks"
    marks.mkdir()
    result = run_program("worker_faults.py", tmp_path, str(marks))
    actions, marks_seen = result["actions"], result["marks"]
    for name in ("killed", "segfault", "out_of_memory", "exits", "hangs"):
        first, second = marks_seen[name]
        # retried per the task's policy, on another (fresh) worker; the first one is gone
        assert actions[name]["phase"] == "SUCCEEDED" and actions[name]["attempts"] == 2, name
        assert result["out"][name] == second != first, name
        assert not alive(first), f"{name}: worker {first} still runs"
        assert second != result["driver"]
    failed = {name: actions[name]["failed"][0] for name in actions if actions[name]["failed"]}
    assert failed["killed"]["code"] == "WorkerLost"
    assert f"Worker process {marks_seen['killed'][0]} running task 'worker_faults.killed'" in failed["killed"]["error"]
    assert "was killed (SIGKILL" in failed["killed"]["error"]
    assert "about to be killed" in failed["killed"]["error"]  # what it last wrote to stderr
    assert failed["segfault"]["code"] == "WorkerLost"
    assert "crashed with a segmentation fault (SIGSEGV)" in failed["segfault"]["error"]
    assert "in segfault" in failed["segfault"]["error"]  # faulthandler's stack names the body
    assert failed["out_of_memory"]["code"] == "MemoryError"
    assert "OOMError: The task ran out of memory in worker process" in failed["out_of_memory"]["error"]
    assert "worker_faults.py\", line" in failed["out_of_memory"]["error"]  # the body's own frame and file
    assert failed["exits"]["code"] == "WorkerLost" and "exited with status 7" in failed["exits"]["error"]
    assert failed["hangs"]["code"] == "MaxRuntimeExceededError"
    # without retries the caller gets a system error naming the cause
    lost = result["out"]["always_killed"]
    assert (lost["class"], lost["code"]) == ("RuntimeSystemError", "WorkerLost")
    assert "running task 'worker_faults.always_killed'" in lost["message"] and "SIGKILL" in lost["message"]
    assert actions["always_killed"]["phase"] == "FAILED"


def kill_a_busy_worker(tmp_path: Path, retries: int) -> tuple[dict, int, int]:
    """Runs killed_worker.py, `kill -9`s the worker running item 0 from here while item 1 runs
    on the other worker, then lets item 1 finish. Returns the program's result and both pids."""
    marks = tmp_path / "marks"
    marks.mkdir()
    env = {**os.environ, "FLYTE_EXECUTOR": "process", "FLYTE_MAX_WORKERS": "2", "FLYTE_HOME": str(tmp_path / "home")}
    driver = subprocess.Popen([sys.executable, str(PROGRAMS / "killed_worker.py"), str(marks), str(retries)], env=env,
                              cwd=tmp_path, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        deadline = time.monotonic() + 120
        while not (list(marks.glob("victim-*")) and list(marks.glob("steady-*"))):  # both bodies are running
            assert driver.poll() is None, driver.communicate()
            assert time.monotonic() < deadline, "the bodies never ran side by side"
            time.sleep(0.02)
        victim = int(next(marks.glob("victim-*")).name.split("-")[1])
        steady = int(next(marks.glob("steady-*")).name.split("-")[1])
        assert victim != steady and alive(victim) and alive(steady)
        os.kill(victim, signal.SIGKILL)
        (marks / "go").touch()
        stdout, stderr = driver.communicate(timeout=300)
    finally:
        if driver.poll() is None:
            driver.kill()
            driver.communicate()
    assert driver.returncode == 0, stdout[-3000:] + stderr[-5000:]
    result = json.loads(stdout.strip().splitlines()[-1].removeprefix("@@RESULT@@"))
    return result, victim, steady


def executions(result: dict) -> dict[int, list[int]]:
    """Item -> the pids of the workers that executed its body, in order."""
    runs: dict[int, list[int]] = {}
    for mark in result["executions"]:
        _, i, n, pid = mark.split("-")
        runs.setdefault(int(i), []).insert(int(n), int(pid))
    return runs


def test_a_worker_killed_from_outside_is_retried_and_its_neighbour_is_untouched(tmp_path: Path) -> None:
    result, victim, steady = kill_a_busy_worker(tmp_path, retries=1)
    assert result["out"] == [0, 1, 4, 9]
    ran = executions(result)
    assert ran[0][0] == victim and len(ran[0]) == 2 and ran[0][1] not in (victim, result["driver"])
    assert ran[1] == [steady] and len(ran[2]) == 1 and len(ran[3]) == 1  # nothing else ran twice
    assert result["final"]["phase"] == "SUCCEEDED"
    items = result["final"]["items"]
    assert len(items) == 4 and all(a["phase"] == "SUCCEEDED" for a in items)
    retried = [a for a in items if a["attempts"] == 2]
    assert len(retried) == 1 and sorted(a["attempts"] for a in items) == [1, 1, 1, 2]
    killed = retried[0]["tried"][0]
    assert killed["code"] == "WorkerLost"
    assert f"Worker process {victim} running task 'killed_worker.item'" in killed["error"]
    assert "was killed (SIGKILL" in killed["error"]
    assert not alive(victim)
    assert steady in result["live"] and victim not in result["live"]  # the neighbour kept its worker
    assert len(result["live"]) == 2  # and the pool replaced the killed one


def test_a_worker_killed_without_retries_fails_the_run_which_resumes_only_the_lost_item(tmp_path: Path) -> None:
    result, victim, steady = kill_a_busy_worker(tmp_path, retries=0)
    error = result["error"]
    assert (error["class"], error["code"]) == ("RuntimeSystemError", "WorkerLost")
    assert f"Worker process {victim} running task 'killed_worker.item'" in error["message"]
    first = result["first"]
    assert first["phase"] == "FAILED"
    assert sorted(a["phase"] for a in first["items"]) == ["FAILED", "SUCCEEDED", "SUCCEEDED", "SUCCEEDED"]
    lost = next(a for a in first["items"] if a["phase"] == "FAILED")
    assert lost["attempts"] == 1 and lost["tried"][0]["code"] == "WorkerLost"
    # the same run again: the three items that finished are replayed from the store, not rerun
    assert result["out"] == [0, 1, 4, 9]
    ran = executions(result)
    assert ran[0][0] == victim and len(ran[0]) == 2
    assert ran[1] == [steady] and len(ran[2]) == 1 and len(ran[3]) == 1
    assert result["final"]["phase"] == "SUCCEEDED"
    assert [a["phase"] for a in result["final"]["items"]] == ["SUCCEEDED"] * 4


def test_workers_die_with_a_killed_driver(tmp_path: Path) -> None:
    marks = tmp_path / "marks"
    marks.mkdir()
    env = {**os.environ, "FLYTE_EXECUTOR": "process", "FLYTE_MAX_WORKERS": "2", "FLYTE_HOME": str(tmp_path / "home")}
    driver = subprocess.Popen([sys.executable, str(PROGRAMS / "hang.py"), str(marks)], env=env, cwd=tmp_path,
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        deadline = time.monotonic() + 120
        while len(list(marks.glob("worker-*"))) < 2:  # both workers are running a body
            assert driver.poll() is None, driver.communicate()
            assert time.monotonic() < deadline, "the workers never started"
            time.sleep(0.05)
        workers = [int(p.name.split("-")[1]) for p in marks.glob("worker-*")]
        assert all(alive(pid) for pid in workers)
    finally:
        driver.send_signal(signal.SIGKILL)
        driver.communicate()
    deadline = time.monotonic() + 30
    while any(alive(pid) for pid in workers) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not [pid for pid in workers if alive(pid)], "workers outlived their driver"


# -- output, per action ------------------------------------------------------------------------------------


def _logs(tmp_path: Path, run: str, aid: str) -> str:
    env = {**os.environ, "FLYTE_HOME": str(tmp_path / "home")}
    proc = subprocess.run([sys.executable, "-m", "flyte._cli", "get", "logs", run, aid], capture_output=True,
                          text=True, env=env, timeout=120, cwd=tmp_path)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    return proc.stdout


def test_what_a_body_prints_is_kept_per_action_and_shown(tmp_path: Path) -> None:
    result = run_program("output.py", tmp_path)
    chatty = [aid for aid, task in result["actions"].items() if task == "chatty"]
    assert len(chatty) == 3
    for aid in chatty:
        log = _logs(tmp_path, result["run"], aid)  # `flyte get logs RUN ACTION`, from the store
        i = log.split("hello from item ", 1)[1].split("\n", 1)[0]
        # stdout and stderr travel through separate pipes: each stream's lines in its own order
        stdout = [f"hello from item {i}", f"raw write from item {i}", f"C printf from item {i}",
                  f"thread of item {i}", f"\u00e9\u00e9\u00e9 {i}"]
        lines = log.splitlines()
        assert sorted(lines) == sorted([*stdout, f"warning from item {i}"]), log
        assert [line for line in lines if not line.startswith("warning")] == stdout
    quiet = [aid for aid, task in result["actions"].items() if task == "quiet"]
    assert _logs(tmp_path, result["run"], quiet[0]) == ""
    # and the driver shows it, as it shows an inline body's output
    for i in range(3):
        assert f"C printf from item {i}" in result["_stdout"]
        assert f"warning from item {i}" in result["_stderr"]


def _bare_worker() -> _process._Worker:
    """A worker record with no process behind it: what the pool keeps to assemble its output."""
    worker = _process._Worker.__new__(_process._Worker)
    worker.attempt = None
    worker.tail = bytearray()
    worker.fragments = {}
    worker.decoders = {s: codecs.getincrementaldecoder("utf-8")(errors="replace") for s in ("stdout", "stderr")}
    return worker


def test_each_stream_is_passed_on_in_whole_lines(monkeypatch: pytest.MonkeyPatch) -> None:
    """`print` writes its text and its newline apart, and the two pipes are read apart: the start
    of a stdout line read before a whole stderr line must not have that line land inside it."""
    got: list[tuple[str, str]] = []
    late = threading.Event()

    def output(run: object, aid: object, attempt: int, stream: str, text: str) -> None:
        got.append((stream, text))
        if text == "prompt: ":
            late.set()

    monkeypatch.setattr(_process, "body_output", output)
    pool = ProcessExecutor(1, prestart=False)
    worker = _bare_worker()

    async def feed(*chunks: tuple[str, bytes], end: bool = False) -> None:
        for stream, data in chunks:
            pool._output(worker, stream, data)
        if end:
            pool._pass_fragments(worker)  # what the attempt's end does

    def on_loop(*chunks: tuple[str, bytes], end: bool = False) -> None:
        asyncio.run_coroutine_threadsafe(feed(*chunks, end=end), pool._loop).result(30)

    try:
        on_loop(("stdout", b"hello"), ("stderr", b"warning\n"), ("stdout", b" world\nprogress 50%\r"),
                ("stdout", "caf\u00e9 ".encode()[:4]), ("stdout", "caf\u00e9 ".encode()[4:] + b"tail"), end=True)
        assert got == [("stderr", "warning\n"), ("stdout", "hello world\nprogress 50%\r"), ("stdout", "caf\u00e9 tail")]
        # an unended line is passed on by itself after a while, without the attempt ending
        got.clear()
        on_loop(("stdout", b"prompt: "))
        assert late.wait(30)
        assert got == [("stdout", "prompt: ")]
    finally:
        pool.shutdown()


# -- in this process: the pool itself ---------------------------------------------------------------------

env = flyte.TaskEnvironment(name="proc_exec")


@env.task
def where() -> int:
    return os.getpid()


@env.task
def depth(n: int) -> list[int]:
    # nested sync calls from a worker: each level waits for the next, which needs a worker too
    return [os.getpid(), *depth(n - 1)] if n > 0 else [os.getpid()]


@env.task
def nested(n: int) -> list[int]:
    return depth(n)


@env.task
def unpicklable() -> object:
    import threading

    return threading.Lock()  # no pickler takes a lock


@env.task
def meet(room: str, size: int) -> int:
    """Arrives in `room` and waits until `size` bodies have: they overlap, or this fails."""
    Path(room, str(os.getpid())).touch()
    deadline = time.monotonic() + 120
    while len(os.listdir(room)) < size:
        if time.monotonic() > deadline:
            raise TimeoutError(f"only {len(os.listdir(room))} of {size} bodies ever ran at once")
        time.sleep(0.01)
    return os.getpid()


@env.task
def meet_all(room: str, size: int) -> list[int]:
    return list(flyte.map(meet, [room] * size, [size] * size))


@env.task
def fails(x: int) -> int:
    raise KeyError(f"no item {x}")


@env.task
def call_fails(x: int) -> int:
    return fails(x)


@env.task
async def gather_where(n: int) -> list[int]:
    import asyncio

    return await asyncio.gather(*(where.aio() for _ in range(n)))


@pytest.fixture
def process_run(monkeypatch):
    """flyte.init(executor="process", max_workers=...) for one test, undone after it."""
    monkeypatch.setattr(flyte._run._config, "executor", None)
    monkeypatch.setattr(flyte._run._config, "max_workers", None)
    yield
    monkeypatch.setattr(flyte._run._config, "executor", None)


def test_init_chooses_the_process_executor_and_its_size(process_run) -> None:
    flyte.init(executor="process", max_workers=1)
    pids = flyte.run(gather_where, 3).outputs()[0]
    pool = flyte._executor._process._executor
    assert isinstance(pool, ProcessExecutor) and pool.max_workers == 1
    assert os.getpid() not in pids
    assert len(set(pids)) == 1  # one worker computes at a time: the pool grew no further
    flyte.init(executor="local")
    assert flyte.run(gather_where, 2).outputs()[0] == [os.getpid()] * 2


def test_workers_compute_at_once(process_run, tmp_path: Path) -> None:
    flyte.init(executor="process", max_workers=2)
    pids = flyte.run(meet_all, str(tmp_path), 2).outputs()[0]
    assert len(set(pids)) == 2 and os.getpid() not in pids


def test_nested_sync_calls_from_workers_do_not_deadlock_a_one_worker_pool(process_run) -> None:
    flyte.init(executor="process", max_workers=1)
    pids = flyte.run(nested, 3).outputs()[0]
    assert len(pids) == 4 and os.getpid() not in pids
    assert len(set(pids)) == 4  # each waiting level holds its process; the callee gets another


def test_a_body_failure_shows_the_workers_traceback(process_run) -> None:
    flyte.init(executor="process", max_workers=1)
    with pytest.raises(flyte.errors.RuntimeUserError, match="no item 3") as info:
        flyte.run(call_fails, 3)
    assert info.value.code == "KeyError"
    store = flyte._run.current_store()
    run = store.list_runs(1)[0]
    action = next(a for a in store.list_actions(run.name).actions if a.task.endswith(".fails"))
    assert "in fails" in action.error and "test_process_executor.py" in action.error
    assert "_process.py" not in action.error  # not the executor's frames waiting for it


def test_a_result_that_cannot_travel_back_is_a_clear_error(process_run) -> None:
    flyte.init(executor="process", max_workers=1)

    @env.task
    def parent() -> object:
        return unpicklable()

    with pytest.raises(flyte.errors.RuntimeUserError, match="cannot be sent back from its worker process"):
        flyte.run(parent)


def test_bad_executor_settings_are_clear_errors(process_run) -> None:
    with pytest.raises(ValueError, match="executor='dask' is not an executor; use one of: local, process, ray"):
        flyte.init(executor="dask")
    with pytest.raises(ValueError, match="max_workers must be a positive number of worker processes, got 0"):
        flyte.init(executor="process", max_workers=0)
    assert select_executor("local") is INLINE


def test_bad_max_workers_in_the_environment_is_a_clear_error(monkeypatch) -> None:
    monkeypatch.setenv("FLYTE_MAX_WORKERS", "many")
    with pytest.raises(ValueError, match="FLYTE_MAX_WORKERS='many' is not a number of worker processes"):
        process_executor()


def test_cli_executor_option_runs_in_worker_processes(tmp_path: Path) -> None:
    program = tmp_path / "prog.py"
    program.write_text(
        "import os\nimport flyte\nenv = flyte.TaskEnvironment(name='cli_proc')\n"
        "@env.task\ndef where() -> int:\n    return os.getpid()\n"
        "@env.task\ndef main() -> str:\n    return 'driver' if where() == os.getpid() else 'worker'\n"
    )
    env_vars = {k: v for k, v in os.environ.items() if k not in ("FLYTE_EXECUTOR", "FLYTE_MAX_WORKERS")}
    env_vars["FLYTE_HOME"] = str(tmp_path / "home")
    proc = subprocess.run([sys.executable, "-m", "flyte._cli", "run", "--executor", "process", "--max-workers", "1",
                           str(program), "main"], capture_output=True, text=True, env=env_vars, timeout=300,
                          cwd=tmp_path)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert 'o0="worker"' in proc.stdout
