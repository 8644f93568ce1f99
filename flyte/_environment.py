"""`TaskEnvironment`: shared settings for a group of tasks, and the `@env.task` decorator."""

from __future__ import annotations

import inspect
import re
import weakref
from collections.abc import Callable
from dataclasses import dataclass, field, fields
from typing import TYPE_CHECKING, Any, Optional, Union

from ._cache import Cache, CacheRequest
from ._doc import Documentation
from ._interface import TaskInterface
from ._link import Link
from ._pod import PodTemplate
from ._resources import Resources
from ._retry import RetryStrategy
from ._reusable import ReusePolicy
from ._secret import Secret, SecretRequest
from ._task import AsyncFunctionTaskTemplate, TaskTemplate
from ._timeout import TimeoutType
from ._trigger import Trigger, normalize_triggers
from .models import MAX_INLINE_IO_BYTES

# plugin config class -> the task class `env.task` builds for an environment with that
# plugin_config (e.g. flyte.extras.Sleep -> SleepTask); a plugin registers itself on import.
TASK_PLUGINS: dict[type, type[AsyncFunctionTaskTemplate]] = {}

if TYPE_CHECKING:
    from ._image import Image

_NAME = re.compile(r"^[a-z0-9]+([_-][a-z0-9]+)*$")

_ENVIRONMENTS: list[Environment] = []


def list_loaded_environments() -> list[Environment]:
    """Every environment created so far, in creation order."""
    return list(_ENVIRONMENTS)


def _is_image(value: Any) -> bool:
    from ._image import Image  # only loaded when an Image object is actually used

    return isinstance(value, Image)


@dataclass
class Environment:
    """Settings shared by the tasks (or apps) defined in it."""

    name: str
    depends_on: list[Environment] = field(default_factory=list)
    pod_template: Union[str, PodTemplate, None] = None
    description: Optional[str] = None
    secrets: Optional[SecretRequest] = None
    env_vars: Optional[dict[str, str]] = None
    resources: Optional[Resources] = None
    interruptible: bool = False
    image: Union[str, Image, None] = "auto"
    include: tuple[str, ...] = field(default_factory=tuple)
    service_account: Optional[str] = None

    def __post_init__(self) -> None:
        if not isinstance(self.name, str) or not _NAME.match(self.name):
            raise ValueError(f"Environment name {self.name!r} must be in snake_case or kebab-case format.")
        if self.image is not None and not isinstance(self.image, str) and not _is_image(self.image):
            raise TypeError(f"Expected image to be of type str or Image, got {type(self.image)}")
        if self.secrets is not None and not isinstance(self.secrets, (str, Secret, list, tuple)):
            raise TypeError(f"Expected secrets to be of type SecretRequest, got {type(self.secrets)}")
        if self.resources is not None and not isinstance(self.resources, Resources):
            raise TypeError(f"Expected resources to be of type Resources, got {type(self.resources)}")
        if self.env_vars is not None and not isinstance(self.env_vars, dict):
            raise TypeError(f"Expected env_vars to be of type Dict[str, str], got {type(self.env_vars)}")
        if self.service_account is not None and not isinstance(self.service_account, str):
            raise TypeError(f"Expected service_account to be of type str, got {type(self.service_account)}")
        for dep in self.depends_on:
            if not isinstance(dep, Environment):
                raise TypeError(f"Expected depends_on to be of type List[Environment], got {type(dep)}")
        if self.pod_template is not None and not isinstance(self.pod_template, (str, PodTemplate)):
            raise TypeError(f"Expected pod_template to be of type str or PodTemplate, got {type(self.pod_template)}")
        if self.description is not None:
            self.description = truncate_description(self.description)
        self.include = _include_paths(self.include)
        # Relative `include` paths are anchored at the file that created the environment.
        self._declaring_file = _declaring_file()
        _ENVIRONMENTS.append(self)

    def add_dependency(self, *env: Environment) -> None:
        for e in env:
            if not isinstance(e, Environment):
                raise TypeError(f"Expected Environment, got {type(e)}")
            if e.name == self.name:
                raise ValueError("Cannot add self as a dependency")
            if e not in self.depends_on:
                self.depends_on.append(e)

    def _init_kwargs(self) -> dict[str, Any]:
        return {f.name: getattr(self, f.name) for f in fields(self) if f.init}

    def _get_kwargs(self) -> dict[str, Any]:
        """The settings a derived environment starts from, as the SDK collects them: `depends_on`
        (a copy, so adding to the derived one leaves this one alone) and `image` always, the others
        only when set."""
        kwargs: dict[str, Any] = {"depends_on": list(self.depends_on), "image": self.image}
        for name in ("resources", "secrets", "service_account", "env_vars", "pod_template", "description"):
            value = getattr(self, name)
            if value is not None:
                kwargs[name] = value
        if self.include:
            kwargs["include"] = self.include
        return kwargs


