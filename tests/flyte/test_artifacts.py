"""flyte.artifacts: outputs marked as artifacts behave as the values they wrap, metadata is
checked where it is written, and a run records what it published in its artifact log."""

from __future__ import annotations

import dataclasses
import datetime
import json
import pickle
from pathlib import Path

import pytest

import flyte
import flyte.artifacts as artifacts
from flyte.io import Dir, File

env = flyte.TaskEnvironment("artifact_tests")


def _local_file(name: str, text: str) -> Path:
    out = Path(flyte.ctx().output_path) / name
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(text)
    return out


@env.task
async def train(epochs: int) -> File:
    weights = await File.from_local(str(_local_file("weights.bin", f"trained {epochs}")))
    md = artifacts.Metadata.create_model_metadata(
        name="classifier", version=f"v{epochs}", framework="torch", partitions={"date": datetime.date(2026, 3, 4)})
    return artifacts.new(weights, md)


@env.task
async def summarize(weights: File) -> str:
    async with weights.open("rb") as f:
        return (await f.read()).decode()


@env.task
async def plain_output() -> File:
    return await File.from_local(str(_local_file("plain.txt", "plain")))


@env.task
async def pipeline(epochs: int) -> str:
    weights = await train(epochs)
    with artifacts.produces(o0=artifacts.Metadata(name="cleaned", partitions={"region": "eu"})):
        await plain_output()
    await plain_output()  # after the block: nothing declared
    return await summarize(weights)


@env.task
async def fails_after_wrapping() -> File:
    artifacts.new(await File.from_local(str(_local_file("x.txt", "x"))), artifacts.Metadata(name="never"))
    raise ValueError("the task failed after wrapping its output")


def test_a_wrapped_output_is_the_value_downstream_and_is_logged_once(flyte_home):
    run = flyte.with_runcontext(name="published").run(pipeline, 3)
    assert run.outputs()[0] == "trained 3"  # the wrapped File crossed to the next task as a File

    log = artifacts._local.read_log(Path(run.url))
    assert [(a["name"], a["produced"]) for a in log] == [("classifier", "returned"),
                                                        ("cleaned", "declared by the caller")]
    model, cleaned = log
    assert model["version"] == "v3" and model["kind"] == "model" and model["attrs"]["framework"] == "torch"
    assert model["output"] == "o0" and model["task"] == "artifact_tests.train"
    assert Path(model["uri"]).read_text() == "trained 3"
    assert model["time_partition"] == {"key": "date", "value": "2026-03-04T00:00:00Z", "granularity": "day"}
    assert cleaned["partitions"] == {"region": "eu"} and cleaned["output"] == "o0"
    assert Path(cleaned["uri"]).read_text() == "plain"


def test_a_failed_action_publishes_nothing(flyte_home):
    with pytest.raises(flyte.errors.RuntimeUserError, match="failed after wrapping"):
        flyte.with_runcontext(name="not-published").run(fails_after_wrapping)
    from flyte.remote import Run

    assert artifacts._local.read_log(Path(Run.get("not-published").url)) == []


def test_the_wrapper_behaves_as_the_value():
    f = File(path="/data/weights.bin")
    wrapped = artifacts.new(f, artifacts.Metadata(name="w"))
    assert isinstance(wrapped, File) and wrapped.path == "/data/weights.bin"
    assert wrapped.get_artifact_metadata() == artifacts.Metadata(name="w")
    assert wrapped.get_artifact_metadata() is not wrapped.get_artifact_metadata()  # a copy each time
    assert isinstance(wrapped, artifacts.Artifact)
    assert pickle.loads(pickle.dumps(wrapped)) == f  # crossing processes, it is the bare value
    assert "Artifact[File]" in repr(wrapped)


@dataclasses.dataclass
class Payload:
    text: str


