"""A local, durable Flyte 2 runtime with the API of the `flyte` SDK.

Define tasks in a `TaskEnvironment`, call them from each other (every call inside a run is an
action recorded in the metadata store), and start runs with `flyte.run(task, ...)`.
"""

from __future__ import annotations

import importlib as _importlib
import logging as _logging
from typing import TYPE_CHECKING, Any

from ._version import __version__

# Names load on first use (PEP 562), so `import flyte` stays cheap: a CLI or a worker process
# that only needs part of the API does not pay for all of it.
_LAZY = {
    "errors": (".errors", None),
    "io": (".io", None),
    "models": (".models", None),
    "report": (".report", None),
    "durable": (".durable", None),
    # Public submodules outside flyte.__all__ (as in the SDK), loaded when first touched.
    "types": (".types", None),
    "storage": (".storage", None),
    "deploy": ("._backend", "deploy"),
    "build": ("._backend", "build"),
    "build_images": ("._backend", "build_images"),
    "serve": ("._backend", "serve"),
    "init_in_cluster": ("._backend", "init_in_cluster"),
    "init_passthrough": ("._backend", "init_passthrough"),
    "run_python_script": ("._backend", "run_python_script"),
    "with_servecontext": ("._backend", "with_servecontext"),
    "load_interactive_ctx": ("._backend", "load_interactive_ctx"),
    "load_plugin_config": ("._backend", "load_plugin_config"),
    "AppHandle": ("._backend", "AppHandle"),
    "ImageBuild": ("._backend", "ImageBuild"),
    "BaseCheckpoint": ("._checkpoint", "BaseCheckpoint"),
    "Checkpoint": ("._checkpoint", "Checkpoint"),
    "latest_checkpoint": ("._checkpoint", "latest_checkpoint"),
    "Cache": ("._cache", "Cache"),
    "CachePolicy": ("._cache", "CachePolicy"),
    "CacheRequest": ("._cache", "CacheRequest"),
    "ConditionWebhook": ("._condition", "ConditionWebhook"),
    "new_condition": ("._condition", "new_condition"),
    "ctx": ("._ctx", "ctx"),
    "custom_context": ("._custom_context", "custom_context"),
    "get_custom_context": ("._custom_context", "get_custom_context"),
    "Documentation": ("._doc", "Documentation"),
    "Environment": ("._environment", "Environment"),
    "TaskEnvironment": ("._environment", "TaskEnvironment"),
    "group": ("._group", "group"),
    "Image": ("._image", "Image"),
    "Link": ("._link", "Link"),
    "map": ("._map", "map"),
    "PodTemplate": ("._pod", "PodTemplate"),
    "AMD_GPU": ("._resources", "AMD_GPU"),
    "APPLE_SILICON": ("._resources", "APPLE_SILICON"),
    "GPU": ("._resources", "GPU"),
    "HABANA_GAUDI": ("._resources", "HABANA_GAUDI"),
    "TPU": ("._resources", "TPU"),
    "Device": ("._resources", "Device"),
    "DeviceClass": ("._resources", "DeviceClass"),
    "Neuron": ("._resources", "Neuron"),
    "Resources": ("._resources", "Resources"),
    "Backoff": ("._retry", "Backoff"),
    "RetryStrategy": ("._retry", "RetryStrategy"),
    "ReusePolicy": ("._reusable", "ReusePolicy"),
    "Run": ("._run", "Run"),
    "current_domain": ("._run", "current_domain"),
    "current_project": ("._run", "current_project"),
    "init": ("._run", "init"),
    "init_from_api_key": ("._run", "init_from_api_key"),
    "init_from_config": ("._run", "init_from_config"),
    "is_control_plane_available": ("._run", "is_control_plane_available"),
    "rerun": ("._run", "rerun"),
    "run": ("._run", "run"),
    "with_runcontext": ("._run", "with_runcontext"),
    "Secret": ("._secret", "Secret"),
    "SecretRequest": ("._secret", "SecretRequest"),
    "AsyncFunctionTaskTemplate": ("._task", "AsyncFunctionTaskTemplate"),
    "TaskTemplate": ("._task", "TaskTemplate"),
    "Timeout": ("._timeout", "Timeout"),
    "TimeoutType": ("._timeout", "TimeoutType"),
    "trace": ("._trace", "trace"),
    "Cron": ("._trigger", "Cron"),
    "FixedRate": ("._trigger", "FixedRate"),
    "OnArtifact": ("._trigger", "OnArtifact"),
    "Trigger": ("._trigger", "Trigger"),
    "TriggeredArtifact": ("._trigger", "TriggeredArtifact"),
    "TriggeredPartition": ("._trigger", "TriggeredPartition"),
    "TriggerTime": ("._trigger", "TriggerTime"),
}


