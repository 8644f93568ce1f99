"""FM302 map-task: `map_task(f, concurrency=N)(x=xs)` becomes `flyte.map.aio` inside the driver.

Before::

    @workflow
    def wf(xs: list[int], ys: list[int]) -> list[int]:
        a = map_task(square, concurrency=4)(x=xs)
        b = map_task(functools.partial(scale, factor=2))(x=xs)
        c = map_task(flaky, min_success_ratio=0.75)(x=ys)
        return combine(a=a, b=b, c=c)

After::

    @env.task
    async def wf(xs: list[int], ys: list[int]) -> list[int]:
        a = [r async for r in flyte.map.aio(square, xs, concurrency=4, return_exceptions=False)]
        b = [r async for r in flyte.map.aio(functools.partial(scale, factor=2), xs, return_exceptions=False)]
        c_results = [r async for r in flyte.map.aio(flaky, ys, return_exceptions=True)]
        c_failed = [r for r in c_results if isinstance(r, Exception)]
        if len(c_results) - len(c_failed) < math.ceil(0.75 * len(c_results)):
            raise c_failed[0]
        c = [None if isinstance(r, Exception) else r for r in c_results]
        return await combine.aio(a=a, b=b, c=c)

`flyte.map` returns exceptions by default; Flyte 1's `map_task` failed on the first failure, so
`return_exceptions=False` keeps that. `min_success_ratio`/`min_successes` keep failures as
`None` and fail only when too few items succeeded, computed the way flytekit does
(`ceil(ratio * n)` successes). `flyte.map` passes each item positionally (several lists are
zipped), so when the mapped inputs are not the task's leading parameters - or a
`functools.partial` binds a parameter before them - the map is written as an `asyncio.gather`
over keyword calls instead. `metadata=TaskMetadata(retries=..., timeout=...)` becomes
`task.override(...)`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Optional

import libcst as cst

from .._cst import Note, call, code, fresh_name, kwarg, normalize_commas, with_notes
from ._args import bind, notes
from ._base import Rule
from ._driver import register_await

if TYPE_CHECKING:
    from .._context import Callee, FileContext

CODE = "FM302"


def _param_names(callee: Callee) -> Optional[list[str]]:
    if callee.entity is not None:
        return [p.name for p in callee.entity.params]
    if callee.indexed is not None:
        return [p.name for p in callee.indexed.params]
    return None


def _partial_parts(fx: FileContext, node: cst.BaseExpression) -> Optional[tuple[cst.BaseExpression, list[str]]]:
    """(target, names bound by keyword) for `functools.partial(target, k=v, ...)`."""
    if isinstance(node, cst.Call) and code(node.func) in ("functools.partial", "partial") and node.args and node.args[0].keyword is None:
        if any(a.keyword is None for a in node.args[1:]):
            return None
        return node.args[0].value, [a.keyword.value for a in node.args[1:] if a.keyword is not None]
    return None


def plan_mapped(fx: FileContext, mapped: cst.BaseExpression, keys: list[str]) -> tuple[str, Optional[Callee], list[str]]:
    """How to map: ("map", callee, param order) when flyte.map can pass the items positionally,
    ("gather", callee, keys) otherwise, ("unknown", None, []) when the target is not a task."""
    frame = fx.frame
    partial = _partial_parts(fx, mapped)
    if partial is None and isinstance(mapped, cst.Name) and frame is not None and mapped.value in frame.facts.partials:
        partial = _partial_parts(fx, frame.facts.partials[mapped.value])
    target = partial[0] if partial is not None else mapped
    bound = partial[1] if partial is not None else []
    callee = fx.callee(target)
    if callee is None:
        return "unknown", None, []
    params = _param_names(callee)
    if params is None:
        return ("map", callee, keys) if len(keys) == 1 and not bound else ("gather", callee, keys)
    free = [p for p in params if p not in bound]
    leading = free[: len(keys)]
    if sorted(leading) != sorted(keys):
        return "gather", callee, keys
    if partial is not None:
        # flyte.map hands the item to the partial positionally: it must be the one free
        # parameter and the first one, or it would collide with a bound keyword
        if len(free) != 1 or not params or free[0] != params[0]:
            return "gather", callee, keys
    return "map", callee, leading


class MapTaskRule(Rule):
    __doc__ = __doc__
    code = CODE
    name = "map-task"
    summary = "map_task(f, concurrency=N)(x=xs) becomes flyte.map.aio(..., return_exceptions=False); min_success_ratio kept in code"

    def visit_Call(self, fx: FileContext, node: cst.Call) -> None:
        if fx.is_sym(node.func, "map_task"):
            fx.scratch.setdefault("keep_calls", set()).update(a.value for a in node.args)

    def visit_Assign(self, fx: FileContext, node: cst.Assign) -> None:
        if len(node.targets) == 1 and isinstance(node.targets[0].target, cst.Name):
            fx.scratch.setdefault("map_targets", {})[node.value] = node.targets[0].target.value

    def _map_call(self, fx: FileContext, func: cst.BaseExpression) -> Optional[cst.Call]:
        """The `map_task(...)` call behind the function part of `map_task(...)(...)` or `m(...)`."""
        if isinstance(func, cst.Call) and fx.is_sym(func.func, "map_task"):
            return func
        if isinstance(func, cst.Name):
            bound = fx.model.resolve_binding(func)
            if isinstance(bound, cst.Call) and fx.is_sym(bound.func, "map_task"):
                fx.scratch.setdefault("maybe_dead", set()).add(("", func.value))
                return bound
        return None

    def leave_Call(self, fx: FileContext, original_node: cst.Call, updated_node: cst.Call) -> cst.BaseExpression:
        spec = self._map_call(fx, original_node.func)
        if spec is None:
            return updated_node
        frame = fx.frame
        if frame is None or frame.kind not in ("workflow", "dynamic", "eager"):
            if frame is None or frame.entity is not None or not frame.is_async_after:
                # (an async function that is no flytekit entity is a driver migrated before: its TODO is there)
                fx.todo(CODE, "map_task(...) called outside a workflow: use flyte.map(task, items) inside a task, or flyte.run a driver task")
            return updated_node
        options = bind(spec, ("target", "concurrency", "min_successes", "min_success_ratio"))
        inputs = bind(updated_node, ())
        if inputs is None and options is not None and "target" in options:
            # map_task(t)(xs): the lists bind to the task's parameters in order
            target_callee = fx.callee(options["target"])
            params = _param_names(target_callee) if target_callee is not None else None
            if params is not None:
                inputs = bind(updated_node, params)
        if options is None or inputs is None or "target" not in options:
            fx.todo(CODE, "this map_task(...) could not be read; use flyte.map.aio(task, items, return_exceptions=False)")
            return updated_node
        mapped = options["target"]
        extra = set(options) - {"target", "concurrency", "min_successes", "min_success_ratio", "metadata", "run_all_sub_nodes"}
        for key in sorted(extra):
            fx.todo(CODE, f"map_task option {key}={code(options[key])} has no flyte.map counterpart and was dropped")
        if "run_all_sub_nodes" in options:
            fx.todo(CODE, "run_all_sub_nodes has no flyte.map counterpart: flyte.map always runs every item")
        how, callee, order = plan_mapped(fx, mapped, list(inputs))
        if how == "unknown":
            fx.todo(CODE, f"map_task over {code(mapped)}: not a task we can see; use flyte.map.aio(task, items)")
            return updated_node
        if "metadata" in options:
            mapped = self._with_metadata(fx, mapped, options["metadata"])
        ratio = options.get("min_success_ratio")
        minimum = options.get("min_successes")
        tolerant = minimum is not None or (ratio is not None and not (isinstance(ratio, (cst.Float, cst.Integer)) and float(ratio.value) == 1.0))
        fx.change(CODE)
        if how == "map":
            args = [cst.Arg(mapped), *[cst.Arg(inputs[k]) for k in order]]
            if "concurrency" in options:
                args.append(kwarg("concurrency", options["concurrency"]))
            args.append(kwarg("return_exceptions", cst.Name("True" if tolerant else "False")))
            fx.need("flyte")
            item = fresh_name("r", set(fx.frame.taken if fx.frame else ()) | set(_names_in(args)))
            mapper = self._with_comments(fx, call("flyte.map.aio", args), spec, updated_node, order, inputs)
            results: cst.BaseExpression = cst.ListComp(
                elt=cst.Name(item),
                for_in=cst.CompFor(target=cst.Name(item), iter=mapper, asynchronous=cst.Asynchronous()),
            )
        else:
            results = self._gather(fx, mapped, callee, inputs, tolerant)
            if "concurrency" in options:
                fx.todo(CODE, f"concurrency={code(options['concurrency'])} is not applied to this asyncio.gather; limit it with an asyncio.Semaphore if it matters")
        if not tolerant:
            return results
        return self._tolerate(fx, original_node, results, minimum, ratio)

    def _with_comments(self, fx: FileContext, mapper: cst.Call, spec: cst.Call, inputs_call: cst.Call, order: list[str], inputs) -> cst.Call:
        """`flyte.map.aio(...)` with the comments of `map_task(...)(...)`'s arguments next to the
        arguments they became (the task, the lists, `concurrency`)."""
        options = notes(spec, ("target", "concurrency", "min_successes", "min_success_ratio"))
        found = notes(inputs_call, list(inputs))
        if not options and not found:
            return mapper
        placed = [options.get("target", Note()), *[found.get(k, Note()) for k in order]]
        for a in mapper.args[len(placed):]:
            key = a.keyword.value if a.keyword is not None else ""
            placed.append(options.get(key, Note()) if key != "return_exceptions" else Note())
        rest = [n for k, n in options.items() if k not in ("target", "concurrency")] + [n for k, n in found.items() if k not in order]
        footer = tuple(line for n in rest for line in (*n.leading, *n.trailing))
        return with_notes(mapper, placed, footer, budget=fx.line_length, level=1)

    def _with_metadata(self, fx: FileContext, mapped: cst.BaseExpression, metadata: cst.BaseExpression) -> cst.BaseExpression:
        if isinstance(metadata, cst.Call) and fx.is_sym(metadata.func, "TaskMetadata") and isinstance(mapped, cst.Name):
            meta = bind(metadata, ())
            if meta is not None:
                keep = [kwarg(k, v) for k, v in meta.items() if k in ("retries", "timeout", "interruptible")]
                for k in sorted(set(meta) - {"retries", "timeout", "interruptible"}):
                    fx.todo(CODE, f"TaskMetadata({k}=...) on a map has no task.override counterpart and was dropped")
                if keep:
                    return cst.Call(func=cst.Attribute(value=mapped, attr=cst.Name("override")), args=normalize_commas(keep))
                return mapped
        fx.todo(CODE, f"metadata={code(metadata)} could not be applied; use task.override(retries=..., timeout=...)")
        return mapped

    def _gather(self, fx: FileContext, mapped: cst.BaseExpression, callee: Optional[Callee], inputs, tolerant: bool) -> cst.BaseExpression:
        partial = _partial_parts(fx, mapped)
        frame = fx.frame
        if partial is None and isinstance(mapped, cst.Name) and frame is not None and mapped.value in frame.facts.partials:
            partial = _partial_parts(fx, frame.facts.partials[mapped.value])
            bound_args = [a for a in frame.facts.partials[mapped.value].args[1:]]
        elif partial is not None:
            bound_args = list(mapped.args[1:])  # type: ignore[attr-defined]
        else:
            bound_args = []
        target = partial[0] if partial is not None else mapped
        assert callee is not None
        func = target if callee.is_async else cst.Attribute(value=target, attr=cst.Name("aio"))
        taken = set(fx.frame.taken if fx.frame else ())
        names = [fresh_name(k, taken) for k in inputs]
        call_args = [*[kwarg(k, cst.Name(n)) for k, n in zip(inputs, names, strict=False)], *bound_args]
        element = cst.Call(func=func, args=normalize_commas(call_args))
        if len(names) == 1:
            target_expr: cst.BaseAssignTargetExpression = cst.Name(names[0])
            iterable: cst.BaseExpression = next(iter(inputs.values()))
        else:
            from .._cst import tuple_of

            target_expr = tuple_of([cst.Name(n) for n in names], parens=False)
            iterable = call("zip", [cst.Arg(v) for v in inputs.values()])
        gen = cst.GeneratorExp(elt=element, for_in=cst.CompFor(target=target_expr, iter=iterable))
        args = [cst.Arg(gen, star="*")]
        if tolerant:
            args.append(kwarg("return_exceptions", cst.Name("True")))
        fx.need("asyncio")
        gather = cst.Call(func=cst.Attribute(cst.Name("asyncio"), cst.Name("gather")), args=normalize_commas(args))
        if len(code(gather)) > 72:
            from .._cst import multiline_args, open_paren_newline

            gather = gather.with_changes(args=multiline_args(args), whitespace_before_args=open_paren_newline())
        if isinstance(mapped, cst.Name) and frame is not None:
            fx.scratch.setdefault("maybe_dead", set()).add((frame.node.name.value, mapped.value))
        return register_await(fx, cst.Await(gather)) if not tolerant else cst.Await(gather)

    def _tolerate(self, fx: FileContext, original: cst.Call, results: cst.BaseExpression, minimum, ratio) -> cst.BaseExpression:
        base = fx.scratch.get("map_targets", {}).get(original, "mapped")
        all_name = fx.fresh(f"{base}_outcomes")
        failed = fx.fresh(f"{base}_failures")
        fx.need("math")
        if minimum is not None:
            needed: cst.BaseExpression = minimum
        else:
            needed = cst.parse_expression(f"math.ceil({code(ratio)} * len({all_name}))")
        lines = [
            f"{failed} = [r for r in {all_name} if isinstance(r, Exception)]",
        ]
        fx.insert_before(cst.SimpleStatementLine(body=[cst.Assign(targets=[cst.AssignTarget(cst.Name(all_name))], value=results)]))
        for line in lines:
            fx.insert_before(cst.parse_statement(line))
        check = cst.parse_statement(f"if len({all_name}) - len({failed}) < {code(needed)}:\n    raise {failed}[0]\n")
        fx.insert_before(check)
        return cst.parse_expression(f"[None if isinstance(r, Exception) else r for r in {all_name}]")


def _names_in(args: list[cst.Arg]) -> list[str]:
    from .._cst import reads

    out: list[str] = []
    for a in args:
        out.extend(reads(a.value))
    return out
