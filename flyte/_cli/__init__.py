"""The `flyte` command: run tasks from files and look at what the store recorded.

    flyte run [--local] [--name N] [-e K=V] FILE TASK --param value ...
    flyte get runs | run NAME | actions RUN | io RUN ACTION
    flyte rerun RUN [--recover]
    flyte delete run NAME | local-cache
    flyte store check | recover
"""

from __future__ import annotations

import datetime
import json
import os
import sys
import time
from pathlib import Path
from typing import Any, Optional

import click

__all__ = ["main"]


def _console(stderr: bool = False) -> Any:
    from rich.console import Console

    return Console(stderr=stderr, highlight=False, soft_wrap=True)


def _fail(message: str) -> None:
    _console(stderr=True).print(f"[red]✕ {message}[/red]")
    sys.exit(1)


class _Main(click.Group):
    """Problems of the store (full, read-only, damaged) end any command with their message,
    which names the path and what to do, instead of a traceback."""

    def invoke(self, ctx: click.Context) -> Any:
        from .._store import StoreError

        try:
            return super().invoke(ctx)
        except StoreError as e:
            _fail(str(e))


@click.group(cls=_Main, context_settings={"help_option_names": ["-h", "--help"]})
@click.option("-v", "--verbose", count=True, help="More logging (repeat for more).")
@click.option("-c", "--config", "config", default=None, help="Accepted for compatibility; runs are local.")
@click.option("--endpoint", default=None, hidden=True)
@click.option("-of", "--output-format", default="table", type=click.Choice(["table", "json", "table-simple", "json-raw"]))
@click.pass_context
def main(ctx: click.Context, verbose: int, config: Optional[str], endpoint: Optional[str], output_format: str) -> None:
    """Run Flyte 2 tasks locally on a durable runtime and inspect their runs."""
    import logging

    level = logging.WARNING if verbose == 0 else (logging.INFO if verbose == 1 else logging.DEBUG)
    logging.basicConfig(level=level, format="%(levelname)s %(name)s: %(message)s")
    ctx.obj = {"output_format": output_format}


# -- run ----------------------------------------------------------------------------------------


def _parse_env(pairs: tuple) -> dict[str, str]:
    env: dict[str, str] = {}
    for pair in pairs:
        key, sep, value = pair.partition("=")
        if not sep or not key:
            raise click.BadParameter(f"{pair!r} must look like KEY=VALUE", param_hint="-e/--env")
        env[key] = value
    return env


def _task_command(task: Any, runner_opts: dict[str, Any], output_format: str) -> click.Command:
    from ._params import click_type, schema_help

    iface = task.interface
    iface.ensure_compiled()
    params: list[click.Parameter] = []
    for name in iface.names:
        tp = iface.input_types.get(name, Any)
        ctype, is_flag = click_type(tp)
        has_default = name in iface.defaults
        default = iface.defaults.get(name)
        help_text = schema_help(tp)
        opt = f"--{name}"
        # Only pass `default` when there is one: click treats an explicit default=None as a
        # value and would then skip the required check.
        extra_kw: dict[str, Any] = {"default": default} if has_default else {}
        decls = [f"{opt}/--no-{name}"] if is_flag else [opt]
        type_kw: dict[str, Any] = {} if is_flag else {"type": ctype}
        params.append(click.Option(decls, required=not has_default, help=help_text, show_default=has_default,
                                   **type_kw, **extra_kw))

    def callback(**kwargs: Any) -> None:
        import flyte

        inputs = {k: v for k, v in kwargs.items() if k in iface.names}
        start = time.time()
        from .._run import RunExistsError
        from .._store import StoreError

        replace = runner_opts.pop("replace", False)
        try:
            runner = flyte.with_runcontext(mode="local", **runner_opts)
            runner.replace = replace
            run = runner.run(task, **inputs)
        except (StoreError, RunExistsError) as e:
            _fail(str(e))
            return
        except Exception as e:
            code = getattr(e, "code", type(e).__name__)
            _fail(f"Execution failed: {code}: {e}")
            return
        outputs = run.outputs()
        if output_format.startswith("json"):
            click.echo(json.dumps({"run": run.name, "url": run.url, "phase": "SUCCEEDED",
                                   "outputs": {k: _jsonable(v) for k, v in outputs.named_outputs.items()}}))
            return
        console = _console()
        console.print(f"[green]✓ Completed local run[/green] [bold]{run.name}[/bold] in {time.time() - start:.2f}s")
        console.print(f"Path: {run.url}")
        console.print(f"Outputs: {outputs!r}", markup=False)

    return click.Command(name=task.short_name, params=params, callback=callback, help=task.__doc__ or f"Run task {task.name}.")


def _jsonable(value: Any) -> Any:
    try:
        json.dumps(value)
        return value
    except TypeError:
        return repr(value)


