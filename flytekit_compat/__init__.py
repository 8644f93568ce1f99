"""The `flytekit` API, running on this project's flyte runtime.

`import flytekit` gives this package (see the `flytekit` alias package); legacy Flyte 1 programs
run unchanged, with Flyte 1 semantics: compiled workflows whose independent nodes run in
parallel, conditionals decided at run time, map tasks, dynamic and eager workflows, launch plans.
Every task execution is a recorded action of the flyte runtime.
"""

from __future__ import annotations

import importlib as _importlib
import logging as _logging
from typing import Any

__version__ = "1.16.31"

# Names load on first use (PEP 562), so `import flytekit` stays cheap.
_LAZY = {
    "task": ("._task", "task"),
    "TaskMetadata": ("._task", "TaskMetadata"),
    "PythonFunctionTask": ("._task", "PythonFunctionTask"),
    "PythonInstanceTask": ("._task", "PythonFunctionTask"),
    "workflow": ("._workflow", "workflow"),
    "WorkflowFailurePolicy": ("._executor", "WorkflowFailurePolicy"),
    "Workflow": ("._imperative", "ImperativeWorkflow"),
    "dynamic": ("._dynamic", "dynamic"),
    "eager": ("._eager", "eager"),
    "map_task": ("._map_task", "map_task"),
    "conditional": ("._condition", "conditional"),
    "LaunchPlan": ("._launch_plan", "LaunchPlan"),
    "reference_launch_plan": ("._launch_plan", "reference_launch_plan"),
    "reference_task": ("._reference", "reference_task"),
    "reference_workflow": ("._reference", "reference_workflow"),
    "get_reference_entity": (".core.reference", "get_reference_entity"),
    "SQLTask": (".core.base_sql_task", "SQLTask"),
    "approve": ("._gate", "approve"),
    "sleep": ("._gate", "sleep"),
    "wait_for_input": ("._gate", "wait_for_input"),
    "create_node": ("._node_creation", "create_node"),
    "current_context": ("._context", "current_context"),
    "ExecutionParameters": ("._context", "ExecutionParameters"),
    "Cache": ("._cache", "Cache"),
    "VersionParameters": ("._cache", "VersionParameters"),
    "CachePolicy": ("._cache", "Cache"),
    "Resources": ("._resources", "Resources"),
    "Secret": ("._secrets", "Secret"),
    "ImageSpec": ("._image_spec", "ImageSpec"),
    "Deck": (".deck", "Deck"),
    "CronSchedule": ("._schedule", "CronSchedule"),
    "FixedRate": ("._schedule", "FixedRate"),
    "Email": ("._notification", "Email"),
    "PagerDuty": ("._notification", "PagerDuty"),
    "Slack": ("._notification", "Slack"),
    "WorkflowExecutionPhase": ("._notification", "WorkflowExecutionPhase"),
    "kwtypes": ("._interface", "kwtypes"),
    "FlyteFile": (".types.file", "FlyteFile"),
    "FlyteDirectory": (".types.directory", "FlyteDirectory"),
    "StructuredDataset": (".types.structured", "StructuredDataset"),
    "StructuredDatasetType": (".types.structured", "StructuredDatasetType"),
    "HashMethod": (".core.hash", "HashMethod"),
    "Checkpoint": (".core.checkpointer", "Checkpoint"),
    "PodTemplate": (".core.pod_template", "PodTemplate"),
    "Documentation": (".models.documentation", "Documentation"),
    "Description": (".models.documentation", "Description"),
    "SourceCode": (".models.documentation", "SourceCode"),
    "Labels": (".models.common", "Labels"),
    "Annotations": (".models.common", "Annotations"),
    "AuthRole": (".models.common", "AuthRole"),
    "Options": (".core.options", "Options"),
    "BatchSize": (".core.type_engine", "BatchSize"),
    "FlyteContext": (".core.context_manager", "FlyteContext"),
    "FlyteContextManager": (".core.context_manager", "FlyteContextManager"),
    "Environment": (".core.environment", "Environment"),
    "ContainerTask": (".core.container_task", "ContainerTask"),
    "Config": (".configuration", "Config"),
    "Artifact": (".core.artifact", "Artifact"),
    "Blob": (".models.literals", "Blob"),
    "BlobMetadata": (".models.literals", "BlobMetadata"),
    "BlobType": (".models.core.types", "BlobType"),
    "Literal": (".models.literals", "Literal"),
    "LiteralType": (".models.types", "LiteralType"),
    "Scalar": (".models.literals", "Scalar"),
    "ConcurrencyLimitBehavior": (".models.concurrency", "ConcurrencyLimitBehavior"),
    "ConcurrencyPolicy": (".models.concurrency", "ConcurrencyPolicy"),
    "StructuredDatasetTransformerEngine": (".types.structured", "StructuredDatasetTransformerEngine"),
    "LaunchPlanReference": (".core.reference_entity", "LaunchPlanReference"),
    "TaskReference": (".core.reference_entity", "TaskReference"),
    "WorkflowReference": (".core.reference_entity", "WorkflowReference"),
    "FlyteRemote": (".remote", "FlyteRemote"),
    "directory": (".types.directory", None),
    "file": (".types.file", None),
    "iterator": (".types.iterator", None),
    "extend": (".extend", None),
    "interactive": (".interactive", None),
    "remote": (".remote", None),
    "tools": (".tools", None),
    "utils": (".utils", None),
    "configuration": (".configuration", None),
    "core": (".core", None),
    "deck": (".deck", None),
    "exceptions": (".exceptions", None),
    "extras": (".extras", None),
    "experimental": (".experimental", None),
    "models": (".models", None),
    "types": (".types", None),
    "testing": (".testing", None),
    "image_spec": (".image_spec", None),
}


def __getattr__(name: str) -> Any:
    target = _LAZY.get(name)
    if target is None:
        raise AttributeError(f"module 'flytekit' has no attribute {name!r}")
    module = _importlib.import_module(target[0], __name__)
    value = module if target[1] is None else getattr(module, target[1])
    globals()[name] = value
    return value


def __dir__() -> list:
    return sorted(set(globals()) | set(_LAZY))


def new_context() -> Any:
    from .core.context_manager import FlyteContextManager

    return FlyteContextManager.current_context()


def load_implicit_plugins() -> None:
    """flytekit loads installed plugins here; this runtime has none to load."""


logger = _logging.getLogger("flytekit")

__all__ = [*sorted(_LAZY), "load_implicit_plugins", "logger", "new_context"]
