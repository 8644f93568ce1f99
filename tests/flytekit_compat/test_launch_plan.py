"""Launch plans: the default one, named ones, and what makes two requests for a name conflict."""

import datetime
import typing

import pytest
from flytekit.core.options import Options
from flytekit.models.common import Labels
from flytekit.models.concurrency import ConcurrencyLimitBehavior, ConcurrencyPolicy

from flytekit import CronSchedule, Email, FixedRate, LaunchPlan, WorkflowExecutionPhase, task, workflow


@task
def add(a: int, b: int) -> int:
    return a + b


@workflow
def adder(a: int, b: int = 1) -> int:
    return add(a=a, b=b)


def test_the_default_launch_plan_takes_no_settings_of_its_own():
    assert LaunchPlan.get_or_create(adder) is LaunchPlan.get_or_create(adder)
    with pytest.raises(ValueError, match="give it a name"):
        LaunchPlan.get_or_create(adder, default_inputs={"a": 3})


def test_a_named_launch_plan_is_reused_only_with_the_same_settings():
    every_day = CronSchedule(schedule="0 1 * * *")
    first = LaunchPlan.get_or_create(adder, "nightly", schedule=every_day, labels=Labels({"team": "x"}))
    again = LaunchPlan.get_or_create(adder, "nightly", schedule=CronSchedule(schedule="0 1 * * *"), labels=Labels({"team": "x"}))
    assert first is again
    with pytest.raises(AssertionError, match="'labels'"):
        LaunchPlan.get_or_create(adder, "nightly", schedule=every_day, labels=Labels({"team": "y"}))
    with pytest.raises(AssertionError, match="'schedule'"):
        LaunchPlan.get_or_create(adder, "nightly", schedule=CronSchedule(schedule="0 2 * * *"), labels=Labels({"team": "x"}))


def test_notifications_and_concurrency_compare_by_value():
    def note() -> Email:
        return Email(phases=[WorkflowExecutionPhase.SUCCEEDED], recipients_email=["a@b.c"])

    lp = LaunchPlan.get_or_create(adder, "notified", notifications=[note()],
                                  concurrency=ConcurrencyPolicy(max_concurrency=1))
    assert LaunchPlan.get_or_create(adder, "notified", notifications=[note()],
                                    concurrency=ConcurrencyPolicy(max_concurrency=1)) is lp
    assert lp.concurrency.behavior == ConcurrencyLimitBehavior.SKIP
    with pytest.raises(AssertionError, match="'concurrency'"):
        LaunchPlan.get_or_create(adder, "notified", notifications=[note()], concurrency=ConcurrencyPolicy(max_concurrency=2))


def test_workflow_default_options_fill_launch_plan_labels():
    @workflow(default_options=Options(labels=Labels({"owner": "me"})))
    def labelled(a: int) -> int:
        return add(a=a, b=2)

    assert LaunchPlan.get_or_create(labelled).labels.values == {"owner": "me"}


def test_schedules_accept_seconds_fields_and_word_aliases_and_compare_by_value():
    assert CronSchedule(schedule="* * * * * *").to_flyte() is not None
    assert CronSchedule(schedule="days") == CronSchedule(schedule="days")
    assert FixedRate(datetime.timedelta(hours=1)) != FixedRate(datetime.timedelta(hours=2))
    with pytest.raises(ValueError, match="cron expression"):
        CronSchedule(schedule="* *")


def test_launch_plan_with_fixed_inputs_still_runs():
    lp = LaunchPlan.get_or_create(adder, "fixed_b", fixed_inputs={"b": 10})
    assert lp(a=1) == 11
    assert typing.get_type_hints is not None
