"""`env.sandbox`: the sandboxed orchestrator tasks of a `TaskEnvironment`.

The environment's side of `flyte.sandbox`, written on that module's public names only
(`flyte.sandbox` is one of the SDK's public modules and carries exactly the SDK's names; the
SDK has no public name for this class), so that `TaskEnvironment` reaches the sandbox without
importing its private modules. `flyte.sandbox` loads when `env.sandbox` is first used.
"""

from __future__ import annotations

import weakref
from typing import Any, Callable, Dict, List, Optional

from ._interface import TaskInterface
from .sandbox import SandboxedConfig, SandboxedTaskTemplate, orchestrator_from_str


class EnvironmentSandbox:
    """`env.sandbox`: `@env.sandbox.orchestrator` (or `@env.sandbox.orchestrator(timeout_ms=...)`)
    makes a function a sandboxed task of the environment; `env.sandbox.orchestrator("code", ...)`
    makes one from a code string."""

    def __init__(self, env: Any) -> None:
        self._env = env

    def orchestrator(self, _func_or_source: Any = None, /, *, tasks: Optional[List[Any]] = None,
                     inputs: Optional[Dict[str, type]] = None, output: type = type(None), timeout_ms: int = 30_000,
                     max_memory: int = 50 * 1024 * 1024, max_stack_depth: int = 256, type_check: bool = True,
                     name: Optional[str] = None, cache: Any = None, retries: int = 0) -> Any:
        env = self._env
        config = SandboxedConfig(max_memory=max_memory, max_stack_depth=max_stack_depth, timeout_ms=timeout_ms,
                                 type_check=type_check)
        if isinstance(_func_or_source, str):
            task = orchestrator_from_str(_func_or_source, inputs=inputs or {}, output=output, tasks=tasks,
                                         name=name or "sandboxed-code", timeout_ms=timeout_ms,
                                         cache=cache or "disable", retries=retries, image=env.image)
            env._tasks[task.name] = task
            return task

        def decorate(func: Callable[..., Any]) -> SandboxedTaskTemplate:
            task = SandboxedTaskTemplate(
                name=name or f"{env.name}.{func.__name__}", short_name=name or func.__name__,
                interface=TaskInterface(func), func=func, image=env.image, plugin_config=config,
                cache=cache if cache is not None else "disable", retries=retries, parent_env=weakref.ref(env),
                parent_env_name=env.name)
            env._tasks[task.name] = task
            return task

        return decorate(_func_or_source) if callable(_func_or_source) else decorate
