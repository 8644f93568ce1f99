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
        raise RuntimeError(
            f"Reference {self.kind} {self.project}/{self.domain}/{self.name}@{self.version} points at an entity "
            "registered on a Flyte backend and cannot run locally. You must mock this out in tests "
            "(flytekit.testing.patch / task_mock), or call the real entity instead."
        )

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


def _outputs_annotation(outputs: dict[str, type]) -> Any:
    if not outputs:
        return None
    if len(outputs) == 1:
        return next(iter(outputs.values()))
    import typing

    return typing.NamedTuple("Outputs", list(outputs.items()))  # type: ignore[misc]


def reference_entity(kind: str, project: str, domain: str, name: str, version: str) -> Callable[[Any], ReferenceEntity]:
    def wrapper(fn: Any) -> ReferenceEntity:
        return ReferenceEntity(kind, project, domain, name, version, fn)

    return wrapper


def reference_task(project: str, domain: str, name: str, version: str) -> Callable[[Any], ReferenceEntity]:
    return reference_entity("task", project, domain, name, version)


def reference_workflow(project: str, domain: str, name: str, version: str) -> Callable[[Any], ReferenceEntity]:
    return reference_entity("workflow", project, domain, name, version)
