"""`@task`: a flytekit task, executed as a flyte action with its settings mapped onto flyte's."""

from __future__ import annotations

import datetime
import enum
import functools
import inspect
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Optional, Union

from . import _bridge
from ._cache import Cache, to_flyte_cache
from ._context import enter_task, leave_task
from ._entity import Entity, name_module
from ._interface import Interface, extract
from ._literal_crossing import crossing_outputs, receive_crossing, send_crossing
from ._typecheck import convert_inputs, convert_outputs, single_output_checker

_LEGACY_CACHE_ARGS = ("cache_version", "cache_serialize", "cache_ignore_input_vars")


class ExecutionBehavior(enum.Enum):
    DEFAULT = 1
    DYNAMIC = 2
    EAGER = 3


@dataclass
class TaskMetadata:
    """Task settings that flytekit keeps in `task.metadata`."""

    cache: bool = False
    cache_serialize: bool = False
    cache_version: str = ""
    cache_ignore_input_vars: tuple = ()
    interruptible: Optional[bool] = None
    deprecated: str = ""
    retries: int = 0
    timeout: Optional[Union[datetime.timedelta, int]] = None
    pod_template_name: Optional[str] = None
    generates_deck: bool = False
    is_eager: bool = False
    labels: Optional[dict[str, str]] = None
    annotations: Optional[dict[str, str]] = None

    def __post_init__(self) -> None:
        if self.timeout is not None and not isinstance(self.timeout, datetime.timedelta):
            if isinstance(self.timeout, int):
                self.timeout = datetime.timedelta(seconds=self.timeout)
            else:
                raise ValueError("timeout should be duration represented as either a datetime.timedelta or int seconds")
        if self.cache and not self.cache_version:
            raise ValueError("Caching is enabled ``cache=True`` but ``cache_version`` is not set.")
        if self.cache_serialize and not self.cache:
            raise ValueError("Cache serialize is enabled ``cache_serialize=True`` but ``cache`` is not enabled.")
        if self.cache_ignore_input_vars and not self.cache:
            raise ValueError(
                f"Cache ignore input vars are specified ``cache_ignore_input_vars={self.cache_ignore_input_vars}`` "
                "but ``cache`` is not enabled."
            )

    @property
    def retry_strategy(self) -> int:
        return self.retries


def is_test_module(module: str) -> bool:
    last = (module or "").split(".")[-1]
    return last.startswith("test_") or last.endswith("_test")


