"""Record the options of the real SDK's `flyte get` commands and of `flyte run`, for the
CLI-compatibility tests (tests/flyte/test_cli_sdk_options.py).

Run it with the *real* SDK's interpreter (never in this project's environment):

    /path/to/flyte-2.12.1-venv/bin/python scripts/dump_sdk_cli_get.py > tests/flyte/data/sdk_cli_get.json
"""

import json

import click
from flyte.cli.main import main


def describe(param: click.Parameter) -> dict:
    kind = param.type.name if isinstance(param.type, click.ParamType) else str(param.type)
    return {"opts": sorted(param.opts), "kind": "argument" if isinstance(param, click.Argument) else "option",
            "flag": bool(getattr(param, "is_flag", False)), "multiple": bool(param.multiple), "type": kind,
            "choices": list(getattr(param.type, "choices", []) or [])}


def commands() -> dict:
    ctx = click.Context(main)
    get = main.get_command(ctx, "get")
    get_ctx = click.Context(get, parent=ctx)
    out = {}
    for name in get.list_commands(get_ctx):
        command = get.get_command(get_ctx, name)
        if command is not None:
            out[name] = {p.name: describe(p) for p in command.params}
    return out


def run_options() -> dict:
    """`flyte run`'s own options (those before FILE), as the SDK's run group declares them."""
    run = main.get_command(click.Context(main), "run")
    return {p.name: describe(p) for p in run.params if p.name != "help"}


if __name__ == "__main__":
    import flyte

    print(json.dumps({"sdk_version": flyte.__version__, "get": commands(), "run": run_options()}, indent=1,
                     sort_keys=True))
