"""FM101 task-environment: `@task(...)` becomes `@env.task` on a `flyte.TaskEnvironment`.

Before::

    @task(container_image=image, requests=Resources(mem="2Gi"))
    def train(x: int) -> int: ...

    @task(container_image=image, requests=Resources(mem="2Gi"), retries=2)
    def evaluate(x: int) -> int: ...

    @task
    def report(x: int) -> str: ...

    @workflow
    def pipeline(x: int) -> str: ...

After::

    image_env = flyte.TaskEnvironment(name="m_image", image=image, resources=flyte.Resources(memory="2Gi"))
    env = flyte.TaskEnvironment(name="m", depends_on=[image_env])

    @image_env.task
    def train(x: int) -> int: ...

    @image_env.task(retries=2)
    def evaluate(x: int) -> int: ...

    @env.task
    def report(x: int) -> str: ...

    @env.task
    async def pipeline(x: int) -> str: ...      # FM102

Tasks that share every environment-level setting (image, resources, secrets, environment
variables, pod template) share one environment; per-task settings (cache, retries, timeout,
interruptible, report) stay on `@env.task(...)`, so one differing option never splits an
environment. When every task shares one environment and the workflows have no settings of their
own, the workflows join it: one environment, as a person would write it. The environment of the workflows (the
"driver" environment, `env`) lists the environments of the tasks its drivers call in
`depends_on`, so deploying it deploys them. Environment definitions go just before the first
task, after the names they use. `task_config=` (plugin configuration) is reported: Flyte 2
plugins take their own `plugin_config` objects.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Optional

import libcst as cst

from .._analysis._model import Entity
from .._cst import (
    Note,
    call,
    code,
    fresh_name,
    kwarg,
    list_of,
    multiline_args,
    normalize_commas,
    open_paren_newline,
    reads,
    string,
    with_notes,
    wrap_call,
)
from ._args import notes
from ._base import Rule

if TYPE_CHECKING:
    from .._context import FileContext

CODE = "FM101"
_ENV_ORDER = ("image", "resources", "secrets", "env_vars", "cache", "pod_template")


@dataclass
class EnvGroup:
    key: tuple[tuple[str, str], ...]
    kwargs: dict[str, cst.BaseExpression]
    members: list[Entity] = field(default_factory=list)
    var: str = ""
    name: str = ""
    depends_on: list[str] = field(default_factory=list)
    late_depends: list[str] = field(default_factory=list)
    anchor: int = 0

    @property
    def has_driver(self) -> bool:
        return any(m.is_driver for m in self.members)


@dataclass
class EnvPlan:
    groups: list[EnvGroup]
    of: dict[str, EnvGroup]  # entity name -> group
    task_args: dict[str, list[cst.Arg]]  # entity name -> @env.task(...) keywords
    existing: Optional[str] = None  # an environment the module defined already (migrated before)

    @property
    def driver_var(self) -> str:
        for g in self.groups:
            if g.var == "env":
                return g.var
        if self.groups:
            return self.groups[0].var
        return self.existing or "env"


def _sanitize(text: str) -> str:
    text = re.sub(r"[^a-z0-9_-]+", "_", text.lower()).strip("_-")
    return text or "flyte"


def module_stem(fx: FileContext) -> str:
    name = fx.model.module_name.rpartition(".")[2] or "main"
    return _sanitize(name)


def _env_kwargs(fx: FileContext, ent: Entity) -> tuple[dict[str, cst.BaseExpression], list[tuple[str, str]]]:
    from .cache import cache_expr
    from .image_spec import image_expr
    from .resources import resources_expr
    from .secrets import secrets_expr
    from .task_options import pod_template_expr

    kw = {k: a.value for k, a in ent.kwargs.items()}
    out: dict[str, cst.BaseExpression] = {}
    todos: list[tuple[str, str]] = []

    def off(code_: str, what: str) -> None:
        todos.append((CODE, f"{what} was not converted because {code_} is not selected"))

    if "container_image" in kw:
        image = kw["container_image"]
        if isinstance(image, cst.Call) and fx.is_sym(image.func, "ImageSpec"):
            if fx.on("FM201"):
                expr, t = image_expr(fx, image)
                todos += t
                if expr is not None:
                    out["image"] = expr
            else:
                off("FM201", "container_image")
        elif isinstance(image, cst.SimpleString) and "{{" in str(image.evaluated_value):
            todos.append((CODE, f"container_image={code(image)} is a flytekit image template; name a flyte.Image or an image URI"))
        elif not (isinstance(image, cst.Name) and image.value == "None"):
            out["image"] = image
    if any(k in kw for k in ("requests", "limits", "resources", "accelerator", "shared_memory")):
        if fx.on("FM202"):
            expr, t = resources_expr(
                fx, kw.get("requests"), kw.get("limits"), kw.get("resources"), kw.get("accelerator"), kw.get("shared_memory")
            )
            todos += t
            if expr is not None:
                out["resources"] = expr
        else:
            off("FM202", "requests/limits")
    if "secret_requests" in kw:
        if fx.on("FM204"):
            expr, t = secrets_expr(fx, kw["secret_requests"])
            todos += t
            if expr is not None:
                out["secrets"] = expr
        else:
            off("FM204", "secret_requests")
    if "environment" in kw:
        if fx.on("FM205"):
            out["env_vars"] = kw["environment"]
        else:
            off("FM205", "environment")
    if any(k in kw for k in ("cache", "cache_version", "cache_serialize", "cache_ignore_input_vars")):
        if fx.on("FM203"):
            expr, t = cache_expr(fx, kw)
            todos += t
            if expr is not None:
                out["cache"] = expr
        else:
            off("FM203", "cache")
    if "pod_template" in kw or "pod_template_name" in kw:
        if fx.on("FM205"):
            expr = pod_template_expr(fx, kw, todos)
            if expr is not None:
                out["pod_template"] = expr
        else:
            off("FM205", "pod_template")
    if "task_config" in kw:
        todos.append(
            (
                "FM205",
                f"task_config={code(kw['task_config'])} is a Flyte 1 plugin config; set plugin_config= on the environment with the flyteplugins equivalent",
            )
        )
    return out, todos


def plan_environments(fx: FileContext) -> EnvPlan:
    from .task_options import task_kwargs

    model = fx.model
    groups: dict[tuple[tuple[str, str], ...], EnvGroup] = {}
    of: dict[str, EnvGroup] = {}
    task_args: dict[str, list[cst.Arg]] = {}
    todos: dict[str, list[tuple[str, str]]] = {}
    for ent in model.entities.values():
        env_kw, t = _env_kwargs(fx, ent)
        if fx.on("FM205"):
            targs, t2 = task_kwargs(fx, {k: a.value for k, a in ent.kwargs.items()}, ent.kind)
        else:
            from .task_options import ENV_OPTIONS

            targs = []
            t2 = [(CODE, f"{k}= was not converted because FM205 is not selected") for k in ent.kwargs if k not in ENV_OPTIONS and k not in ("on_failure", "failure_policy")]
        triggers = fx.scratch.get("triggers", {}).get(ent.name)
        if triggers:
            targs.append(kwarg("triggers", triggers[0] if len(triggers) == 1 else _tuple(triggers)))
        if "cache" in env_kw:
            # a task carries its own cache setting: no environment of its own for that
            targs.insert(0, kwarg("cache", env_kw.pop("cache")))
        task_args[ent.name] = targs
        todos[ent.name] = t + t2
        key = tuple((k, code(env_kw[k])) for k in _ENV_ORDER if k in env_kw)
        if "task_config" in ent.kwargs:
            # not converted (reported), but tasks with different plugins must not share an
            # environment: plugin_config is set per environment in Flyte 2
            key += (("plugin_config", code(ent.kwargs["task_config"].value)),)
        group = groups.get(key)
        if group is None:
            group = groups[key] = EnvGroup(key, env_kw)
        group.members.append(ent)
        of[ent.name] = group
    _one_environment(fx, groups, of)
    extra = fx.scratch.get("needs_driver_env")
    existing = _existing_environment(fx)
    if extra and () not in groups and not any(g.has_driver for g in groups.values()) and not (existing and not groups):
        groups[()] = EnvGroup((), {})
    ordered = list(groups.values())
    _name(fx, ordered)
    _depends(fx, ordered, of)
    _anchor(fx, ordered)
    fx.scratch["entity_todos"] = todos
    return EnvPlan(ordered, of, task_args, existing)


def _one_environment(fx: FileContext, groups: dict, of: dict) -> None:
    """Drivers with no settings of their own and tasks that all share one environment: one
    environment for all of them, as a person would write it (the drivers get the image their
    tasks need instead of an environment of their own that only depends on it)."""
    if len(groups) != 2 or () not in groups:
        return
    drivers = groups[()]
    (key, tasks), = ((k, g) for k, g in groups.items() if k != ())
    if any(k == "plugin_config" for k, _ in key) or not all(m.is_driver for m in drivers.members) or any(m.is_driver for m in tasks.members):
        return
    first = min(m.index for m in [*drivers.members, *tasks.members])
    needed = max((fx.model.first_index.get(n, -1) for v in tasks.kwargs.values() for n in reads(v)), default=-1)
    if needed >= first:
        return  # a setting defined below the first driver: keep the driver's environment apart
    tasks.members.extend(drivers.members)
    for m in drivers.members:
        of[m.name] = tasks
    del groups[()]


def _existing_environment(fx: FileContext) -> Optional[str]:
    """The driver environment of a module migrated before (a second run must not add another)."""
    found = [b.name for b in fx.model.bindings.values() if isinstance(b.value, cst.Call) and code(b.value.func) in ("flyte.TaskEnvironment", "TaskEnvironment")]
    return "env" if "env" in found else (found[0] if found else None)


def _tuple(items: list[cst.BaseExpression]) -> cst.Tuple:
    from .._cst import tuple_of

    return tuple_of(items)


def _name(fx: FileContext, groups: list[EnvGroup]) -> None:
    stem = module_stem(fx)
    taken = set(fx.model.module_names)
    if not groups:
        return
    driver: Optional[EnvGroup] = None
    if len(groups) == 1:
        driver = groups[0]
    else:
        driver = next((g for g in groups if not g.key and (g.has_driver or not g.members)), None)
        driver = driver or next((g for g in groups if g.has_driver), None) or next((g for g in groups if not g.key), None)
    images: dict[str, int] = {}
    for g in groups:
        img = g.kwargs.get("image")
        if isinstance(img, cst.Name):
            images[img.value] = images.get(img.value, 0) + 1
    for g in groups:
        if g is driver:
            g.var = fresh_name("env", taken)
            g.name = stem
            continue
        img = g.kwargs.get("image")
        if isinstance(img, cst.Name) and images.get(img.value) == 1:
            hint = img.value
        else:
            hint = g.members[0].name if g.members else "tasks"
        hint = re.sub(r"(^_+)|(_env$)", "", hint) or "tasks"
        g.var = fresh_name(f"{hint}_env", taken)
        g.name = f"{stem}_{_sanitize(hint)}"
    names = [g.name for g in groups]
    for g in groups:
        if names.count(g.name) > 1:
            g.name = f"{g.name}_{g.var.removesuffix('_env')}"


def _reached(fx: FileContext, name: str, depth: int = 0) -> Optional[str]:
    """The entity a called name stands for: itself, or the task behind a module-level
    `m = map_task(t)` / `p = functools.partial(t, ...)` (followed through such names)."""
    value = fx.model.resolve_binding(cst.Name(name))
    if depth > 4 or not isinstance(value, cst.Call) or not value.args:
        return name
    func = code(value.func)
    if fx.is_sym(value.func, "map_task") or func in ("functools.partial", "partial"):
        first = value.args[0].value
        if isinstance(first, cst.Name):
            return _reached(fx, first.value, depth + 1)
        if isinstance(first, cst.Call) and code(first.func) in ("functools.partial", "partial") and first.args and isinstance(first.args[0].value, cst.Name):
            return _reached(fx, first.args[0].value.value, depth + 1)
    return name


def _depends(fx: FileContext, groups: list[EnvGroup], of: dict[str, EnvGroup]) -> None:
    """Each environment depends on the environments of the tasks its drivers run: called,
    mapped (`map_task(t)`, `flyte.map`), through a `functools.partial` or overridden."""
    for g in groups:
        needed = set()
        for m in g.members:
            if m.is_driver:
                reached = {_reached(fx, c) for c in m.calls}
                needed |= {of[c].var for c in reached if c is not None and c in of and of[c] is not g}
        g.depends_on = [other.var for other in groups if other.var in needed]
    # A driver in one environment may call a driver in another that calls back (a dynamic
    # with its own settings calling tasks of the main environment): keep the edges out of the
    # main environment and drop the ones that would close a cycle.
    by_var = {g.var: g for g in groups}
    for g in groups:
        for dep in list(g.depends_on):
            if _reaches(by_var, dep, g.var) and g.var != "env":
                g.depends_on.remove(dep)


def _reaches(by_var: dict[str, EnvGroup], start: str, target: str) -> bool:
    seen, stack = set(), [start]
    while stack:
        v = stack.pop()
        if v == target:
            return True
        if v not in seen:
            seen.add(v)
            stack.extend(by_var[v].depends_on)
    return False


def _anchor(fx: FileContext, groups: list[EnvGroup]) -> None:
    """Pick the top-level statement each environment is defined before."""
    model = fx.model
    members = [m for g in groups for m in g.members]
    if not members:
        first_lp = fx.scratch.get("needs_driver_env")
        for g in groups:
            g.anchor = first_lp if isinstance(first_lp, int) else len(model.module.body)
        return

    def start(m) -> int:  # a task defined twice needs its environment before the first definition
        return min(m.index, model.first_index.get(m.name, m.index))

    block = min(start(m) for m in members)
    for g in groups:
        first = min((start(m) for m in g.members), default=block)
        needed = -1
        for expr in g.kwargs.values():
            for name in reads(expr):
                needed = max(needed, model.first_index.get(name, -1))
        g.anchor = block if needed < block else first
    # An environment must come after the ones it depends on, and before its first task. When
    # both cannot hold (a workflow defined above the image its tasks use), the dependency is
    # added later with `env.add_dependency(...)`, right after the other environment.
    by_var = {g.var: g for g in groups}
    for g in groups:
        first = min((start(m) for m in g.members), default=g.anchor)
        for dep in list(g.depends_on):
            other = by_var[dep]
            if other.anchor <= first:
                g.anchor = min(max(g.anchor, other.anchor), first)
            else:
                g.depends_on.remove(dep)
                g.late_depends.append(dep)


def env_definition(g: EnvGroup, leading_blank: int, width: int) -> cst.SimpleStatementLine:
    args = [kwarg("name", string(g.name))]
    args += [kwarg(k, g.kwargs[k]) for k in _ENV_ORDER if k in g.kwargs]
    if g.depends_on:
        args.append(kwarg("depends_on", list_of([cst.Name(v) for v in g.depends_on])))
    value = call("flyte.TaskEnvironment", args)
    stmt = cst.SimpleStatementLine(
        body=[cst.Assign(targets=[cst.AssignTarget(cst.Name(g.var))], value=value)],
        leading_lines=[cst.EmptyLine(indent=False)] * leading_blank,
    )
    if len(code(stmt).splitlines()[-1]) > width or "\n" in code(value):
        value = value.with_changes(args=multiline_args(value.args), whitespace_before_args=open_paren_newline())
        value = value.with_changes(args=[a.with_changes(value=wrap_call(a.value, width, 2, len(a.keyword.value) + 1)) if isinstance(a.value, cst.Call) and a.keyword is not None else a for a in value.args])
        stmt = stmt.with_changes(body=[cst.Assign(targets=[cst.AssignTarget(cst.Name(g.var))], value=value)])
    return stmt


def decorator_for(fx: FileContext, ent: Entity, plan: EnvPlan) -> cst.BaseExpression:
    var = plan.of[ent.name].var
    func = cst.Attribute(value=cst.Name(var), attr=cst.Name("task"))
    args = plan.task_args.get(ent.name, [])
    if not args:
        return func
    return wrap_call(cst.Call(func=func, args=normalize_commas(args)), fx.line_length, prefix=1)


class TaskEnvironmentRule(Rule):
    __doc__ = __doc__
    code = CODE
    name = "task-environment"
    summary = "@task(...) becomes @env.task on TaskEnvironments grouped by shared configuration, with depends_on"

    def prepare(self, fx: FileContext) -> None:
        plan = plan_environments(fx)
        fx.scratch["env_plan"] = plan
        fx.scratch["entity_decorators"] = {e.decorator for e in fx.model.entities.values()}
        for ent in fx.model.entities.values():
            ent.env = plan.of[ent.name].var
        body = fx.model.module.body
        by_anchor: dict[int, list[EnvGroup]] = {}
        for g in plan.groups:
            by_anchor.setdefault(g.anchor, []).append(g)
        for anchor, gs in sorted(by_anchor.items()):
            prev = body[anchor - 1] if 0 < anchor <= len(body) else None
            blank = 2 if isinstance(prev, cst.BaseCompoundStatement) else (1 if prev is not None else 0)
            for i, g in enumerate(_dependency_order(gs)):
                stmts = [env_definition(g, blank if i == 0 else 0, fx.line_length)]
                stmts += [_add_dependency(other.var, g.var) for other in plan.groups if g.var in other.late_depends]
                for stmt in stmts:
                    if anchor >= len(body):
                        fx.scratch.setdefault("append_module", []).append(stmt)
                    else:
                        fx.insert_before_top(anchor, stmt)
        if plan.groups:
            fx.need("flyte")

    def visit_Decorator(self, fx: FileContext, node: cst.Decorator) -> bool:
        return node not in fx.scratch.get("entity_decorators", ())

    def leave_FunctionDef(self, fx: FileContext, original_node: cst.FunctionDef, updated_node: cst.FunctionDef) -> cst.FunctionDef:
        facts = fx.model.functions.get(original_node)
        ent = facts.entity if facts is not None else None
        plan: Optional[EnvPlan] = fx.scratch.get("env_plan")
        if ent is None or plan is None or ent.name not in plan.of:
            return updated_node
        last = fx.model.entities.get(ent.name)
        if last is not ent and (last is None or last.kind != ent.kind):
            return updated_node  # redefined as another kind of entity: the planned environment is the last one's
        for c, m in fx.scratch.get("entity_todos", {}).get(ent.name, []):
            fx.todo(c, m)
        pos = original_node.decorators.index(ent.decorator)
        decorators = list(updated_node.decorators)
        new = decorator_for(fx, ent, plan)
        new, placed = _with_option_comments(fx, ent.decorator.decorator, new)
        # comments written among the decorator's arguments stay: next to the option they were
        # about when the task still sets it, otherwise above the decorator
        kept = [cst.EmptyLine(comment=c) for c in _comments(ent.decorator.decorator) if c.value not in placed]
        decorators[pos] = decorators[pos].with_changes(
            decorator=new,
            leading_lines=[*decorators[pos].leading_lines, *kept],
        )
        if ent.kind == "task":
            fx.change(CODE)
        return updated_node.with_changes(decorators=decorators)

    def finish(self, fx: FileContext, module: cst.Module) -> cst.Module:
        extra = fx.scratch.get("append_module")
        if extra:
            module = module.with_changes(body=[*module.body, *extra])
        return module


# the Flyte 1 decorator options each @env.task(...) option is made from (for their comments)
_OPTION_SOURCES = {
    "cache": ("cache", "cache_version", "cache_serialize", "cache_ignore_input_vars"),
    "report": ("enable_deck", "disable_deck"),
    "pod_template": ("pod_template", "pod_template_name"),
}


def _with_option_comments(fx: FileContext, old: cst.BaseExpression, new: cst.BaseExpression) -> tuple[cst.BaseExpression, set[str]]:
    """The new decorator with the comments of the old one's options next to the options they
    became, and the texts of the comments placed so."""
    if not (isinstance(old, cst.Call) and isinstance(new, cst.Call)):
        return new, set()
    found = notes(old)
    if not found:
        return new, set()
    placed: list[Note] = []
    for a in new.args:
        key = a.keyword.value if a.keyword is not None else ""
        note = Note()
        for source in _OPTION_SOURCES.get(key, (key,)):
            note = note + found.get(source, Note())
        placed.append(note)
    if not any(placed):
        return new, set()
    texts = {t for n in placed for t in (*n.leading, *n.trailing)}
    return with_notes(new, placed, budget=fx.line_length, level=1, prefix=1), texts


def _comments(node: cst.CSTNode) -> list[cst.Comment]:
    found: list[cst.Comment] = []

    class _Collect(cst.CSTVisitor):
        def visit_Comment(self, n: cst.Comment) -> None:
            found.append(n)

    node.visit(_Collect())
    return found


def _add_dependency(env: str, dep: str) -> cst.SimpleStatementLine:
    return cst.SimpleStatementLine(
        body=[cst.Expr(cst.Call(func=cst.Attribute(cst.Name(env), cst.Name("add_dependency")), args=[cst.Arg(cst.Name(dep))]))]
    )


def _dependency_order(groups: list[EnvGroup]) -> list[EnvGroup]:
    out: list[EnvGroup] = []
    pending = list(groups)
    while pending:
        for g in pending:
            if all(d not in {p.var for p in pending if p is not g} for d in g.depends_on):
                out.append(g)
                pending.remove(g)
                break
        else:
            out.extend(pending)
            break
    return out