@main.command(
    "run",
    context_settings={
        "ignore_unknown_options": True,
        "allow_extra_args": True,
        "allow_interspersed_args": False,  # options after FILE belong to the task, not to `run`
        "help_option_names": [],
    },
)
@click.option("--local", is_flag=True, help="Run locally (the only mode of this runtime; accepted for compatibility).")
@click.option("--name", default=None, help="Run name. Reusing the name of a failed run resumes it; the name of "
              "a run that succeeded is refused unless --replace is given.")
@click.option("--replace", is_flag=True, help="With --name of a run that succeeded: delete its records and run it again.")
@click.option("--raw-data-path", default=None, help="Where new files and dataframes are written.")
@click.option("--run-base-dir", default=None, help="The run's directory (reports, passed files).")
@click.option("-e", "--env", "env", multiple=True, help="KEY=VALUE environment variable for every task of the run.")
@click.option("--overwrite-cache", is_flag=True, help="Run cached tasks again and replace their cached outputs.")
@click.option("--disable-run-cache", is_flag=True, help="Neither read nor write the cache in this run.")
@click.option("--executor", type=click.Choice(["local", "ray"]), default=None,
              help="Where sync task bodies run: in this process (default) or on a Ray cluster "
                   "(RAY_ADDRESS, else a local one; needs `pip install 'flyteshift[ray]'`). Same as $FLYTE_EXECUTOR.")
@click.option("-f", "--follow", is_flag=True, hidden=True)
@click.option("--tui", is_flag=True, hidden=True)
@click.option("-p", "--project", default=None, hidden=True)
@click.option("-d", "--domain", default=None, hidden=True)
@click.option("--help", "-h", "show_help", is_flag=True, help="Show this message (or, after TASK, the task's options).")
@click.argument("file", required=False)
@click.argument("task_name", required=False)
@click.pass_context
def run_cmd(ctx: click.Context, local: bool, name: Optional[str], replace: bool, raw_data_path: Optional[str],
            run_base_dir: Optional[str],
            env: tuple, overwrite_cache: bool, disable_run_cache: bool, executor: Optional[str], follow: bool, tui: bool,
            project: Optional[str],
            domain: Optional[str], show_help: bool, file: Optional[str], task_name: Optional[str]) -> None:
    """Run TASK from FILE with its inputs given as --param value options.

    Lists, dicts, dataclasses and pydantic models are passed as JSON. Without TASK, lists the
    tasks FILE defines."""
    extra = list(ctx.args)
    if executor is not None:
        from .._executor import ENV_VAR

        os.environ[ENV_VAR] = executor
        if executor == "ray":
            try:
                import ray  # noqa: F401
            except ImportError:
                _fail("--executor ray needs Ray: pip install 'flyteshift[ray]'")
                return
    if file is None:
        click.echo(ctx.get_help())
        if not show_help:
            ctx.exit(2)
        return
    from .._loader import load_module_from_file, tasks_in

    try:
        module = load_module_from_file(Path(file))
    except FileNotFoundError as e:
        _fail(str(e))
        return
    except Exception as e:
        _fail(f"Could not load {file}: {type(e).__name__}: {e}")
        return
    tasks = tasks_in(module)
    by_name = {**{t.short_name: t for t in tasks.values()}, **tasks}
    if task_name is None:
        click.echo(f"Tasks in {file}:")
        for var, t in sorted(tasks.items()):
            click.echo(f"  {var:24} {t.name}")
        return
    task = by_name.get(task_name)
    if task is None:
        _fail(f"{file} has no task named {task_name!r}; it has: {', '.join(sorted(tasks)) or 'none'}")
        return
    runner_opts: dict[str, Any] = {
        "name": name, "raw_data_path": raw_data_path, "run_base_dir": run_base_dir, "env_vars": _parse_env(env) or None,
        "overwrite_cache": overwrite_cache, "disable_run_cache": disable_run_cache, "replace": replace,
    }
    cmd = _task_command(task, runner_opts, ctx.obj.get("output_format", "table") if ctx.obj else "table")
    if show_help:
        extra.append("--help")
    try:
        cmd.main(args=extra, prog_name=f"flyte run {file} {task_name}", standalone_mode=False)
    except click.exceptions.Exit as e:
        ctx.exit(e.exit_code)
    except click.ClickException as e:
        e.show()
        ctx.exit(2)


# -- get ----------------------------------------------------------------------------------------


def _store() -> Any:
    from .._run import current_store

    return current_store()


def _when(ts: Optional[float]) -> str:
    return datetime.datetime.fromtimestamp(ts).strftime("%Y-%m-%d %H:%M:%S") if ts else ""


def _duration(start: Optional[float], end: Optional[float]) -> str:
    return f"{end - start:.2f}s" if start and end else ""


@main.group("get")
def get() -> None:
    """Show runs, actions and values from the local store."""


