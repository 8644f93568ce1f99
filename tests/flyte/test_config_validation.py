"""Configuration objects validate and normalise their values with the SDK's rules and messages
(checked side by side against flyte 2.12.1): Resources, Secret, ReusePolicy (PodTemplate: test_pod_template.py)."""

import logging
from datetime import timedelta

import pytest

import flyte
from flyte import GPU, TPU, Resources, ReusePolicy, Secret

# -- Resources ---------------------------------------------------------------------------------------


def test_gpu_strings_are_the_sdks_accelerator_list():
    assert Resources(gpu="A100:8").get_device().quantity == 8
    assert Resources(gpu="Trn1:16").get_device().device_class == "NEURON"
    assert Resources(gpu=TPU("V5E")).get_device().device_class == "TPU"
    assert Resources(gpu="AppleSilicon").get_device().device_class == "APPLE_SILICON"
    assert Resources(gpu=0).get_device() is None
    for bad in ("A100:9", "Trn1:3", "A100", "A100:two", "Z9:1"):
        with pytest.raises(ValueError, match="gpu must be one of"):
            Resources(gpu=bad)
    with pytest.raises(ValueError, match="gpu must be greater than or equal to 0"):
        Resources(gpu=-1)
    with pytest.raises(ValueError, match="gpu must be an accelerator string"):
        Resources(gpu=("A100", 2))


def test_deprecated_gpu_spellings_are_renamed_with_a_warning(caplog):
    with caplog.at_level(logging.WARNING, logger="flyte"):
        r = Resources(gpu="A100 80G:2")
    assert r.gpu == "A100_80G:2" and "deprecated" in caplog.text
    assert GPU("RTX PRO 6000", 1).device == "RTX_PRO_6000"


def test_cpu_and_memory_pairs():
    assert Resources(cpu=("1", "2"), memory=("1Gi", "2Gi")).cpu == ("1", "2")
    with pytest.raises(ValueError, match="cpu tuple must have exactly two elements"):
        Resources(cpu=("1", "2", "3"))
    with pytest.raises(ValueError, match="memory tuple must have exactly two elements"):
        Resources(memory=("1Gi",))
    with pytest.raises(ValueError, match="cpu pair elements must both be set"):
        Resources(cpu=(None, 2))
    with pytest.raises(ValueError, match="memory must be a Kubernetes quantity string"):
        Resources(memory=1024)


def test_shared_memory_auto_asks_for_the_node_maximum():
    assert Resources(shm="auto").get_shared_memory() == ""
    assert Resources(shm="2Gi").get_shared_memory() == "2Gi"


def test_tpu_partitions_are_checked_per_generation():
    assert TPU("V5P", "2x2x1").partition == "2x2x1"
    assert TPU("V6E", "4x8").partition == "4x8"
    with pytest.raises(ValueError, match="Invalid partition for V5P"):
        TPU("V5P", "2x2")
    with pytest.raises(ValueError, match="Invalid partition for V5E"):
        TPU("V5E", "2x2x1")


# -- Secret ------------------------------------------------------------------------------------------


def test_secret_env_var_names_and_mount_path():
    assert Secret(key="openai-key", group="llm").as_env_var == "LLM_OPENAI_KEY"
    with pytest.raises(ValueError, match="Invalid environment variable name"):
        Secret(key="k", as_env_var="lower_case")
    mounted = Secret(key="k", mount="/etc/flyte/secrets")
    assert mounted.as_env_var is None
    with pytest.raises(ValueError, match="Only /etc/flyte/secrets is supported"):
        Secret(key="k", mount="/tmp/secrets")


def test_secrets_are_hashable_and_hash_stably():
    a, b = Secret(key="db", group="prod"), Secret(key="db", group="prod")
    assert a == b and hash(a) == hash(b) and len({a, b, Secret(key="other")}) == 2
    assert len(a.stable_hash()) == 64 and a.stable_hash() == b.stable_hash()


# -- ReusePolicy -------------------------------------------------------------------------------------


