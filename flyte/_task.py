"""Task templates: what `@env.task` makes of a function, and how calling one behaves.

Outside a run a task is its function. Inside a run each call is an action (see `_controller`),
`.aio()` is the awaitable form of any task, `.forward()` runs the body in place with no action,
and `.override()` returns a copy with other settings for one call site.
"""

from __future__ import annotations

import asyncio
import hashlib
import importlib
import inspect
import logging
import weakref
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import timedelta
from typing import TYPE_CHECKING, Any, Generic, Optional, TypeVar, Union

from ._cache import Cache, CacheRequest, VersionParameters, cache_from_request
from ._context import current_frame
from ._controller import submit_async, submit_sync, submit_sync_in_thread
from ._doc import Documentation
from ._extension import CACHE_HASH_METHOD
from ._interface import TaskInterface
from ._link import Link
from ._pod import PodTemplate
from ._resources import Resources
from ._retry import Backoff, RetryStrategy, normalize_retries
from ._reusable import ReusePolicy
from ._secret import SecretRequest, normalize_secrets
from ._timeout import TimeoutType, normalize_timeout
from ._trigger import Trigger
from .errors import SyncTaskCallInAsyncContextError
from .models import MAX_INLINE_IO_BYTES

if TYPE_CHECKING:
    from ._image import Image

logger = logging.getLogger("flyte")

P = TypeVar("P")
R = TypeVar("R")
F = TypeVar("F", bound=Callable[..., Any])

_get_running_loop = asyncio._get_running_loop
_NO_KWARGS: dict[str, Any] = {}  # shared, never written: the controller only reads a call's kwargs


class TaskRuntime:
    """The settings of a template, resolved once into what the controller reads per call."""

    __slots__ = (
        "_cache_version",
        "_iface_hash",
        "backoff",
        "cache",
        "cache_max_age",
        "cache_readable",
        "cache_serialize",
        "deadline",
        "env",
        "func",
        "iface",
        "is_async",
        "name",
        "report",
        "retries",
        "short_name",
        "task",
        "timeout",
        "wire",
    )

    def __init__(self, task: TaskTemplate):
        self.task = task
        self.name = task.name
        self.short_name = task.short_name
        self.func = task.func  # type: ignore[attr-defined]
        self.is_async = inspect.iscoroutinefunction(self.func)
        self.iface: TaskInterface = task.interface
        strategy = normalize_retries(task.retries)
        self.retries = strategy.count
        self.backoff: Optional[Backoff] = strategy.backoff
        self.timeout, self.deadline = normalize_timeout(task.timeout)
        cache = cache_from_request(task.cache)
        self.cache: Optional[Cache] = cache if cache.is_enabled() else None
        self.cache_readable = cache.behavior == "auto"
        self.cache_serialize = bool(cache.serialize)
        self.cache_max_age = cache.max_age.total_seconds() if isinstance(cache.max_age, timedelta) and cache.max_age else None
        self._cache_version: Optional[str] = None
        self._iface_hash: Optional[str] = None
        self.env = _task_environment(task)
        self.report = task.report
        self.wire: Optional[bytes] = None  # the task pickled for worker processes, on first use (flyte._executor)

    @property
    def cache_version(self) -> str:
        if self._cache_version is None:
            assert self.cache is not None
            self._cache_version = self.cache.get_version(VersionParameters(func=self.func, image=self.task.image))
        return self._cache_version

    def cache_key(self, inputs: dict, inputs_hash: str) -> str:
        """Task name, cache version, interface and inputs (minus ignored ones) decide a hit.

        An input value may name its own cache hash: an object whose `__flyte_cache_hash__()`
        returns a string is keyed by that string instead of by its serialized bytes (None: as
        usual). See `flyte._extension.CACHE_HASH_METHOD`."""
        assert self.cache is not None
        ignored = self.cache.get_ignored_inputs()
        hashed = {}
        for k, v in inputs.items():
            own = getattr(v, CACHE_HASH_METHOD, None)
            if own is not None and (h := own()) is not None:
                hashed[k] = h
        if ignored or hashed:
            from ._serde import digest, pack_plain

            kept = {k: (["cache-hash", hashed[k]] if k in hashed else v) for k, v in inputs.items() if k not in ignored}
            try:
                inputs_hash = digest(pack_plain(kept)) if kept else ""
            except Exception:
                inputs_hash = digest(repr(sorted(kept.items())).encode())
        if self._iface_hash is None:
            self.iface.ensure_compiled()
            sig = f"{self.iface.input_types!r}->{self.iface.output_types!r}"
            self._iface_hash = hashlib.sha256(sig.encode()).hexdigest()[:16]
        text = f"{self.name}|{self.cache_version}|{self._iface_hash}|{self.cache.salt}|{inputs_hash}"
        return hashlib.sha256(text.encode()).hexdigest()

    def without_serialize(self) -> TaskRuntime:
        clone = object.__new__(TaskRuntime)
        for slot in TaskRuntime.__slots__:
            setattr(clone, slot, getattr(self, slot))
        clone.cache_serialize = False
        return clone


