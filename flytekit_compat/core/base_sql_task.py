"""`SQLTask`: a task defined by a query template, run by a SQL engine plugin.

The shim has no SQL engines, so running one fails with a clear error; its typed interface is
real, so workflows that call it compile and type-check, and tests replace it with
`flytekit.testing.task_mock` / `patch`, as flytekit's documentation shows.
"""

from __future__ import annotations

import inspect
import re
import sys
from typing import Any, Optional

from .._interface import Interface
from .._task import PythonFunctionTask
from .._typecheck import single_output_checker


class SQLTask(PythonFunctionTask):
    def __init__(self, name: str, query_template: str, task_config: Any = None, task_type: str = "sql_task",
                 inputs: Optional[dict[str, type]] = None, outputs: Optional[dict[str, type]] = None,
                 metadata: Any = None, **kwargs: Any):
        self.query_template = re.sub(r"\s+", " ", query_template).strip()
        self._defining_module = _caller_module()
        super().__init__(task_config, _query_function(self, name, self._defining_module, inputs or {}),
                         task_type=task_type, metadata=metadata)
        self.name = name
        # Named outputs, not a NamedTuple: one output is one promise, as in flytekit.
        self._interface = Interface(self._interface.inputs_with_defaults, dict(outputs or {}))
        self._single_output = single_output_checker(self._interface)

    def get_query(self, **kwargs: Any) -> str:
        """The query with `{{ .Inputs.x }}` (and `{{ .inputs.x }}`) replaced by input values."""
        def value(m: re.Match) -> str:
            return str(kwargs[m.group(2)])

        return re.sub(r"{{\s*\.([Ii]nputs)\.(\w+)\s*}}", value, self.query_template)

    def _run_sql(self, values: dict[str, Any]) -> Any:
        """Runs the query with these inputs; an engine plugin (SQLite3Task) supplies this."""
        raise NotImplementedError(
            f"SQLTask {self.name!r} needs a SQL engine plugin to run its query, and the flytekit shim has none; "
            "in tests, replace it with flytekit.testing.task_mock or patch"
        )

    def find_lhs(self) -> str:
        """The module-level name this task is assigned to (as flytekit finds it), else its name."""
        module = sys.modules.get(self._defining_module)
        for attr, value in (vars(module).items() if module is not None else ()):
            if value is self:
                return attr
        return self.name


def _caller_module() -> str:
    """The module of the code that built the task (the first frame outside this package)."""
    frame = sys._getframe(1)
    while frame is not None and frame.f_globals.get("__name__", "").startswith("flytekit_compat"):
        frame = frame.f_back  # type: ignore[assignment]
    return frame.f_globals.get("__name__", "__main__") if frame is not None else "__main__"


def _query_function(task: SQLTask, name: str, module: str, inputs: dict[str, type]) -> Any:
    def run_query(**kwargs: Any) -> Any:
        return task._run_sql(kwargs)

    params = [inspect.Parameter(k, inspect.Parameter.KEYWORD_ONLY, annotation=v) for k, v in inputs.items()]
    run_query.__signature__ = inspect.Signature(params, return_annotation=None)  # type: ignore[attr-defined]
    run_query.__annotations__ = {**inputs, "return": None}
    run_query.__name__ = re.sub(r"\W", "_", name)
    run_query.__qualname__ = run_query.__name__
    run_query.__module__ = module
    return run_query


__all__ = ["SQLTask"]