@get.command("runs")
@click.option("--limit", default=50, show_default=True)
@click.pass_context
def get_runs(ctx: click.Context, limit: int) -> None:
    """The most recent runs."""
    rows = [r._asdict() for r in _store().list_runs(limit)]
    if ctx.find_root().obj and ctx.find_root().obj.get("output_format", "").startswith("json"):
        click.echo(json.dumps([{k: r[k] for k in ("name", "task", "phase", "start_time", "end_time", "error_code")} for r in rows]))
        return
    from rich.table import Table

    table = Table("Run", "Task", "Phase", "Started", "Duration", "Error")
    for r in rows:
        table.add_row(r["name"], r["task"], r["phase"], _when(r["start_time"]), _duration(r["start_time"], r["end_time"]), r["error_code"] or "")
    _console().print(table)


@get.command("run")
@click.argument("name")
def get_run(name: str) -> None:
    """One run: phase, timing, inputs and outputs."""
    from .._run import Run

    store = _store()
    record = store.get_run(name)
    if record is None:
        _fail(f"No run named {name!r} in {store.home}")
    row = record._asdict()
    run = Run(name, store)
    console = _console()
    console.print(f"Run {name}: {row['phase']} ({row['task']}), started {_when(row['start_time'])}, took {_duration(row['start_time'], row['end_time'])}", markup=False)
    console.print(f"Inputs: {run.inputs()!r}", markup=False)
    if row["phase"] == "SUCCEEDED":
        console.print(f"Outputs: {run.outputs()!r}", markup=False)
    elif row["error"]:
        console.print(f"Error: {row['error_code']}\n{row['error']}", markup=False)


@get.command("actions")
@click.argument("run_name")
def get_actions(run_name: str) -> None:
    """The action tree of a run."""
    from rich.tree import Tree

    rows = [r._asdict() for r in _store().list_actions(run_name).actions]
    if not rows:
        _fail(f"Run {run_name!r} has no recorded actions")
    children: dict[Any, list[dict[str, Any]]] = {}
    for r in rows:
        children.setdefault(r["parent"], []).append(r)

    def label(r: dict[str, Any]) -> str:
        mark = {"SUCCEEDED": "[green]✓[/green]", "FAILED": "[red]✕[/red]", "TIMED_OUT": "[red]⏱[/red]"}.get(r["phase"], "…")
        extra = " $" if r["cache_status"] == "hit" else ""
        group = f" [dim]({r['group_name']})[/dim]" if r["group_name"] else ""
        attempts = f" x{r['attempts']}" if (r["attempts"] or 0) > 1 else ""
        return f"{mark}{extra} {r['short_name']}{group} [dim]{r['id']} {_duration(r['start_time'], r['end_time'])}{attempts}[/dim]"

    tree = Tree(f"run {run_name}")

    def add(node: Any, parent: Any) -> None:
        for r in children.get(parent, []):
            add(node.add(label(r)), r["id"])

    add(tree, None)
    _console().print(tree)


@get.command("io")
@click.argument("run_name")
@click.argument("action", default="a0")
def get_io(run_name: str, action: str) -> None:
    """Inputs and outputs of one action."""
    from .._serde import Codec

    store = _store()
    record = store.get_action(run_name, action)
    if record is None:
        _fail(f"Run {run_name!r} has no action {action!r}")
    row = record._asdict()
    codec = Codec(blob_loader=store.load_blob)
    console = _console()
    for what in ("inputs", "outputs"):
        data = row[what]
        if data is None:
            console.print(f"{what}: -", markup=False)
            continue
        try:
            console.print(f"{what}: {codec.unpack(data)!r}", markup=False)
        except Exception as e:
            console.print(f"{what}: <cannot decode here: {e}>", markup=False)


# -- rerun / delete -------------------------------------------------------------------------------


@main.command("rerun")
@click.argument("run_name")
@click.option("--recover", is_flag=True, help="Resume the run under its name: actions that already succeeded are "
              "replayed, not run again (a run that succeeded returns its outputs and runs nothing).")
@click.option("--force-rerun-action", "force", multiple=True, help="With --recover, run this action again anyway.")
def rerun_cmd(run_name: str, recover: bool, force: tuple) -> None:
    """Run a recorded run's task again with the same inputs."""
    import flyte

    from .._run import RunExistsError

    try:
        run = flyte.rerun(run_name, recover=recover, force_rerun_actions=list(force) or None)
    except (KeyError, LookupError, ImportError, RunExistsError) as e:
        _fail(str(e))
        return
    except Exception as e:
        _fail(f"Execution failed: {getattr(e, 'code', type(e).__name__)}: {e}")
        return
    _console().print(f"[green]✓[/green] {run.name}: Outputs: {run.outputs()!r}")


@main.group("delete")
def delete() -> None:
    """Remove runs or the task cache from the local store."""


@delete.command("run")
@click.argument("name")
def delete_run(name: str) -> None:
    store = _store()
    if store.get_run(name) is None:
        _fail(f"No run named {name!r}")
    store.delete_run(name)
    click.echo(f"Deleted run {name}")


@delete.command("local-cache")
def delete_cache() -> None:
    n = _store().clear_cache()
    click.echo(f"Removed {n} cache entries")


from ._store_cmd import store as _store_group  # noqa: E402

main.add_command(_store_group)
