"""Small parts of the SDK's public surface that code written against the real SDK relies on:
`await run.wait.aio()`, retries stored as a RetryStrategy, trigger descriptions cut to 255
characters, `with_runcontext(debug=...)` kept on the runner, `flyte.AppHandle` as a Protocol."""

from __future__ import annotations

import asyncio
import logging

import pytest

import flyte

env = flyte.TaskEnvironment(name="surface_details")


@env.task
def plus_one(x: int) -> int:
    return x + 1


@env.task(retries=2)
def retried(x: int) -> int:
    return x


def test_run_wait_outputs_and_inputs_have_aio(flyte_home):
    async def main() -> tuple:
        run = await flyte.run.aio(plus_one, x=4)
        assert await run.wait.aio() is None
        return (await run.outputs.aio())[0], await run.inputs.aio()

    assert asyncio.run(main()) == (5, {"x": 4})
    run = flyte.run(plus_one, x=1)
    run.wait()
    assert run.outputs()[0] == 2 and run.inputs() == {"x": 1}
    assert flyte.run(plus_one, x=2).outputs.__name__ == "outputs"


def test_retries_int_is_stored_as_retry_strategy(flyte_home):
    assert retried.retries == flyte.RetryStrategy(count=2)
    assert plus_one.retries.count == 0
    assert retried.override(retries=5).retries == flyte.RetryStrategy(count=5)
    with pytest.raises(ValueError, match="retries"):
        env.task(retries="3")(lambda x: x)  # type: ignore[arg-type]


def test_retries_still_retry(flyte_home, tmp_path):
    marker = tmp_path / "attempts"

    @env.task(retries=2)
    def flaky() -> int:
        n = int(marker.read_text()) if marker.exists() else 0
        marker.write_text(str(n + 1))
        if n < 2:
            raise RuntimeError("not yet")
        return n

    assert flyte.run(flaky).outputs()[0] == 2


def test_trigger_description_is_cut_to_255_characters():
    t = flyte.Trigger(name="long", automation=flyte.Cron("0 * * * *"), description="A" * 300)
    assert t.description == "A" * 247 + "...(tr.)" and len(t.description) == 255
    short = flyte.Trigger(name="short", automation=flyte.Cron("0 * * * *"), description="B" * 255)
    assert short.description == "B" * 255


def test_trigger_messages_name_the_problem():
    with pytest.raises(ValueError, match="deadlock"):
        flyte.Trigger(name="t", automation=flyte.Cron("0 * * * *"), max_action_concurrency=1)
    with pytest.raises(ValueError, match="multiple inputs"):
        flyte.Trigger(name="t", automation=flyte.OnArtifact("a"),
                      inputs={"a": flyte.TriggeredArtifact, "b": flyte.TriggeredArtifact})


def test_with_runcontext_keeps_debug_and_warns(caplog):
    assert flyte.with_runcontext(mode="local")._debug is False
    with caplog.at_level(logging.WARNING, logger="flyte"):
        assert flyte.with_runcontext(mode="local", debug=True)._debug is True


def test_app_handle_is_a_runtime_checkable_protocol():
    class Served:
        name = "app"
        url = endpoint = "http://localhost:8080"

        def is_active(self) -> bool:
            return True

        def is_deactivated(self) -> bool:
            return False

        def activate(self, wait: bool = False) -> Served:
            return self

        def deactivate(self, wait: bool = False) -> Served:
            return self

        def ephemeral_ctx(self):  # pragma: no cover - shape only
            raise NotImplementedError

        def ephemeral_ctx_sync(self):  # pragma: no cover - shape only
            raise NotImplementedError

    assert isinstance(Served(), flyte.AppHandle)
    assert not isinstance(object(), flyte.AppHandle)
    for member in ("name", "endpoint", "is_active", "is_deactivated", "activate", "deactivate"):
        assert hasattr(flyte.AppHandle, member)
