"""Settings objects kept on tasks: Image, Resources, ReusePolicy, Trigger and friends."""

from datetime import timedelta

import pytest

import flyte


def test_image_builders_are_immutable_and_render_a_dockerfile(tmp_path):
    base = flyte.Image.from_debian_base(python_version=(3, 11), name="trainer", registry="ghcr.io/acme")
    img = (
        base.with_apt_packages("curl", "git")
        .with_pip_packages("pandas==2.2.2", "scikit-learn", extra_index_urls="https://extra/simple")
        .with_env_vars({"MODE": "prod"})
        .with_commands(["echo built"])
        .with_workdir("/app")
    )
    assert img is not base and len(img._layers) == len(base._layers) + 5
    df = img.dockerfile()
    assert df.startswith("# syntax=docker/dockerfile")
    assert "FROM ghcr.io/flyteorg/flyte:py3.11-v2.12.1" in df  # the released image, extended, as in the SDK
    full = flyte.Image.from_debian_base(python_version=(3, 11), install_flyte=False).dockerfile()
    assert "FROM python:3.11-slim-bookworm" in full and "useradd --create-home --shell /bin/bash flyte" in full
    assert "apt-get install -y --no-install-recommends curl git" in df
    assert "uv pip install --extra-index-url https://extra/simple pandas==2.2.2 scikit-learn" in df
    assert "ENV MODE=prod" in df and "RUN echo built" in df and "WORKDIR /app" in df
    assert df.index("curl") < df.index("pandas")  # layers keep their order
    assert img.uri.startswith("ghcr.io/acme/trainer:") and img.uri != base.uri
    assert flyte.Image.from_base("python:3.12").uri == "python:3.12"
    with pytest.raises(TypeError, match="Direct instantiation"):
        flyte.Image()
    missing = base.with_requirements(tmp_path / "missing.txt")  # checked when built, as in the SDK
    with pytest.raises(flyte.errors.ImageBuildError, match="does not exist"):
        missing.validate()
    with pytest.raises(flyte.errors.ImageBuildError, match="does not exist"):
        missing.dockerfile()
    req = tmp_path / "requirements.txt"
    req.write_text("numpy\n")
    assert "-r /tmp/requirements.txt" in base.with_requirements(req).dockerfile()
    with pytest.raises(TypeError):
        base.with_commands("not a list")


def test_resources_validation():
    r = flyte.Resources(cpu=(1, 2), memory=("1Gi", "2Gi"), gpu="A100:2", disk="10Gi")
    dev = r.get_device()
    assert dev.device == "A100" and dev.quantity == 2 and dev.device_class == "GPU"
    assert flyte.Resources(gpu=flyte.GPU("A100", 1, partition="1g.5gb")).get_device().partition == "1g.5gb"
    for bad in (dict(memory=1024), dict(cpu=-1), dict(cpu=[1]), dict(gpu="Z9:1"), dict(memory=("1Gi", None))):
        with pytest.raises(ValueError):
            flyte.Resources(**bad)
    with pytest.raises(ValueError):
        flyte.GPU("A100", 1, partition="9g.99gb")


def test_task_keeps_environment_settings():
    env = flyte.TaskEnvironment(
        "cfg-env",
        image=flyte.Image.from_debian_base().with_pip_packages("numpy"),
        resources=flyte.Resources(cpu=2, memory="4Gi"),
        env_vars={"A": "1"},
        secrets=[flyte.Secret("k")],
        cache="auto",
        reusable=flyte.ReusePolicy(replicas=(1, 3), concurrency=2),
        interruptible=True,
    )

    @env.task(retries=2, timeout=timedelta(minutes=5), short_name="nice", triggers=flyte.Trigger.daily())
    async def t(x: int) -> int:
        return x

    assert t.name == "cfg-env.t" and t.short_name == "nice"
    assert t.resources.cpu == 2 and t.env_vars == {"A": "1"} and t.cache == "auto" and t.interruptible
    assert t.reusable.max_replicas == 3 and t.triggers[0].automation == flyte.Cron("0 0 * * *")
    assert env.tasks == {"cfg-env.t": t}
    clone = env.clone_with("cfg-env-2", env_vars={"B": "2"}, cache="disable")
    assert clone.env_vars == {"B": "2"} and clone.cache == "disable" and clone.resources == env.resources
    with pytest.raises(ValueError, match="Cannot override resources when reusable"):
        t.override(resources=flyte.Resources(cpu=1))
    assert t.override(reusable="off", resources=flyte.Resources(cpu=1)).resources.cpu == 1
    with pytest.raises(ValueError, match="cannot be overridden"):
        t.override(name="x")


def test_environment_name_rules():
    for bad in ("Bad Name", "UPPER", "trailing-", "a__b"):
        with pytest.raises(ValueError, match="snake_case or kebab-case"):
            flyte.TaskEnvironment(bad)
    flyte.TaskEnvironment("ok_name-2")


def test_decorator_forms_and_rejections():
    env = flyte.TaskEnvironment("decorators")

    @env.task
    def bare(x: int) -> int:
        return x

    @env.task(cache="auto")
    async def called(x: int) -> int:
        return x

    assert bare.is_async is False and called.is_async is True
    with pytest.raises(TypeError, match="generator"):
        env.task(lambda: (yield 1))
    with pytest.raises(TypeError, match="already a task"):
        env.task(bare)


def test_triggers_and_schedules():
    assert flyte.FixedRate(240).interval_minutes == 240
    with pytest.raises(ValueError):
        flyte.FixedRate(0)
    with pytest.raises(ValueError):
        flyte.Cron("not a cron")
    t = flyte.Trigger.hourly("when")
    assert t.inputs == {"when": flyte.TriggerTime}
    with pytest.raises(ValueError, match="TriggerTime"):
        flyte.Trigger("x", automation=flyte.OnArtifact("a"), inputs={"t": flyte.TriggerTime})
    with pytest.raises(ValueError, match="max_action_concurrency"):
        flyte.Trigger("x", max_action_concurrency=1)


def test_retry_and_timeout_values():
    assert flyte.Backoff(base=timedelta(seconds=1), factor=2, cap=timedelta(seconds=3)).compute_delay(5) == timedelta(seconds=3)
    with pytest.raises(ValueError, match="cap"):
        flyte.Backoff(base=timedelta(seconds=1), factor=2)
    with pytest.raises(ValueError):
        flyte.RetryStrategy(-1)
    with pytest.raises(ValueError):
        flyte.ReusePolicy(replicas=(3, 1))
