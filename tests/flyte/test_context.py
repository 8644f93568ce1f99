"""What a running task sees: ctx(), custom context, env vars, secrets, reports and traces."""

import asyncio
import contextvars
import os

import pytest

import flyte
import flyte.errors
import flyte.report

env = flyte.TaskEnvironment("ctx", env_vars={"ENV_LEVEL": "from-env"})


@env.task
async def inspect_ctx() -> dict:
    c = flyte.ctx()
    return {
        "action": c.action.name,
        "run": c.action.run_name,
        "mode": c.mode,
        "task": c.task_name,
        "attempt": c.attempt_number,
        "custom": c.custom_context,
        "run_base_dir": c.run_base_dir,
        "truthy": bool(c),
    }


@env.task
async def ctx_parent() -> list[dict]:
    with flyte.custom_context(team="ml"):
        inside = await inspect_ctx()
        seen_here = flyte.get_custom_context()
    outside = await inspect_ctx()
    return [inside, outside, seen_here]


def test_ctx_outside_a_task_is_falsy():
    assert not flyte.ctx()
    assert repr(flyte.ctx()) == "NullTaskContext()"


def test_ctx_and_custom_context():
    run = flyte.with_runcontext(custom_context={"project": "p1"}).run(ctx_parent)
    inside, outside, seen = run.outputs()[0]
    assert inside["custom"] == {"project": "p1", "team": "ml"}
    assert outside["custom"] == {"project": "p1"}
    assert seen == {"project": "p1", "team": "ml"}
    assert inside["run"] == run.name and inside["mode"] == "local" and inside["truthy"]
    assert inside["task"] == "ctx.inspect_ctx" and inside["attempt"] == 0
    assert inside["run_base_dir"] == run.url
    ids = {a["id"] for a in run.actions()}
    assert inside["action"] in ids and outside["action"] in ids and inside["action"] != outside["action"]


@env.task
def read_env(name: str) -> str:
    return os.environ.get(name, "<unset>")


@env.task
async def env_driver() -> list[str]:
    return [
        await read_env.aio("ENV_LEVEL"),
        await read_env.override(env_vars={"ENV_LEVEL": "overridden"}).aio("ENV_LEVEL"),
        await read_env.aio("RUN_LEVEL"),
    ]


def test_env_vars_reach_the_task_body_and_are_restored():
    assert "ENV_LEVEL" not in os.environ
    run = flyte.with_runcontext(env_vars={"RUN_LEVEL": "from-run"}).run(env_driver)
    assert run.outputs()[0] == ["from-env", "overridden", "from-run"]
    assert "ENV_LEVEL" not in os.environ and "RUN_LEVEL" not in os.environ


secret_env = flyte.TaskEnvironment(
    "secrets", secrets=[flyte.Secret(key="api-key", group="openai"), flyte.Secret(key="token", as_env_var="MY_TOKEN")]
)


@secret_env.task
def read_secrets() -> list[str]:
    return [os.environ.get("OPENAI_API_KEY", "<unset>"), os.environ.get("MY_TOKEN", "<unset>")]


def test_secrets_come_from_the_environment(monkeypatch):
    monkeypatch.setenv("OPENAI_API_KEY", "sk-1")
    monkeypatch.setenv("TOKEN", "tok-2")  # the plain key name, when its target variable is not set
    assert flyte.run(read_secrets).outputs()[0] == ["sk-1", "tok-2"]
    assert "MY_TOKEN" not in os.environ


fsec_env = flyte.TaskEnvironment("fsec", secrets=[flyte.Secret(key="fsec-token", as_env_var="FSEC_PROBE")])


@fsec_env.task
def read_fsec_probe() -> str:
    return os.environ.get("FSEC_PROBE", "<unset>")


