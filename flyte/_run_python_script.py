"""`flyte.run_python_script` and `flyte.load_plugin_config`, with the SDK's signatures.

Running a script as a task on a cluster needs a Flyte backend, which this runtime is not; but the
arguments are checked first, with the SDK's errors (a missing script, a file that is not `.py`,
clustered-only options without `clustered=True`), so a program learns what is wrong with its
call before it learns it needs a backend. `load_plugin_config` needs nothing remote: it builds
the plugin config object a YAML file describes.
"""

from __future__ import annotations

import dataclasses
import importlib
import pathlib
import typing
from typing import Any, Dict, List, Optional, Union

from ._syncify import Immediate


def _check_arguments(script: Union[str, pathlib.Path], plugin_config: Any, clustered: bool,
                     clustered_only: Dict[str, Any]) -> pathlib.Path:
    path = pathlib.Path(script).resolve()
    if not path.exists():
        raise FileNotFoundError(f"Script not found: {path}")
    if path.suffix != ".py":
        raise ValueError(f"Script must be a .py file, got: {path}")
    if clustered:
        if plugin_config is not None:
            raise ValueError("plugin_config cannot be combined with clustered=True: a clustered environment brings "
                             "its own plugin config.")
        if clustered_only["replicas"] is None or clustered_only["nproc_per_node"] is None:
            raise ValueError("clustered=True requires both replicas and nproc_per_node to be set.")
    else:
        given = [k for k, v in clustered_only.items() if v is not None]
        if given:
            raise ValueError(f"{', '.join(given)}: replicas, nproc_per_node, runtime, failure_policy, and "
                             "ttl_seconds_after_finished only apply when clustered=True.")
    return path


def _run_python_script(script: pathlib.Path, *, cpu: int = 4, memory: str = "16Gi", gpu: int = 0,
                       gpu_type: str = "T4", image: Any = None, timeout: int = 3600,
                       extra_args: Optional[List[str]] = None, queue: Optional[str] = None, wait: bool = False,
                       name: Optional[str] = None, debug: bool = False, output_dir: Optional[str] = None,
                       include_files: Optional[List[str]] = None, plugin_config: Any = None, clustered: bool = False,
                       replicas: Optional[int] = None, nproc_per_node: Optional[int] = None, runtime: Any = None,
                       failure_policy: Any = None, ttl_seconds_after_finished: Optional[int] = None) -> Any:
    """Package `script` and run it as a task on a Flyte cluster: checks the arguments as the SDK
    does, then says that it needs a backend."""
    from ._backend import _no_backend

    _check_arguments(script, plugin_config, clustered,
                     {"replicas": replicas, "nproc_per_node": nproc_per_node, "runtime": runtime,
                      "failure_policy": failure_policy, "ttl_seconds_after_finished": ttl_seconds_after_finished})
    raise _no_backend("flyte.run_python_script")


run_python_script = Immediate(_run_python_script)


# -- plugin configs from YAML -------------------------------------------------------------------


def _import_class(qualified_name: str) -> Any:
    """`package.module.Class` (or `package.module.Outer.Inner`): the longest importable module
    prefix, then attributes."""
    parts = qualified_name.split(".")
    errors = []
    for cut in range(len(parts) - 1, 0, -1):
        module_name = ".".join(parts[:cut])
        try:
            obj: Any = importlib.import_module(module_name)
        except ImportError as e:
            errors.append(str(e))
            continue
        try:
            for attr in parts[cut:]:
                obj = getattr(obj, attr)
        except AttributeError as e:
            raise ValueError(f"Could not load plugin config class {qualified_name!r}: {e}") from e
        return obj
    reason = errors[-1] if errors else "not a qualified name"
    raise ValueError(f"Could not load plugin config class {qualified_name!r}: {reason}. Install the plugin package "
                     "and give the class's full name, e.g. 'flyteplugins.ray.RayJobConfig'.")


def _coerce(tp: Any, value: Any) -> Any:
    """`value` (parsed YAML) in the shape the field type `tp` needs: nested dataclasses from
    mappings, through lists, dict values and Optional/Union."""
    if value is None or tp is None:
        return value
    origin, args = typing.get_origin(tp), typing.get_args(tp)
    if origin is Union:
        for candidate in args:
            if candidate is type(None):
                continue
            try:
                return _coerce(candidate, value)
            except (TypeError, ValueError):
                continue
        return value
    if origin is list and isinstance(value, list):
        return [_coerce(args[0] if args else None, v) for v in value]
    if origin is dict and isinstance(value, dict):
        return {k: _coerce(args[1] if len(args) > 1 else None, v) for k, v in value.items()}
    if isinstance(tp, type) and dataclasses.is_dataclass(tp) and isinstance(value, dict):
        return _dataclass_from_mapping(tp, value)
    return value


def _dataclass_from_mapping(cls: type, data: Dict[str, Any]) -> Any:
    if not dataclasses.is_dataclass(cls):
        raise ValueError(f"{cls!r} is not a dataclass; a plugin config file can only describe a dataclass.")
    hints = typing.get_type_hints(cls)
    names = {f.name for f in dataclasses.fields(cls)}
    unknown = sorted(set(data) - names)
    if unknown:
        raise ValueError(f"Unknown field(s) {unknown} for plugin config class {cls.__module__}.{cls.__qualname__}. "
                         f"Valid fields: {sorted(names)}")
    return cls(**{k: _coerce(hints.get(k), v) for k, v in data.items()})


def load_plugin_config(path: Union[str, pathlib.Path]) -> Any:
    """The plugin config object a YAML file describes: a mapping whose `plugin` key is the
    config class's full name and whose optional `config` mapping holds its fields (nested
    dataclasses as nested mappings and lists)::

        plugin: flyteplugins.ray.RayJobConfig
        config:
          worker_node_config:
            - group_name: workers
              replicas: 2
    """
    import yaml

    path = pathlib.Path(path)
    with path.open("r", encoding="utf-8") as f:
        raw = yaml.safe_load(f) or {}
    if not isinstance(raw, dict) or "plugin" not in raw:
        raise ValueError(f"Plugin config file {path} must be a YAML mapping with a top-level 'plugin' key (the "
                         "plugin config class's full name), e.g.\n\nplugin: flyteplugins.ray.RayJobConfig\n"
                         "config:\n  worker_node_config: [...]")
    cls = _import_class(str(raw["plugin"]))
    config = raw.get("config") or {}
    if not isinstance(config, dict):
        raise ValueError(f"Plugin config file {path}: 'config' must be a mapping, got {type(config).__name__}")
    return _dataclass_from_mapping(cls, config)
