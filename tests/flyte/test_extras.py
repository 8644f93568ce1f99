"""flyte.extras: batchers that work anywhere, container and sleep tasks as the SDK defines them
(run locally where that has a meaning), and the parts that need what this runtime lacks saying
so when used."""

from __future__ import annotations

import asyncio
import datetime

import pytest

import flyte
import flyte.errors
from flyte.extras import ContainerTask, DynamicBatcher, Prompt, Sleep, SleepTask, TokenBatcher
from flyte.io import File

# -- batchers ----------------------------------------------------------------------------------


def test_concurrent_submissions_are_batched_and_each_caller_gets_its_own_result():
    batches: list[list[int]] = []
    release = asyncio.Event()

    async def square_all(xs: list[int]) -> list[int]:
        await release.wait()  # hold the first batch so that the rest queue up behind it
        batches.append(list(xs))
        return [x * x for x in xs]

    async def main() -> list[int]:
        async with DynamicBatcher(square_all, max_batch_size=4, batch_timeout_s=30) as batcher:
            futures = [await batcher.submit(i) for i in range(10)]
            release.set()
            return list(await asyncio.gather(*futures))

    assert asyncio.run(main()) == [i * i for i in range(10)]
    assert sorted(x for b in batches for x in b) == list(range(10))
    assert all(len(b) <= 4 for b in batches) and len(batches) >= 3


def test_a_failing_batch_fails_its_callers_and_not_the_others():
    async def picky(xs: list[int]) -> list[int]:
        if 13 in xs:
            raise ValueError("unlucky batch")
        return xs

    async def main():
        async with DynamicBatcher(picky, max_batch_size=1) as batcher:
            ok, bad = await batcher.submit(1), await batcher.submit(13)
            return await asyncio.gather(ok, bad, return_exceptions=True)

    ok, bad = asyncio.run(main())
    assert ok == 1 and isinstance(bad, ValueError) and "unlucky" in str(bad)


def test_token_batcher_fills_batches_by_estimated_tokens():
    seen: list[int] = []

    async def infer(prompts: list[Prompt]) -> list[str]:
        seen.append(sum(p.estimate_tokens() for p in prompts))
        return [p.text.upper() for p in prompts]

    async def main():
        async with TokenBatcher(infer, target_batch_tokens=10, batch_timeout_s=30) as batcher:
            futures = [await batcher.submit(Prompt(text="x" * 20)) for _ in range(3)]
            return await asyncio.gather(*futures)

    out = asyncio.run(main())
    assert out == ["X" * 20] * 3
    assert seen and sum(seen) == 3 * Prompt(text="x" * 20).estimate_tokens()


# -- sleep tasks -------------------------------------------------------------------------------

sleepy = flyte.TaskEnvironment("extras_sleep", plugin_config=Sleep())


@sleepy.task
async def nap(duration: datetime.timedelta) -> str:
    return f"slept {duration.total_seconds()}"


def test_an_environment_with_the_sleep_plugin_makes_sleep_tasks_that_run_locally():
    assert isinstance(nap, SleepTask) and nap.task_type == "core-sleep"
    run = flyte.run(nap, duration=datetime.timedelta(milliseconds=1))
    assert run.outputs()[0] == "slept 0.001"


# -- container tasks ---------------------------------------------------------------------------

greet = ContainerTask(
    name="greet",
    image="alpine:3.19",
    command=["sh", "-c", "echo hello {{.inputs.who}} > /var/outputs/greeting"],
    inputs={"who": str, "loud": bool, "data": File},
    outputs={"greeting": str},
)


def test_the_command_is_filled_from_the_inputs_and_files_are_mounted():
    f = File(path="/tmp/some-input.csv")
    assert greet.render_command(who="world", loud=True, data=f)[-1] == "echo hello world > /var/outputs/greeting"
    mounts = greet.mounts("/tmp/out", who="world", loud=True, data=f)
    assert mounts == {"/tmp/some-input.csv": "/var/inputs/data", "/tmp/out": "/var/outputs"}
    assert greet.container_args(None)[:2] == ["sh", "-c"]
    assert list(greet.interface.inputs) == ["who", "loud", "data"]


def test_a_template_naming_no_input_or_a_file_is_refused_with_the_name():
    bad = ContainerTask(name="bad", image="alpine", command=["cat", "{{.inputs.nothere}}"], inputs={"x": int})
    with pytest.raises(ValueError, match="nothere"):
        bad.render_command(x=1)
    by_template = ContainerTask(name="f", image="alpine", command=["cat", "{{.inputs.data}}"], inputs={"data": File})
    with pytest.raises(ValueError, match="/var/inputs/data"):
        by_template.render_command(data=File(path="/tmp/x"))


def test_bad_constructor_arguments_are_refused():
    with pytest.raises(ValueError, match="strings"):
        ContainerTask(name="n", image="alpine", command=["echo", 1])  # type: ignore[list-item]
    with pytest.raises(ValueError, match="metadata_format"):
        ContainerTask(name="n", image="alpine", command=["true"], metadata_format="XML")  # type: ignore[arg-type]


def test_without_docker_the_run_fails_saying_docker_is_needed(tmp_path, monkeypatch):
    monkeypatch.setenv("FLYTE_CONTAINER_RUNTIME", "docker")
    monkeypatch.setenv("PATH", str(tmp_path))  # an empty PATH: no docker command at all
    echo = ContainerTask(name="echo", image="alpine:3.19", command=["echo", "{{.inputs.x}}"], inputs={"x": int},
                         outputs={"o": int})
    with pytest.raises(Exception, match="docker command is not installed") as e:
        flyte.run(echo, x=1)
    assert "echo" in str(e.value)


# -- what needs more than this runtime ---------------------------------------------------------


def test_serialize_and_the_backend_modules_say_what_they_need():
    from flyte.extras import model_streamer, serialize, webhooks

    with pytest.raises(NotImplementedError, match="TaskSpec"):
        serialize(nap)
    for module, name in ((webhooks, "WebhookAppEnvironment"), (model_streamer, "ModelStreamer")):
        assert name in module.__all__
        with pytest.raises(ImportError, match=name):
            getattr(module, name)