class PythonFunctionTask(Entity):
    """A flytekit task backed by a Python function."""

    _kind = "task"
    # inputs/outputs whose values cross as literals of a user's transformer (computed on first run)
    _crossing_inputs: Optional[dict[str, Any]] = None
    _crossing_outputs: Optional[dict[str, Any]] = None

    def __init__(self, task_config: Any, task_function: Callable[..., Any], task_type: str = "python-task",
                 ignore_input_vars: Optional[list[str]] = None, execution_mode: ExecutionBehavior = ExecutionBehavior.DEFAULT,
                 task_resolver: Any = None, node_dependency_hints: Any = None, pickle_untyped: bool = False,
                 metadata: Optional[TaskMetadata] = None, **kwargs: Any):
        self.task_function = task_function
        self.task_config = task_config
        self.task_type = task_type
        self.execution_mode = execution_mode
        self.task_resolver = task_resolver
        self.pickle_untyped = pickle_untyped
        module = getattr(task_function, "__module__", "__main__") or "__main__"
        self.name = f"{name_module(task_function)}.{task_function.__name__}"
        self._module = module
        self.instantiated_in = module
        self.metadata = metadata or TaskMetadata()
        self._interface = extract(task_function, allow_untyped=pickle_untyped)
        self.environment: dict[str, str] = dict(kwargs.pop("environment", None) or {})
        self.container_image = kwargs.pop("container_image", None)
        self.resources = kwargs.pop("resources", None)
        self.secret_requests = list(kwargs.pop("secret_requests", None) or [])
        self.accelerator = kwargs.pop("accelerator", None)
        self.shared_memory = kwargs.pop("shared_memory", None)
        self.pod_template = kwargs.pop("pod_template", None)
        self.pod_template_name = kwargs.pop("pod_template_name", None)
        self._docs = kwargs.pop("docs", None)
        self.enable_deck = bool(kwargs.pop("enable_deck", False))
        self.disable_deck = kwargs.pop("disable_deck", None)
        self.deck_fields = kwargs.pop("deck_fields", ())
        self._flyte_cache = kwargs.pop("flyte_cache", None)
        self.node_dependency_hints = node_dependency_hints
        self.__doc__ = task_function.__doc__
        functools.update_wrapper(self, task_function)  # type: ignore[arg-type]
        self._template: Any = None
        self._input_types: Optional[dict[str, Any]] = None
        self._single_output = single_output_checker(self._interface)

    @property
    def short_name(self) -> str:
        return self.task_function.__name__

    @property
    def docs(self) -> Any:
        """Documentation given to the decorator, or else the one parsed from the docstring."""
        if self._docs is None:
            from .models.documentation import documentation_from

            self._docs = documentation_from(self.task_function)
        return self._docs

    @property
    def _is_async(self) -> bool:
        return inspect.iscoroutinefunction(self.task_function)

    def execute(self, **kwargs: Any) -> Any:
        return self.task_function(**kwargs)

    # -- the backing flyte task ---------------------------------------------------------------------

    def _receive(self, kwargs: dict[str, Any]) -> dict[str, Any]:
        """Inputs as the function expects them (a path becomes a FlyteFile, a column subset of a
        dataset is applied, ...), as flytekit's type engine does on the receiving side."""
        types = self._input_types
        if types is None:
            types = self._input_types = self._interface.inputs
        crossing = self._crossing_inputs
        if crossing is None:
            crossing = self._crossing_inputs = crossing_outputs(types) or {}
        if crossing:
            return receive_crossing(self.name, types, crossing, kwargs)
        return convert_inputs(self.name, types, kwargs, kind="task")

    def _run_function(self, **kwargs: Any) -> Any:
        kwargs = self._receive(kwargs)
        if self._interface.artifact_outputs:
            return self._run_recording_artifacts(kwargs)
        token = enter_task(self)
        try:
            result = self.task_function(**kwargs)
        except Exception as e:
            raise _bridge.mark_user_error(e, self.name) from None
        finally:
            leave_task(self, token)
        return self._finish(result)

    async def _run_function_async(self, **kwargs: Any) -> Any:
        kwargs = self._receive(kwargs)
        token = enter_task(self)
        tracking = _artifact_tracking(self)
        try:
            result = await self.task_function(**kwargs)
        except Exception as e:
            raise _bridge.mark_user_error(e, self.name) from None
        finally:
            leave_task(self, token)
        return _record_artifacts(self, kwargs, result, self._finish(result), tracking)

    def _run_recording_artifacts(self, kwargs: dict[str, Any]) -> Any:
        """A run of a task with artifact outputs: each output is recorded in the local artifact
        store once the task succeeded."""
        token = enter_task(self)
        tracking = _artifact_tracking(self)
        try:
            result = self.task_function(**kwargs)
        except Exception as e:
            raise _bridge.mark_user_error(e, self.name) from None
        finally:
            leave_task(self, token)
        return _record_artifacts(self, kwargs, result, self._finish(result), tracking)

    def _finish(self, result: Any) -> Any:
        outputs = self._interface.outputs
        if not outputs:
            return None
        single = self._single_output
        if single is not None:  # one plain output: the common case, checked without the general path
            try:
                return single(result)
            except Exception:
                pass  # let the general path produce flytekit's error message
        values = convert_outputs(self.name, outputs, result)
        crossing = self._crossing_outputs
        if crossing is None:
            crossing = self._crossing_outputs = crossing_outputs(outputs) or {}
        if crossing:
            values = send_crossing(outputs, crossing, values)
        if len(values) == 1 and self._interface.output_tuple is None:
            return values[0]
        return values

    def _flyte_template(self) -> Any:
        if self._template is None:
            self._template = self._build_template()
        return self._template

    def _build_template(self) -> Any:
        from ._resources import to_flyte_resources
        from ._secrets import to_flyte_secrets

        env = _bridge.env_for_module(self._module)
        fn = self._run_function_async if self._is_async else self._run_function
        qual = getattr(self.task_function, "__qualname__", self.task_function.__name__)
        body = _bridge.make_body(fn, self.task_function.__name__, tuple(self._interface.inputs), self._is_async,
                                 self._module, qual)
        timeout = self.metadata.timeout
        template = env.task(
            body,
            short_name=self.task_function.__name__,
            cache=self._flyte_cache or "disable",
            retries=self.metadata.retries or 0,
            timeout=timeout or 0,
            report=self.enable_deck,
            interruptible=self.metadata.interruptible,
        )
        changes: dict[str, Any] = {}
        if self.environment:
            changes["env_vars"] = {str(k): str(v) for k, v in self.environment.items()}
        secrets = to_flyte_secrets(self.secret_requests)
        if secrets:
            changes["secrets"] = secrets
        resources = to_flyte_resources(self.resources, self.accelerator, self.shared_memory)
        if resources is not None:
            changes["resources"] = resources
        if changes:
            template = template.override(**changes)
        return template

    # -- misc flytekit API ---------------------------------------------------------------------------

    def find_lhs(self) -> str:
        return self.task_function.__name__

    @property
    def lhs(self) -> str:
        return self.find_lhs()

    def get_image(self) -> Any:
        return self.container_image


