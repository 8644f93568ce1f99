"""Errors crossing task boundaries, retries, backoff, and enforced timeouts."""

import asyncio
import time
from datetime import timedelta

import pytest

import flyte
import flyte.errors
from flyte._store import open_store

# Every test here runs on both stores: the runtime must not depend on which one records.
pytestmark = pytest.mark.usefixtures("any_store")

env = flyte.TaskEnvironment("fail")
CALLS: dict = {}


def count(key: str) -> int:
    CALLS[key] = CALLS.get(key, 0) + 1
    return CALLS[key]


@pytest.fixture(autouse=True)
def reset_calls():
    CALLS.clear()


class MyError(Exception):
    pass


@env.task
async def boom(x: int) -> int:
    raise MyError(f"bad {x}")


@env.task
async def catches() -> str:
    try:
        await boom(3)
    except flyte.errors.RuntimeUserError as e:
        return f"{e.code}|{e.kind}|{e}|{isinstance(e, MyError)}|{type(e.__cause__).__name__}"
    return "nothing"


def test_child_error_reaches_parent_as_runtime_user_error():
    assert flyte.run(catches).outputs()[0] == "MyError|user|bad 3|False|MyError"


def test_failing_root_raises_out_of_run_and_is_recorded(flyte_home):
    with pytest.raises(flyte.errors.RuntimeUserError) as info:
        flyte.with_runcontext(name="root-fails").run(boom, 4)
    assert info.value.code == "MyError" and str(info.value) == "bad 4"
    store = open_store()
    row = store.get_run("root-fails")
    assert row.phase == "FAILED" and row.error_code == "MyError"
    action = store.get_action("root-fails", "a0")
    assert action.phase == "FAILED" and "MyError: bad 4" in action.error


@env.task(retries=3)
async def flaky(key: str) -> int:
    n = count(key)
    if n < 3:
        raise RuntimeError(f"attempt {n}")
    return n


@env.task
async def calls_flaky() -> int:
    return await flaky("a")


def test_retries_until_success_and_records_attempts(flyte_home):
    run = flyte.with_runcontext(name="flaky-run").run(calls_flaky)
    assert run.outputs()[0] == 3
    child = next(a for a in run.actions() if a["task"] == "fail.flaky")
    assert child["attempts"] == 3 and child["phase"] == "SUCCEEDED"
    attempts = open_store().list_attempts("flaky-run", child["id"])
    assert [a.attempt for a in attempts] == [1, 2]
    assert [a.error_code for a in attempts] == ["RuntimeError", "RuntimeError"]


@env.task(retries=flyte.RetryStrategy(2))
def always_fails(key: str) -> int:
    count(key)
    raise ValueError("never")


def test_retries_exhausted_raises_last_error():
    with pytest.raises(flyte.errors.RuntimeUserError) as info:
        flyte.run(always_fails, "b")
    assert info.value.code == "ValueError"
    assert CALLS["b"] == 3


@env.task(retries=5)
async def non_recoverable(key: str) -> int:
    count(key)
    raise flyte.errors.NonRecoverableError("stop now")


def test_non_recoverable_error_skips_retries():
    with pytest.raises(flyte.errors.RuntimeUserError) as info:
        flyte.run(non_recoverable, "c")
    assert info.value.code == "NonRecoverableError"
    assert CALLS["c"] == 1


@env.task(retries=flyte.RetryStrategy(2, backoff=flyte.Backoff(base=timedelta(milliseconds=150))))
async def paced(key: str) -> int:
    if count(key) < 3:
        raise RuntimeError("again")
    return 1


def test_backoff_spaces_attempts(flyte_home):
    run = flyte.with_runcontext(name="paced").run(paced, "d")
    attempts = open_store().list_attempts("paced", "a0")
    # attempt 2 started at least one backoff after attempt 1 ended
    action = open_store().get_action("paced", "a0")
    assert len(attempts) == 2
    assert attempts[1].start_time - attempts[0].end_time >= 0.15
    assert run.outputs()[0] == 1 and action.attempts == 3


@env.task(timeout=1)
async def sleeps_async(seconds: float) -> str:
    await asyncio.sleep(seconds)
    return "woke"


@env.task(timeout=timedelta(seconds=1))
def sleeps_sync(seconds: float) -> str:
    deadline = time.time() + seconds
    while time.time() < deadline:  # a busy Python loop: stoppable at the next bytecode
        time.sleep(0.01)
    return "woke"


@pytest.mark.parametrize("task", [sleeps_async, sleeps_sync])
def test_timeout_is_enforced(flyte_home, task):
    started = time.time()
    with pytest.raises(flyte.errors.TaskTimeoutError) as info:
        flyte.with_runcontext(name=f"timeout-{task.short_name}").run(task, 30.0)
    assert time.time() - started < 20  # it did not wait for the 30 s body
    assert info.value.code == "MaxRuntimeExceededError"
    assert open_store().get_action(f"timeout-{task.short_name}", "a0").phase == "TIMED_OUT"
    assert task.short_name in str(info.value)


@pytest.mark.parametrize("task", [sleeps_async, sleeps_sync])
def test_fast_bodies_are_not_affected_by_timeouts(task):
    assert flyte.run(task, 0.01).outputs()[0] == "woke"


@env.task(timeout=flyte.Timeout(max_runtime=timedelta(milliseconds=300)), retries=2)
async def times_out_then_succeeds(key: str) -> int:
    n = count(key)
    if n == 1:
        await asyncio.sleep(10)
    return n


def test_timeouts_are_retried():
    assert flyte.run(times_out_then_succeeds, "e").outputs()[0] == 2


@env.task
async def parent_of_timeout() -> str:
    try:
        await sleeps_async.override(timeout=timedelta(milliseconds=200))(5.0)
    except flyte.errors.TaskTimeoutError as e:
        return f"caught {type(e).__name__}"
    return "no timeout"


def test_parent_can_catch_child_timeout_by_class():
    assert flyte.run(parent_of_timeout).outputs()[0] == "caught MaxRuntimeExceededError"


def test_invalid_retries_and_timeouts_are_rejected_at_definition():
    with pytest.raises(ValueError, match="retries"):
        env.task(retries="3")(lambda: None)
    with pytest.raises(ValueError, match="timeout"):
        env.task(timeout="soon")(lambda: None)


def test_errors_pickle_with_their_code():
    import pickle

    e = flyte.errors.RuntimeUserError("KeyError", "missing")
    e2 = pickle.loads(pickle.dumps(e))
    assert type(e2) is flyte.errors.RuntimeUserError and e2.code == "KeyError" and str(e2) == "missing"
    t = pickle.loads(pickle.dumps(flyte.errors.MaxRuntimeExceededError("slow")))
    assert isinstance(t, flyte.errors.TaskTimeoutError) and t.code == "MaxRuntimeExceededError"


@env.task
async def sums_results() -> int:
    results = [r async for r in flyte.map.aio(boom, [1, 2])]
    return sum(results)


def test_arithmetic_on_an_error_value_reraises_the_task_error():
    with pytest.raises(flyte.errors.RuntimeUserError) as info:
        flyte.run(sums_results)
    assert info.value.code == "MyError"