_warned_secrets: set = set()


def _task_environment(task: TaskTemplate) -> dict[str, str]:
    """Environment variables the body sees: the task's env_vars plus its secrets' values."""
    env = {str(k): str(v) for k, v in (task.env_vars or {}).items()}
    for secret in normalize_secrets(task.secrets):
        value = secret.local_value()
        if value is None:
            key = (task.name, secret.key, secret.group)
            if key not in _warned_secrets:
                _warned_secrets.add(key)
                logger.warning(
                    "Secret %r%s requested by task %r is not set locally; set the environment variable %s to provide it.",
                    secret.key, f" (group {secret.group!r})" if secret.group else "", task.name, secret.as_env_var or secret.key.upper(),
                )
            continue
        if secret.as_env_var:
            env[secret.as_env_var] = value
    return env


class _ImageField:
    """`task.image`: an `Image`, as in the SDK. A string given for it becomes `Image.from_base(s)`,
    "auto" the default base image (`Image.from_debian_base()`), None stays None. The conversion
    happens at the first read, so defining tasks does not load the image module."""

    def __get__(self, obj: Any, owner: Any = None) -> Any:
        if obj is None:
            return "auto"  # the dataclass default
        value = obj.__dict__.get("_image_request", "auto")
        if isinstance(value, str):
            from ._image import Image

            value = Image.from_debian_base() if value == "auto" else Image.from_base(value)
            obj.__dict__["_image_request"] = value
        return value

    def __set__(self, obj: Any, value: Any) -> None:
        obj.__dict__["_image_request"] = value


