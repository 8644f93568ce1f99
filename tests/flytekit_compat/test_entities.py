"""Launch plans, gates, failure handling, retries and timeouts (which flytekit's local mode ignores)."""

import datetime
import os
import threading
import typing

import pytest
from flytekit.exceptions.user import FlyteDisapprovalException
from flytekit.types.error import FlyteError

from flytekit import (
    CronSchedule,
    FixedRate,
    LaunchPlan,
    WorkflowFailurePolicy,
    approve,
    sleep,
    task,
    wait_for_input,
    workflow,
)
from tests.flytekit_compat.conftest import store_actions

LOG: list = []


@pytest.fixture(autouse=True)
def reset():
    LOG.clear()


@task
def add(a: int, b: int) -> int:
    return a + b


@workflow
def wf(a: int, b: int = 5) -> int:
    return add(a=a, b=b)


def test_launch_plans_defaults_fixed_and_registry():
    lp = LaunchPlan.get_or_create(wf, name="lp_def", default_inputs={"a": 1})
    assert lp() == 6 and lp(a=2) == 7
    fixed = LaunchPlan.get_or_create(wf, name="lp_fix", fixed_inputs={"b": 100})
    assert fixed(a=1) == 101
    with pytest.raises(AssertionError, match="unexpected keyword argument 'b'"):
        fixed(a=1, b=1)  # fixed inputs cannot be overridden, as on a backend
    assert LaunchPlan.get_or_create(wf, name="lp_def", default_inputs={"a": 1}) is lp
    with pytest.raises(AssertionError, match="different values"):
        LaunchPlan.get_or_create(wf, name="lp_def", default_inputs={"a": 2})
    with pytest.raises(AssertionError, match="Keyword"):
        lp(3)
    assert LaunchPlan.get_or_create(wf).name == wf.name


def test_launch_plan_called_from_a_workflow():
    lp = LaunchPlan.get_or_create(wf, name="lp_inner", fixed_inputs={"b": 100})

    @workflow
    def outer(x: int) -> int:
        return add(a=lp(a=x), b=1)

    assert outer(x=1) == 102


def test_schedules_map_to_flyte_triggers():
    import flyte

    cron = LaunchPlan.get_or_create(wf, name="nightly", default_inputs={"a": 1},
                                    schedule=CronSchedule(schedule="0 2 * * *"))
    assert cron.trigger.automation == flyte.Cron("0 2 * * *")
    assert cron.trigger.inputs == {"a": 1} and cron.trigger.auto_activate is False
    rate = LaunchPlan.get_or_create(wf, name="four_hourly", default_inputs={"a": 1},
                                    schedule=FixedRate(duration=datetime.timedelta(hours=4)))
    assert rate.trigger.automation == flyte.FixedRate(240)

    @workflow
    def kick(kickoff_time: datetime.datetime) -> str:
        return show(t=kickoff_time)

    lp = LaunchPlan.get_or_create(kick, name="kick", schedule=CronSchedule(schedule="@daily", kickoff_time_input_arg="kickoff_time"))
    assert lp.trigger.inputs == {"kickoff_time": flyte.TriggerTime}
    assert LaunchPlan.get_or_create(wf, name="plain").trigger is None
    with pytest.raises(AssertionError, match="whole number of minutes"):
        FixedRate(duration=datetime.timedelta(seconds=30))


@task
def show(t: datetime.datetime) -> str:
    return t.isoformat()


@task
def ok(x: int) -> int:
    LOG.append(f"ok{x}")
    return x


@task
def bad(x: int) -> int:
    LOG.append("bad")
    if x >= 0:
        raise RuntimeError("boom")
    return x


# slow_ok finishes only when the test lets it: "stop at once" is then seen without timing.
LET_SLOW_FINISH = threading.Event()


@task
def slow_ok(x: int) -> int:
    LET_SLOW_FINISH.wait(60)
    LOG.append(f"slow{x}")
    return x


