"""The recorder: every kind of action starts and ends in it, with typed records, and listeners
see each of them (the hook for per-action logs, a progress view, a web UI)."""

import asyncio
import threading

import pytest

import flyte
import flyte.errors
from flyte._controller import Recorder, RunListener, add_listener, remove_listener
from flyte._store import ActionKind, ActionRecord, AttemptRecord, MemoryStore, Phase, RunRecord

env = flyte.TaskEnvironment("rec")
ATTEMPTS: dict[str, int] = {}


@flyte.trace
def traced(x: int) -> int:
    return x * 10


@env.task
def item(x: int) -> int:
    return x + 1


@env.task(cache="auto")
async def cached(x: int) -> int:
    return x * 2


@env.task(retries=1)
async def flaky(key: str) -> str:
    ATTEMPTS[key] = ATTEMPTS.get(key, 0) + 1
    if ATTEMPTS[key] == 1:
        raise RuntimeError("first attempt fails")
    return key


@env.task
def sync_parent(n: int) -> list[int]:
    return list(flyte.map(item, range(n)))


@env.task
async def root(n: int, key: str) -> int:
    total = traced(n)
    total += await cached(n)
    total += await cached(n)  # the second call of the same inputs is a cache hit
    total += sum(await sync_parent.aio(n))
    await flaky(key)
    return total


class Collect(RunListener):
    def __init__(self) -> None:
        self.events: list[tuple[str, object]] = []
        self.lock = threading.Lock()

    def _add(self, kind: str, record: object) -> None:
        with self.lock:
            self.events.append((kind, record))

    def run_started(self, record: RunRecord) -> None:
        self._add("run_started", record)

    def run_finished(self, record: RunRecord) -> None:
        self._add("run_finished", record)

    def action_started(self, record: ActionRecord) -> None:
        self._add("action_started", record)

    def action_finished(self, record: ActionRecord) -> None:
        self._add("action_finished", record)

    def attempt_failed(self, record: AttemptRecord) -> None:
        self._add("attempt_failed", record)


@pytest.fixture
def listener():
    collect = Collect()
    add_listener(collect)
    yield collect
    remove_listener(collect)


def test_records_are_built_with_their_fields_in_order(tmp_path):
    store = MemoryStore(tmp_path)
    recorder = Recorder(store, "r1")
    rec = recorder.action("aid", "a0", "mod.task", "task", "grp", "task", b"in", "miss", 2)
    assert isinstance(rec, ActionRecord)
    assert rec._asdict() == {
        "run": "r1", "id": "aid", "parent": "a0", "task": "mod.task", "short_name": "task", "group_name": "grp",
        "kind": "task", "phase": "RUNNING", "attempts": 2, "start_time": rec.start_time, "end_time": None,
        "inputs": b"in", "outputs": None, "error_code": None, "error": None, "cache_status": "miss",
    }
    done = recorder.finished(rec, "FAILED", 3, None, ValueError("nope"))
    assert (done.phase, done.attempts, done.start_time, done.error_code) == ("FAILED", 3, rec.start_time, "ValueError")
    assert done.end_time >= done.start_time and "ValueError: nope" in done.error
    assert done[:7] == rec[:7] and done.inputs == rec.inputs and done.cache_status == rec.cache_status
    stored = store.get_action("r1", "aid")
    assert stored == done and stored.phase is Phase.FAILED and stored.kind is ActionKind.TASK


def test_every_kind_of_action_reaches_the_listeners(flyte_home, listener):
    run = flyte.with_runcontext(name="recorded").run(root, 3, "k1")
    stored = {a["id"]: a for a in run.actions()}
    started = [r for k, r in listener.events if k == "action_started" and r.run == "recorded"]
    finished = [r for k, r in listener.events if k == "action_finished" and r.run == "recorded"]
    # each stored action was announced finished exactly as it was stored, and started before
    assert sorted(r.id for r in finished) == sorted(stored)
    for rec in finished:
        assert rec._asdict() == stored[rec.id]
    assert {r.id for r in started} == set(stored)
    by_task = {}
    for rec in finished:
        by_task.setdefault(rec.task, []).append(rec)
    assert [r.kind for r in by_task["traced"]] == ["trace"]
    assert sorted(r.cache_status for r in by_task["rec.cached"]) == ["hit", "miss"]
    assert len(by_task["rec.item"]) == 3  # map items, recorded in a batch
    assert [r.parent for r in by_task["rec.root"]] == [None]
    kinds = [k for k, r in listener.events if getattr(r, "run", getattr(r, "name", None)) == "recorded"]
    assert kinds[0] == "run_started" and kinds[-1] == "run_finished"
    failed = [r for k, r in listener.events if k == "attempt_failed" and r.run == "recorded"]
    assert len(failed) == 1 and failed[0].error_code == "RuntimeError" and failed[0].attempt == 1