_MAX_DESCRIPTION = 255


def truncate_description(text: str, limit: int = _MAX_DESCRIPTION) -> str:
    """At most `limit` characters; a longer text ends in "...(tr.)" to say it was cut, as in the SDK."""
    if len(text) <= limit:
        return text
    return text[: limit - 8] + "...(tr.)" if limit >= 8 else text[:limit]


def _include_paths(include: Any) -> tuple[str, ...]:
    if isinstance(include, str):
        raise TypeError(f"Expected include to be a sequence of str paths, got a bare str ({include!r}).")
    try:
        paths = tuple(include or ())
    except TypeError as e:
        raise TypeError(f"Expected include to be a sequence of str paths, got {type(include)}") from e
    for p in paths:
        if not isinstance(p, str):
            raise TypeError(f"include entries must be str, got {type(p)}")
    return paths


def _declaring_file() -> Optional[str]:
    """The absolute path of the user's file that is creating an environment: the first frame on
    the stack outside this package (None from an interactive prompt)."""
    import os
    import sys

    here = os.path.dirname(os.path.abspath(__file__))
    frame = sys._getframe(1)
    while frame is not None:
        filename = frame.f_code.co_filename
        if not os.path.abspath(filename).startswith(here + os.sep) and os.path.exists(filename):
            return os.path.abspath(filename)
        frame = frame.f_back  # type: ignore[assignment]
    return None


