"""The `flyte` command: run tasks from files and look at what the store recorded.

    flyte run [--local] [--name N] [-e K=V] FILE TASK --param value ...
    flyte get runs | run [NAME] | actions RUN [ACTION] | io RUN [ACTION] | logs RUN [ACTION] [-f]
    flyte get task [NAME [VERSION]] | project [NAME] | config   (and the SDK's backend-only ones, which say so)
    flyte rerun RUN [--recover]
    flyte delete run NAME | local-cache
    flyte ui [--port P] [--host H]
    flyte store check | recover
"""

from __future__ import annotations

import json
import os
import sys
import time
from pathlib import Path
from typing import Any, Optional

import click

from ._format import FORMATS, console, fail
from ._get import get

__all__ = ["main"]

_console = console
_fail = fail


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
@click.option("-v", "--verbose", count=True, help="More logging and whole tracebacks (repeat for more).")
@click.option("-c", "--config", "config", default=None,
              help="The configuration file (`flyte get config` shows what it resolves to); runs are local.")
@click.option("--endpoint", default=None, hidden=True)
@click.option("-of", "--output-format", default="table", type=click.Choice(FORMATS))
@click.option("--no-progress", is_flag=True, help="No live view of runs, even in a terminal.")
@click.pass_context
def main(ctx: click.Context, verbose: int, config: Optional[str], endpoint: Optional[str], output_format: str,
         no_progress: bool) -> None:
    """Run Flyte 2 tasks locally on a durable runtime and inspect their runs."""
    import logging

    level = logging.WARNING if verbose == 0 else (logging.INFO if verbose == 1 else logging.DEBUG)
    logging.basicConfig(level=level, format="%(levelname)s %(name)s: %(message)s")
    ctx.obj = {"output_format": output_format, "verbose": verbose, "progress": not no_progress, "config": config}


from . import _get_other  # noqa: E402,F401  (the SDK's other `flyte get` commands join the group)

main.add_command(get)


# -- run ----------------------------------------------------------------------------------------


def _parse_env(pairs: tuple, hint: str = "-e/--env") -> dict[str, str]:
    env: dict[str, str] = {}
    for pair in pairs:
        key, sep, value = pair.partition("=")
        if not sep or not key:
            raise click.BadParameter(f"{pair!r} must look like KEY=VALUE", param_hint=hint)
        env[key] = value
    return env


def _parse_images(values: tuple) -> dict[str, str]:
    """`--image NAME=URI` or `--image URI` (the default image), as the SDK reads them: what
    `Image.from_ref_name(NAME)` would resolve to on a backend."""
    images: dict[str, str] = {}
    for value in values:
        name, sep, uri = value.partition("=")
        if not sep:
            name, uri = "default", value
        if not name or not uri:
            raise click.BadParameter(f"{value!r} must look like NAME=IMAGE_URI or IMAGE_URI", param_hint="--image")
        images[name] = uri
    return images


def _warn_run_options(given: dict[str, Any]) -> None:
    """The SDK's `flyte run` options that have no local meaning, each said on stderr with the
    reason `with_runcontext` gives for the same parameter (they are not passed on, so it is said
    once)."""
    from .._run import INIT_UNUSED, RUNCONTEXT_UNUSED
    from ._format import warn

    reasons = {  # with_runcontext's own reason where it takes the same parameter
        **{name: RUNCONTEXT_UNUSED[name] for name in given if name in RUNCONTEXT_UNUSED},
        "no_sync_local_sys_paths": INIT_UNUSED["sync_local_sys_paths"],
        "run_project": "it applies to `flyte run deployed-task`; -p/--project sets a local run's project",
        "run_domain": "it applies to `flyte run deployed-task`; -d/--domain sets a local run's domain",
        "image": INIT_UNUSED["images"] + "; recorded with the run (flyte get run NAME)",
    }
    for name, value in given.items():
        flag = f"--{name.replace('_', '-')}"
        shown = "" if value is True else " " + " ".join(value) if isinstance(value, tuple) else f" {value}"
        warn(f"{flag}{shown} has no effect on a local run: {reasons[name]}")


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

        from .._run import _new_run_name

        inputs = {k: v for k, v in kwargs.items() if k in iface.names}
        opts = dict(runner_opts)
        live_wanted = opts.pop("live", False)
        progress = opts.pop("progress", True)
        verbose = opts.pop("verbose", 0)
        name = opts["name"] = opts.get("name") or _new_run_name()  # known even when the run fails
        start = time.time()
        from .._run import RunExistsError
        from .._store import StoreError

        replace = opts.pop("replace", False)
        images = opts.pop("images", {})
        out = _console()
        live = _live_view(name, out, live_wanted, progress, output_format)
        try:
            with live.shown(out) if live is not None else _nothing():
                runner = flyte.with_runcontext(mode="local", **opts)
                runner.replace = replace
                runner.images = images
                run = runner.run(task, **inputs)
        except (StoreError, RunExistsError) as e:  # the store or the name, not the user's code: no traceback
            _fail(str(e))
            return
        except Exception as e:
            _report_failure(name, e, output_format, time.time() - start, verbose)
            return
        outputs = run.outputs()
        if output_format.startswith("json"):
            click.echo(json.dumps({"run": run.name, "url": run.url, "phase": "SUCCEEDED",
                                   "outputs": {k: _jsonable(v) for k, v in outputs.named_outputs.items()}}))
            return
        from rich.markup import escape

        out.print(f"[green]✓ Completed local run[/green] [bold]{escape(run.name)}[/bold] in {time.time() - start:.2f}s")
        out.print(f"Path: {run.url}", markup=False)
        out.print(f"Outputs: {outputs!r}", markup=False)

    return click.Command(name=task.short_name, params=params, callback=callback, help=task.__doc__ or f"Run task {task.name}.")


