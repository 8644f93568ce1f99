"""flyte.remote answers from the local store: scripts that look up runs, actions and tasks after
the fact (as they would against a backend) work on local runs, with the SDK's blocking/awaited
shapes; what only a backend has says so."""

from __future__ import annotations

import asyncio
import hashlib
import subprocess
import sys
import textwrap
import threading
import typing

import pytest

import flyte
import flyte.errors
import flyte.remote as remote
from flyte.models import ActionPhase
from flyte.remote import _store_view

env = flyte.TaskEnvironment("remote_tests")


class Stats(typing.NamedTuple):
    total: int
    label: str


@env.task
async def double(x: int) -> int:
    return x * 2


@env.task
def stats(xs: list[int]) -> Stats:
    return Stats(sum(xs), f"{len(xs)} items")


@env.task
async def fan_out(n: int) -> list[int]:
    values = list(await asyncio.gather(*(double(i) for i in range(n))))
    await stats.aio(values)
    return values


@env.task
async def explode(x: int) -> int:
    raise KeyError(f"no key {x}")


@env.task
async def parent_of_failure(x: int) -> int:
    return await explode(x)


@env.task(report=True)
async def reporting() -> str:
    flyte.report.log("<p>hello from the report</p>")
    await flyte.report.flush.aio()
    return "ok"


GATE = threading.Event()
STARTED = threading.Event()


@env.task
def waits_for_gate() -> str:
    STARTED.set()
    assert GATE.wait(60), "the test never opened the gate"
    return "opened"


def test_a_finished_run_reads_back_with_its_values(any_store):
    flyte.with_runcontext(name="fan-out-1").run(fan_out, n=3)

    run = remote.Run.get("fan-out-1")
    assert run.name == "fan-out-1" and run.done()
    assert run.phase == ActionPhase.SUCCEEDED and run.phase == "succeeded"
    assert run.raw_phase == 5  # flyteidl2's ACTION_PHASE_SUCCEEDED
    outputs = run.outputs()
    assert outputs[0] == [0, 2, 4] and outputs.o0 == [0, 2, 4]
    assert outputs.named_outputs == {"o0": [0, 2, 4]}
    assert dict(run.inputs()) == {"n": 3}
    assert run.details().name == "fan-out-1"
    assert run.url.endswith("fan-out-1")


def test_what_flyte_run_returns_is_a_run_and_its_outputs_are_action_outputs(flyte_home):
    result = flyte.run(double, 21)
    assert isinstance(result, remote.Run)
    assert isinstance(result.outputs(), remote.ActionOutputs)
    assert remote.Run.get(result.name).outputs() == (42,)


def test_the_awaited_forms_are_the_sdks(flyte_home):
    flyte.with_runcontext(name="shapes").run(fan_out, n=2)

    async def script() -> tuple:
        run = await remote.Run.get.aio("shapes")
        outputs = await run.outputs.aio()
        details = await run.details.aio()
        root = await remote.Action.get.aio(run_name="shapes", name="a0")
        action_details = await root.details()  # a coroutine on Action, as in the SDK
        names = [a.name async for a in remote.Action.listall.aio("shapes")]
        return outputs, await details.outputs(), await action_details.inputs(), names

    outputs, via_details, inputs, names = asyncio.run(script())
    assert outputs == via_details == ([0, 2],)
    assert dict(inputs) == {"n": 2}
    assert names[0] == "a0" and len(names) == 4  # the root, two doubles, one stats


