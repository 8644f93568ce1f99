"""A local, durable Flyte 2 runtime with the API of the `flyte` SDK.

Define tasks in a `TaskEnvironment`, call them from each other (every call inside a run is an
action recorded in the metadata store), and start runs with `flyte.run(task, ...)`.
"""

from __future__ import annotations

import importlib as _importlib

from ._version import __version__

# not `from typing import TYPE_CHECKING`: `import flyte` does not load typing (nor logging, which
# the loggers below need: they load on first use like the rest)
TYPE_CHECKING = False

# THE table of the public API: every name `flyte` exports that loads on first use (PEP 562), so
# `import flyte` stays cheap: a CLI or a worker process that only needs part of the API does not
# pay for all of it. It drives `__getattr__`, `__dir__` and `__all__`; the `TYPE_CHECKING`
# imports below repeat it for type checkers (which cannot read a table), and
# tests/flyte/test_public_names.py checks that the three agree.
_LAZY: dict[str, tuple[str, str | None]] = {
    "artifacts": (".artifacts", None),
    "errors": (".errors", None),
    "extras": (".extras", None),
    "io": (".io", None),
    "models": (".models", None),
    "report": (".report", None),
    "durable": (".durable", None),
    "config": (".config", None),
    "git": (".git", None),
    "notify": (".notify", None),
    "remote": (".remote", None),
    "sandbox": (".sandbox", None),
    "storage": (".storage", None),
    "syncify": (".syncify", None),
    "types": (".types", None),
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
    "logger": ("._user_logger", "logger"),
    "system_logger": ("._user_logger", "system_logger"),
}

# Names defined here, loaded with the package.
_EAGER = ("__version__", "version")


def __getattr__(name: str) -> object:
    target = _LAZY.get(name)
    if target is None:
        raise AttributeError(f"module 'flyte' has no attribute {name!r}")
    module = _importlib.import_module(target[0], __name__)
    value = module if target[1] is None else getattr(module, target[1])
    globals()[name] = value
    return value


def __dir__() -> list:
    return sorted(set(globals()) | set(_LAZY))


if TYPE_CHECKING:  # `X as X`: an explicit re-export, for type checkers and linters
    from . import artifacts as artifacts
    from . import config as config
    from . import durable as durable
    from . import errors as errors
    from . import extras as extras
    from . import git as git
    from . import io as io
    from . import models as models
    from . import notify as notify
    from . import remote as remote
    from . import report as report
    from . import sandbox as sandbox
    from . import storage as storage
    from . import syncify as syncify
    from . import types as types
    from ._backend import AppHandle as AppHandle
    from ._backend import ImageBuild as ImageBuild
    from ._backend import build as build
    from ._backend import build_images as build_images
    from ._backend import deploy as deploy
    from ._backend import init_in_cluster as init_in_cluster
    from ._backend import init_passthrough as init_passthrough
    from ._backend import load_interactive_ctx as load_interactive_ctx
    from ._backend import load_plugin_config as load_plugin_config
    from ._backend import run_python_script as run_python_script
    from ._backend import serve as serve
    from ._backend import with_servecontext as with_servecontext
    from ._cache import Cache as Cache
    from ._cache import CachePolicy as CachePolicy
    from ._cache import CacheRequest as CacheRequest
    from ._checkpoint import BaseCheckpoint as BaseCheckpoint
    from ._checkpoint import Checkpoint as Checkpoint
    from ._checkpoint import latest_checkpoint as latest_checkpoint
    from ._condition import ConditionWebhook as ConditionWebhook
    from ._condition import new_condition as new_condition
    from ._ctx import ctx as ctx
    from ._custom_context import custom_context as custom_context
    from ._custom_context import get_custom_context as get_custom_context
    from ._doc import Documentation as Documentation
    from ._environment import Environment as Environment
    from ._environment import TaskEnvironment as TaskEnvironment
    from ._group import group as group
    from ._image import Image as Image
    from ._link import Link as Link
    from ._map import map as map
    from ._pod import PodTemplate as PodTemplate
    from ._resources import AMD_GPU as AMD_GPU
    from ._resources import APPLE_SILICON as APPLE_SILICON
    from ._resources import GPU as GPU
    from ._resources import HABANA_GAUDI as HABANA_GAUDI
    from ._resources import TPU as TPU
    from ._resources import Device as Device
    from ._resources import DeviceClass as DeviceClass
    from ._resources import Neuron as Neuron
    from ._resources import Resources as Resources
    from ._retry import Backoff as Backoff
    from ._retry import RetryStrategy as RetryStrategy
    from ._reusable import ReusePolicy as ReusePolicy
    from ._run import Run as Run
    from ._run import current_domain as current_domain
    from ._run import current_project as current_project
    from ._run import init as init
    from ._run import init_from_api_key as init_from_api_key
    from ._run import init_from_config as init_from_config
    from ._run import is_control_plane_available as is_control_plane_available
    from ._run import rerun as rerun
    from ._run import run as run
    from ._run import with_runcontext as with_runcontext
    from ._secret import Secret as Secret
    from ._secret import SecretRequest as SecretRequest
    from ._task import AsyncFunctionTaskTemplate as AsyncFunctionTaskTemplate
    from ._task import TaskTemplate as TaskTemplate
    from ._timeout import Timeout as Timeout
    from ._timeout import TimeoutType as TimeoutType
    from ._trace import trace as trace
    from ._trigger import Cron as Cron
    from ._trigger import FixedRate as FixedRate
    from ._trigger import OnArtifact as OnArtifact
    from ._trigger import Trigger as Trigger
    from ._trigger import TriggeredArtifact as TriggeredArtifact
    from ._trigger import TriggeredPartition as TriggeredPartition
    from ._trigger import TriggerTime as TriggerTime
    from ._user_logger import logger as logger
    from ._user_logger import system_logger as system_logger

__all__ = [*_EAGER, *_LAZY]


def version() -> str:
    """The Flyte SDK API version this runtime implements."""
    return __version__