@pytest.mark.parametrize("value", ["s", 1, 2.5, True, b"raw", None, Payload("p"), object()])
def test_only_offloaded_assets_can_be_artifacts(value):
    with pytest.raises(TypeError, match="cannot be artifacts"):
        artifacts.new(value, artifacts.Metadata(name="nope"))
    assert artifacts.new(Dir(path="/data/checkpoints"), artifacts.Metadata(name="d")).path == "/data/checkpoints"


def test_metadata_is_checked_where_it_is_written():
    with pytest.raises(ValueError, match="at most one time partition"):
        artifacts.Metadata(name="x", partitions={"day": datetime.date(2026, 1, 1), "hour": datetime.datetime(2026, 1, 1)})
    with pytest.raises(ValueError, match="is None"):
        artifacts.Metadata(name="x", partitions={"region": None})
    with pytest.raises(ValueError, match="non-empty"):
        artifacts.Metadata(name="x", partitions={"": "v"})
    with pytest.raises(ValueError, match="at most 32 parents"):
        artifacts.Metadata(name="x", parents=tuple(f"v{i}" for i in range(33)))
    with pytest.raises(ValueError, match="empty version"):
        artifacts.Metadata(name="x", parents=("",))
    with pytest.raises(ValueError, match="granularity"):
        artifacts.TimePartition(datetime.date(2026, 1, 1), "year")
    parent = artifacts.ArtifactVersionId(version="3")
    assert artifacts.Metadata(name="x", parents=("2", parent)).parents == ("2", parent)


def test_model_metadata_keys_win_over_user_attrs_and_kind_fills_the_reserved_key():
    md = artifacts.Metadata.create_model_metadata(name="m", framework="jax", attrs={"framework": "x", "team": "a"})
    assert md.attrs["framework"] == "jax" and md.attrs["team"] == "a" and md.attrs[artifacts.KIND_KEY] == "model"
    described = artifacts._metadata.describe(artifacts.Metadata(name="d", kind="data"))
    assert described["kind"] == "data" and described["attrs"] == {artifacts.KIND_KEY: "data"}
    explicit = artifacts._metadata.describe(artifacts.Metadata(name="d", kind="data", attrs={artifacts.KIND_KEY: "model"}))
    assert explicit["kind"] == "model"


def test_time_partitions_start_at_their_granularity():
    md = artifacts.Metadata(name="x", partitions={"week": artifacts.TimePartition(datetime.date(2026, 3, 5), "week")})
    assert artifacts._metadata.describe(md)["time_partition"]["value"] == "2026-03-02T00:00:00Z"  # the Monday
    hourly = artifacts.Metadata(name="x", partitions={"at": datetime.datetime(2026, 3, 5, 13, 47)})
    assert artifacts._metadata.describe(hourly)["time_partition"] == {
        "key": "at", "value": "2026-03-05T13:00:00Z", "granularity": "hour"}


def test_a_card_is_stored_by_content_inside_a_task_and_copied_outside(flyte_home, tmp_path):
    outside = artifacts.Card.create_from(content="# notes", format="md", card_type="data")
    assert Path(outside.uri).read_text() == "# notes" and outside.format == "md"

    @env.task
    async def with_cards() -> list[str]:
        a = await artifacts.Card.create_from.aio(content="<h1>a</h1>", card_type="model")
        b = await artifacts.Card.create_from.aio(content="<h1>b</h1>", card_type="model")
        return [a.uri, b.uri]

    a, b = flyte.run(with_cards).outputs()[0]
    assert a != b and "/cards/model-" in a and a.endswith(".html")
    assert Path(a).read_text() == "<h1>a</h1>" and Path(b).read_text() == "<h1>b</h1>"
    with pytest.raises(ValueError, match="content or local_path"):
        artifacts.Card.create_from()


def test_produces_checks_its_declarations_and_does_nothing_outside_a_task():
    with pytest.raises(TypeError, match="Metadata"):
        with artifacts.produces(o0={"name": "x"}):
            pass
    with artifacts.produces(o0=artifacts.Metadata(name="x")):
        assert json.dumps({}) == "{}"  # nothing to publish outside a task
