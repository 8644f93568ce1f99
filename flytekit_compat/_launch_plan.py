"""Launch plans: a workflow with default and fixed inputs (and maybe a schedule), callable like it.

A schedule is kept and exposed as the equivalent `flyte.Trigger` (`lp.trigger`), which is how a
Flyte 2 deployment runs it. Fixed inputs are not inputs of the launch plan, as on a backend.
"""

from __future__ import annotations

import inspect
from typing import Any, List, Optional

from ._entity import Entity
from ._interface import Interface


class LaunchPlan(Entity):
    _kind = "launch_plan"
    _registry: dict[str, LaunchPlan] = {}
    auth_role: Any  # set by get_or_create: flytekit keeps it, nothing runs differently here
    _given: dict[str, Any]  # the settings get_or_create was given, to tell a conflicting second call

    def __init__(self, name: str, workflow: Any, parameters: Any = None, fixed_inputs: Optional[dict[str, Any]] = None,
                 default_inputs: Optional[dict[str, Any]] = None, schedule: Any = None, notifications: Any = None,
                 labels: Any = None, annotations: Any = None, raw_output_data_config: Any = None,
                 max_parallelism: Optional[int] = None, security_context: Any = None, trigger: Any = None,
                 overwrite_cache: Optional[bool] = None, auto_activate: bool = False, concurrency: Any = None):
        self.name = name
        self._workflow = workflow
        self._fixed_inputs = dict(fixed_inputs or {})
        self._default_inputs = dict(default_inputs or {})
        self.schedule = schedule
        self.notifications = list(notifications) if isinstance(notifications, (list, tuple)) else ([notifications] if notifications else [])
        self.labels, self.annotations = labels, annotations
        self.raw_output_data_config = raw_output_data_config
        self.max_parallelism = max_parallelism
        self.security_context = security_context
        self.overwrite_cache = overwrite_cache
        self.auto_activate = auto_activate
        self.concurrency = concurrency
        self._trigger_override = trigger
        wf_inputs = workflow.python_interface.inputs_with_defaults
        for k in list(self._fixed_inputs) + list(self._default_inputs):
            if k not in wf_inputs:
                raise AssertionError(f"Launch plan {name!r}: {k!r} is not an input of workflow {workflow.name!r}")
        inputs = {}
        for k, (tp, default) in wf_inputs.items():
            if k in self._fixed_inputs:
                continue
            inputs[k] = (tp, self._default_inputs.get(k, default))
        self._interface = Interface(inputs, workflow.python_interface.outputs, workflow.python_interface.output_tuple)
        self._saved = (tuple(sorted(self._fixed_inputs.items(), key=lambda i: i[0])),
                       tuple(sorted(self._default_inputs.items(), key=lambda i: i[0])), repr(schedule))

    # -- construction ---------------------------------------------------------------------------------

    # The settings two launch plans of the same name must agree on (flytekit's get_or_create check).
    _COMPARED = ("default_inputs", "fixed_inputs", "schedule", "notifications", "labels", "annotations",
                 "raw_output_data_config", "max_parallelism", "security_context", "auth_role", "trigger",
                 "overwrite_cache", "auto_activate", "concurrency")

    @classmethod
    def get_or_create(cls, workflow: Any, name: Optional[str] = None, default_inputs: Optional[dict[str, Any]] = None,
                      fixed_inputs: Optional[dict[str, Any]] = None, schedule: Any = None, notifications: Any = None,
                      labels: Any = None, annotations: Any = None, raw_output_data_config: Any = None,
                      max_parallelism: Optional[int] = None, security_context: Any = None, auth_role: Any = None,
                      trigger: Any = None, overwrite_cache: Optional[bool] = None, auto_activate: bool = False,
                      concurrency: Any = None) -> LaunchPlan:
        """The launch plan called `name`, created if new; without a name, the workflow's default
        launch plan (named after the workflow, with no settings of its own). Asking again for an
        existing name with different settings is an AssertionError."""
        settings = {"default_inputs": default_inputs, "fixed_inputs": fixed_inputs, "schedule": schedule,
                    "notifications": notifications, "labels": labels, "annotations": annotations,
                    "raw_output_data_config": raw_output_data_config, "max_parallelism": max_parallelism,
                    "security_context": security_context, "auth_role": auth_role, "trigger": trigger,
                    "overwrite_cache": overwrite_cache, "auto_activate": auto_activate or None,
                    "concurrency": concurrency}
        if name is None:
            given = sorted(k for k, v in settings.items() if v)
            if given:
                raise ValueError(
                    f"Only named launch plans can have settings of their own (got {', '.join(given)} for the default "
                    f"launch plan of {workflow.name!r}); give it a name"
                )
            existing = cls._registry.get(workflow.name)
            if existing is not None and existing._workflow is workflow:
                return existing
            return cls.create(workflow.name, workflow)
        existing = cls._registry.get(name)
        if existing is not None:
            if existing._workflow.name != workflow.name:
                raise AssertionError(
                    f"Trying to create a launch plan named {name!r} for workflow {workflow.name!r}, but that name is "
                    f"already used by a launch plan of {existing._workflow.name!r}"
                )
            for key in cls._COMPARED:
                if _normalised(getattr(existing, "_given", {}).get(key)) != _normalised(settings[key]):
                    raise AssertionError(
                        f"Trying to create two launch plans for workflow '{workflow.name}' both named '{name}' but "
                        f"with different values for '{key}'"
                    )
            return existing
        return cls.create(name, workflow, default_inputs=default_inputs, fixed_inputs=fixed_inputs, schedule=schedule,
                          notifications=notifications, labels=labels, annotations=annotations,
                          raw_output_data_config=raw_output_data_config, max_parallelism=max_parallelism,
                          security_context=security_context, auth_role=auth_role, trigger=trigger,
                          overwrite_cache=overwrite_cache, auto_activate=auto_activate, concurrency=concurrency)

    @classmethod
    def create(cls, name: str, workflow: Any, default_inputs: Optional[dict[str, Any]] = None,
               fixed_inputs: Optional[dict[str, Any]] = None, schedule: Any = None, notifications: Any = None,
               labels: Any = None, annotations: Any = None, raw_output_data_config: Any = None,
               max_parallelism: Optional[int] = None, security_context: Any = None, auth_role: Any = None,
               trigger: Any = None, overwrite_cache: Optional[bool] = None, auto_activate: bool = False,
               concurrency: Any = None) -> LaunchPlan:
        given = {"default_inputs": default_inputs, "fixed_inputs": fixed_inputs, "schedule": schedule,
                 "notifications": notifications, "labels": labels, "annotations": annotations,
                 "raw_output_data_config": raw_output_data_config, "max_parallelism": max_parallelism,
                 "security_context": security_context, "auth_role": auth_role, "trigger": trigger,
                 "overwrite_cache": overwrite_cache, "auto_activate": auto_activate or None, "concurrency": concurrency}
        options = getattr(workflow, "default_options", None)
        if options is not None:  # a workflow's default options fill in what the launch plan leaves unset
            labels = labels if labels is not None else options.labels
            annotations = annotations if annotations is not None else options.annotations
            raw_output_data_config = raw_output_data_config or options.raw_output_data_config
            max_parallelism = max_parallelism if max_parallelism is not None else options.max_parallelism
            security_context = security_context or options.security_context
        lp = cls(name, workflow, fixed_inputs=fixed_inputs, default_inputs=default_inputs, schedule=schedule,
                 notifications=notifications, labels=labels, annotations=annotations,
                 raw_output_data_config=raw_output_data_config, max_parallelism=max_parallelism,
                 security_context=security_context, trigger=trigger, overwrite_cache=overwrite_cache,
                 auto_activate=auto_activate, concurrency=concurrency)
        lp.auth_role = auth_role
        lp._given = given
        cls._registry[name] = lp
        return lp

    @classmethod
    def get_default_launch_plan(cls, ctx: Any, workflow: Any) -> LaunchPlan:
        return cls.get_or_create(workflow)

    # -- properties -----------------------------------------------------------------------------------

    @property
    def workflow(self) -> Any:
        return self._workflow

    @property
    def fixed_inputs(self) -> dict[str, Any]:
        return dict(self._fixed_inputs)

    @property
    def default_inputs(self) -> dict[str, Any]:
        return dict(self._default_inputs)

    @property
    def parameters(self) -> Any:
        """The launch plan's inputs as a ParameterMap: each with its literal type, description,
        and default (the workflow's own, or the launch plan's default_inputs); fixed inputs are
        not parameters."""
        from .core.interface import transform_inputs_to_parameters

        doc = getattr(self._workflow.python_interface, "docstring", None)
        return transform_inputs_to_parameters(None, Interface(self._interface.inputs_with_defaults,
                                                              self._interface.outputs, docstring=doc))

    @property
    def trigger(self) -> Any:
        """The `flyte.Trigger` that runs this launch plan on its schedule (None without one)."""
        if self._trigger_override is not None:
            return self._trigger_override
        if self.schedule is None:
            return None
        import flyte

        inputs: dict[str, Any] = {**self._default_inputs, **self._fixed_inputs}
        kickoff = getattr(self.schedule, "kickoff_time_input_arg", None)
        if kickoff:
            inputs[kickoff] = flyte.TriggerTime
        return flyte.Trigger(
            name=self.name.replace(".", "_"), automation=self.schedule.to_flyte(), inputs=inputs or None,
            auto_activate=self.auto_activate, overwrite_cache=bool(self.overwrite_cache),
        )

    # -- calling ----------------------------------------------------------------------------------------

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        if args:
            raise AssertionError("Only Keyword Arguments are supported for launch plan executions")
        return super().__call__(**kwargs)

    def _prepare_inputs(self, bound: dict[str, Any]) -> dict[str, Any]:
        return {**bound, **self._fixed_inputs}

    def _bind_for_execution(self, args: tuple, kwargs: dict) -> dict[str, Any]:
        from ._graph import bind_arguments, fill_defaults
        from ._typecheck import convert_inputs

        bound = bind_arguments(self.name, self._interface, args, kwargs)
        bound = fill_defaults(self.name, self._interface, bound, compiling=False,
                              function_name=self._workflow.name.rsplit(".", 1)[-1])
        bound = {**bound, **self._fixed_inputs}
        return convert_inputs(self.name, self._workflow.python_interface.inputs, bound, kind="workflow")

    def _compile_call(self, args: tuple, kwargs: dict, ctx: Any) -> Any:
        from ._graph import add_call_node

        full = Interface({**self._interface.inputs_with_defaults,
                          **{k: (self._workflow.python_interface.inputs[k], inspect.Parameter.empty) for k in self._fixed_inputs}},
                         self._interface.outputs, self._interface.output_tuple)
        return add_call_node(self, full, args, kwargs, ctx, kind="launch_plan", prepare=self._prepare_inputs)

    def _flyte_template(self) -> Any:
        return self._workflow._flyte_template()

    @property
    def _template_async(self) -> bool:
        return self._workflow._template_async

    @property
    def _is_async(self) -> bool:
        return self._workflow._is_async

    def __repr__(self) -> str:
        return f"LaunchPlan(name={self.name!r}, workflow={self._workflow.name!r})"


def _normalised(value: Any) -> Any:
    """Unset and empty settings compare equal (None, {} and [] all mean "not given")."""
    if value is None or value == {} or value == [] or value is False:
        return None
    if isinstance(value, tuple):
        return list(value)
    return value


def reference_launch_plan(project: str, domain: str, name: str, version: str) -> Any:
    from ._reference import reference_entity

    return reference_entity("launch plan", project, domain, name, version)


__all__ = ["LaunchPlan", "List"]