def _artifact_tracking(task: Any) -> Any:
    """Starts collecting `Artifact.create_from` calls of the task body (None if it has no artifact outputs)."""
    if not task._interface.artifact_outputs:
        return None
    from ._artifact_store import start_tracking

    return start_tracking()


def _record_artifacts(task: Any, inputs: dict[str, Any], raw: Any, finished: Any, tracking: Any) -> Any:
    if tracking is None:
        return finished
    from ._artifact_store import record_outputs

    record_outputs(task.name, task._interface, inputs, raw, finished, tracking)
    return finished


def _build_metadata(cache: Any, retries: int, interruptible: Optional[bool], deprecated: str, timeout: Any,
                    pod_template_name: Optional[str], enable_deck: bool, legacy: dict[str, Any],
                    labels: Optional[dict[str, str]] = None, annotations: Optional[dict[str, str]] = None) -> tuple:
    """(TaskMetadata, flyte.Cache or None) from flytekit's cache arguments, with its errors."""
    if isinstance(cache, Cache):
        if any(k in legacy for k in _LEGACY_CACHE_ARGS):
            raise ValueError(
                "cache_serialize, cache_version, and cache_ignore_input_vars are deprecated. Please use Cache object"
            )
        version = cache.get_version()
        metadata = TaskMetadata(cache=True, cache_serialize=cache.serialize, cache_version=version,
                                cache_ignore_input_vars=tuple(cache.ignored_inputs), retries=retries,
                                interruptible=interruptible, deprecated=deprecated, timeout=timeout,
                                pod_template_name=pod_template_name, generates_deck=enable_deck, labels=labels,
                                annotations=annotations)
        return metadata, to_flyte_cache(version, cache.serialize, tuple(cache.ignored_inputs), cache.salt)
    version = legacy.get("cache_version", "")
    serialize = bool(legacy.get("cache_serialize", False))
    ignored_given = legacy.get("cache_ignore_input_vars", ()) or ()
    ignored = tuple(ignored_given)
    if cache and not version:
        raise ValueError("If version is not defined then at least one cache policy needs to be set")
    metadata = TaskMetadata(cache=bool(cache), cache_serialize=serialize, cache_version=version,
                            cache_ignore_input_vars=ignored_given, retries=retries, interruptible=interruptible,
                            deprecated=deprecated, timeout=timeout, pod_template_name=pod_template_name,
                            generates_deck=enable_deck, labels=labels, annotations=annotations)
    flyte_cache = to_flyte_cache(version, serialize, ignored) if cache else None
    return metadata, flyte_cache


def _check_resources(requests: Any, limits: Any, resources: Any) -> Any:
    from ._resources import Resources, ResourceSpec

    if resources is not None and (requests is not None or limits is not None):
        raise ValueError("`resource` can not be used together with the `limits` or `requests`. Please only set `resource`.")
    for name, r in (("requests", requests), ("limits", limits)):
        if r is not None and not isinstance(r, Resources):
            raise AssertionError(f"{name} should be specified as flytekit.Resources")
        for value in (vars(r).values() if r is not None else ()):
            if isinstance(value, (tuple, list)):
                raise ValueError(f"{value} can not be a list or tuple ({name} take single values; use resources= for pairs)")
    if resources is not None:
        return ResourceSpec.from_multiple_resource(resources)
    if requests is None and limits is None:
        return None
    return ResourceSpec(requests=requests or Resources(), limits=limits or Resources())


