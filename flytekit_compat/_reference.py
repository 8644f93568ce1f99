"""Reference entities point at tasks registered on a Flyte backend; locally there is none."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any


class ReferenceEntity:
    def __init__(self, kind: str, project: str, domain: str, name: str, version: str, fn: Any = None):
        self.kind, self.project, self.domain, self.name, self.version = kind, project, domain, name, version
        self._fn = fn

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        raise RuntimeError(
            f"Reference {self.kind} {self.project}/{self.domain}/{self.name}@{self.version} points at an entity "
            "registered on a Flyte backend; it cannot run locally. Mock it in tests (flytekit.testing.patch) or "
            "call the real task instead."
        )


def reference_entity(kind: str, project: str, domain: str, name: str, version: str) -> Callable[[Any], ReferenceEntity]:
    def wrapper(fn: Any) -> ReferenceEntity:
        return ReferenceEntity(kind, project, domain, name, version, fn)

    return wrapper


def reference_task(project: str, domain: str, name: str, version: str) -> Callable[[Any], ReferenceEntity]:
    return reference_entity("task", project, domain, name, version)


def reference_workflow(project: str, domain: str, name: str, version: str) -> Callable[[Any], ReferenceEntity]:
    return reference_entity("workflow", project, domain, name, version)
