"""The SDK's other `flyte get` commands, with its names, arguments and options.

What a local store can answer, it answers: `get task` lists the tasks its runs ran, `get project`
the projects and domains those runs were started in, `get config` the configuration this process
resolved. What only a Flyte backend keeps (secrets, apps, artifacts, code bundles, conditions,
settings, triggers, the devbox) ends with a message naming the command and why, and exit status 1,
as the SDK's commands end without a backend.
"""

from __future__ import annotations

from typing import Any, NamedTuple, Optional

import click

from .._show import iso, when

__all__ = ["NEEDS_BACKEND", "projects_seen", "resolved_config", "tasks_seen"]
from ._format import Column, emit_json, emit_table, fail, output_format, show, warn
from ._get import _store, get

LOCAL_VERSION = "local"  # a local task has one version: its code as loaded when it runs
SCAN_RUNS = 10_000  # how many of the newest runs `get task`/`get project` read


def _scope(record: Any) -> tuple[str, str]:
    """The project and domain a run was started in; runs recorded before these were kept, in the
    defaults a local run has."""
    from .._run_spec import record_spec

    spec = record_spec(record)
    return spec.project or "default", spec.domain or "development"


# -- task -----------------------------------------------------------------------------------------


class TaskSeen(NamedTuple):
    """A task as the local runs ran it."""

    name: str
    short_name: str
    environment_name: str
    project: str
    domain: str
    entrypoint: bool  # ran as a run's root (what `flyte run` and `flyte.run` start)
    runs: int  # how many of the runs read ran it
    last_run: str  # the newest run that ran it
    last_run_at: Optional[float]


def tasks_seen(store: Any, project: Optional[str], domain: Optional[str]) -> list[TaskSeen]:
    """Every task the newest `SCAN_RUNS` runs ran (roots and children), newest first."""
    found: dict[tuple[str, str, str], dict[str, Any]] = {}
    for record in store.list_runs(SCAN_RUNS):
        p, d = _scope(record)
        if (project is not None and p != project) or (domain is not None and d != domain):
            continue
        for group in store.action_groups(record.name):
            seen = found.get((group.task, p, d))
            if seen is None:
                seen = found[(group.task, p, d)] = {"short_name": group.short_name, "entrypoint": False, "runs": set(),
                                                    "last_run": record.name, "last_run_at": record.start_time}
            seen["runs"].add(record.name)
            if group.parent is None:  # the run's root
                seen["entrypoint"] = True
    out = [TaskSeen(task, s["short_name"], task.split(".", 1)[0] if "." in task else "", p, d, s["entrypoint"],
                    len(s["runs"]), s["last_run"], s["last_run_at"]) for (task, p, d), s in found.items()]
    out.sort(key=lambda t: (-(t.last_run_at or 0.0), t.name))
    return out


def _task_json(t: TaskSeen) -> dict:
    return {"project": t.project, "domain": t.domain, "name": t.name, "version": LOCAL_VERSION,
            "short_name": t.short_name, "environment_name": t.environment_name, "entrypoint": t.entrypoint,
            "runs": t.runs, "last_run": t.last_run, "last_run_at": iso(t.last_run_at)}


@get.command("task")
@click.argument("name", required=False)
@click.argument("version", required=False)
@click.option("--limit", type=int, default=100, show_default=True, help="Limit the number of tasks to fetch.")
@click.option("--entrypoint", is_flag=True, help="Show only entrypoint tasks (locally: tasks a run started with).")
@click.option("-p", "--project", default=None, help="Only tasks run in this project.")
@click.option("-d", "--domain", default=None, help="Only tasks run in this domain.")
def get_task(name: Optional[str], version: Optional[str], limit: int, entrypoint: bool, project: Optional[str],
             domain: Optional[str]) -> None:
    """The tasks the local runs ran, or with NAME and VERSION one task's details.

    A local task has one version, `local`: its code as loaded when it runs."""
    store = _store()
    tasks = tasks_seen(store, project, domain)
    if name is not None:
        tasks = [t for t in tasks if t.name == name or t.name.split(".", 1)[-1] == name]
    if entrypoint:
        tasks = [t for t in tasks if t.entrypoint]
    if name is not None and version is not None:
        if version != LOCAL_VERSION:
            warn(f"task {name}: local tasks have one version, {LOCAL_VERSION!r} (their code as loaded when they run); "
                 f"showing it for version {version!r}")
        if not tasks:
            fail(f"Task {name} not found: no run in the local store at {store.home} ran it")
        emit_json([_task_json(t) for t in tasks], "json-raw" if output_format() == "json-raw" else "json")
        return
    tasks = tasks[:limit]
    if output_format().startswith("json"):
        emit_json([_task_json(t) for t in tasks])
        return
    emit_table(tasks, [
        Column("project", lambda t: t.project),
        Column("domain", lambda t: t.domain),
        Column("name", lambda t: t.name, whole=True),
        Column("version", lambda t: LOCAL_VERSION),
        Column("short_name", lambda t: t.short_name),
        Column("environment_name", lambda t: t.environment_name),
        Column("entrypoint", lambda t: "yes" if t.entrypoint else ""),
        Column("runs", lambda t: t.runs, justify="right"),
        Column("last_run", lambda t: f"{t.last_run} ({when(t.last_run_at)})", whole=True),
    ], title="Tasks", empty=f"No tasks: no run in {store.home}" + (" ran one by that name" if name else ""))