def make_task_decorator(execution_mode: ExecutionBehavior, entity_cls: Optional[type] = None) -> Callable[..., Any]:
    """Builds `task` (and `dynamic`, which only differs in the entity it makes)."""

    def decorator(
        _task_function: Optional[Callable[..., Any]] = None,
        task_config: Any = None,
        cache: Union[bool, Cache] = False,
        retries: int = 0,
        interruptible: Optional[bool] = None,
        deprecated: str = "",
        timeout: Union[datetime.timedelta, int] = 0,
        container_image: Any = None,
        environment: Optional[dict[str, str]] = None,
        requests: Any = None,
        limits: Any = None,
        secret_requests: Optional[list[Any]] = None,
        execution_mode: ExecutionBehavior = execution_mode,
        node_dependency_hints: Any = None,
        task_resolver: Any = None,
        docs: Any = None,
        disable_deck: Optional[bool] = None,
        enable_deck: Optional[bool] = None,
        deck_fields: Any = (),
        pod_template: Any = None,
        pod_template_name: Optional[str] = None,
        accelerator: Any = None,
        pickle_untyped: bool = False,
        shared_memory: Any = None,
        resources: Any = None,
        labels: Optional[dict[str, str]] = None,
        annotations: Optional[dict[str, str]] = None,
        **kwargs: Any,
    ) -> Any:
        unknown = {k: v for k, v in kwargs.items() if k not in _LEGACY_CACHE_ARGS}
        if unknown:
            raise ValueError(f"Unrecognized argument(s) for task: {unknown.keys()}")
        if node_dependency_hints is not None and execution_mode != ExecutionBehavior.DYNAMIC:
            raise ValueError("node_dependency_hints should only be used on dynamic tasks.")
        metadata, flyte_cache = _build_metadata(
            cache, retries, interruptible, deprecated, timeout or None, pod_template_name,
            bool(enable_deck), kwargs, labels, annotations,
        )
        resource_spec = _check_resources(requests, limits, resources)
        if secret_requests:
            from ._secrets import Secret

            for s in secret_requests:
                if not isinstance(s, Secret):
                    raise AssertionError(f"Secret {s} should be of type flytekit.Secret, received {type(s)}")

        def wrapper(fn: Callable[..., Any]) -> PythonFunctionTask:
            module = getattr(fn, "__module__", "") or ""
            if "<locals>" in getattr(fn, "__qualname__", "") and not is_test_module(module):
                raise ValueError(
                    "TaskFunction cannot be a nested/inner or local function. It should be accessible at a module "
                    f"level for Flyte to execute it. Test modules with names beginning with `test_` are allowed to "
                    f"have nested tasks. If you're decorating your task function with custom decorators, use "
                    f"functools.wraps or functools.update_wrapper on the function wrapper. Alternatively if you want "
                    f"to create your own tasks with custom behavior use the TaskResolverMixin (function {fn.__qualname__})"
                )
            cls = entity_cls or PythonFunctionTask
            return cls(
                task_config, fn, execution_mode=execution_mode, task_resolver=task_resolver,
                node_dependency_hints=node_dependency_hints, pickle_untyped=pickle_untyped, metadata=metadata,
                environment=environment, container_image=container_image, resources=resource_spec,
                secret_requests=secret_requests, accelerator=accelerator, shared_memory=shared_memory,
                pod_template=pod_template, pod_template_name=pod_template_name, docs=docs,
                enable_deck=bool(enable_deck), disable_deck=disable_deck, deck_fields=deck_fields,
                flyte_cache=flyte_cache,
            )

        if _task_function is not None:
            return wrapper(_task_function)
        return wrapper

    return decorator


task = make_task_decorator(ExecutionBehavior.DEFAULT)


class Echo(Entity):
    """A no-op task that returns its inputs (useful as a branch of a conditional)."""

    _kind = "task"

    def __init__(self, name: str, inputs: Optional[dict[str, type]] = None, **kwargs: Any):
        self.name = name
        ins = dict(inputs or {})
        self._interface = Interface({k: (v, inspect.Parameter.empty) for k, v in ins.items()}, dict(ins))
        self._template: Any = None

    def _echo(self, **kwargs: Any) -> Any:
        values = tuple(kwargs[k] for k in self._interface.inputs)
        if not values:
            return None
        return values[0] if len(values) == 1 else values

    def _flyte_template(self) -> Any:
        if self._template is None:
            env = _bridge.env_for_module("flytekit-echo")
            body = _bridge.make_body(self._echo, self.name.replace(".", "_"), tuple(self._interface.inputs), False, __name__, self.name)
            self._template = env.task(body, short_name=self.name)
        return self._template


def current_task_type() -> str:
    return "python-task"


__all__ = ["Echo", "ExecutionBehavior", "PythonFunctionTask", "TaskMetadata", "field", "task"]
