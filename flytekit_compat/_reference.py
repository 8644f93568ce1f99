"""Reference entities point at tasks, workflows or launch plans registered on a Flyte backend.

Locally there is no backend: a reference has the typed interface of its stub function, so a
workflow that calls it compiles (and its calls are type-checked), but running it fails with a
clear error unless a test mocks it.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable
from typing import Any, Optional

from ._entity import Entity
from ._interface import Interface, extract, output_type_names

_KINDS = {"task": 1, "workflow": 2, "launch plan": 3}


class ReferenceEntity(Entity):
    def __init__(self, kind: str, project: str, domain: str, name: str, version: str, fn: Any = None,
                 inputs: Optional[dict[str, type]] = None, outputs: Optional[dict[str, type]] = None):
        from .models.core.identifier import Identifier

        self.kind, self.project, self.domain, self.name, self.version = kind, project, domain, name, version
        self._fn = fn
        self.id = Identifier(_KINDS.get(kind, 0), project, domain, name, version)
        self._kind = "workflow" if kind != "task" else "task"
        if fn is not None:
            self._interface = extract(fn, check_return=False)
            self.__doc__ = fn.__doc__
        else:
            outs, nt = output_type_names(_outputs_annotation(outputs or {}))
            self._interface = Interface({k: (v, inspect.Parameter.empty) for k, v in (inputs or {}).items()},
                                        outs if outputs else {}, nt)
        self._template: Any = None

    def _refuse(self, **kwargs: Any) -> Any:
        # flytekit's own sentence first (code matches on it), then which entity it was
        raise NotImplementedError(
            "Remote reference entities cannot be run locally. You must mock this out. "
            f"(reference {self.kind} {self.project}/{self.domain}/{self.name}@{self.version} is registered on a Flyte "
            "backend; in tests use flytekit.testing.patch or task_mock)"
        )

    @property
    def reference(self) -> Any:
        return self.id

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        from ._graph import current_compile

        if current_compile.get() is None:
            self._refuse()
        return super().__call__(*args, **kwargs)

    def _flyte_template(self) -> Any:
        if self._template is None:
            from . import _bridge

            env = _bridge.env_for_module("flytekit-references")
            fn_name = "ref_" + "".join(c if c.isalnum() else "_" for c in self.name)
            body = _bridge.make_body(self._refuse, fn_name, tuple(self._interface.inputs), False, __name__, fn_name)
            self._template = env.task(body, short_name=fn_name)
        return self._template


class ReferenceTask(ReferenceEntity):
    """A task registered on a Flyte backend, by project, domain, name and version."""

    def __init__(self, project: str, domain: str, name: str, version: str, inputs: dict[str, type],
                 outputs: dict[str, type]):
        super().__init__("task", project, domain, name, version, inputs=inputs, outputs=outputs)


class ReferenceWorkflow(ReferenceEntity):
    def __init__(self, project: str, domain: str, name: str, version: str, inputs: dict[str, type],
                 outputs: dict[str, type]):
        super().__init__("workflow", project, domain, name, version, inputs=inputs, outputs=outputs)


class ReferenceLaunchPlan(ReferenceEntity):
    def __init__(self, project: str, domain: str, name: str, version: str, inputs: dict[str, type],
                 outputs: dict[str, type]):
        super().__init__("launch plan", project, domain, name, version, inputs=inputs, outputs=outputs)


_CLASSES = {"task": ReferenceTask, "workflow": ReferenceWorkflow, "launch plan": ReferenceLaunchPlan}


def _outputs_annotation(outputs: dict[str, type]) -> Any:
    if not outputs:
        return None
    if len(outputs) == 1:
        return next(iter(outputs.values()))
    import typing

    return typing.NamedTuple("Outputs", list(outputs.items()))  # type: ignore[misc]


def reference_entity(kind: str, project: str, domain: str, name: str, version: str) -> Callable[[Any], ReferenceEntity]:
    def wrapper(fn: Any) -> ReferenceEntity:
        entity = ReferenceEntity.__new__(_CLASSES.get(kind, ReferenceEntity))
        ReferenceEntity.__init__(entity, kind, project, domain, name, version, fn)
        return entity

    return wrapper


def reference_task(project: str, domain: str, name: str, version: str) -> Callable[[Any], ReferenceEntity]:
    return reference_entity("task", project, domain, name, version)


def reference_workflow(project: str, domain: str, name: str, version: str) -> Callable[[Any], ReferenceEntity]:
    return reference_entity("workflow", project, domain, name, version)
