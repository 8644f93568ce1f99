"""`pyflyte run FILE ENTITY --input value ...`: run a task, workflow or launch plan locally.

Inputs become options from the entity's type hints: lists, dicts, dataclasses and pydantic models
as JSON, booleans as `--flag/--no-flag`, files and directories as paths. It prints
"Running Execution on local." and then the result, as pyflyte does.
"""

from __future__ import annotations

import dataclasses
import datetime
import enum
import inspect
import json
import os
import sys
import typing
from pathlib import Path
from typing import Any, Optional

import click

__all__ = ["main"]


def _coerce(value: Any, tp: Any) -> Any:
    origin = typing.get_origin(tp)
    args = typing.get_args(tp)
    if value is None:
        return None
    if origin is typing.Annotated:
        return _coerce(value, args[0])
    if origin is typing.Union or (origin is not None and type(tp).__name__ == "UnionType"):
        for arg in args:
            if arg is type(None):
                continue
            try:
                return _coerce(value, arg)
            except (TypeError, ValueError, KeyError):
                continue
        return value
    if origin is list:
        return [_coerce(v, args[0]) if args else v for v in value]
    if origin is dict:
        return {_coerce(k, args[0]) if args else k: _coerce(v, args[1]) if len(args) > 1 else v for k, v in value.items()}
    if isinstance(tp, type):
        if dataclasses.is_dataclass(tp) and isinstance(value, dict):
            hints = typing.get_type_hints(tp)
            return tp(**{k: _coerce(v, hints.get(k, Any)) for k, v in value.items()})
        if hasattr(tp, "model_validate") and isinstance(value, dict):
            return tp.model_validate(value)
        if issubclass(tp, enum.Enum):
            return tp(value)
        if tp is datetime.datetime and isinstance(value, str):
            return datetime.datetime.fromisoformat(value)
        if tp is datetime.date and isinstance(value, str):
            return datetime.date.fromisoformat(value)
        if tp is datetime.timedelta and isinstance(value, (int, float, str)):
            return datetime.timedelta(seconds=float(value))
        if tp is float and isinstance(value, (int, str)) and not isinstance(value, bool):
            return float(value)  # a CLI option's text, or an int written for a float
        hook = getattr(tp, "_flytekit_coerce", None)
        if hook is not None and isinstance(value, str):
            if tp.__name__ == "StructuredDataset":
                import pandas as pd

                frame = pd.read_parquet(value) if value.endswith(".parquet") else pd.read_csv(value)
                return typing.cast(Any, tp)(dataframe=frame)  # StructuredDataset(dataframe=...)
            return hook(value)
    return value


class _Json(click.ParamType):
    name = "json"

    def __init__(self, tp: Any):
        self.tp = tp

    def convert(self, value: Any, param: Any, ctx: Any) -> Any:
        if not isinstance(value, str):
            return value
        try:
            parsed = json.loads(value)
        except json.JSONDecodeError as e:
            self.fail(f"{value!r} is not valid JSON: {e}", param, ctx)
        try:
            return _coerce(parsed, self.tp)
        except Exception as e:
            self.fail(f"{value!r} does not fit {self.tp}: {e}", param, ctx)


class _Scalar(click.ParamType):
    def __init__(self, tp: Any):
        self.tp = tp
        self.name = getattr(tp, "__name__", "value").lower()

    def convert(self, value: Any, param: Any, ctx: Any) -> Any:
        try:
            return _coerce(value, self.tp)
        except Exception as e:
            self.fail(f"{value!r} is not a valid {self.name}: {e}", param, ctx)


def _click_type(tp: Any) -> tuple:
    origin = typing.get_origin(tp)
    args = typing.get_args(tp)
    if origin is typing.Annotated:
        return _click_type(args[0])
    if origin is typing.Union or (origin is not None and type(tp).__name__ == "UnionType"):
        members = [a for a in args if a is not type(None)]
        return _click_type(members[0]) if len(members) == 1 else (_Json(tp), False)
    if tp is bool:
        return click.BOOL, True
    if tp is int:
        return click.INT, False
    if tp is float:
        return _Scalar(float), False
    if tp is str:
        return click.STRING, False
    if isinstance(tp, type) and (issubclass(tp, enum.Enum) or tp in (datetime.datetime, datetime.date, datetime.timedelta)):
        return _Scalar(tp), False
    if isinstance(tp, type) and hasattr(tp, "_flytekit_coerce"):
        return _Scalar(tp), False
    return _Json(tp), False


def find_project_root(source_path: Path) -> Path:
    """The first directory above `source_path` that is not a package (has no `__init__.py`)."""
    path = source_path.parent.resolve()
    while (path / "__init__.py").exists():
        path = path.parent
    return path


