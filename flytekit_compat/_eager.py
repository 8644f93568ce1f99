"""`@eager`: an async workflow whose body runs as ordinary Python inside one action.

Inside, sync tasks give back their values (which may also be awaited, as older docs show),
async tasks and other eager workflows are awaited, and `asyncio.gather` runs them concurrently.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable
from typing import Any, Optional

from ._task import ExecutionBehavior, PythonFunctionTask, make_task_decorator


class EagerAsyncPythonFunctionTask(PythonFunctionTask):
    @property
    def _is_async(self) -> bool:
        return True

    def __init__(self, *args: Any, **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.metadata.is_eager = True

    def _check_async(self) -> None:
        # flytekit accepts @eager on any function at decoration; running a sync one is the error.
        if not inspect.iscoroutinefunction(self.task_function):
            raise TypeError(f"@eager workflows must be async functions; {self.task_function.__qualname__} is not")

    async def _run_function_async(self, **kwargs: Any) -> Any:
        self._check_async()
        return await super()._run_function_async(**kwargs)


_eager = make_task_decorator(ExecutionBehavior.EAGER, EagerAsyncPythonFunctionTask)


def eager(_fn: Optional[Callable[..., Any]] = None, *args: Any, remote: Any = None, client_secret_group: Optional[str] = None,
          client_secret_key: Optional[str] = None, timeout: Any = None, poll_interval: Any = None,
          local_entrypoint: bool = False, client_secret_env_var: Optional[str] = None, **kwargs: Any) -> Any:
    """Make an async function an eager workflow (remote/client-secret options are accepted and unused locally)."""
    if timeout is not None:
        kwargs["timeout"] = timeout
    if _fn is not None:
        return _eager(_fn, **kwargs)
    return _eager(**kwargs)
