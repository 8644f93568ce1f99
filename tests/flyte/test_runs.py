"""Runs: the run object, naming, resuming a failed run, and surviving a crash."""

import asyncio
import os
import subprocess
import sys
import textwrap

import pytest

import flyte
import flyte.errors
from flyte._run import RunExistsError, _Runner
from flyte._store import SQLiteStore, open_store
from flyte.io import File

env = flyte.TaskEnvironment("runs")


@env.task
async def pair(x: int) -> tuple[int, str]:
    return x, str(x)


@env.task
async def nothing() -> None:
    return None


def test_run_object():
    run = flyte.with_runcontext(name="named-run-1").run(pair, 5)
    assert run.name == "named-run-1"
    out = run.outputs()
    assert out[0] == 5 and out[1] == "5" and len(out) == 2
    assert out.named_outputs == {"o0": 5, "o1": "5"}
    assert repr(out) == 'ActionOutputs(o0=5, o1="5")'  # as the SDK prints them
    assert run.phase == flyte.models.ActionPhase.SUCCEEDED and run.done()
    run.wait()
    assert os.path.isdir(run.url)
    assert run.inputs() == {"x": 5}
    assert flyte.run(nothing).outputs()[0] is None


def test_outputs_can_be_read_back_from_the_store():
    flyte.with_runcontext(name="readback").run(pair, 9)
    again = flyte.Run("readback", open_store())
    assert again.outputs().named_outputs == {"o0": 9, "o1": "9"}


def test_run_aio_and_run_inside_a_running_loop():
    async def main():
        r1 = await flyte.run.aio(pair, 1)
        r2 = flyte.run(pair, 2)  # blocking form inside a running loop must not deadlock
        return r1.outputs()[0], r2.outputs()[0]

    assert asyncio.run(main()) == (1, 2)


def test_remote_mode_and_missing_config_fail_clearly(tmp_path):
    with pytest.raises(flyte.errors.InitializationError, match="backend"):
        flyte.with_runcontext(mode="remote").run(pair, 1)
    with pytest.raises(flyte.errors.InitializationError, match="does not exist"):
        flyte.init_from_config(str(tmp_path / "nope.yaml"))
    flyte.init()
    flyte.init_from_config()


STEPS: list = []


@env.task
async def step(i: int) -> int:
    STEPS.append(i)
    return i * i


@flyte.trace
async def side_effect(i: int) -> str:
    STEPS.append(f"trace{i}")
    return f"t{i}"


@env.task
async def pipeline(fail_at: int) -> list:
    out = []
    for i in range(4):
        out.append(await step(i))
        out.append(await side_effect(i))
        if i == fail_at:
            raise RuntimeError(f"failed at {i}")
    return out


def test_reusing_a_failed_runs_name_resumes_it(flyte_home):
    STEPS.clear()
    with pytest.raises(flyte.errors.RuntimeUserError):
        flyte.with_runcontext(name="resumable").run(pipeline, 1)
    assert STEPS == [0, "trace0", 1, "trace1"]
    STEPS.clear()
    run = flyte.with_runcontext(name="resumable").run(pipeline, 99)
    # Calls identical to ones that already succeeded in this run (same place in the tree, same
    # inputs) are answered from the store, even though the root's own input changed.
    assert STEPS == [2, "trace2", 3, "trace3"]
    assert run.outputs()[0] == [0, "t0", 1, "t1", 4, "t2", 9, "t3"]


@env.task
async def flaky_pipeline(marker: str) -> list:
    out = [await step(10), await side_effect(10)]
    if not os.path.exists(marker):
        raise RuntimeError("first attempt fails")
    out.append(await step(11))
    return out


def test_resume_replays_finished_tasks_and_traces(flyte_home, tmp_path):
    marker = str(tmp_path / "go")
    STEPS.clear()
    with pytest.raises(flyte.errors.RuntimeUserError):
        flyte.with_runcontext(name="resume-2").run(flaky_pipeline, marker)
    assert STEPS == [10, "trace10"]
    open(marker, "w").close()
    STEPS.clear()
    run = flyte.with_runcontext(name="resume-2").run(flaky_pipeline, marker)
    assert run.outputs()[0] == [100, "t10", 121]
    assert STEPS == [11]  # step(10) and the trace were replayed, not run again
    # a run that succeeded keeps its name: reusing it is refused, nothing runs, nothing is deleted
    STEPS.clear()
    with pytest.raises(RunExistsError, match=r"already succeeded.*--replace"):
        flyte.with_runcontext(name="resume-2").run(flaky_pipeline, marker)
    assert STEPS == [] and flyte.Run("resume-2", open_store()).outputs()[0] == [100, "t10", 121]
    # ... unless replacing it is asked for explicitly (flyte run --replace)
    _Runner(name="resume-2", replace=True).run(flaky_pipeline, marker)
    assert STEPS == [10, "trace10", 11]