def __getattr__(name: str) -> Any:
    target = _LAZY.get(name)
    if target is None:
        raise AttributeError(f"module 'flyte' has no attribute {name!r}")
    module = _importlib.import_module(target[0], __name__)
    value = module if target[1] is None else getattr(module, target[1])
    globals()[name] = value
    return value


def __dir__() -> list:
    return sorted(set(globals()) | set(_LAZY))


if TYPE_CHECKING:
    from . import durable, errors, io, models, report
    from ._cache import Cache, CachePolicy, CacheRequest
    from ._condition import ConditionWebhook, new_condition
    from ._ctx import ctx
    from ._custom_context import custom_context, get_custom_context
    from ._doc import Documentation
    from ._environment import Environment, TaskEnvironment
    from ._group import group
    from ._image import Image
    from ._link import Link
    from ._map import map
    from ._pod import PodTemplate
    from ._resources import AMD_GPU, APPLE_SILICON, GPU, HABANA_GAUDI, TPU, Device, DeviceClass, Neuron, Resources
    from ._retry import Backoff, RetryStrategy
    from ._reusable import ReusePolicy
    from ._run import (
        Run,
        current_domain,
        current_project,
        init,
        init_from_api_key,
        init_from_config,
        is_control_plane_available,
        rerun,
        run,
        with_runcontext,
    )
    from ._secret import Secret, SecretRequest
    from ._task import AsyncFunctionTaskTemplate, TaskTemplate
    from ._timeout import Timeout, TimeoutType
    from ._trace import trace
    from ._trigger import Cron, FixedRate, OnArtifact, Trigger, TriggeredArtifact, TriggeredPartition, TriggerTime

logger = _logging.getLogger("flyte.user")
system_logger = _logging.getLogger("flyte")

__all__ = [
    "AMD_GPU",
    "APPLE_SILICON",
    "GPU",
    "HABANA_GAUDI",
    "TPU",
    "AsyncFunctionTaskTemplate",
    "Backoff",
    "Cache",
    "CachePolicy",
    "CacheRequest",
    "ConditionWebhook",
    "Cron",
    "Device",
    "DeviceClass",
    "Documentation",
    "Environment",
    "FixedRate",
    "Image",
    "Link",
    "Neuron",
    "OnArtifact",
    "PodTemplate",
    "Resources",
    "RetryStrategy",
    "ReusePolicy",
    "Run",
    "Secret",
    "SecretRequest",
    "TaskEnvironment",
    "TaskTemplate",
    "Timeout",
    "TimeoutType",
    "Trigger",
    "TriggerTime",
    "TriggeredArtifact",
    "TriggeredPartition",
    "__version__",
    "ctx",
    "durable",
    "current_domain",
    "current_project",
    "custom_context",
    "errors",
    "get_custom_context",
    "group",
    "init",
    "init_from_api_key",
    "init_from_config",
    "io",
    "is_control_plane_available",
    "logger",
    "map",
    "models",
    "new_condition",
    "report",
    "rerun",
    "run",
    "system_logger",
    "trace",
    "version",
    "with_runcontext",
    "deploy",
    "build",
    "build_images",
    "serve",
    "init_in_cluster",
    "init_passthrough",
    "run_python_script",
    "with_servecontext",
    "load_interactive_ctx",
    "load_plugin_config",
    "AppHandle",
    "ImageBuild",
    "BaseCheckpoint",
    "Checkpoint",
    "latest_checkpoint",
]


def version() -> str:
    """The Flyte SDK API version this runtime implements."""
    return __version__