def test_reuse_policy_normalises_replicas_and_ttls():
    r = ReusePolicy(replicas=3, idle_ttl=300, scaledown_ttl=timedelta(minutes=2), concurrency=4)
    assert r.replicas == (3, 3) and r.min_replicas == r.max_replicas == 3
    assert r.idle_ttl == timedelta(seconds=300) and r.get_scaledown_ttl() == timedelta(minutes=2)
    assert ReusePolicy().replicas == (2, 2)


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"replicas": (3, 1)}, r"replicas min \(3\) must be less than or equal to max \(1\)"),
        ({"replicas": (-1, 2)}, "replicas min must be greater than or equal to 0"),
        ({"replicas": (1, 2, 3)}, "replicas must be an int or a tuple of two ints"),
        ({"replicas": None}, "replicas cannot be None"),
        ({"concurrency": 0}, "concurrency must be at least 1"),
        ({"idle_ttl": 10}, "idle_ttl must be at least 30 seconds"),
        ({"scaledown_ttl": "1m"}, r"scaledown_ttl must be an int \(seconds\) or a timedelta"),
        ({"scope": "cluster"}, 'scope must be "global" or "run"'),
    ],
)
def test_reuse_policy_refuses_bad_values(kwargs, message):
    with pytest.raises(ValueError, match=message):
        ReusePolicy(**kwargs)


def test_reuse_policy_with_one_replica_and_no_concurrency_warns_of_starvation(caplog):
    with caplog.at_level(logging.WARNING, logger="flyte"):
        ReusePolicy(replicas=(1, 1))
    assert "starve" in caplog.text


def test_reusable_environment_still_runs_tasks():
    env = flyte.TaskEnvironment("reused", reusable=ReusePolicy(replicas=2, concurrency=2))

    @env.task
    async def add(a: int, b: int) -> int:
        return a + b

    assert flyte.run(add, a=1, b=2).outputs()[0] == 3



# -- Environment -------------------------------------------------------------------------------------


def test_environment_include_and_declaring_file():
    env = flyte.TaskEnvironment("incl", include=["data/*.csv", "conf.yaml"])
    assert env.include == ("data/*.csv", "conf.yaml") and env._declaring_file == __file__
    with pytest.raises(TypeError, match="got a bare str"):
        flyte.TaskEnvironment("incl-str", include="data/*.csv")
    with pytest.raises(TypeError, match="include entries must be str"):
        flyte.TaskEnvironment("incl-int", include=["ok", 3])


def test_environment_dependencies():
    a, b = flyte.TaskEnvironment("dep-a"), flyte.TaskEnvironment("dep-b")
    a.add_dependency(b, b)
    assert a.depends_on == [b]
    with pytest.raises(ValueError, match="Cannot add self as a dependency"):
        a.add_dependency(a)
    with pytest.raises(TypeError, match="Expected Environment, got <class 'int'>"):
        a.add_dependency(1)
    with pytest.raises(TypeError, match=r"Expected depends_on to be of type List\[Environment\]"):
        flyte.TaskEnvironment("dep-c", depends_on=[1])
    derived = a._get_kwargs()
    derived["depends_on"].append(flyte.TaskEnvironment("dep-d"))
    assert a.depends_on == [b]  # the derived settings do not alias this environment's list


def test_long_descriptions_are_cut_with_a_marker():
    env = flyte.TaskEnvironment("descr", description="x" * 300)
    assert len(env.description) == 255 and env.description.endswith("x...(tr.)")
    assert flyte.TaskEnvironment("descr-short", description="short").description == "short"


def test_pod_template_type_and_reuse_conflict():
    with pytest.raises(TypeError, match="Expected pod_template to be of type str or PodTemplate"):
        flyte.TaskEnvironment("pt-bad", pod_template=3)
    env = flyte.TaskEnvironment("pt-reused", reusable=ReusePolicy(replicas=2))

    async def body() -> None:
        return None

    with pytest.raises(ValueError, match="Cannot set pod_template when environment is reusable"):
        env.task(body, pod_template="tmpl")


def test_a_cache_setting_is_checked_where_a_task_takes_it():
    env = flyte.TaskEnvironment("cache-later", cache="custom")  # accepted, as in the SDK ...
    assert env.clone_with("cache-later-2").cache == "custom"

    async def body() -> None:
        return None

    with pytest.raises(ValueError, match="Invalid cache behavior: 'custom'"):  # ... until a task uses it
        env.task(body)
    assert env.task(body, cache="auto").cache == "auto"
