"""FM205 task-options: the remaining `@task(...)` options move to where Flyte 2 keeps them.

Before::

    @task(retries=3, timeout=timedelta(minutes=30), interruptible=True,
          environment={"MODE": "prod"}, enable_deck=True, pod_template_name="gpu-pod")
    def train() -> None: ...

After::

    env = flyte.TaskEnvironment(name="m", env_vars={"MODE": "prod"}, pod_template="gpu-pod")

    @env.task(retries=3, timeout=timedelta(minutes=30), interruptible=True, report=True)
    def train() -> None: ...

| flytekit | Flyte 2 | where |
|---|---|---|
| `retries`, `timeout`, `interruptible` | same names | task |
| `enable_deck=True` | `report=True` | task |
| `environment` | `env_vars` | environment |
| `pod_template` (`flytekit.PodTemplate`) / `pod_template_name` | `pod_template=flyte.PodTemplate(...)` / `"name"` | environment |
| `task_config` (plugin), `docs`, `deprecated`, `labels`, `annotations`, ... | — | reported |
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import libcst as cst

from .._cst import call, code
from ._args import bind, is_false, is_true
from ._base import Rule

if TYPE_CHECKING:
    from .._context import FileContext

CODE = "FM205"
Todo = tuple[str, str]

_SAME_ON_TASK = ("retries", "timeout", "interruptible")
# options that configure the environment, not the task (handled by FM201-FM204 and here)
ENV_OPTIONS = frozenset(
    {
        "container_image", "requests", "limits", "resources", "accelerator", "shared_memory", "secret_requests",
        "environment", "cache", "cache_version", "cache_serialize", "cache_ignore_input_vars", "pod_template",
        "pod_template_name", "task_config",
    }
)
_NO_TARGET = {
    "docs": "docs= takes flyte.Documentation(description=...) in Flyte 2; the flytekit Documentation object was not converted",
    "deprecated": "Flyte 2 has no deprecation marker for tasks; mention it in the docstring",
    "labels": "task labels have no Flyte 2 counterpart (labels are set per run or trigger)",
    "annotations": "task annotations have no Flyte 2 counterpart (annotations are set per run or trigger)",
    "node_dependency_hints": "node_dependency_hints are not needed in Flyte 2: a driver task can call any task at run time",
    "pickle_untyped": "pickle_untyped is the default in Flyte 2 (values of unknown types are pickled)",
    "execution_mode": "execution_mode is flytekit-internal; it was dropped",
    "task_resolver": "a custom task resolver is flytekit-specific; Flyte 2 has its own task_resolver= with a different protocol",
    "deck_fields": "deck_fields has no Flyte 2 counterpart; log what you need with flyte.report",
    "failure_policy": "",  # FM304
    "on_failure": "",  # FM304
    "default_options": "default_options (labels, annotations, raw output prefix) are set per run with flyte.with_runcontext(...) in Flyte 2",
}


def task_kwargs(fx: FileContext, kw: dict[str, cst.BaseExpression], kind: str) -> tuple[list[cst.Arg], list[Todo]]:
    """Keyword arguments for `@env.task(...)` from a flytekit decorator's keywords."""
    out: list[cst.Arg] = []
    todos: list[Todo] = []
    from .._cst import kwarg

    for key, value in kw.items():
        if key in ENV_OPTIONS:
            continue
        if key in _SAME_ON_TASK:
            if key == "interruptible" and is_false(value):
                continue
            if key == "retries" and isinstance(value, cst.Integer) and value.value == "0":
                continue
            if key == "timeout" and isinstance(value, cst.Integer) and value.value == "0":
                continue
            out.append(kwarg(key, value))
        elif key == "enable_deck":
            if is_true(value):
                out.append(kwarg("report", value))
            elif not is_false(value):
                out.append(kwarg("report", value))
        elif key == "disable_deck":
            # decks are opt-in in Flyte 2: disable_deck=False asked for one, True is the default
            if is_false(value) and isinstance(value, cst.Name) and value.value == "False":
                out.append(kwarg("report", cst.Name("True")))
            elif not is_true(value):
                out.append(kwarg("report", cst.UnaryOperation(cst.Not(), value)))
        elif key in _NO_TARGET:
            if _NO_TARGET[key]:
                todos.append((CODE, f"{key}={code(value)}: {_NO_TARGET[key]}"))
        else:
            todos.append((CODE, f"@{kind} option {key}={code(value)} has no Flyte 2 counterpart and was dropped"))
    return out, todos


def pod_template_expr(fx: FileContext, kw: dict[str, cst.BaseExpression], todos: list[Todo]) -> cst.BaseExpression | None:
    if "pod_template" in kw:
        value = kw["pod_template"]
        bound = fx.model.resolve_binding(value) if isinstance(value, cst.Name) else None
        if isinstance(bound, cst.Call) and fx.is_sym(bound.func, "PodTemplate"):
            return value  # a module constant, rewritten where it is defined
        if isinstance(value, cst.Call) and fx.is_sym(value.func, "PodTemplate"):
            return pod_template_call(value)
        todos.append((CODE, f"pod_template={code(value)} could not be read; pass flyte.PodTemplate(pod_spec=...) to the environment"))
        return None
    if "pod_template_name" in kw:
        return kw["pod_template_name"]
    return None


def pod_template_call(node: cst.Call) -> cst.BaseExpression:
    args = bind(node, ("pod_spec", "primary_container_name", "labels", "annotations"))
    from .._cst import kwarg

    if args is None:
        return node.with_changes(func=call("flyte.PodTemplate").func)
    return call("flyte.PodTemplate", [kwarg(k, v) for k, v in args.items()])


class TaskOptionsRule(Rule):
    __doc__ = __doc__
    code = CODE
    name = "task-options"
    summary = "retries/timeout/interruptible/environment/enable_deck/pod_template move to @env.task or the environment"

    def leave_Call(self, fx: FileContext, original_node: cst.Call, updated_node: cst.Call) -> cst.BaseExpression:
        # module-level PodTemplate(...) constants
        if fx.is_sym(original_node.func, "PodTemplate") and original_node not in fx.scratch.get("keep_calls", ()):
            fx.change(CODE)
            return pod_template_call(updated_node)
        return updated_node