@task
def cleanup(x: int, err: typing.Optional[FlyteError] = None) -> None:
    LOG.append(f"cleanup {x} {err.failed_node_id if err else None} {'boom' in (err.message if err else '')}")


@workflow(on_failure=cleanup)
def with_handler(x: int) -> int:
    a = ok(x=x)
    return bad(x=a)


def test_on_failure_runs_then_the_error_is_raised():
    with pytest.raises(RuntimeError, match="boom"):
        with_handler(x=1)
    assert LOG[-1].startswith("cleanup 1 n1 True")


@workflow(failure_policy=WorkflowFailurePolicy.FAIL_AFTER_EXECUTABLE_NODES_COMPLETE)
def keep_going(x: int) -> int:
    bad(x=x)
    return slow_ok(x=x)


@workflow
def stop_at_once(x: int) -> int:
    bad(x=x)
    return slow_ok(x=x)


def test_failure_policies():
    LET_SLOW_FINISH.set()
    with pytest.raises(RuntimeError, match="boom"):
        keep_going(x=2)  # waits for slow_ok to complete
    assert "slow2" in LOG
    LOG.clear()
    LET_SLOW_FINISH.clear()
    try:
        with pytest.raises(RuntimeError, match="boom"):
            stop_at_once(x=3)  # raises while slow_ok is still held
        assert "slow3" not in LOG
    finally:
        LET_SLOW_FINISH.set()


ATTEMPTS: dict = {}


@task(retries=2)
def flaky(key: str) -> int:
    ATTEMPTS[key] = ATTEMPTS.get(key, 0) + 1
    if ATTEMPTS[key] < 3:
        raise RuntimeError("transient")
    return ATTEMPTS[key]


@task(timeout=datetime.timedelta(seconds=1))
def too_slow() -> int:
    import time

    for _ in range(200):
        time.sleep(0.02)
    return 1


def test_retries_and_timeouts_are_honoured():
    assert flaky(key="r1") == 3
    from flyte.errors import TaskTimeoutError

    with pytest.raises(TaskTimeoutError):
        too_slow()


@task(environment={"GREETING": "hi"}, secret_requests=[])
def reads_env() -> str:
    return os.environ.get("GREETING", "unset")


def test_environment_reaches_the_task():
    assert reads_env() == "hi" and "GREETING" not in os.environ


@workflow
def gated(x: int) -> int:
    y = ok(x=x)
    approved = approve(y, "approve-it", timeout=datetime.timedelta(minutes=5))
    value = wait_for_input("extra", timeout=datetime.timedelta(minutes=5), expected_type=int)
    sleep(datetime.timedelta(milliseconds=10))
    return add(a=approved, b=value)


def test_gates_answered_from_the_environment(monkeypatch):
    monkeypatch.setenv("FLYTE_SIGNAL_APPROVE_IT", "yes")
    monkeypatch.setenv("FLYTE_SIGNAL_EXTRA", "41")
    assert gated(x=1) == 42
    monkeypatch.setenv("FLYTE_SIGNAL_APPROVE_IT", "no")
    with pytest.raises(FlyteDisapprovalException):
        gated(x=1)


def test_gate_without_an_answer_fails_clearly(monkeypatch):
    monkeypatch.delenv("FLYTE_SIGNAL_APPROVE_IT", raising=False)
    monkeypatch.delenv("FLYTE_SIGNAL_EXTRA", raising=False)
    from flyte.errors import ConditionFailedError

    with pytest.raises(ConditionFailedError, match="no terminal or piped input to read it from: set the environment variable FLYTE_SIGNAL_"):
        gated(x=1)


def test_gate_actions_are_recorded(monkeypatch):
    monkeypatch.setenv("FLYTE_SIGNAL_APPROVE_IT", "y")
    monkeypatch.setenv("FLYTE_SIGNAL_EXTRA", "1")
    gated(x=1)
    kinds = {a["task"] for a in store_actions() if a["kind"] == "trace"}
    assert "_answer" in kinds