def test_replayed_actions_are_announced_without_running_again(flyte_home, listener):
    calls = []

    @env.task
    async def step(x: int) -> int:
        calls.append(x)
        return x

    @env.task
    async def resumable(fail: bool) -> int:
        a = await step(1)
        if fail:
            raise RuntimeError("stop here")
        return a + await step(2)

    with pytest.raises(flyte.errors.RuntimeUserError):
        flyte.with_runcontext(name="resume-me").run(resumable, True)
    listener.events.clear()
    flyte.with_runcontext(name="resume-me").run(resumable, False)
    assert calls == [1, 2]  # step(1) was replayed, not run again
    replayed = [r for k, r in listener.events if k == "action_finished" and r.task == step.name]
    assert sorted(r.phase for r in replayed) == ["SUCCEEDED", "SUCCEEDED"]


def test_a_failing_listener_does_not_break_the_run(flyte_home, caplog):
    class Broken(RunListener):
        def action_finished(self, record: ActionRecord) -> None:
            raise RuntimeError("listener bug")

    broken = Broken()
    add_listener(broken)
    try:
        assert flyte.run(sync_parent, 2).outputs()[0] == [1, 2]
    finally:
        remove_listener(broken)
    assert "listener bug" in caplog.text


def test_the_blocking_attempt_loop_never_suspends():
    from flyte._controller import drive

    async def suspends() -> None:
        await asyncio.sleep(0)

    with pytest.raises(RuntimeError, match="suspended"):
        drive(suspends())


def test_a_worker_may_only_ask_for_the_recorders_remote_methods(tmp_path):
    from flyte._executor._remote import RequestServer

    server = RequestServer()
    from flyte._context import Frame, RunState
    from flyte._executor import INLINE
    from flyte._serde import Codec, dumps

    store = MemoryStore(tmp_path)
    run = RunState("r", store, Codec(), tmp_path, 0.0, recorder=Recorder(store, "r"), executor=INLINE)
    server.frames["a1"] = Frame(run, "a1", "t", "t")
    answer = asyncio.run(server.serve(dumps(("record", ("a1", "run_finished", ())))))
    import pickle

    ok, err = pickle.loads(answer)
    assert not ok and "may not call Recorder.run_finished" in str(err)
    rec = Recorder(store, "r").action("x", "a1", "t", "t", None, "trace", b"", None, 1, False)
    ok, record = pickle.loads(asyncio.run(server.serve(dumps(("record", ("a1", "finished", (rec, "SUCCEEDED", 1, b"o")))))))
    assert ok and record.outputs == b"o" and store.get_action("r", "x").outputs == b"o"


class _CountingStore(MemoryStore):
    """A memory store that counts commits, and fails them when told to."""

    def __init__(self, home, fail: bool = False):
        super().__init__(home)
        self.flushes = 0
        self.fail = fail

    def flush(self) -> None:
        self.flushes += 1
        if self.fail:
            raise OSError(28, "No space left on device")


@pytest.mark.parametrize("fail", [False, True])
def test_the_recorder_commits_every_so_many_finished_actions(tmp_path, monkeypatch, fail):
    # Uncommitted records wait in memory; a fan-out faster than the store's writer must not pile
    # them up. A commit that fails loses nothing (the journal has them) and fails no action.
    from flyte._controller import _recorder

    monkeypatch.setattr(_recorder, "COMMIT_EVERY", 5)
    store = _CountingStore(tmp_path, fail=fail)
    recorder = Recorder(store, "r1")
    for i in range(7):  # one at a time
        rec = recorder.action(f"a{i}", "a0", "t", "t", None, ActionKind.TASK.value, b"", None, 1)
        recorder.finished(rec, Phase.SUCCEEDED.value, 1, b"")
    assert store.flushes == 1
    batch: list = []
    for i in range(7, 10):  # and in a batch (flyte.map's)
        rec = recorder.action(f"a{i}", "a0", "t", "t", None, ActionKind.TASK.value, b"", None, 1, False)
        recorder.finished(rec, Phase.SUCCEEDED.value, 1, b"", None, batch)
    recorder.commit(batch)
    assert store.flushes == 2
    assert {a.id for a in store.list_actions("r1").actions} == {f"a{i}" for i in range(10)}
