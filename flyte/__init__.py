"""A local, durable Flyte 2 runtime with the API of the `flyte` SDK.

Define tasks in a `TaskEnvironment`, call them from each other (every call inside a run is an
action recorded in the metadata store), and start runs with `flyte.run(task, ...)`.
"""

from __future__ import annotations

import logging as _logging

from . import errors, io, models, report
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
from ._resources import AMD_GPU, APPLE_SILICON, GPU, HABANA_GAUDI, TPU, Device, Neuron, Resources
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
from ._version import __version__

logger = _logging.getLogger("flyte.user")
system_logger = _logging.getLogger("flyte")

DeviceClass = str

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
]


def version() -> str:
    """The Flyte SDK API version this runtime implements."""
    return __version__
