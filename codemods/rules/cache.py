"""FM203 cache: `cache=`/`cache_version=`/`cache_serialize=`/`cache_ignore_input_vars=` become `flyte.Cache`.

Before::

    @task(cache=True, cache_version="1.0", cache_serialize=True, cache_ignore_input_vars=("debug",))
    def train(x: int, debug: bool) -> int: ...

After::

    env = flyte.TaskEnvironment(
        name="m",
        cache=flyte.Cache(behavior="auto", version_override="1.0", serialize=True, ignored_inputs=("debug",)),
    )

An explicit version keeps Flyte 1's meaning (the cache is invalidated only when the version
changes), which in flyte 2.12.1 is `behavior="auto"` with `version_override`. (`"override"` is
not it: that behaviour always runs the task and only writes the cache.) `cache=True` without a
version becomes `"auto"` (the version is a hash of the function body). A flytekit
`Cache(version=..., serialize=..., ignored_inputs=..., salt=...)` maps field by field; custom
`policies` are reported.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Optional

import libcst as cst

from .._cst import call, code, kwarg, string, tuple_of
from ._args import bind, elements, is_false, is_true
from ._base import Rule

if TYPE_CHECKING:
    from .._context import FileContext

CODE = "FM203"
Todo = tuple[str, str]


def _ignored(value: cst.BaseExpression) -> cst.BaseExpression:
    items = elements(value)
    if items is not None:
        return tuple_of(items)
    if isinstance(value, cst.SimpleString):
        return tuple_of([value])
    return cst.Call(func=cst.Name("tuple"), args=[cst.Arg(value)])


def cache_expr(fx: FileContext, kw: dict[str, cst.BaseExpression]) -> tuple[Optional[cst.BaseExpression], list[Todo]]:
    """The Flyte 2 `cache=` value for a task's cache keyword arguments (None: no caching)."""
    todos: list[Todo] = []
    cache = kw.get("cache")
    version = kw.get("cache_version")
    serialize = kw.get("cache_serialize")
    ignored = kw.get("cache_ignore_input_vars")
    if cache is None or is_false(cache):
        if version is not None or serialize is not None or ignored is not None:
            todos.append((CODE, "cache_version/cache_serialize/cache_ignore_input_vars without cache=True had no effect in Flyte 1 and were dropped"))
        return None, todos
    fields: list[cst.Arg] = []
    bound = fx.model.resolve_binding(cache)
    if isinstance(bound, cst.Call) and fx.is_sym(bound.func, "Cache") and version is None:
        return cache, todos  # a module constant, rewritten where it is defined
    if isinstance(cache, cst.Call) and fx.is_sym(cache.func, "Cache"):
        args = bind(cache, ("version", "serialize", "ignored_inputs", "salt", "policies"))
        if args is None:
            todos.append((CODE, f"cache={code(cache)} could not be read; write flyte.Cache(...) by hand"))
            return None, todos
        version = args.get("version")
        serialize = args.get("serialize")
        ignored = args.get("ignored_inputs")
        if args.get("salt") is not None:
            fields.append(kwarg("salt", args["salt"]))
        if args.get("policies") is not None:
            todos.append((CODE, f"cache policies {code(args['policies'])} are flytekit classes; implement flyte.CachePolicy (get_version) instead"))
    elif not is_true(cache):
        todos.append((CODE, f"cache={code(cache)} is not a literal; write the flyte.Cache(...) it should become"))
        return None, todos
    head: list[cst.Arg] = []
    if version is not None and not is_false(version):
        head = [kwarg("behavior", string("auto")), kwarg("version_override", version)]
    else:
        head = [kwarg("behavior", string("auto"))]
    if serialize is not None and not is_false(serialize):
        fields.insert(0, kwarg("serialize", serialize))
    if ignored is not None:
        fields.insert(1 if serialize is not None and not is_false(serialize) else 0, kwarg("ignored_inputs", _ignored(ignored)))
    if not fields and len(head) == 1:
        return string("auto"), todos
    return call("flyte.Cache", [*head, *fields]), todos


class CacheRule(Rule):
    __doc__ = __doc__
    code = CODE
    name = "cache"
    summary = "cache/cache_version/cache_serialize/cache_ignore_input_vars and flytekit.Cache become flyte.Cache"

    def leave_Call(self, fx: FileContext, original_node: cst.Call, updated_node: cst.Call) -> cst.BaseExpression:
        # a free-standing flytekit Cache(...) (e.g. a module constant passed to several tasks)
        if not fx.is_sym(original_node.func, "Cache") or original_node in fx.scratch.get("keep_calls", ()):
            return updated_node
        expr, todos = cache_expr(fx, {"cache": original_node})
        for c, m in todos:
            fx.todo(c, m)
        if expr is None:
            return updated_node
        fx.change(CODE)
        return expr