@dataclass
class TaskTemplate(Generic[P, R]):
    """A task: its fully-qualified name, interface and execution settings."""

    name: str
    interface: TaskInterface
    short_name: str = ""
    task_type: str = "python"
    task_type_version: int = 0
    image: Union[str, Image, None] = _ImageField()  # type: ignore[assignment]
    resources: Optional[Resources] = None
    cache: CacheRequest = "disable"
    interruptible: bool = False
    retries: Union[int, RetryStrategy] = 0
    reusable: Optional[ReusePolicy] = None
    docs: Optional[Documentation] = None
    env_vars: Optional[dict[str, str]] = None
    secrets: Optional[SecretRequest] = None
    service_account: Optional[str] = None
    timeout: Optional[TimeoutType] = None
    pod_template: Union[str, PodTemplate, None] = None
    report: bool = False
    queue: Optional[str] = None
    debuggable: bool = False
    entrypoint: bool = False
    produces_artifacts: bool = False
    parent_env: Optional[weakref.ReferenceType] = None
    parent_env_name: Optional[str] = None
    max_inline_io_bytes: int = MAX_INLINE_IO_BYTES
    triggers: tuple[Trigger, ...] = field(default_factory=tuple)
    links: tuple[Link, ...] = field(default_factory=tuple)
    _call_as_synchronous: bool = False

    def __post_init__(self) -> None:
        if not self.short_name:
            self.short_name = self.name.rsplit(".", 1)[-1]
        # bad values fail where they are written, not at the first call; an int becomes a
        # RetryStrategy, as the SDK stores it (`task.retries.count`)
        self.retries = normalize_retries(self.retries)
        normalize_timeout(self.timeout)
        cache_from_request(self.cache)
        self._rt: Optional[TaskRuntime] = None

    @property
    def native_interface(self) -> TaskInterface:
        return self.interface

    def _runtime(self) -> TaskRuntime:
        rt = self._rt
        if rt is None:
            rt = self._rt = TaskRuntime(self)
        return rt

    def __getstate__(self) -> dict[str, Any]:
        state = dict(self.__dict__)
        state["_rt"] = None
        state["parent_env"] = None  # weakrefs do not pickle; the env is only needed to deploy
        return state

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.__dict__.update(state)

    def override(
        self,
        *,
        short_name: Optional[str] = None,
        resources: Optional[Resources] = None,
        cache: Optional[CacheRequest] = None,
        retries: Union[int, RetryStrategy] = 0,
        timeout: Optional[TimeoutType] = None,
        reusable: Union[ReusePolicy, str, None] = None,
        env_vars: Optional[dict[str, str]] = None,
        secrets: Optional[SecretRequest] = None,
        service_account: Optional[str] = None,
        max_inline_io_bytes: Optional[int] = None,
        pod_template: Union[str, PodTemplate, None] = None,
        queue: Optional[str] = None,
        interruptible: Optional[bool] = None,
        entrypoint: Optional[bool] = None,
        produces_artifacts: Optional[bool] = None,
        links: tuple[Link, ...] = (),
        plugin_config: Optional[Any] = None,
        **kwargs: Any,
    ) -> TaskTemplate:
        """A copy of this task with some settings changed; the name and interface stay."""
        for k in kwargs:
            if k in ("name", "image", "docs", "interface"):
                raise ValueError(f"{k.capitalize()} cannot be overridden")
            raise TypeError(f"override() got an unexpected keyword argument {k!r}")
        new_reusable = reusable or self.reusable
        if new_reusable == "off":
            new_reusable = None
        if new_reusable is not None:
            for what, value in (("resources", resources), ("env_vars", env_vars), ("secrets", secrets), ("service_account", service_account)):
                if value is not None:
                    raise ValueError(
                        f"Cannot override {what} when reusable is set: reusable tasks use their environment's "
                        f"{what}. Pass reusable='off' in the same override() to change it."
                    )
        changes: dict[str, Any] = dict(
            short_name=short_name or self.short_name,
            resources=resources or self.resources,
            cache=cache or self.cache,
            retries=retries or self.retries,
            timeout=timeout or self.timeout,
            reusable=new_reusable,
            env_vars=env_vars or self.env_vars,
            secrets=secrets or self.secrets,
            service_account=service_account or self.service_account,
            max_inline_io_bytes=max_inline_io_bytes or self.max_inline_io_bytes,
            pod_template=pod_template or self.pod_template,
            queue=queue or self.queue,
            interruptible=self.interruptible if interruptible is None else interruptible,
            entrypoint=self.entrypoint if entrypoint is None else entrypoint,
            produces_artifacts=self.produces_artifacts if produces_artifacts is None else produces_artifacts,
            links=links or self.links,
        )
        if plugin_config is not None:
            if not hasattr(self, "plugin_config"):
                raise ValueError(f"Task {self.name!r} does not take a plugin_config")
            changes["plugin_config"] = plugin_config
        return replace(self, **changes)

    # Calling ---------------------------------------------------------------------------------

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        raise NotImplementedError

    def aio(self, *args: Any, **kwargs: Any) -> Any:
        raise NotImplementedError

    def forward(self, *args: Any, **kwargs: Any) -> Any:
        raise NotImplementedError

    def execute(self, *args: Any, **kwargs: Any) -> Any:
        raise NotImplementedError