# -- project --------------------------------------------------------------------------------------


class ProjectSeen(NamedTuple):
    name: str
    domains: tuple[str, ...]
    runs: int
    last_run_at: Optional[float]


def projects_seen(store: Any, config_path: Optional[str] = None) -> list[ProjectSeen]:
    """The projects of the newest `SCAN_RUNS` runs and the project this process is configured
    for (`flyte.init`, the configuration file; else `default`)."""
    resolved = resolved_config(config_path)

    seen: dict[str, dict[str, Any]] = {}
    for record in store.list_runs(SCAN_RUNS):
        p, d = _scope(record)
        entry = seen.setdefault(p, {"domains": set(), "runs": 0, "last": None})
        entry["domains"].add(d)
        entry["runs"] += 1
        entry["last"] = max(entry["last"] or 0.0, record.start_time or 0.0)
    configured = seen.setdefault(resolved["project"], {"domains": set(), "runs": 0, "last": None})
    configured["domains"].add(resolved["domain"])
    return [ProjectSeen(name, tuple(sorted(e["domains"])), e["runs"], e["last"]) for name, e in sorted(seen.items())]


def _project_json(p: ProjectSeen) -> dict:
    return {"name": p.name, "id": p.name, "description": "", "state": "PROJECT_STATE_ACTIVE", "labels": None,
            "domains": list(p.domains), "runs": p.runs, "last_run_at": iso(p.last_run_at)}


@get.command("project")
@click.argument("name", required=False)
@click.option("--archived", is_flag=True, help="Show archived projects instead of active ones (locally: none).")
@click.pass_context
def get_project(ctx: click.Context, name: Optional[str], archived: bool) -> None:
    """The projects the local runs were started in, with their domains, and the configured one;
    or the project NAME."""
    store = _store()
    projects = [] if archived else projects_seen(store, (ctx.find_root().obj or {}).get("config"))  # nothing local is ever archived
    if name is not None:
        projects = [p for p in projects if p.name == name]
        if not projects:
            fail(f"Project {name} not found: no run in the local store at {store.home} was started in it")
        emit_json(_project_json(projects[0]), "json-raw" if output_format() == "json-raw" else "json")
        return
    if output_format().startswith("json"):
        emit_json([_project_json(p) for p in projects])
        return
    emit_table(projects, [
        Column("name", lambda p: p.name, whole=True),
        Column("id", lambda p: p.name, whole=True),
        Column("state", lambda p: "PROJECT_STATE_ACTIVE"),
        Column("domains", lambda p: ", ".join(p.domains)),
        Column("runs", lambda p: p.runs, justify="right"),
        Column("last_run", lambda p: when(p.last_run_at) if p.last_run_at else "-"),
    ], title="Projects", empty="No archived projects: local projects are never archived" if archived else "No projects")


# -- config ---------------------------------------------------------------------------------------


def resolved_config(config_path: Optional[str]) -> dict[str, Any]:
    """What this process would run with: the configuration file found (or given with -c), what it
    says, and where the local store and run data are."""
    import os

    from .._run import current_domain, current_project
    from ..config import auto

    cfg = auto(config_path)
    platform, task, image = cfg.platform, cfg.task, cfg.image
    from .._executor import ENV_VAR, MAX_WORKERS_ENV_VAR

    return {
        "config_file": str(cfg.source) if cfg.source is not None else None,
        "endpoint": platform.endpoint, "insecure": platform.insecure, "auth_mode": platform.auth_mode,
        "org": task.org, "project": task.project or current_project(), "domain": task.domain or current_domain(),
        "image_builder": image.builder, "image_refs": dict(image.image_refs), "image_registry": image.registry,
        "local_home": str(_store().home), "executor": os.environ.get(ENV_VAR) or "local",
        "max_workers": os.environ.get(MAX_WORKERS_ENV_VAR) or None,
        "mode": "local",
    }


@get.command("config")
@click.pass_context
def get_config(ctx: click.Context) -> None:
    """The configuration this process resolved: the configuration file (-c, or the first found),
    what it sets, and where the local store keeps runs. Runs are local whatever it says."""
    root = ctx.find_root().obj or {}
    data = resolved_config(root.get("config"))
    if output_format().startswith("json"):
        emit_json(data)
        return
    from rich.markup import escape
    from rich.table import Table

    table = Table(title="Configuration", title_justify="left", show_header=False, box=None)
    table.add_column(style="bold")
    table.add_column(overflow="fold")
    for key, value in data.items():
        shown = ", ".join(f"{k}={v}" for k, v in value.items()) if isinstance(value, dict) else value
        table.add_row(key, escape("-" if shown in (None, "") else str(shown)))
    show(table)


# -- what needs a backend --------------------------------------------------------------------------