def test_actions_list_in_start_order_with_their_outputs_named(flyte_home):
    flyte.with_runcontext(name="tree").run(fan_out, n=2)

    actions = list(remote.Action.listall("tree"))
    assert [a.task_name for a in actions] == [
        "remote_tests.fan_out", "remote_tests.double", "remote_tests.double", "remote_tests.stats"]
    assert all(a.parent_name == "a0" for a in actions[1:]) and actions[0].parent_name is None
    stats_details = asyncio.run(actions[-1].details())
    out = asyncio.run(stats_details.outputs())
    assert out.named_outputs == {"total": 2, "label": "2 items"}  # the NamedTuple's field names
    assert out.total == 2
    assert actions[1].action_id.run.name == "tree" and actions[1].action_id.name == actions[1].name

    only_children = list(remote.Action.listall("tree", parent_name="a0"))
    assert len(only_children) == 3
    newest_first = list(remote.Action.listall("tree", sort_by=("created_at", "desc")))
    assert [a.name for a in newest_first] == [a.name for a in reversed(actions)]


def test_listing_reads_a_large_run_a_page_at_a_time(flyte_home, monkeypatch):
    flyte.with_runcontext(name="paged").run(fan_out, n=20)
    monkeypatch.setattr(_store_view, "_PAGE", 7)
    calls = []
    store = _store_view.store()
    real = type(store).list_actions

    def counting(self, run, **kw):
        calls.append(kw)
        return real(self, run, **kw)

    # on the class: SQLiteStore has __slots__, so an instance attribute cannot shadow the method
    monkeypatch.setattr(type(store), "list_actions", counting)
    names = [a.name for a in remote.Action.listall("paged")]
    assert len(names) == 22 and len(set(names)) == 22  # root, 20 doubles, stats: each once
    assert len(calls) == 4 and all(c["limit"] == 7 for c in calls)


def test_a_failed_run_names_the_step_that_broke(any_store):
    with pytest.raises(flyte.errors.RuntimeUserError, match="no key 7"):
        flyte.with_runcontext(name="broken").run(parent_of_failure, 7)

    run = remote.Run.get("broken")
    assert run.phase == ActionPhase.FAILED
    failure = run.first_failure()
    assert failure is not None and failure.task_name == "remote_tests.explode"  # the step, not the root
    assert "no key 7" in failure.error_message
    with pytest.raises(flyte.errors.RuntimeUserError) as e:
        run.raise_for_status()
    assert "no key 7" in str(e.value)
    with pytest.raises(RuntimeError, match="no outputs"):
        run.outputs()
    failed = list(remote.Run.listall(in_phase=("failed",)))
    assert [r.name for r in failed] == ["broken"]


def test_runs_list_newest_first_and_filter(flyte_home):
    for i in range(3):
        flyte.with_runcontext(name=f"listed-{i}").run(double, i)
    flyte.with_runcontext(name="other-task").run(fan_out, n=1)

    assert [r.name for r in remote.Run.listall(limit=2)] == ["other-task", "listed-2"]
    by_task = [r.name for r in remote.Run.listall(task_name="remote_tests.double")]
    assert by_task == ["listed-2", "listed-1", "listed-0"]
    oldest_first = [r.name for r in remote.Run.listall(sort_by=("created_at", "asc"))]
    assert oldest_first == ["listed-0", "listed-1", "listed-2", "other-task"]
    assert list(remote.Run.listall(in_phase=(ActionPhase.FAILED,))) == []


def test_unknown_runs_and_actions_are_errors_naming_them(flyte_home):
    with pytest.raises(flyte.errors.ActionNotFoundError, match="no-such-run"):
        remote.Run.get("no-such-run")
    flyte.with_runcontext(name="known").run(double, 1)
    with pytest.raises(flyte.errors.ActionNotFoundError, match="nope"):
        remote.Action.get(run_name="known", name="nope")
    with pytest.raises(ValueError, match="run_name"):
        remote.Action.get()


def test_a_run_in_progress_is_seen_running_then_waited_for(flyte_home):
    GATE.clear()
    STARTED.clear()
    result: dict = {}
    runner = threading.Thread(target=lambda: result.update(
        run=flyte.with_runcontext(name="in-progress").run(waits_for_gate)))
    runner.start()
    try:
        assert STARTED.wait(60)
        run = remote.Run.get("in-progress")
        assert run.phase == ActionPhase.RUNNING and not run.done()
        with pytest.raises(flyte.errors.RuntimeUserError, match="call wait"):
            run.raise_for_status()
    finally:
        GATE.set()
    run.wait()
    runner.join(60)
    assert run.phase == ActionPhase.SUCCEEDED and run.outputs() == ("opened",)