def _load(file: str) -> Any:
    """Imports FILE as pyflyte does: as a module of the working directory when it lies under it
    (`pkg/flows/wf.py` is `pkg.flows.wf`), else of its project root (the first directory above it
    that is not a package). So relative imports and imports of its own package work, and entity
    names are the ones flytekit gives them."""
    path = Path(file).resolve()
    if not path.is_file():
        raise click.ClickException(f"No such file: {file}")
    cwd = Path.cwd().resolve()
    root = cwd if path.is_relative_to(cwd) else find_project_root(path)
    module_name = ".".join(path.relative_to(root).with_suffix("").parts)
    if str(root) not in sys.path:
        sys.path.insert(0, str(root))
    import importlib

    try:
        return importlib.import_module(module_name)
    except ModuleNotFoundError as e:
        if e.name and module_name.startswith(e.name) and e.name != module_name:
            raise click.ClickException(
                f"Cannot import {file} as module {module_name!r} from {root}: {e}. A file inside a package is "
                "imported with its package; run pyflyte from the project root, or add the missing __init__.py."
            ) from None
        raise


def _entities(module: Any) -> dict[str, Any]:
    from ._entity import Entity

    return {k: v for k, v in vars(module).items() if isinstance(v, Entity)}


def _entity_command(name: str, entity: Any) -> click.Command:
    iface = entity.python_interface
    params: list[click.Parameter] = []
    for pname, (tp, default) in iface.inputs_with_defaults.items():
        ctype, is_flag = _click_type(tp)
        has_default = default is not inspect.Parameter.empty
        extra: dict[str, Any] = {"default": default} if has_default else {}
        if is_flag:
            params.append(click.Option([f"--{pname}/--no_{pname}"], required=not has_default, show_default=has_default, **extra))
        else:
            params.append(click.Option([f"--{pname}"], type=ctype, required=not has_default, show_default=has_default, **extra))
    params.append(click.Option(["--inputs-file"], type=click.Path(exists=True, dir_okay=False), default=None,
                               help="Path to a YAML | JSON file containing inputs for the workflow."))

    def callback(**kwargs: Any) -> None:
        inputs_file = kwargs.pop("inputs_file", None)
        if inputs_file:
            text = Path(inputs_file).read_text()
            try:
                data = json.loads(text)
            except json.JSONDecodeError:
                import yaml  # type: ignore[import-untyped]

                data = yaml.safe_load(text)
            for k, v in data.items():
                kwargs[k] = _coerce(v, iface.inputs.get(k, Any))
        click.echo("Running Execution on local.")
        from flyte._extension import live_progress

        with live_progress():  # the run's live tree, on a terminal (as `flyte run` shows it)
            result = entity(**kwargs)
            if inspect.iscoroutine(result):
                import asyncio

                result = asyncio.run(result)
        if result is not None:
            click.echo(result)

    return click.Command(name=name, params=params, callback=callback, help=f"{type(entity).__name__} ({entity.name})")


def _normalise_bool_args(args: list[str]) -> list[str]:
    # pyflyte accepts both --no-flag and --no_flag.
    return [f"--no_{a[5:]}" if a.startswith("--no-") else a for a in args]


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.option("-v", "--verbose", count=True)
@click.option("-c", "--config", default=None, help="Accepted for compatibility; runs are local.")
def main(verbose: int, config: Optional[str]) -> None:
    """pyflyte: run flytekit workflows and tasks locally on the flyte runtime."""


@main.command("run", context_settings={"ignore_unknown_options": True, "allow_extra_args": True,
                                       "allow_interspersed_args": False, "help_option_names": []})
@click.option("--remote", is_flag=True, help="Not available: this runtime runs locally.")
@click.option("-p", "--project", default=None, hidden=True)
@click.option("-d", "--domain", default=None, hidden=True)
@click.option("--name", default=None, hidden=True)
@click.option("--help", "-h", "show_help", is_flag=True)
@click.argument("file", required=False)
@click.argument("entity_name", required=False)
@click.pass_context
def run(ctx: click.Context, remote: bool, project: Optional[str], domain: Optional[str], name: Optional[str],
        show_help: bool, file: Optional[str], entity_name: Optional[str]) -> None:
    """Run ENTITY (a task, workflow or launch plan) from FILE."""
    if remote:
        raise click.ClickException("--remote needs a Flyte backend; this runtime runs everything locally")
    if file is None:
        click.echo(ctx.get_help())
        return
    module = _load(file)
    entities = _entities(module)
    if entity_name is None:
        click.echo(f"Entities in {file}:")
        for k in sorted(entities):
            click.echo(f"  {k}")
        return
    entity = entities.get(entity_name)
    if entity is None:
        raise click.ClickException(f"{file} has no task, workflow or launch plan named {entity_name!r}")
    cmd = _entity_command(entity_name, entity)
    args = _normalise_bool_args(list(ctx.args)) + (["--help"] if show_help else [])
    try:
        cmd.main(args=args, prog_name=f"pyflyte run {file} {entity_name}", standalone_mode=False)
    except click.exceptions.Exit as e:
        ctx.exit(e.exit_code)
    except click.ClickException:
        raise
    except Exception as e:
        click.echo(f"{type(e).__name__}: {e}", err=True)
        if os.environ.get("FLYTE_SDK_RICH_TRACEBACKS", "1") != "0":
            import traceback

            traceback.print_exc()
        ctx.exit(1)
