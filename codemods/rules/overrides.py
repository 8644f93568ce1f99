"""FM206 overrides: `task(...).with_overrides(...)` becomes `task.override(...)(...)`.

Before::

    @task(requests=Resources(cpu="1", mem="200Mi"), limits=Resources(cpu="2", mem="350Mi"))
    def count(x: list[int]) -> int: ...

    @workflow
    def wf(x: list[int]) -> int:
        return count(x=x).with_overrides(limits=Resources(cpu="6", mem="500Mi"), retries=2)

After::

    @env.task
    async def wf(x: list[int]) -> int:
        return await count.override(
            resources=flyte.Resources(cpu=("1", "6"), memory=("200Mi", "500Mi")), retries=2
        ).aio(x=x)

`override(resources=...)` replaces the task's resources as a whole, so the requests the
task declared are kept where the override only changes limits (and the other way round).
`name=`/`node_name=` set the action's `short_name`. Options with no `override` counterpart
(container_image, accelerator, task_config, ...) are reported.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Optional

import libcst as cst

from .._cst import Note, code, kwarg, normalize_commas, with_notes
from .._walk import visit
from ._args import bind, notes
from ._base import Rule
from ._driver import register_await

if TYPE_CHECKING:
    from .._context import FileContext

CODE = "FM206"
_SAME = ("retries", "timeout", "interruptible")
# the with_overrides(...) keywords each task.override(...) keyword is made from (for comments)
_SOURCES = {
    "resources": ("requests", "limits", "resources"),
    "cache": ("cache", "cache_version", "cache_serialize"),
    "short_name": ("name", "node_name"),
}


def _declared(fx: FileContext, callee_name: str, key: str) -> Optional[cst.BaseExpression]:
    ent = fx.model.entities.get(callee_name)
    if ent is None or key not in ent.kwargs:
        return None
    return ent.kwargs[key].value


def _base_fields(fx: FileContext, node: Optional[cst.BaseExpression]) -> dict[str, cst.BaseExpression]:
    from .resources import _fields

    out = _fields(fx, node, "requests", []) if node is not None else {}
    return out or {}


class OverridesRule(Rule):
    __doc__ = __doc__
    code = CODE
    name = "overrides"
    summary = "node.with_overrides(...) becomes task.override(...)(...), keeping the task's own requests/limits"

    def visit_Call(self, fx: FileContext, node: cst.Call) -> None:
        func = node.func
        if isinstance(func, cst.Attribute) and func.attr.value == "with_overrides":
            keep = fx.scratch.setdefault("keep_calls", set())
            keep.update(a.value for a in node.args)

    def leave_Call(self, fx: FileContext, original_node: cst.Call, updated_node: cst.Call) -> cst.BaseExpression:
        func = updated_node.func
        if not (isinstance(func, cst.Attribute) and func.attr.value == "with_overrides"):
            return updated_node
        inner = func.value
        mapped = _mapped_call(fx, original_node, inner)
        if mapped is not None:
            # map_task(f)(...).with_overrides(...): every mapped action runs the overridden task
            task = mapped.args[0].value
            partial = task if isinstance(task, cst.Call) and code(task.func) in ("functools.partial", "partial") and task.args else None
            if partial is not None:
                task = partial.args[0].value  # the partial's task is overridden: a partial has no .override
            out = self._override_args(fx, updated_node, task.value if isinstance(task, cst.Name) else "")
            if out is None:
                return updated_node
            fx.change(CODE)
            overridden: cst.BaseExpression = self._override_call(fx, task, out, updated_node)
            if partial is not None:
                overridden = partial.with_changes(args=[partial.args[0].with_changes(value=overridden), *partial.args[1:]])
            new_map = mapped.with_changes(args=[mapped.args[0].with_changes(value=overridden), *mapped.args[1:]])
            return inner.deep_replace(mapped, new_map)  # type: ignore[return-value]
        if not (isinstance(inner, cst.Await) and inner in fx.entity_awaits and isinstance(inner.expression, cst.Call)):
            fx.todo(CODE, "with_overrides(...) on something other than a task call; use task.override(...)(...)")
            return updated_node
        call = inner.expression
        target = call.func
        aio = isinstance(target, cst.Attribute) and target.attr.value == "aio"
        task = target.value if aio else target  # type: ignore[attr-defined]
        out = self._override_args(fx, updated_node, task.value if isinstance(task, cst.Name) else "")
        if out is None:
            return updated_node
        fx.change(CODE)
        overridden = self._override_call(fx, task, out, updated_node)
        new_func = cst.Attribute(value=overridden, attr=cst.Name("aio")) if aio else overridden
        return register_await(fx, cst.Await(expression=call.with_changes(func=new_func)), fx.entity_awaits.get(inner, ()))

    def _override_call(self, fx: FileContext, task: cst.BaseExpression, out: list[cst.Arg], original: cst.Call) -> cst.Call:
        """`task.override(...)`, each argument keeping the comments of the one it came from."""
        found = notes(original, ())
        placed = [Note() for _ in out]
        for i, arg in enumerate(out):
            key = arg.keyword.value if arg.keyword is not None else ""
            for source in _SOURCES.get(key, (key,)):
                if source in found:
                    placed[i] = placed[i] + found[source]
        over = cst.Call(func=cst.Attribute(value=task, attr=cst.Name("override")), args=normalize_commas(out))
        footer = found[""].leading if "" in found else ()
        return with_notes(over, placed, footer, budget=fx.line_length, level=1)

    def _override_args(self, fx: FileContext, updated_node: cst.Call, task_name: str) -> Optional[list[cst.Arg]]:
        """The `task.override(...)` arguments for a `with_overrides(...)` call (None: TODO left)."""
        args = bind(updated_node, ())
        if args is None:
            fx.todo(CODE, f"{code(updated_node)[:60]}...: write task.override(...) by hand")
            return None
        out: list[cst.Arg] = []
        if any(k in args for k in ("requests", "limits", "resources")):
            from .resources import resources_expr

            base_req = _base_fields(fx, _declared(fx, task_name, "requests")) if "requests" not in args else {}
            limits = args.get("limits")
            if limits is None and "requests" in args and "resources" not in args:
                limits = _declared(fx, task_name, "limits")
            expr, todos = resources_expr(fx, args.get("requests"), limits, args.get("resources"), base_requests=base_req or None)
            for c, m in todos:
                fx.todo(CODE if c == "FM202" else c, m)
            if expr is not None:
                out.append(kwarg("resources", expr))
        for key in _SAME:
            if key in args:
                out.append(kwarg(key, args[key]))
        if "cache" in args or "cache_version" in args:
            from .cache import cache_expr

            expr, todos = cache_expr(fx, {k: v for k, v in args.items() if k.startswith("cache")})
            for c, m in todos:
                fx.todo(c, m)
            out.append(kwarg("cache", expr if expr is not None else cst.SimpleString('"disable"')))
        for key in ("name", "node_name"):
            if key in args:
                out.append(kwarg("short_name", args[key]))
                break
        for key in sorted(set(args) - {"requests", "limits", "resources", "cache", "cache_version", "cache_serialize", "name", "node_name", *_SAME}):
            fx.todo(CODE, f"with_overrides({key}=...) has no task.override counterpart and was dropped")
        return out


def _mapped_call(fx: FileContext, original: cst.Call, inner: cst.BaseExpression) -> Optional[cst.Call]:
    """The `flyte.map.aio(f, ...)` call FM302 wrote for `map_task(f)(...)`, when `with_overrides`
    was called on such a map."""
    receiver = original.func.value  # type: ignore[attr-defined]
    if not (isinstance(receiver, cst.Call) and isinstance(receiver.func, cst.Call) and fx.is_sym(receiver.func.func, "map_task")):
        return None
    found: list[cst.Call] = []

    class _Find(cst.CSTVisitor):
        def visit_Call(self, node: cst.Call) -> None:
            if code(node.func) == "flyte.map.aio" and node.args and node.args[0].keyword is None:
                found.append(node)

    visit(inner, _Find())
    return found[0] if len(found) == 1 else None
