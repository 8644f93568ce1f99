"""`Task` / `TaskDetails` / `LazyEntity`: tasks looked up by name.

A backend keeps deployed tasks by name and version. Locally a task is known by its code: the
environments loaded in this process, or the module (or file) of a recorded run that ran it
(loaded as `flyte rerun` loads it). As in the SDK, `Task.get(...)` returns a `LazyEntity` that
looks the task up when it is first used, so a module may `Task.get` at import time a task that
is defined (or run) later. Await it from a task (`await ref(x=1)`: a child action of the caller)
or hand it to `flyte.run`.
"""

from __future__ import annotations

import asyncio
import inspect
from collections.abc import AsyncIterator
from typing import Any, Dict, Literal, Optional, Tuple, Union

from ..syncify import syncify
from . import _store_view as view
from ._common import ToJSONMixin

AutoVersioning = Literal["latest", "current"]
LOCAL_VERSION = "local"  # a local task has one version: the code loaded now


def _check_version_args(version: Optional[str], auto_version: Optional[str]) -> None:
    if version is None and auto_version is None:
        raise ValueError("Either version or auto_version must be provided.")
    if version is None and auto_version not in ("latest", "current"):
        raise ValueError("auto_version must be either 'latest' or 'current'.")


def _resolve(name: str) -> Any:
    task = view.find_task(name)
    if task is None:
        from ..errors import RemoteTaskNotFoundError

        raise RemoteTaskNotFoundError(
            f"Task {name} not found: no environment loaded in this process defines it and no run in the local "
            f"store at {view.home()} ran it")
    return task


class LazyEntity:
    """A task looked up when it is first used: called (`await ref(...)`), fetched, overridden,
    or run with `flyte.run`."""

    def __init__(self, name: str, task: Any = None):
        self._name = name
        self._task: Optional[TaskDetails] = TaskDetails(task) if task is not None else None

    @property
    def name(self) -> str:
        return self._name

    def _details(self) -> TaskDetails:
        if self._task is None:
            self._task = TaskDetails(_resolve(self._name))
        return self._task

    @syncify
    async def fetch(self) -> TaskDetails:
        return self._details()

    @syncify
    async def override(self, **kwargs: Any) -> LazyEntity:
        return LazyEntity(self._name, self._details().override(**kwargs).task)

    async def __call__(self, *args: Any, **kwargs: Any) -> Any:
        return await self._details()(*args, **kwargs)

    def __flyte_local_task__(self) -> Any:
        """The task template to run (`flyte.run(ref, ...)`)."""
        return self._details().task

    def __repr__(self) -> str:
        return str(self)

    def __str__(self) -> str:
        return f"Future for task with name {self._name}"


