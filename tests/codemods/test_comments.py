"""No comment of the user's is lost when flyte-migrate rebuilds a call, a decorator or a
statement: each rewrite either keeps a comment next to the argument it annotated or, where
that argument has no counterpart, puts it on its own line above the new statement."""

from __future__ import annotations

import re

import pytest

from codemods import migrate_source

# every construct flyte-migrate rebuilds, with a numbered comment in each place a comment can be
SOURCE = '''\
import functools

from flytekit import CronSchedule, LaunchPlan, Resources, conditional, map_task, task, workflow


@task(
    # C01 above the options
    requests=Resources(cpu="1", mem="1Gi"),  # C02 after requests
    retries=2,  # C03 after retries
    cache=True,  # C04 after cache
    cache_version="1",
)
def square(x: int) -> int:
    return x * x


@task(requests=Resources(
    cpu="2",  # C05 inside Resources
    mem="2Gi",  # C06 inside Resources mem
))
def add(x: int, y: int) -> int:
    return x + y


@task
def scale(x: int, factor: int) -> int:
    return x * factor


@workflow(
    # C07 workflow decorator
)
def wf(xs: list[int], n: int) -> int:
    a = square(x=n).with_overrides(
        # C08 override comment
        limits=Resources(cpu="4"),  # C09 after limits
        retries=3,  # C10 after retries
        node_name="big",  # C21 node name
    )
    b = map_task(
        square,  # C11 mapped task
        concurrency=2,  # C12 concurrency
    )(x=xs)
    c = map_task(functools.partial(scale, factor=2))(x=xs).with_overrides(
        requests=Resources(mem="1Gi"),  # C13 mapped override
    )
    d = conditional("big").if_(
        a > 10  # C14 condition
    ).then(add(x=a, y=1)).else_().then(  # C15 else
        add(x=a, y=2)
    )
    return add(
        x=d,  # C16 argument of a task call
        y=n,
    )


lp = LaunchPlan.get_or_create(
    wf,
    name="nightly",  # C17 lp name
    default_inputs={"n": 3},  # C18 default inputs
    schedule=CronSchedule(
        schedule="0 1 * * *",  # C19 cron
    ),
)

if __name__ == "__main__":
    print(wf(
        xs=[1, 2],  # C20 main call
        n=3,
    ))
'''


def _comments(text: str) -> list[str]:
    return re.findall(r"# (C\d\d)", text)


def test_every_comment_survives_once_and_a_second_run_changes_nothing() -> None:
    out = migrate_source(SOURCE, path="<comments>").code
    assert sorted(_comments(out)) == sorted(_comments(SOURCE)), out
    assert migrate_source(out, path="<comments>").code == out


@pytest.mark.parametrize(
    ("line", "comment"),
    [
        ("retries=3,", "C10"),  # with_overrides -> override: the same keyword keeps its comment
        ('resources=flyte.Resources(cpu=("1", "4"), memory="1Gi"),', "C09"),  # limits -> resources
        ('short_name="big",', "C21"),  # node_name -> short_name
        ("square,", "C11"),  # map_task(f) -> flyte.map.aio(f, ...)
        ("concurrency=2,", "C12"),
        ('resources=flyte.Resources(memory="1Gi"),', "C13"),  # override of a mapped partial
        ('"nightly",', "C17"),  # launch plan name -> trigger name
        ('flyte.Cron("0 1 * * *"),', "C19"),  # CronSchedule -> flyte.Cron
        ("x=d,", "C16"),  # a task call that only gains .aio
        ("retries=2,", "C03"),  # @task(retries=) -> @env.task(retries=)
        ('cache=flyte.Cache(behavior="auto", version_override="1"),', "C04"),  # cache= -> flyte.Cache
    ],
)
def test_a_comment_stays_on_the_argument_it_annotates(line: str, comment: str) -> None:
    out = migrate_source(SOURCE, path="<comments>").code
    assert any(ln.strip().startswith(line) and f"# {comment} " in ln for ln in out.splitlines()), out


def test_a_comment_without_a_counterpart_goes_above_the_statement() -> None:
    out = migrate_source(SOURCE, path="<comments>").code.splitlines()
    # requests= moved to the environment: its comments stay above the task's decorator
    at = next(i for i, ln in enumerate(out) if ln.startswith("@square_env.task("))
    assert out[at - 2 : at] == ["# C01 above the options", "# C02 after requests"]
    # conditional(...) becomes if/else: its comments are kept above the `if`
    at = next(i for i, ln in enumerate(out) if ln.strip() == "if a > 10:")
    assert out[at - 2 : at] == ["    # C14 condition", "    # C15 else"]
    # the call in __main__ becomes flyte.run(...): its comment is kept above the print
    at = next(i for i, ln in enumerate(out) if "flyte.run(wf" in ln)
    assert "# C20 main call" in "\n".join(out[at - 3 : at])


def test_a_mapped_partial_is_overridden_through_its_task() -> None:
    out = migrate_source(SOURCE, path="<comments>").code
    assert "functools.partial(\n            scale.override(" in out, out
    assert ").override(" not in out.replace("scale.override(", "").replace("square.override(", ""), out


def test_the_comment_above_a_chain_that_disappears_moves_to_the_next_statement() -> None:
    source = (
        "from flytekit import task, workflow\n\n\n"
        "@task\ndef a() -> int:\n    return 1\n\n\n"
        "@task\ndef b() -> int:\n    return 2\n\n\n"
        "@workflow\ndef wf() -> int:\n"
        "    x = a()\n    y = b()\n"
        "    # b reads what a wrote to the bucket\n"
        "    x >> y\n"
        "    return y\n"
    )
    out = migrate_source(source, path="<chain>").code
    assert ">>" not in out
    assert "    # b reads what a wrote to the bucket\n    return y\n" in out, out
