"""FM202 resources: `requests=`/`limits=`/`resources=`/`accelerator=` become `flyte.Resources`.

Before::

    @task(requests=Resources(cpu="1", mem="1Gi"), limits=Resources(cpu="2", mem="1Gi"),
          accelerator=T4)
    ...
    GPU = Resources(gpu="1")

After::

    env = flyte.TaskEnvironment(name="m", resources=flyte.Resources(cpu=("1", "2"), memory="1Gi", gpu="T4:1"))
    ...
    GPU = flyte.Resources(gpu=1)

A request that differs from its limit becomes a `(request, limit)` tuple (CPU and memory; the
SDK takes a single value for disk and GPU, so a differing disk request is reported). A limit
alone is used as the value, which is what Kubernetes does with a limit and no request.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Optional

import libcst as cst

from .._cst import call, code, kwarg, string, tuple_of
from ._args import bind
from ._base import Rule

if TYPE_CHECKING:
    from .._context import FileContext

CODE = "FM202"
_KEYS = {"cpu": "cpu", "mem": "memory", "gpu": "gpu", "ephemeral_storage": "disk", "storage": "disk"}
_POSITIONAL = ("cpu", "mem", "gpu", "ephemeral_storage")

Todo = tuple[str, str]


def _fields(fx: FileContext, node: Optional[cst.BaseExpression], what: str, todos: list[Todo]) -> Optional[dict[str, cst.BaseExpression]]:
    """flytekit `Resources(...)` (literal or via a module constant) as {flyte key: value}."""
    if node is None:
        return {}
    value = node
    if isinstance(value, cst.Name):
        value = fx.model.resolve_binding(value) or value
    if isinstance(value, cst.Call) and fx.is_sym(value.func, "Resources"):
        args = bind(value, _POSITIONAL)
        if args is not None and all(k in _KEYS for k in args):
            return {_KEYS[k]: v for k, v in args.items() if not (isinstance(v, cst.Name) and v.value == "None")}
    todos.append((CODE, f"{what}={code(node)} could not be read as Resources(...); set flyte.Resources on the environment by hand"))
    return None


def _gpu(fx: FileContext, count: cst.BaseExpression, accelerator: Optional[cst.BaseExpression], todos: list[Todo]) -> cst.BaseExpression:
    from .._analysis._names import ACCELERATORS

    n: Optional[int] = None
    if isinstance(count, cst.Integer):
        n = int(count.value)
    elif isinstance(count, cst.SimpleString) and str(count.evaluated_value).isdigit():
        n = int(str(count.evaluated_value))
    if accelerator is None:
        return cst.Integer(str(n)) if n is not None else count
    sym = fx.sym(accelerator)
    device = ACCELERATORS.get(sym.name) if sym is not None and not sym.rest else None
    if device is None or n is None:
        todos.append(
            (CODE, f"accelerator={code(accelerator)} has no direct Flyte 2 value; use gpu=\"<device>:<count>\" or flyte.GPU(...)")
        )
        return cst.Integer(str(n)) if n is not None else count
    return string(f"{device}:{n}")


def resources_expr(
    fx: FileContext,
    requests: Optional[cst.BaseExpression] = None,
    limits: Optional[cst.BaseExpression] = None,
    resources: Optional[cst.BaseExpression] = None,
    accelerator: Optional[cst.BaseExpression] = None,
    shared_memory: Optional[cst.BaseExpression] = None,
    base_requests: Optional[dict[str, cst.BaseExpression]] = None,
) -> tuple[Optional[cst.BaseExpression], list[Todo]]:
    """One `flyte.Resources(...)` for what a flytekit task declared, plus what needs a human."""
    todos: list[Todo] = []
    if resources is not None:
        fields = _fields(fx, resources, "resources", todos)
        if fields is None:
            return None, todos
        req, lim = {}, {}
        for k, v in fields.items():
            if isinstance(v, cst.Tuple) and len(v.elements) == 2:
                req[k], lim[k] = v.elements[0].value, v.elements[1].value
            else:
                req[k] = v
    else:
        # a single Resources(...) passed as requests only can be used as it is, by name
        if requests is not None and limits is None and accelerator is None and shared_memory is None and isinstance(requests, cst.Name) and not base_requests:
            value = fx.model.resolve_binding(requests)
            if isinstance(value, cst.Call) and fx.is_sym(value.func, "Resources"):
                return requests, todos
        req_f = _fields(fx, requests, "requests", todos)
        lim_f = _fields(fx, limits, "limits", todos)
        if req_f is None or lim_f is None:
            return None, todos
        req, lim = dict(base_requests or {}), dict(lim_f)
        req.update(req_f)
    out: list[cst.Arg] = []
    for key in ("cpu", "memory", "gpu", "disk"):
        r, li = req.get(key), lim.get(key)
        if r is None and li is None:
            continue
        if key == "gpu":
            out.append(kwarg("gpu", _gpu(fx, li if li is not None else r, accelerator, todos)))  # type: ignore[arg-type]
            continue
        if r is not None and li is not None and code(r) != code(li):
            if key == "disk":
                todos.append((CODE, f"disk request {code(r)} differs from limit {code(li)}; flyte.Resources takes one disk value, the limit is used"))
                out.append(kwarg(key, li))
            else:
                out.append(kwarg(key, tuple_of([r, li])))
        else:
            out.append(kwarg(key, li if li is not None else r))  # type: ignore[arg-type]
    if accelerator is not None and "gpu" not in req and "gpu" not in lim:
        # flytekit asks for one device of that kind when no count is given
        out.append(kwarg("gpu", _gpu(fx, cst.Integer("1"), accelerator, todos)))
    if shared_memory is not None:
        if isinstance(shared_memory, cst.Name) and shared_memory.value == "True":
            out.append(kwarg("shm", string("auto")))
        elif isinstance(shared_memory, cst.Name) and shared_memory.value in ("False", "None"):
            pass
        else:
            out.append(kwarg("shm", shared_memory))
    if not out:
        return None, todos
    return call("flyte.Resources", out), todos


class ResourcesRule(Rule):
    __doc__ = __doc__
    code = CODE
    name = "resources"
    summary = "Resources requests/limits/accelerator become one flyte.Resources (tuples where request != limit)"

    def leave_Call(self, fx: FileContext, original_node: cst.Call, updated_node: cst.Call) -> cst.BaseExpression:
        if not fx.is_sym(original_node.func, "Resources") or original_node in fx.scratch.get("keep_calls", ()):
            return updated_node
        expr, todos = resources_expr(fx, requests=original_node)
        for c, m in todos:
            fx.todo(c, m)
        if expr is None or isinstance(expr, cst.Name):
            return updated_node
        fx.change(CODE)
        return expr
