"""`Sleep` / `SleepTask`: a task a backend routes to its `core-sleep` plugin (no pod). Locally
the task's own body runs; its sleep duration is an ordinary input."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from .._environment import TASK_PLUGINS
from .._task import AsyncFunctionTaskTemplate


@dataclass
class Sleep:
    """The plugin config that marks a task for the backend's sleep plugin:
    `TaskEnvironment(plugin_config=Sleep())` makes its tasks SleepTasks."""


@dataclass(kw_only=True)
class SleepTask(AsyncFunctionTaskTemplate):
    plugin_config: Any = None
    task_type: str = "core-sleep"


TASK_PLUGINS[Sleep] = SleepTask
