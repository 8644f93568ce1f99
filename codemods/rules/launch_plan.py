"""FM105 launch-plan: launch plans become tasks, and their schedules `flyte.Trigger`s.

Before::

    @workflow
    def train(lr: float, epochs: int = 3, run_at: datetime = ...) -> float: ...

    nightly = LaunchPlan.get_or_create(
        train,
        name="nightly",
        default_inputs={"lr": 0.1},
        fixed_inputs={"epochs": 10},
        schedule=CronSchedule(schedule="0 2 * * *", kickoff_time_input_arg="run_at"),
    )
    plain = LaunchPlan.get_or_create(train)

After::

    @env.task(
        triggers=flyte.Trigger(
            "nightly", flyte.Cron("0 2 * * *"), inputs={"run_at": flyte.TriggerTime}, auto_activate=False
        )
    )
    async def nightly(lr: float = 0.1, run_at: datetime = ...) -> float:
        return await train(lr=lr, epochs=10, run_at=run_at)

    plain = train

A launch plan with default or fixed inputs becomes a small task that calls the workflow: its
defaults are parameter defaults and its fixed inputs are passed and no longer exposed, so it can
be run, awaited from another driver and scheduled like the launch plan. Without inputs the
launch plan is the workflow itself (a name for it), and its schedule goes on the workflow's
`@env.task(triggers=...)`. `CronSchedule` becomes `flyte.Cron`; `FixedRate(timedelta(...))`
becomes `flyte.FixedRate(minutes)` (the SDK takes whole minutes); `kickoff_time_input_arg`
becomes an input bound to `flyte.TriggerTime`. Flyte 1 launch plans started inactive, so the
trigger says `auto_activate=False` unless the launch plan asked for activation. Notifications,
and launch plans called inline in a workflow, are handled too (the latter become awaited calls
of the workflow with the launch plan's inputs).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Optional

import libcst as cst

from .._cst import Note, call, code, dotted, kwarg, string, with_notes, wrap_call
from ._args import all_notes, bind, notes
from ._base import Rule
from ._driver import call_entity

if TYPE_CHECKING:
    from .._context import Callee, FileContext

CODE = "FM105"
_GET_OR_CREATE = ("workflow", "name", "default_inputs", "fixed_inputs", "schedule", "notifications", "labels", "annotations")
_CREATE = ("name", "workflow", "default_inputs", "fixed_inputs", "schedule", "notifications", "labels", "annotations")
_TRIGGER_PASSTHROUGH = ("labels", "annotations", "overwrite_cache")


@dataclass
class LaunchPlanSpec:
    var: Optional[str]
    workflow: cst.BaseExpression
    name: Optional[cst.BaseExpression]
    inputs: list[tuple[str, cst.BaseExpression, bool]] = field(default_factory=list)  # (name, value, fixed)
    trigger: Optional[cst.BaseExpression] = None
    todos: list[tuple[str, str]] = field(default_factory=list)
    ok: bool = True


def _dict_items(node: cst.BaseExpression) -> Optional[list[tuple[str, cst.BaseExpression]]]:
    if not isinstance(node, cst.Dict):
        return None
    out = []
    for el in node.elements:
        if not isinstance(el, cst.DictElement) or not isinstance(el.key, cst.SimpleString):
            return None
        out.append((str(el.key.evaluated_value), el.value))
    return out


def _minutes(fx: FileContext, node: cst.BaseExpression) -> Optional[int]:
    from .gates import seconds_of

    secs = seconds_of(fx, node)
    if isinstance(secs, cst.Integer) and int(secs.value) % 60 == 0:
        return int(secs.value) // 60
    return None


def _automation(fx: FileContext, schedule: cst.BaseExpression, spec: LaunchPlanSpec) -> tuple[Optional[cst.BaseExpression], Optional[str]]:
    """(flyte.Cron/FixedRate expression, kickoff input name)."""
    if isinstance(schedule, cst.Call) and fx.is_sym(schedule.func, "CronSchedule"):
        args = bind(schedule, ("cron_expression", "schedule", "offset", "kickoff_time_input_arg"))
        if args is None:
            return None, None
        expr = args.get("schedule") or args.get("cron_expression")
        if expr is None:
            spec.todos.append((CODE, f"{code(schedule)} has no cron expression; write flyte.Cron(...) by hand"))
            return None, None
        if "offset" in args:
            spec.todos.append((CODE, f"CronSchedule offset={code(args['offset'])} has no flyte.Cron counterpart; fold it into the expression"))
        kick = args.get("kickoff_time_input_arg")
        return call("flyte.Cron", [cst.Arg(expr)]), (str(kick.evaluated_value) if isinstance(kick, cst.SimpleString) else None)
    if isinstance(schedule, cst.Call) and fx.is_sym(schedule.func, "FixedRate"):
        args = bind(schedule, ("duration", "kickoff_time_input_arg"))
        if args is None or "duration" not in args:
            return None, None
        minutes = _minutes(fx, args["duration"])
        if minutes is None:
            spec.todos.append((CODE, f"FixedRate({code(args['duration'])}) is not a whole number of minutes; flyte.FixedRate takes interval_minutes"))
            return None, None
        kick = args.get("kickoff_time_input_arg")
        return call("flyte.FixedRate", [cst.Arg(cst.Integer(str(minutes)))]), (str(kick.evaluated_value) if isinstance(kick, cst.SimpleString) else None)
    spec.todos.append((CODE, f"schedule={code(schedule)} could not be converted; build a flyte.Trigger with flyte.Cron/FixedRate"))
    return None, None


def _with_comments(fx: FileContext, trigger: cst.Call, plan: cst.Call, positional: tuple[str, ...], schedule: cst.BaseExpression) -> cst.Call:
    """The trigger with the comments of the launch plan's name, schedule (and the schedule's own
    arguments) and passed-through options next to the arguments they became."""
    found = notes(plan, positional)
    inner = all_notes(notes(schedule)) if isinstance(schedule, cst.Call) else Note()
    sources = {0: ("name",), 1: ("schedule",)}
    placed = []
    for i, a in enumerate(trigger.args):
        keys = sources.get(i, (a.keyword.value,) if a.keyword is not None else ())
        note = Note()
        for key in keys:
            note = note + found.get(key, Note())
        placed.append(note + inner if i == 1 else note)
    if not any(placed):
        return trigger
    fx.moved_comments.update(text for n in placed for text in (*n.leading, *n.trailing))
    return with_notes(trigger, placed, budget=fx.line_length, level=1)


def read_launch_plan(fx: FileContext, node: cst.Call, var: Optional[str]) -> Optional[LaunchPlanSpec]:
    func = node.func
    sym = fx.sym(func)
    if sym is None or sym.name != "LaunchPlan":
        return None
    if sym.rest == "get_default_launch_plan":
        args = bind(node, ("ctx", "workflow"))
        if args is None or "workflow" not in args:
            return None
        return LaunchPlanSpec(var, args["workflow"], None)
    if sym.rest not in ("get_or_create", "create"):
        return None
    args = bind(node, _GET_OR_CREATE if sym.rest == "get_or_create" else _CREATE)
    if args is None or "workflow" not in args:
        return None
    spec = LaunchPlanSpec(var, args["workflow"], args.get("name"))
    for key, fixed in (("default_inputs", False), ("fixed_inputs", True)):
        if key in args:
            items = _dict_items(args[key])
            if items is None:
                spec.todos.append((CODE, f"{key}={code(args[key])} is not a literal dict; pass the inputs to the task by hand"))
                spec.ok = False
                continue
            spec.inputs += [(k, v, fixed) for k, v in items]
    if "schedule" in args:
        automation, kickoff = _automation(fx, args["schedule"], spec)
        if automation is not None:
            targs: list[cst.Arg] = [cst.Arg(spec.name if spec.name is not None else string(var or "schedule")), cst.Arg(automation)]
            if kickoff:
                fx.need("flyte")
                targs.append(kwarg("inputs", cst.Dict([cst.DictElement(string(kickoff), dotted("flyte.TriggerTime"))])))
            for key in _TRIGGER_PASSTHROUGH:
                if key in args:
                    targs.append(kwarg(key, args[key]))
            auto = args.get("auto_activate")
            targs.append(kwarg("auto_activate", auto if auto is not None else cst.Name("False")))
            spec.trigger = _with_comments(fx, call("flyte.Trigger", targs), node, _GET_OR_CREATE if sym.rest == "get_or_create" else _CREATE, args["schedule"])
    if "notifications" in args:
        spec.todos.append((CODE, f"notifications={code(args['notifications'])}: attach flyte.notify notifications to the flyte.Trigger (or the run)"))
    for key in sorted(set(args) - {"workflow", "name", "default_inputs", "fixed_inputs", "schedule", "notifications", "auto_activate", *_TRIGGER_PASSTHROUGH}):
        spec.todos.append((CODE, f"launch plan option {key}={code(args[key])} has no Flyte 2 counterpart here and was dropped"))
    if spec.trigger is None:
        for key in _TRIGGER_PASSTHROUGH:
            if key in args:
                spec.todos.append((CODE, f"{key}= only applies to scheduled runs in Flyte 2 (flyte.Trigger); it was dropped"))
    return spec


def _wrapper_source(fx: FileContext, spec: LaunchPlanSpec, callee: Callee, env: str) -> Optional[str]:
    """Source of the task that stands for a launch plan with inputs."""
    if callee.entity is not None:
        params = [(p.name, code(p.annotation) if p.annotation is not None else None, code(p.default) if p.default is not None else None) for p in callee.entity.params]
        returns = code(callee.entity.returns) if callee.entity.returns is not None else None
    elif callee.indexed is not None:
        params = [(p.name, p.annotation, p.default) for p in callee.indexed.params]
        returns = callee.indexed.returns
    else:
        return None
    given = {k: (v, fixed) for k, v, fixed in spec.inputs}
    sig: list[str] = []
    call_args: list[str] = []
    with_default: list[str] = []
    for name, ann, default in params:
        if name in given and given[name][1]:
            call_args.append(f"{name}={code(given[name][0])}")
            continue
        if name in given:
            default = code(given[name][0])
        text = name + (f": {ann}" if ann else "")
        if default is not None:
            text += f" = {default}" if ann else f"={default}"
            with_default.append(text)
        else:
            sig.append(text)  # required inputs first: the launch plan's defaults may be on earlier ones
        call_args.append(f"{name}={name}")
    sig += with_default
    decorator = f"@{env}.task"
    ret = f" -> {returns}" if returns else ""
    wf = code(spec.workflow)
    return f"{decorator}\nasync def {spec.var}({', '.join(sig)}){ret}:\n    return await {wf}({', '.join(call_args)})\n"


class LaunchPlanRule(Rule):
    __doc__ = __doc__
    code = CODE
    name = "launch-plan"
    summary = "LaunchPlans become tasks (or the workflow itself); schedules become flyte.Trigger with flyte.Cron/FixedRate"

    def prepare(self, fx: FileContext) -> None:
        specs: dict[str, LaunchPlanSpec] = {}
        triggers: dict[str, list[cst.BaseExpression]] = {}
        for name, binding in fx.model.bindings.items():
            if not isinstance(binding.value, cst.Call):
                continue
            spec = read_launch_plan(fx, binding.value, name)
            if spec is None:
                continue
            specs[name] = spec
            wf_local = isinstance(spec.workflow, cst.Name) and spec.workflow.value in fx.model.entities
            if spec.trigger is not None and not spec.inputs and wf_local:
                triggers.setdefault(spec.workflow.value, []).append(spec.trigger)  # type: ignore[attr-defined]
            if spec.inputs or (spec.trigger is not None and not wf_local):
                first = fx.scratch.get("needs_driver_env")
                fx.scratch["needs_driver_env"] = binding.index if first is None else min(first, binding.index)
        fx.scratch["launch_plans"] = specs
        fx.scratch["triggers"] = triggers

    def leave_SimpleStatementLine(self, fx: FileContext, original_node: cst.SimpleStatementLine, updated_node: cst.SimpleStatementLine) -> cst.BaseStatement:
        if fx.frame is not None or len(original_node.body) != 1 or not isinstance(original_node.body[0], cst.Assign):
            return updated_node
        targets = original_node.body[0].targets
        if len(targets) != 1 or not isinstance(targets[0].target, cst.Name):
            return updated_node
        var = targets[0].target.value
        spec: Optional[LaunchPlanSpec] = fx.scratch.get("launch_plans", {}).get(var)
        binding = fx.model.bindings.get(var)
        if spec is None or binding is None or binding.statement is not original_node:
            return updated_node
        for c, m in spec.todos:
            fx.todo(c, m)
        callee = fx.callee(spec.workflow)
        if callee is None:
            if not (isinstance(spec.workflow, cst.Name) and spec.workflow.value in fx.model.plain_functions):
                # (a plain local function here is a driver migrated before, its launch plan reported then)
                fx.todo(CODE, f"launch plan over {code(spec.workflow)}, which is not a workflow we can see; write the task by hand")
            return updated_node
        wf_local = isinstance(spec.workflow, cst.Name) and spec.workflow.value in fx.model.entities
        if not spec.inputs and (spec.trigger is None or wf_local):
            fx.change(CODE)
            if isinstance(spec.workflow, cst.Name) and spec.workflow.value == var:
                # `wf = LaunchPlan.get_or_create(wf)`: the workflow already has that name
                if updated_node.leading_lines and any(line.comment is not None for line in updated_node.leading_lines):
                    return updated_node.with_changes(body=[cst.Pass()])
                fx.scratch.setdefault("removed_lps", []).append(fx.top_index.get(original_node))
                return cst.RemovalSentinel.REMOVE  # type: ignore[return-value]
            alias = cst.Assign(targets=[cst.AssignTarget(cst.Name(var))], value=spec.workflow)
            return updated_node.with_changes(body=[alias])
        plan = fx.scratch.get("env_plan")
        env = plan.driver_var if plan is not None else "env"
        source = _wrapper_source(fx, spec, callee, env)
        if source is None or not spec.ok:
            fx.todo(CODE, f"launch plan {var}: write a task that calls {code(spec.workflow)} with its inputs")
            return updated_node
        fn = cst.parse_statement(source)
        assert isinstance(fn, cst.FunctionDef)
        if spec.trigger is not None:
            deco = cst.Decorator(decorator=wrap_call(cst.Call(func=fn.decorators[0].decorator, args=[kwarg("triggers", spec.trigger)]), fx.line_length, prefix=1))
            fn = fn.with_changes(decorators=[deco])
        blank = [ln for ln in updated_node.leading_lines]
        while sum(1 for ln in blank if ln.comment is None) < 2:
            blank.insert(0, cst.EmptyLine(indent=False))
        fx.change(CODE)
        fx.need("flyte")
        return fn.with_changes(leading_lines=blank)

    def leave_Call(self, fx: FileContext, original_node: cst.Call, updated_node: cst.Call) -> cst.BaseExpression:
        """`LaunchPlan.get_or_create(wf, ...)(...)` inside a workflow: an awaited call of `wf`."""
        inner = original_node.func
        if not isinstance(inner, cst.Call):
            return updated_node
        spec = read_launch_plan(fx, inner, None)
        if spec is None:
            return updated_node
        frame = fx.frame
        if frame is None or not frame.is_driver:
            fx.todo(CODE, "a launch plan created and called outside a workflow: call flyte.run on the workflow")
            return updated_node
        callee = fx.callee(spec.workflow)
        if callee is None:
            fx.todo(CODE, f"launch plan over {code(spec.workflow)}, which is not a workflow we can see")
            return updated_node
        for c, m in spec.todos:
            fx.todo(c, m)
        if spec.trigger is not None:
            fx.todo(CODE, "a schedule on a launch plan created inside a workflow cannot become a trigger; define it at module level")
        given = {a.keyword.value for a in updated_node.args if a.keyword is not None}
        args = list(updated_node.args)
        for name, value, fixed in spec.inputs:
            if fixed or name not in given:
                args = [a for a in args if not (a.keyword is not None and a.keyword.value == name)]
                args.append(kwarg(name, value))
        from .._cst import normalize_commas

        fx.change(CODE)
        new_call = cst.Call(func=spec.workflow, args=normalize_commas(args))
        return call_entity(fx, original_node, new_call, callee)

    def finish(self, fx: FileContext, module: cst.Module) -> cst.Module:
        removed = fx.scratch.get("removed_lps")
        if not removed:
            return module
        # the statement after a removed one keeps the two blank lines that separated them
        body = list(module.body)
        for i in range(1, len(body)):
            prev, cur = body[i - 1], body[i]
            if isinstance(prev, (cst.FunctionDef, cst.ClassDef)) and not cur.leading_lines:
                body[i] = cur.with_changes(leading_lines=[cst.EmptyLine(indent=False), cst.EmptyLine(indent=False)])
        return module.with_changes(body=body)
