"""`PythonTask`: a task written as a class whose `execute(**inputs)` does the work.

Plugins and custom task types subclass it with an explicit `Interface`; the task runs as one
flyte action like any other, with flytekit's input and output checks.
"""

from __future__ import annotations

import re
from typing import Any, Optional

from . import _bridge
from ._context import enter_task, leave_task
from ._entity import Entity
from ._interface import Interface
from ._task import PythonFunctionTask, TaskMetadata


class PythonTask(Entity):
    _kind = "task"

    def __init__(self, task_type: str, name: str, task_config: Any = None, interface: Optional[Interface] = None,
                 environment: Optional[dict[str, str]] = None, disable_deck: Optional[bool] = None,
                 enable_deck: Optional[bool] = None, deck_fields: Any = (), metadata: Optional[TaskMetadata] = None,
                 **kwargs: Any):
        self.task_type = task_type
        self.name = name
        self.task_config = task_config
        self._interface = interface if interface is not None else Interface()
        self.metadata = metadata or TaskMetadata()
        self.environment = dict(environment or {})
        self.enable_deck = bool(enable_deck)
        self.disable_deck = disable_deck
        self.deck_fields = deck_fields
        self._module = type(self).__module__
        self._single_output = None
        self._template: Any = None
        self._input_types: Optional[dict[str, Any]] = None

    def execute(self, **kwargs: Any) -> Any:
        raise NotImplementedError(f"{type(self).__name__} must implement execute(**kwargs)")

    _crossing_inputs: Optional[dict[str, Any]] = None
    _crossing_outputs: Optional[dict[str, Any]] = None

    def _run(self, **kwargs: Any) -> Any:
        kwargs = PythonFunctionTask._receive(self, kwargs)  # type: ignore[arg-type]
        token = enter_task(self)
        try:
            result = self.execute(**kwargs)
        except Exception as e:
            raise _bridge.mark_user_error(e, self.name) from None
        finally:
            leave_task(self, token)
        return PythonFunctionTask._finish(self, result)  # type: ignore[arg-type]

    def _flyte_template(self) -> Any:
        if self._template is None:
            env = _bridge.env_for_module(self._module)
            fn_name = re.sub(r"\W", "_", self.name)
            body = _bridge.make_body(self._run, fn_name, tuple(self._interface.inputs), False, self._module, fn_name)
            timeout = self.metadata.timeout
            self._template = env.task(body, short_name=fn_name, retries=self.metadata.retries or 0, timeout=timeout or 0)
            if self.environment:
                self._template = self._template.override(env_vars={str(k): str(v) for k, v in self.environment.items()})
        return self._template


__all__ = ["PythonTask"]