def test_the_runtime_knows_nothing_of_flytekits_secret_prefix(monkeypatch):
    # `_FSEC_<GROUP>_<KEY>` is flytekit's convention: the flytekit shim maps it, the runtime does not.
    for name in ("FSEC_PROBE", "FSEC_TOKEN", "fsec-token"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("_FSEC_FSEC_TOKEN", "tok-2")
    assert flyte.run(read_fsec_probe).outputs()[0] == "<unset>"


def test_secret_names():
    assert flyte.Secret(key="api-key", group="openai").as_env_var == "OPENAI_API_KEY"
    assert flyte.Secret(key="tok").as_env_var == "TOK"
    with pytest.raises(ValueError):
        flyte.Secret(key="x", as_env_var="1-bad")


@env.task(report=True)
async def reporting() -> str:
    flyte.report.log("<p>first</p>")
    await flyte.report.log.aio("<p>second</p>")
    flyte.report.get_tab("details").log("<b>tab</b>")
    return flyte.ctx().action.name


def test_report_html_is_written_for_report_tasks():
    run = flyte.run(reporting)
    path = os.path.join(run.url, run.outputs()[0], "report.html")
    html = open(path).read()
    assert "<p>first</p>" in html and "<p>second</p>" in html and "<b>tab</b>" in html


@env.task
async def not_reporting() -> str:
    flyte.report.log("<p>ignored</p>")
    return flyte.ctx().action.name


def test_no_report_file_without_report_true():
    run = flyte.run(not_reporting)
    assert not os.path.exists(os.path.join(run.url, run.outputs()[0], "report.html"))


TRACE_CALLS: list = []


@flyte.trace
async def fetch(prompt: str) -> str:
    TRACE_CALLS.append(prompt)
    await asyncio.sleep(0)
    return prompt.upper()


@flyte.trace
def sync_step(x: int) -> int:
    TRACE_CALLS.append(x)
    return x + 100


@flyte.trace
def gen_steps(n: int):
    for i in range(n):
        yield i * i


@env.task
async def traced() -> list:
    a = await fetch("hi")
    b = sync_step(1)
    c = list(gen_steps(3))
    return [a, b, c]


@env.task
def traced_sync() -> int:
    return sync_step(2)


def test_traces_are_recorded_as_child_actions():
    TRACE_CALLS.clear()
    run = flyte.run(traced)
    assert run.outputs()[0] == ["HI", 101, [0, 1, 4]]
    traces = sorted(a["task"] for a in run.actions() if a["kind"] == "trace")
    assert traces == ["fetch", "gen_steps", "sync_step"]
    assert all(a["parent"] == "a0" for a in run.actions() if a["kind"] == "trace")
    assert flyte.run(traced_sync).outputs()[0] == 102


def test_trace_outside_a_task_is_a_plain_call():
    assert asyncio.run(fetch("x")) == "X" and sync_step(5) == 105 and list(gen_steps(2)) == [0, 1]


@env.task
async def child_task() -> int:
    return 1


@flyte.trace
async def trace_calls_task() -> int:
    return await child_task()


@env.task
async def trace_with_task() -> int:
    return await trace_calls_task()


def test_tasks_cannot_be_called_inside_traces():
    with pytest.raises(flyte.errors.RuntimeUserError) as info:
        flyte.run(trace_with_task)
    assert info.value.code == "TraceDoesNotAllowNestedTasksError"


@env.task
async def asks() -> bool:
    cond = flyte.new_condition("deploy-ok", prompt="Deploy?", data_type=bool)
    return await cond.wait.aio()


def test_condition_answered_from_the_environment(monkeypatch):
    monkeypatch.setenv("FLYTE_SIGNAL_DEPLOY_OK", "yes")
    assert flyte.run(asks).outputs()[0] is True


def test_condition_without_terminal_fails_clearly(monkeypatch):
    monkeypatch.delenv("FLYTE_SIGNAL_DEPLOY_OK", raising=False)
    with pytest.raises(flyte.errors.RuntimeUserError) as info:
        flyte.run(asks)
    assert "FLYTE_SIGNAL_DEPLOY_OK" in str(info.value)


_PIPED = """
import flyte
env = flyte.TaskEnvironment(name="piped")
@env.task
async def main() -> str:
    cond = await flyte.new_condition.aio("title", data_type=str)
    return await cond.wait.aio()
print(flyte.run(main).outputs()[0])
"""


def test_condition_reads_a_piped_answer(tmp_path):
    import subprocess
    import sys

    env = {**os.environ, "FLYTE_HOME": str(tmp_path)}
    env.pop("FLYTE_SIGNAL_TITLE", None)
    piped = subprocess.run([sys.executable, "-c", _PIPED], input="My Title\n", capture_output=True, text=True, env=env, timeout=60)
    assert piped.returncode == 0, piped.stderr
    assert piped.stdout.strip() == "My Title"
    empty = subprocess.run([sys.executable, "-c", _PIPED], stdin=subprocess.DEVNULL, capture_output=True, text=True, env=env, timeout=60)
    assert empty.returncode != 0
    assert "set the environment variable FLYTE_SIGNAL_TITLE" in empty.stderr


# -- a child action runs in a copy of its caller's context -------------------------------------------

SEEN: contextvars.ContextVar[str] = contextvars.ContextVar("seen", default="unset")


@env.task
async def sets_a_context_var(x: int) -> int:
    assert SEEN.get() == "caller's"  # a copy: what the caller had set is there
    SEEN.set(f"child {x}")
    await asyncio.sleep(0)  # the copy stays the child's across a suspension
    assert SEEN.get() == f"child {x}"
    return x


@env.task
async def awaits_children_that_set_a_context_var() -> list[str]:
    SEEN.set("caller's")
    await sets_a_context_var(1)  # awaited directly, in the caller's own asyncio task
    after_direct = SEEN.get()
    await asyncio.gather(sets_a_context_var(2), sets_a_context_var(3))
    return [after_direct, SEEN.get()]


def test_a_child_action_runs_in_a_copy_of_its_callers_context():
    # As on a backend, where a child runs elsewhere: what its body sets does not leak into the
    # caller. (It also means a gather's finished children keep no context of their own alive.)
    assert flyte.run(awaits_children_that_set_a_context_var).outputs()[0] == ["caller's", "caller's"]


@env.task
async def waits_forever(started: str) -> int:
    SEEN.set("inside")
    STARTED[started].set()
    await asyncio.Event().wait()
    return 0


STARTED: dict[str, asyncio.Event] = {}


@env.task
async def cancels_a_child() -> str:
    STARTED["c"] = asyncio.Event()
    child = asyncio.ensure_future(waits_forever("c"))
    await STARTED["c"].wait()
    child.cancel()  # thrown into the child's body through its context copy
    try:
        await child
    except asyncio.CancelledError:
        return f"cancelled, caller sees {SEEN.get()}"
    return "not cancelled"


def test_cancelling_a_child_reaches_its_body_and_records_it_aborted():
    run = flyte.run(cancels_a_child)
    assert run.outputs()[0] == "cancelled, caller sees unset"
    phases = {a["task"].rsplit(".", 1)[-1]: a["phase"] for a in run.actions()}
    assert phases["waits_forever"] == "ABORTED" and phases["cancels_a_child"] == "SUCCEEDED"