class _nothing:
    def __enter__(self) -> None:
        return None

    def __exit__(self, *exc: Any) -> None:
        return None


def _live_view(name: str, out: Any, wanted: bool, progress: bool, output_format: str) -> Any:
    """The live tree for `flyte run` when it can be shown: on a terminal, in table output, and
    not turned off with --no-progress."""
    if not progress or output_format != "table" or not out.is_terminal:
        if wanted and not out.is_terminal:
            click.echo("(--tui: the live view needs a terminal; showing plain output)", err=True)
        return None
    from .._live import LiveRun

    return LiveRun(name)


def _report_failure(name: str, error: BaseException, output_format: str, elapsed: float, verbose: int = 0) -> None:
    """A failed `flyte run`: the run's name, the action that failed and the user's traceback
    (the whole one with -v), or all of it as JSON; exits 1."""
    from .._run import current_store
    from ._get import _action_json, _error_block, failing_action

    store = current_store()
    record = store.get_run(name)
    origin = failing_action(store, name) if record is not None else None
    code = getattr(error, "code", type(error).__name__)
    if output_format.startswith("json"):
        click.echo(json.dumps({
            "run": name, "phase": str(record.phase) if record is not None else "FAILED", "error_code": code,
            "error": str(error), "traceback": (origin.error if origin is not None else None) or (record and record.error),
            "failed_action": _action_json(store, origin, with_values=False) if origin is not None else None,
        }, default=str))
        sys.exit(1)
    from rich.console import Group
    from rich.markup import escape

    err = _console(stderr=True)
    # "Execution failed" as the SDK says it; then which run, where, and the user's traceback
    parts: list[Any] = [f"[red]✕ Execution failed: {escape(str(code))}: {escape(str(error))}[/red]",
                        f"Run [bold]{escape(name)}[/bold] failed after {elapsed:.2f}s"]
    if record is not None:
        parts.extend(_error_block(name, origin, record.error_code, record.error, full=verbose > 0))
        parts.append(f"[dim]The run: flyte get run {escape(name)}; resume it: flyte run --name {escape(name)} ...[/dim]")
    err.print(Group(*parts))
    sys.exit(1)


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
@click.option("--executor", type=click.Choice(["local", "process", "ray"]), default=None,
              help="Where sync task bodies run: in this process (default), in a pool of worker processes, or on "
                   "a Ray cluster (RAY_ADDRESS, else a local one; needs `pip install 'flyteshift[ray]'`). "
                   "Same as $FLYTE_EXECUTOR.")
@click.option("--max-workers", type=click.IntRange(min=1), default=None,
              help="With --executor process: how many bodies compute at once (default: one per CPU). "
                   "Same as $FLYTE_MAX_WORKERS.")
@click.option("-f", "--follow", is_flag=True,
              help="Accepted for compatibility: a local run always runs in the foreground, its output shown as it "
                   "comes.")
@click.option("--tui", is_flag=True, help="Show the run's live tree (the default in a terminal).")
@click.option("-p", "--project", default=None, help="The run's project (seen in flyte.ctx()).")
@click.option("-d", "--domain", default=None, help="The run's domain (seen in flyte.ctx()).")
@click.option("--label", "labels", multiple=True, help="KEY=VALUE label recorded with the run (repeatable; shown by "
              "`flyte get run`, selected by `flyte get run --with-label`, read by flyte.remote.Run.labels).")
@click.option("--root-dir", default=None, help="The directory FILE's modules are imported from (put on sys.path).")
@click.option("--tracked", is_flag=True, help="Accepted for compatibility: every local run is recorded in the store.")
# The SDK's options that have no local meaning: taken, and warned about when given.
@click.option("--copy-style", type=click.Choice(["loaded_modules", "all", "none", "custom"]), default="loaded_modules",
              help="Code bundling on a backend (no effect locally: a warning).")
@click.option("--version", default=None, help="The code version on a backend (no effect locally: a warning).")
@click.option("--service-account", default=None, help="The run's service account on a backend (a warning locally).")
@click.option("--tracked-strict", is_flag=True, help="With --tracked: strict reporting (a warning locally).")
@click.option("--image", "images", multiple=True, help="NAME=IMAGE_URI, or IMAGE_URI for the default image "
              "(repeatable): checked and recorded with the run; no images are used locally (a warning).")