class TaskDetails(ToJSONMixin):
    """A task's definition (interface, cache, resources, ...) as its code declares it."""

    overriden_queue: Optional[str] = None  # (sic) the SDK's name

    def __init__(self, task: Any, overridden: bool = False):
        self.task = task
        self.overridden = overridden
        self.overriden_queue = getattr(task, "queue", None) if overridden else None

    @classmethod
    def get(cls, name: str, project: Optional[str], domain: Optional[str],
            version: Optional[str] = None, auto_version: Optional[AutoVersioning] = None) -> LazyEntity:
        _check_version_args(version, auto_version)
        return LazyEntity(name)

    @classmethod
    async def fetch(cls, name: str, project: Optional[str] = None, domain: Optional[str] = None,
                    version: Optional[str] = None, auto_version: Optional[AutoVersioning] = None) -> TaskDetails:
        return await cls.get(name, project=project, domain=domain, version=version,
                             auto_version=auto_version).fetch.aio()

    @property
    def name(self) -> str:
        return self.task.name

    @property
    def version(self) -> str:
        return LOCAL_VERSION

    @property
    def task_type(self) -> str:
        return getattr(self.task, "task_type", "python")

    @property
    def interface(self) -> Any:
        return self.task.interface

    @property
    def default_input_args(self) -> Tuple[str, ...]:
        return tuple(k for k, (_, d) in self.interface.inputs.items() if d is not inspect.Parameter.empty)

    @property
    def required_args(self) -> Tuple[str, ...]:
        return tuple(self.interface.required_inputs())

    @property
    def cache(self) -> Any:
        from .._cache import Cache

        cache = getattr(self.task, "cache", None)
        if isinstance(cache, Cache):
            return cache
        if cache in ("auto", "override", "disable"):
            return Cache(behavior=cache)
        return Cache(behavior="auto" if cache is True else "disable")

    @property
    def resources(self) -> Any:
        return getattr(self.task, "resources", None)

    @property
    def secrets(self) -> Any:
        return getattr(self.task, "secrets", None)

    @property
    def queue(self) -> Optional[str]:
        return getattr(self.task, "queue", None)

    @property
    def max_inline_io_bytes(self) -> int:
        return getattr(self.task, "max_inline_io_bytes", 10 * 1024 * 1024)

    def override(self, *, short_name: Optional[str] = None, resources: Any = None,
                 retries: Union[int, Any] = 0, timeout: Any = None, env_vars: Optional[Dict[str, str]] = None,
                 secrets: Any = None, service_account: Optional[str] = None,
                 max_inline_io_bytes: Optional[int] = None, cache: Any = None, queue: Optional[str] = None,
                 produces_artifacts: Optional[bool] = None, **kwargs: Any) -> TaskDetails:
        """These details with settings replaced: a task that runs with them (its name and
        interface stay). Other keywords are refused, as the SDK refuses them."""
        if kwargs:
            from ..errors import RuntimeUserError

            raise RuntimeUserError(
                "RemoteTaskUsageError", f"RemoteTasks [{self.name}] do not support overriding with kwargs: {kwargs}, "
                "Check the parameters for override method.")
        changes: Dict[str, Any] = {"short_name": short_name, "resources": resources, "timeout": timeout,
                                   "env_vars": env_vars, "secrets": secrets, "service_account": service_account,
                                   "max_inline_io_bytes": max_inline_io_bytes, "cache": cache, "queue": queue,
                                   "produces_artifacts": produces_artifacts}
        changes = {k: v for k, v in changes.items() if v is not None}
        if retries:
            changes["retries"] = retries
        return TaskDetails(self.task.override(**changes), overridden=True)

    async def __call__(self, *args: Any, **kwargs: Any) -> Any:
        """Inside a task: a child action of the caller. Outside a run: the function itself."""
        result = self.task.aio(*args, **kwargs)
        return await result if asyncio.iscoroutine(result) or asyncio.isfuture(result) else result

    def __flyte_local_task__(self) -> Any:
        return self.task

    def to_dict(self) -> Dict[str, Any]:
        return {"name": self.name, "version": self.version, "task_type": self.task_type,
                "interface": repr(self.interface)}

    def __repr__(self) -> str:
        return f"TaskDetails(name={self.name!r}, version={self.version!r})"


class Task(ToJSONMixin):
    """A task known locally: defined by code loaded in this process, or run by a recorded run."""

    def __init__(self, name: str, last_run: float = 0.0):
        self._name = name
        self._last_run = last_run

    @classmethod
    def get(cls, name: str, project: Optional[str] = None, domain: Optional[str] = None,
            version: Optional[str] = None, auto_version: Optional[AutoVersioning] = None) -> LazyEntity:
        """The task `name` ("env.function"), looked up when first used. Locally every version is
        the code loaded now; `version`/`auto_version` are checked as the SDK checks them."""
        return TaskDetails.get(name, project=project, domain=domain, version=version, auto_version=auto_version)

    @syncify
    @classmethod
    async def listall(cls, by_task_name: Optional[str] = None, by_task_env: Optional[str] = None,
                      project: Optional[str] = None, domain: Optional[str] = None,
                      sort_by: Optional[Tuple[str, Literal["asc", "desc"]]] = None, limit: int = 100,
                      entrypoint: Optional[bool] = None) -> AsyncIterator[Task]:
        """Known tasks, by name (`sort_by=("created_at", ...)` orders by their latest run)."""
        known = view.known_task_names()
        names = sorted(known)
        if by_task_name:
            names = [n for n in names if n == by_task_name or n.split(".", 1)[-1] == by_task_name]
        if by_task_env:
            names = [n for n in names if n.split(".", 1)[0] == by_task_env]
        if sort_by is not None:
            if sort_by[0] in ("created_at", "updated_at"):
                names.sort(key=lambda n: known[n])
            if sort_by[1] == "desc":
                names.reverse()
        for name in names[:limit]:
            yield cls(name, known[name])

    @property
    def name(self) -> str:
        return self._name

    @property
    def version(self) -> str:
        return LOCAL_VERSION

    @property
    def url(self) -> str:
        return ""

    @property
    def entrypoint(self) -> bool:
        task = view.loaded_task(self._name)
        return bool(getattr(task, "entrypoint", False)) if task is not None else False

    @syncify
    async def fetch(self) -> TaskDetails:
        return TaskDetails(_resolve(self._name))

    def to_dict(self) -> Dict[str, Any]:
        return {"name": self._name, "version": self.version}

    def __repr__(self) -> str:
        return f"Task(name={self._name!r})"
