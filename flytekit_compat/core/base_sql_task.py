"""`SQLTask`: a task defined by a query template, run by a SQL engine plugin.

The shim has no SQL engines, so running one fails with a clear error; its typed interface is
real, so workflows that call it compile and type-check, and tests replace it with
`flytekit.testing.task_mock` / `patch`, as flytekit's documentation shows.
"""

from __future__ import annotations

import inspect
import re
import sys
import typing
from typing import Any, Optional

from .._task import PythonFunctionTask


class SQLTask(PythonFunctionTask):
    def __init__(self, name: str, query_template: str, task_config: Any = None, task_type: str = "sql_task",
                 inputs: Optional[dict[str, type]] = None, outputs: Optional[dict[str, type]] = None,
                 metadata: Any = None, **kwargs: Any):
        self.query_template = re.sub(r"\s+", " ", query_template).strip()
        module = sys._getframe(1).f_globals.get("__name__", "__main__")
        super().__init__(task_config, _query_function(name, module, inputs or {}, outputs or {}), task_type=task_type,
                         metadata=metadata)
        self.name = name

    def get_query(self, **kwargs: Any) -> str:
        """The query with `{{ .Inputs.x }}` (and `{{ .inputs.x }}`) replaced by input values."""
        def value(m: re.Match) -> str:
            return str(kwargs[m.group(2)])

        return re.sub(r"{{\s*\.([Ii]nputs)\.(\w+)\s*}}", value, self.query_template)


def _query_function(name: str, module: str, inputs: dict[str, type], outputs: dict[str, type]) -> Any:
    def run_query(**kwargs: Any) -> Any:
        raise NotImplementedError(
            f"SQLTask {name!r} needs a SQL engine plugin to run its query, and the flytekit shim has none; "
            "in tests, replace it with flytekit.testing.task_mock or patch"
        )

    params = [inspect.Parameter(k, inspect.Parameter.KEYWORD_ONLY, annotation=v) for k, v in inputs.items()]
    ret: Any = None
    if outputs:
        ret = typing.NamedTuple("Output", list(outputs.items()))  # type: ignore[misc]
    run_query.__signature__ = inspect.Signature(params, return_annotation=ret)  # type: ignore[attr-defined]
    run_query.__annotations__ = {**inputs, "return": ret}
    run_query.__name__ = re.sub(r"\W", "_", name)
    run_query.__qualname__ = run_query.__name__
    run_query.__module__ = module
    return run_query


__all__ = ["SQLTask"]