def test_the_report_a_task_wrote_is_returned(flyte_home):
    flyte.with_runcontext(name="reported").run(reporting)
    assert "hello from the report" in remote.Run.get("reported").get_report()


def test_task_get_is_lazy_and_resolves_loaded_code(flyte_home):
    with pytest.raises(ValueError, match="version or auto_version"):
        remote.Task.get("remote_tests.double")
    ref = remote.Task.get("remote_tests.double", auto_version="latest")
    assert ref.name == "remote_tests.double" and "Future" in repr(ref)
    assert flyte.run(ref, x=5).outputs() == (10,)
    details = ref.fetch()
    assert details.required_args == ("x",) and details.name == "remote_tests.double"
    faster = ref.override(retries=2)
    assert faster.fetch().task.retries == flyte.RetryStrategy(count=2)

    missing = remote.Task.get("remote_tests.not_defined_anywhere", version="v1")  # no error yet
    with pytest.raises(flyte.errors.RemoteTaskNotFoundError, match="not_defined_anywhere"):
        missing.fetch()
    with pytest.raises(flyte.errors.RuntimeUserError, match="do not support overriding"):
        details.override(image="other")


def test_task_references_are_child_actions_when_awaited_in_a_task(flyte_home):
    ref = remote.Task.get("remote_tests.double", auto_version="latest")

    @env.task
    async def uses_ref(x: int) -> int:
        return await ref(x=x) + 1

    run = flyte.with_runcontext(name="with-ref").run(uses_ref, 4)
    assert run.outputs() == (9,)
    assert [a.task_name for a in remote.Action.listall("with-ref")][1] == "remote_tests.double"


def test_a_task_that_ran_is_found_from_another_process(flyte_home, tmp_path):
    program = tmp_path / "elsewhere.py"
    program.write_text(textwrap.dedent("""
        import flyte
        env = flyte.TaskEnvironment("elsewhere")

        @env.task
        def shout(s: str) -> str:
            return s.upper()

        if __name__ == "__main__":
            flyte.with_runcontext(name="first").run(shout, "hi")
    """))
    subprocess.run([sys.executable, str(program)], check=True, cwd=tmp_path)
    lookup = textwrap.dedent("""
        import flyte, flyte.remote as remote
        print([t.name for t in remote.Task.listall()])
        ref = remote.Task.get("elsewhere.shout", auto_version="latest")
        print(flyte.run(ref, s="again").outputs()[0])
    """)
    out = subprocess.run([sys.executable, "-c", lookup], check=True, capture_output=True, text=True,
                         cwd=tmp_path.parent).stdout.splitlines()
    assert out == ["['elsewhere.shout']", "AGAIN"]


def test_what_needs_a_backend_says_so(flyte_home):
    flyte.with_runcontext(name="local-only").run(double, 1)
    run = remote.Run.get("local-only")
    for call in (run.abort, run.download_code, lambda: remote.Project.get("p"),
                 lambda: remote.Secret.listall(), lambda: remote.App("x")):
        with pytest.raises(flyte.errors.InitializationError) as e:
            call()
        assert e.value.code == "ClientNotInitializedError" and "needs a Flyte backend" in str(e.value)


def test_upload_file_copies_the_bytes_at_once(tmp_path, flyte_home):
    src = tmp_path / "data.bin"
    src.write_bytes(b"\x00payload" * 1000)
    digest, where = remote.upload_file(src)
    src.unlink()  # the copy must not depend on the original
    with open(where, "rb") as f:
        copied = f.read()
    assert copied == b"\x00payload" * 1000 and digest == hashlib.md5(copied).hexdigest()
    with pytest.raises(FileNotFoundError, match="is not a file"):
        remote.upload_file(tmp_path / "missing.bin")
