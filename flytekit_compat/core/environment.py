"""`flytekit.Environment`: shared task settings applied by `env.task`."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Optional


class Environment:
    def __init__(self, **overrides: Any):
        self.overrides: dict[str, Any] = overrides

    def update(self, **overrides: Any) -> None:
        self.overrides.update(overrides)

    def extend(self, **overrides: Any) -> Environment:
        return Environment(**{**self.overrides, **overrides})

    def show(self) -> None:
        for k, v in self.overrides.items():
            print(f"{k}: {v}")

    def task(self, _task_function: Optional[Callable[..., Any]] = None, **overrides: Any) -> Any:
        from .._task import task

        return task(_task_function, **{**self.overrides, **overrides}) if _task_function else task(**{**self.overrides, **overrides})

    def dynamic(self, _task_function: Optional[Callable[..., Any]] = None, **overrides: Any) -> Any:
        from .._dynamic import dynamic

        return dynamic(_task_function, **{**self.overrides, **overrides}) if _task_function else dynamic(**{**self.overrides, **overrides})


def inherit(old: dict[str, Any], new: dict[str, Any]) -> dict[str, Any]:
    """Task settings `old` updated with `new` (what an extended Environment passes to `task`)."""
    return {**old, **new}
