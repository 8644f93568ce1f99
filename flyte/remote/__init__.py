"""Runs, actions and tasks, looked up after the fact.

A Flyte backend answers these from its control plane; this runtime answers them from the local
metadata store, so scripts that inspect runs work locally: `Run.get(name).outputs()`,
`Run.listall()`, `Action.listall(run_name)`, `ActionDetails.get(run_name=..., name="a0")`,
`Task.get("env.task", auto_version="latest")` (a task defined by loaded code or run before).
Which calls block (with an `.aio` form) and which are coroutines is as in the SDK. Objects only a
backend has (apps, projects, secrets, settings, triggers, users, catalog artifacts) raise the
SDK's InitializationError when used.
"""

from ._action import Action, ActionDetails
from ._backend_only import (
    App,
    Artifact,
    Condition,
    PartitionSchema,
    Project,
    Secret,
    SecretTypes,
    Settings,
    Trigger,
    TriggerDetails,
    User,
    auth_metadata,
    upload_dir,
    upload_file,
)
from ._common import ActionInputs, ActionOutputs, TimeFilter
from ._run import Run, RunDetails
from ._task import Task, TaskDetails

__all__ = [
    "Action",
    "ActionDetails",
    "ActionInputs",
    "ActionOutputs",
    "App",
    "Artifact",
    "Condition",
    "PartitionSchema",
    "Project",
    "Run",
    "RunDetails",
    "Secret",
    "SecretTypes",
    "Settings",
    "Task",
    "TaskDetails",
    "TimeFilter",
    "Trigger",
    "TriggerDetails",
    "User",
    "auth_metadata",
    "upload_dir",
    "upload_file",
]