@dataclass(eq=False)
class TaskEnvironment(Environment):
    """An environment for tasks: image, resources, env vars, secrets, cache and reuse settings
    that every `@env.task` in it inherits."""

    cache: CacheRequest = "disable"
    reusable: Optional[ReusePolicy] = None
    plugin_config: Optional[Any] = None
    queue: Optional[str] = None

    def __post_init__(self) -> None:
        super().__post_init__()
        if self.reusable is not None and not isinstance(self.reusable, ReusePolicy):
            raise TypeError(f"Expected reusable to be of type ReusePolicy, got {type(self.reusable)}")
        if self.reusable is not None and self.plugin_config is not None:
            raise ValueError("Cannot set plugin_config when environment is reusable.")
        if not isinstance(self.cache, (str, bool, Cache)):
            raise TypeError(f"Expected cache to be of type str or Cache, got {type(self.cache)}")
        # The cache setting is checked when a task takes it (as in the SDK, where an environment
        # may carry a value only its tasks' decorators override).
        self._tasks: dict[str, TaskTemplate] = {}

    def __hash__(self) -> int:
        return id(self)

    @property
    def sandbox(self) -> Any:
        """`env.sandbox.orchestrator`: sandboxed orchestrator tasks of this environment (flyte.sandbox)."""
        from ._env_sandbox import EnvironmentSandbox

        return EnvironmentSandbox(self)

    @property
    def tasks(self) -> dict[str, TaskTemplate]:
        return dict(self._tasks)

    def clone_with(
        self,
        name: str,
        image: Union[str, Image, None] = None,
        resources: Optional[Resources] = None,
        env_vars: Optional[dict[str, str]] = None,
        secrets: Optional[SecretRequest] = None,
        depends_on: Optional[list[Environment]] = None,
        description: Optional[str] = None,
        interruptible: Optional[bool] = None,
        include: Optional[tuple[str, ...]] = None,
        service_account: Optional[str] = None,
        **kwargs: Any,
    ) -> TaskEnvironment:
        """A new environment with this one's settings, a new name and the given changes."""
        extra: dict[str, Any] = {
            k: kwargs.pop(k) for k in ("cache", "reusable", "plugin_config", "queue", "pod_template") if k in kwargs
        }
        if kwargs:
            raise TypeError(f"Unexpected keyword arguments: {list(kwargs)}")
        args = self._init_kwargs()
        args.update(name=name, depends_on=list(self.depends_on) if depends_on is None else depends_on)
        for key, value in (
            ("image", image), ("resources", resources), ("env_vars", env_vars), ("secrets", secrets),
            ("description", description), ("interruptible", interruptible), ("service_account", service_account),
        ):
            if value is not None:
                args[key] = value
        if include is not None:
            args["include"] = tuple(include)
        args.update(extra)
        return TaskEnvironment(**args)

    @classmethod
    def from_task(cls, name: str, *tasks: TaskTemplate, depends_on: Optional[list[Environment]] = None) -> TaskEnvironment:
        """An environment around tasks defined outside any (e.g. a library's container tasks), for
        other environments' `depends_on`. The tasks must share one image, which
        becomes the environment's; a task already in an environment is refused."""
        for t in tasks:
            if not isinstance(t, TaskTemplate):
                raise TypeError(f"Expected a task, got {type(t)}")
        if any(t.parent_env is not None and t.parent_env() is not None for t in tasks):
            raise ValueError("Tasks cannot assigned to multiple environments.")
        images = [t.image for t in tasks]
        if any(i != images[0] for i in images[1:]):
            raise ValueError("Tasks must have the same image to be in the same environment.")
        image = images[0] if images else "auto"
        env = cls(name=name, depends_on=list(depends_on or []), image=image)
        for t in tasks:
            env._tasks[t.name] = t
            t.parent_env = weakref.ref(env)
            t.parent_env_name = name
        return env

    def task(
        self,
        _func: Optional[Callable[..., Any]] = None,
        *,
        short_name: Optional[str] = None,
        cache: Optional[CacheRequest] = None,
        retries: Union[int, RetryStrategy] = 0,
        timeout: TimeoutType = 0,
        docs: Optional[Documentation] = None,
        pod_template: Union[str, PodTemplate, None] = None,
        report: bool = False,
        interruptible: Optional[bool] = None,
        max_inline_io_bytes: int = MAX_INLINE_IO_BYTES,
        queue: Optional[str] = None,
        service_account: Optional[str] = None,
        triggers: Union[tuple[Trigger, ...], Trigger] = (),
        links: Union[tuple[Link, ...], Link] = (),
        task_resolver: Optional[Any] = None,
        entrypoint: bool = False,
        produces_artifacts: bool = False,
    ) -> Any:
        """Make a function a task of this environment; use as `@env.task` or `@env.task(...)`."""
        trigger_tuple = normalize_triggers(triggers)
        link_tuple = (links,) if isinstance(links, Link) else tuple(links)

        def decorator(func: Callable[..., Any]) -> AsyncFunctionTaskTemplate:
            if isinstance(func, TaskTemplate):
                raise TypeError(f"{func.name!r} is already a task; decorate the function only once")
            if not (inspect.isfunction(func) or inspect.ismethod(func) or inspect.isbuiltin(func)):
                raise TypeError(f"@env.task decorates functions, got {type(func).__name__}: {func!r}")
            if inspect.isgeneratorfunction(func) or inspect.isasyncgenfunction(func):
                raise TypeError(f"Task {func.__name__!r} is a generator; tasks must return their outputs")
            if self.reusable is not None and pod_template is not None:
                raise ValueError("Cannot set pod_template when environment is reusable.")
            task_class = TASK_PLUGINS.get(type(self.plugin_config), AsyncFunctionTaskTemplate)
            task: AsyncFunctionTaskTemplate = task_class(
                name=f"{self.name}.{func.__name__}",
                interface=TaskInterface(func),
                short_name=short_name or func.__name__,
                image=self.image,
                resources=self.resources,
                cache=cache if cache is not None else self.cache,
                interruptible=self.interruptible if interruptible is None else interruptible,
                retries=retries,
                reusable=self.reusable,
                docs=docs or (Documentation(inspect.getdoc(func) or "") if func.__doc__ else None),
                env_vars=self.env_vars,
                secrets=self.secrets,
                service_account=service_account or self.service_account,
                timeout=timeout,
                pod_template=pod_template or self.pod_template,
                report=report,
                queue=queue or self.queue,
                entrypoint=entrypoint,
                produces_artifacts=produces_artifacts,
                parent_env=weakref.ref(self),
                parent_env_name=self.name,
                max_inline_io_bytes=max_inline_io_bytes,
                triggers=trigger_tuple,
                links=link_tuple,
                func=func,
                plugin_config=self.plugin_config,
                task_resolver=task_resolver,
            )
            self._tasks[task.name] = task
            return task

        if _func is not None:
            return decorator(_func)
        return decorator