def _load_task(module: str, qualname: str) -> TaskTemplate:
    obj: Any = importlib.import_module(module)
    for part in qualname.split("."):
        obj = getattr(obj, part)
    return obj


def _rebuild_task(cls: type[TaskTemplate], state: dict[str, Any]) -> TaskTemplate:
    task = cls.__new__(cls)
    task.__setstate__(state)
    return task


@dataclass
class AsyncFunctionTaskTemplate(TaskTemplate[P, R], Generic[P, R, F]):
    """A task backed by a Python function (sync or async)."""

    func: Callable[..., Any] = None  # type: ignore[assignment]
    plugin_config: Optional[Any] = None
    debuggable: bool = True  # the SDK's default for function tasks (TaskTemplate's is False)
    task_resolver: Optional[Any] = None

    def __post_init__(self) -> None:
        super().__post_init__()
        if self.func is None or not callable(self.func):
            raise TypeError(f"Task {self.name!r} needs a function, got {self.func!r}")
        self._call_as_synchronous = not inspect.iscoroutinefunction(self.func)
        self.__doc__ = getattr(self.func, "__doc__", None)
        self.__wrapped__ = self.func
        self.__module__ = getattr(self.func, "__module__", None)  # type: ignore[assignment]
        self.__qualname__ = getattr(self.func, "__qualname__", self.name)
        self.__name__ = getattr(self.func, "__name__", self.name)

    def __reduce__(self) -> Any:
        # By reference when this exact object is importable (the common case): cheap and keeps
        # identity. Otherwise (overrides, tasks in __main__ or closures) by value.
        module, qualname = self.func.__module__, getattr(self.func, "__qualname__", "")
        if module and module != "__main__" and "<locals>" not in qualname:
            try:
                if _load_task(module, qualname) is self:
                    return (_load_task, (module, qualname))
            except Exception:
                pass
        return (_rebuild_task, (type(self), self.__getstate__()))

    @property
    def is_async(self) -> bool:
        return not self._call_as_synchronous

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        frame = current_frame.get()
        if frame is None:
            return self.func(*args, **kwargs)
        rt = self._rt or self._runtime()
        if rt.is_async:
            # the coroutine holds its arguments until whoever awaits it lets go of it (a gather:
            # until all its children end); an empty **kwargs is a fresh dict per call
            return submit_async(rt, frame, args, kwargs or _NO_KWARGS)
        if _get_running_loop() is not None:
            raise SyncTaskCallInAsyncContextError(
                f"Sync task {self.name!r} was called in a blocking way from async code, which would stall "
                f"the event loop. Use `await {self.short_name}.aio(...)` instead."
            )
        return submit_sync(rt, frame, args, kwargs)

    def aio(self, *args: Any, **kwargs: Any) -> Any:
        """An awaitable for this call, for sync and async tasks alike."""
        frame = current_frame.get()
        if frame is None:
            if self._call_as_synchronous:
                return asyncio.to_thread(self.func, *args, **kwargs)
            return self.func(*args, **kwargs)
        rt = self._rt or self._runtime()
        if rt.is_async:
            return submit_async(rt, frame, args, kwargs or _NO_KWARGS)
        return submit_sync_in_thread(rt, frame, args, kwargs or _NO_KWARGS)

    def forward(self, *args: Any, **kwargs: Any) -> Any:
        """Runs the body right here: no action, no recording, no retries."""
        return self.func(*args, **kwargs)

    def execute(self, *args: Any, **kwargs: Any) -> Any:
        return self.func(*args, **kwargs)

    @property
    def source_file(self) -> Optional[str]:
        try:
            return inspect.getsourcefile(self.func)
        except TypeError:
            return None

    def __repr__(self) -> str:
        kind = "sync" if self._call_as_synchronous else "async"
        return f"<flyte task {self.name} ({kind})>"

    def __hash__(self) -> int:
        return id(self)

    def __eq__(self, other: object) -> bool:
        return self is other
