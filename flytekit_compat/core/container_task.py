"""`ContainerTask`: a task that runs a container image's command (needs a container engine)."""

from __future__ import annotations

import shutil
from typing import Any, Optional


class ContainerTask:
    def __init__(self, name: str, image: Any, command: list[str], inputs: Optional[dict[str, type]] = None,
                 outputs: Optional[dict[str, type]] = None, arguments: Optional[list[str]] = None, **kwargs: Any):
        from .._task import _check_resources

        # flytekit validates resources at definition, as for @task
        self.resources = _check_resources(kwargs.pop("requests", None), kwargs.pop("limits", None),
                                          kwargs.pop("resources", None))
        self.name, self.image, self.command = name, image, command
        self.inputs, self.outputs, self.arguments = dict(inputs or {}), dict(outputs or {}), list(arguments or [])
        self.options = kwargs

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        if shutil.which("docker") is None:
            raise RuntimeError(f"ContainerTask {self.name!r} runs a container image and needs docker, which is not installed")
        raise RuntimeError(
            f"ContainerTask {self.name!r} needs a running container engine; none is reachable from this runtime"
        )