@click.option("--no-sync-local-sys-paths", is_flag=True, help="Container sys.path sync on a backend (a warning locally).")
@click.option("--run-project", default=None, help="For `flyte run deployed-task` on a backend (a warning here).")
@click.option("--run-domain", default=None, help="For `flyte run deployed-task` on a backend (a warning here).")
@click.option("--debug", is_flag=True, help="A VS Code debug server on a backend (a warning locally).")
@click.option("--max-action-concurrency", type=click.IntRange(min=0), default=None,
              help="Concurrent actions of a remote run (a warning locally, as with_runcontext gives).")
@click.option("--queue", default=None, help="The backend queue (cluster) of the run (a warning locally).")
@click.option("--help", "-h", "show_help", is_flag=True, help="Show this message (or, after TASK, the task's options).")
@click.argument("file", required=False)
@click.argument("task_name", required=False)
@click.pass_context
def run_cmd(ctx: click.Context, local: bool, name: Optional[str], replace: bool, raw_data_path: Optional[str],
            run_base_dir: Optional[str],
            env: tuple, overwrite_cache: bool, disable_run_cache: bool, executor: Optional[str],
            max_workers: Optional[int], follow: bool, tui: bool,
            project: Optional[str],
            domain: Optional[str], labels: tuple, root_dir: Optional[str], tracked: bool, copy_style: str,
            version: Optional[str], service_account: Optional[str], tracked_strict: bool, images: tuple,
            no_sync_local_sys_paths: bool, run_project: Optional[str], run_domain: Optional[str], debug: bool,
            max_action_concurrency: Optional[int], queue: Optional[str], show_help: bool, file: Optional[str],
            task_name: Optional[str]) -> None:
    """Run TASK from FILE with its inputs given as --param value options.

    Lists, dicts, dataclasses and pydantic models are passed as JSON. Without TASK, lists the
    tasks FILE defines."""
    extra = list(ctx.args)
    if tracked_strict and not tracked:
        raise click.UsageError("--tracked-strict requires --tracked")
    parsed_labels = _parse_env(labels, "--label")
    parsed_images = _parse_images(images)
    unused = {"copy_style": copy_style if copy_style != "loaded_modules" else None, "version": version,
              "service_account": service_account, "tracked_strict": tracked_strict or None, "image": images or None,
              "no_sync_local_sys_paths": no_sync_local_sys_paths or None, "run_project": run_project,
              "run_domain": run_domain, "debug": debug or None, "max_action_concurrency": max_action_concurrency,
              "queue": queue}
    if file is not None and not show_help:
        _warn_run_options({k: v for k, v in unused.items() if v is not None})
    if root_dir is not None:
        root = str(Path(root_dir).resolve())
        if root not in sys.path:
            sys.path.insert(0, root)
    if max_workers is not None:
        from .._executor import MAX_WORKERS_ENV_VAR

        os.environ[MAX_WORKERS_ENV_VAR] = str(max_workers)
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
        "project": project, "domain": domain, "labels": parsed_labels or None, "images": parsed_images,
        "live": tui, "progress": ctx.obj.get("progress", True) if ctx.obj else True,
        "verbose": ctx.obj.get("verbose", 0) if ctx.obj else 0,
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


def _store() -> Any:
    from .._run import current_store

    return current_store()


@delete.command("run")
@click.argument("names", nargs=-1, required=True)
def delete_run(names: tuple) -> None:
    """Remove runs: their records, logs, reports and files (under $FLYTE_HOME/runs/NAME)."""
    from .._store import run_directory

    store = _store()
    for name in names:
        record = store.get_run(name)
        if record is None:
            _fail(f"No run named {name!r} in {store.home}")
        if record.phase == "RUNNING" and store.owner_alive(record.owner):
            _fail(f"Run {name!r} is still running (process {record.owner}); it can be deleted once it ends")
        store.delete_run(name)
        where = run_directory(store.home, name)
        click.echo(f"Deleted run {name}" + (f" and its files ({where})" if where is not None else ""))


@delete.command("local-cache")
def delete_cache() -> None:
    n = _store().clear_cache()
    click.echo(f"Removed {n} cache entries")


# -- ui -------------------------------------------------------------------------------------------


@main.command("ui")
@click.option("--port", default=8765, show_default=True, help="The port to serve on.")
@click.option("--host", default="127.0.0.1", show_default=True,
              help="The address to listen on. Anything but localhost lets other machines read your runs.")
@click.option("--allow-changes", is_flag=True,
              help="Let the UI delete and rerun runs (each behind a confirmation); read-only without it.")
@click.option("--open/--no-open", "open_browser", default=False, help="Open a browser on the UI.")
def ui_cmd(port: int, host: str, allow_changes: bool, open_browser: bool) -> None:
    """Serve a web UI over the local store: runs, action trees, timelines, values, errors and logs."""
    try:
        from .._ui import serve
    except ImportError as e:
        _fail(f"flyte ui needs Starlette, uvicorn and Jinja2 ({e.name} is missing): pip install 'flyteshift[ui]'")
        return
    serve(_store(), host=host, port=port, allow_changes=allow_changes, open_browser=open_browser)


from ._store_cmd import store as _store_group  # noqa: E402

main.add_command(_store_group)