def test_rerun_recover(flyte_home, tmp_path):
    marker = str(tmp_path / "go")
    STEPS.clear()
    with pytest.raises(flyte.errors.RuntimeUserError):
        flyte.with_runcontext(name="to-recover").run(flaky_pipeline, marker)
    open(marker, "w").close()
    STEPS.clear()
    run = flyte.rerun("to-recover", recover=True)
    assert run.outputs()[0] == [100, "t10", 121] and STEPS == [11]



@env.task
def write_file(tag: str) -> File:
    f = File.new_remote(f"{tag}.txt")
    with f.open_sync("wb") as fh:
        fh.write(f"{tag} {os.environ.get('FROM_RUN')} {flyte.get_custom_context().get('k')}".encode())
    return f


@env.task
async def file_pipeline(marker: str) -> list[str]:
    first = await write_file.aio("a")
    if not os.path.exists(marker):
        raise RuntimeError("first attempt fails")
    second = await write_file.aio("b")
    texts = []
    for f in (first, second):
        async with f.open("rb") as fh:
            texts.append((await fh.read()).decode())
    return [first.path, second.path, *texts]


def test_a_recovered_run_keeps_its_raw_data_path_environment_and_context(flyte_home, tmp_path, caplog):
    """`flyte.rerun(recover=True)` is told nothing of how the run was set up: the run's record
    keeps where its data lives (the finished actions' values are there) and what its bodies saw."""
    marker = str(tmp_path / "go")
    raw = "memory://recover-spec/raw"
    with pytest.raises(flyte.errors.RuntimeUserError):
        flyte.with_runcontext(name="spec-run", raw_data_path=raw, env_vars={"FROM_RUN": "env"},
                              custom_context={"k": "ctx"}).run(file_pipeline, marker)
    open(marker, "w").close()
    first, second, *texts = flyte.rerun("spec-run", recover=True).outputs()[0]
    assert first.startswith(raw + "/") and second.startswith(raw + "/")
    assert texts == ["a env ctx", "b env ctx"]
    assert not (flyte_home / "runs" / "spec-run" / "raw").exists()

    # a resumed run given another raw data path keeps its own, and says so
    os.remove(marker)
    with pytest.raises(flyte.errors.RuntimeUserError):
        flyte.with_runcontext(name="spec-run-2", raw_data_path=raw).run(file_pipeline, marker)
    open(marker, "w").close()
    with caplog.at_level("WARNING", logger="flyte"):
        out = flyte.with_runcontext(name="spec-run-2", raw_data_path="memory://elsewhere").run(file_pipeline, marker)
    assert out.outputs()[0][1].startswith(raw + "/")
    assert "resumes with the raw data path it started with" in caplog.text and "memory://elsewhere" in caplog.text
    # a plain rerun is a new run, set up by its own process
    assert flyte.rerun("spec-run-2").outputs()[0][1].startswith(str(flyte_home / "runs"))


CRASHING = textwrap.dedent(
    """
    import os, sys
    import flyte

    env = flyte.TaskEnvironment("crashy")

    @env.task
    def work(i: int) -> int:
        with open(os.environ["LOG"], "a") as f:
            f.write(f"work {i}\\n")
        return i + 1

    @env.task
    def main(n: int) -> int:
        total = 0
        for i in range(n):
            total += work(i)
            if i == 2 and os.environ.get("CRASH"):
                os._exit(3)  # the process dies: no cleanup, no flush
        return total

    if __name__ == "__main__":
        flyte.with_runcontext(name="crashing-run").run(main, 5)
    """
)


def test_a_crash_loses_no_finished_action_and_the_run_resumes(tmp_path):
    prog = tmp_path / "crashy_prog.py"
    prog.write_text(CRASHING)
    log = tmp_path / "log.txt"
    home = tmp_path / "home"
    env_vars = {**os.environ, "FLYTE_HOME": str(home), "LOG": str(log), "CRASH": "1"}
    proc = subprocess.run([sys.executable, str(prog)], env=env_vars, capture_output=True, text=True, timeout=60)
    assert proc.returncode == 3, proc.stderr
    assert log.read_text().splitlines() == ["work 0", "work 1", "work 2"]

    store = SQLiteStore(home)  # a new process-level view: replays the dead process's journal
    try:
        assert "crashing-run" in store.recovered_runs
        run_row = store.get_run("crashing-run")
        assert run_row.phase == "FAILED" and run_row.error_code == "ProcessExited"
        works = [a for a in store.list_actions("crashing-run").actions if a.task == "crashy.work"]
        assert len(works) == 3 and all(a.phase == "SUCCEEDED" for a in works)
    finally:
        store.close()

    env_vars.pop("CRASH")
    proc = subprocess.run([sys.executable, str(prog)], env=env_vars, capture_output=True, text=True, timeout=60)
    assert proc.returncode == 0, proc.stderr
    # the three finished children were replayed; only the remaining two ran
    assert log.read_text().splitlines() == ["work 0", "work 1", "work 2", "work 3", "work 4"]
    store = SQLiteStore(home)
    try:
        assert store.get_run("crashing-run").phase == "SUCCEEDED"
    finally:
        store.close()