# Each command a local store cannot answer, and why (the message says it, and the exit status is 1).
NEEDS_BACKEND = {
    "secret": "secrets are kept by a Flyte backend; locally a task reads Secret(key=...) from the environment "
              "variable it names (e.g. export MY_KEY=...)",
    "app": "apps are long-running services deployed on a Flyte backend; this runtime runs tasks locally",
    "artifact": "artifacts are catalogued by a Flyte backend; local runs keep their outputs in the store "
                "(flyte get io RUN)",
    "code": "code bundles are built for runs on a Flyte backend; a local run runs the code in place "
            "(flyte get run RUN shows its task)",
    "condition": "conditions of a local run wait in its own process and are not recorded "
                 "(flyte get action RUN ACTION shows the action that waited)",
    "settings": "settings are kept by a Flyte backend; `flyte get config` shows the local configuration",
    "trigger": "triggers fire on a Flyte backend once deployed with their task (flyte deploy); a local store "
               "has none",
    "devbox": "the devbox is a local Flyte cluster in Docker; this runtime needs none (runs are in "
              "`flyte get run`)",
}


def _needs_backend(name: str) -> Any:
    def command(**_: Any) -> None:
        fail(f"flyte get {name} needs a Flyte backend: {NEEDS_BACKEND[name]}")

    command.__name__ = f"get_{name}"
    return command


def _backend_command(name: str, help_text: str, *decorators: Any) -> None:
    command = _needs_backend(name)
    for decorator in reversed(decorators):
        command = decorator(command)
    get.command(name, help=f"{help_text}\n\nNeeds a Flyte backend: {NEEDS_BACKEND[name]}.")(command)


_scope_options = (click.option("-p", "--project", default=None, help="Project to which this command applies."),
                  click.option("-d", "--domain", default=None, help="Domain to which this command applies."))

_backend_command(
    "secret", "Get a list of all secrets, or details of a specific secret by name.",
    click.argument("name", required=False),
    click.option("--cluster-pool", default=None, help="The cluster pool whose secrets to list."),
    *_scope_options)
_backend_command(
    "app", "Get a list of all apps, or details of a specific app by name.",
    click.argument("name", required=False),
    click.option("--limit", type=int, default=100, help="Limit the number of apps to fetch when listing."),
    click.option("--only-mine", is_flag=True, help="Show only apps created by the current user (you)."),
    click.option("--status", type=click.Choice(["unassigned", "assigned", "pending", "stopped", "started", "failed",
                                                "active", "scaling_up", "scaling_down", "deploying"],
                                               case_sensitive=False), default=None,
                 help="Filter apps by deployment status."),
    *_scope_options)
_backend_command(
    "artifact", "Get a list of artifacts, or the versions of one artifact by name (and VERSION).",
    click.argument("name", required=False),
    click.argument("version", required=False),
    click.option("--limit", type=int, default=100, help="Limit the number of artifacts to fetch."),
    click.option("--kind", type=click.Choice(["model", "data", "generic"]), default=None, help="Only this kind."),
    click.option("--search", default=None, help="Only artifacts whose name or description contains this."),
    click.option("--partition", "partitions", multiple=True, help="key=value, key=a..b or key=a,b (repeatable)."),
    click.option("--attr", "attr_filters", multiple=True, help="An attribute filter key=value (repeatable)."),
    click.option("--created-after", type=click.DateTime(), default=None, help="Only artifacts created after this."),
    click.option("--latest-per-partition", is_flag=True, help="Only the latest version in each partition."),
    click.option("--source-run", default=None, help="Only artifacts produced by this run."),
    click.option("--source-action", default=None, help="Only artifacts produced by this action."),
    click.option("--source-external-ref", default=None, help="Only artifacts from this external reference."),
    *_scope_options)
_backend_command(
    "code", "List (or download with --dest) the code bundle a run's action ran.",
    click.argument("run_name"),
    click.argument("action_name", required=False),
    click.option("-o", "--dest", type=click.Path(file_okay=False), default=None,
                 help="Directory to download the code into."),
    click.option("--no-extract", is_flag=True, help="Keep the bundle as downloaded (a tarball)."),
    click.option("-a", "--attempt", type=int, default=None, help="The attempt whose bundle to get."),
    *_scope_options)
_backend_command(
    "condition", "The conditions a run's actions wait on.",
    click.argument("run_name"),
    click.argument("action_name", required=False),
    *_scope_options)
_backend_command(
    "settings", "The settings of the org, project or domain.",
    click.option("-o", "--to-file", type=click.Path(dir_okay=False), default=None, help="Write them to this file."),
    *_scope_options)
_backend_command(
    "trigger", "Get a list of all triggers, or details of a specific trigger by name.",
    click.argument("task_name", required=False),
    click.argument("name", required=False),
    click.option("--limit", type=int, default=100, help="Limit the number of triggers to fetch."),
    *_scope_options)
_backend_command(
    "devbox", "The state of the local devbox cluster.",
    click.option("--no-probes", is_flag=True, help="Skip the probes of the cluster's services."))

