"""flyte.run_python_script checks its arguments as the SDK does before saying it needs a backend;
flyte.load_plugin_config builds the plugin config object a YAML file describes, locally."""

from __future__ import annotations

import dataclasses
from typing import Optional

import pytest

import flyte
import flyte.errors


@dataclasses.dataclass
class NodeGroup:
    group_name: str
    replicas: int = 1


@dataclasses.dataclass
class JobConfig:
    workers: list[NodeGroup] = dataclasses.field(default_factory=list)
    head: Optional[NodeGroup] = None
    params: dict[str, NodeGroup] = dataclasses.field(default_factory=dict)
    enabled: bool = False


@pytest.fixture
def script(tmp_path):
    path = tmp_path / "train.py"
    path.write_text("print('training')\n")
    return path


def test_run_python_script_checks_its_arguments_then_needs_a_backend(script, tmp_path):
    with pytest.raises(FileNotFoundError, match="Script not found"):
        flyte.run_python_script(tmp_path / "missing.py")
    (tmp_path / "notes.txt").write_text("x")
    with pytest.raises(ValueError, match=r"must be a \.py file"):
        flyte.run_python_script(tmp_path / "notes.txt")
    with pytest.raises(ValueError, match="requires both replicas and nproc_per_node"):
        flyte.run_python_script(script, clustered=True, replicas=2)
    with pytest.raises(ValueError, match="cannot be combined with clustered=True"):
        flyte.run_python_script(script, clustered=True, replicas=2, nproc_per_node=1, plugin_config=JobConfig())
    with pytest.raises(ValueError, match=r"ttl_seconds_after_finished: .* only apply when clustered=True"):
        flyte.run_python_script(script, ttl_seconds_after_finished=60)
    with pytest.raises(flyte.errors.InitializationError, match="needs a Flyte backend"):
        flyte.run_python_script(script, clustered=True, replicas=2, nproc_per_node=4)
    with pytest.raises(TypeError):
        flyte.run_python_script(script, 4)  # the options are keyword-only, as in the SDK


def test_load_plugin_config_builds_nested_dataclasses_from_yaml(tmp_path):
    name = f"{JobConfig.__module__}.{JobConfig.__qualname__}"
    path = tmp_path / "plugin.yaml"
    path.write_text(f"plugin: {name}\nconfig:\n  workers:\n    - group_name: w\n      replicas: 3\n"
                    "  head: {group_name: h}\n  params:\n    gpu: {group_name: g, replicas: 2}\n  enabled: true\n")
    assert flyte.load_plugin_config(path) == JobConfig(workers=[NodeGroup("w", 3)], head=NodeGroup("h"),
                                                       params={"gpu": NodeGroup("g", 2)}, enabled=True)
    path.write_text(f"plugin: {name}\n")
    assert flyte.load_plugin_config(str(path)) == JobConfig()  # no config: the defaults


@pytest.mark.parametrize("text, message", [
    ("config:\n  a: 1\n", "top-level 'plugin' key"),
    ("- just a list\n", "top-level 'plugin' key"),
    ("plugin: no_such_module_here.Config\n", "Could not load plugin config class"),
    ("plugin: dataclasses.NoSuchClass\n", "Could not load plugin config class"),
    ("plugin: collections.OrderedDict\n", "is not a dataclass"),
    (f"plugin: {__name__}.JobConfig\nconfig: [1, 2]\n", "'config' must be a mapping"),
    (f"plugin: {__name__}.JobConfig\nconfig:\n  nodes: 1\n", r"Unknown field\(s\) \['nodes'\]"),
])
def test_a_bad_plugin_config_file_says_what_is_wrong(tmp_path, text, message):
    path = tmp_path / "plugin.yaml"
    path.write_text(text)
    with pytest.raises(ValueError, match=message):
        flyte.load_plugin_config(path)
