"""Flyte 1 `FileSensor`s become tasks that poll `flyte.storage.exists`.

Flyte 2 has no sensor tasks: a task that waits is an ordinary async task. A module-level
`NAME = FileSensor(name=..., timeout=...)` is written out as the task it stood for, polling once
a second as flytekit's local executor did, and any other arguments (`timeout`, `retries`, ...)
go to the task decorator. Like the ShellTask expansion (`_shell.py`), this runs on the source
before the analysis pass and writes *Flyte 1* code (`@flytekit.task`), so the rules migrate it
like any other task (environment, `await sensor.aio(path=...)` in workflows, `>>` ordering). A
`FileSensor(...)` it cannot read (positional arguments, `**kwargs`) is left as written, and the
catch-all rule reports it.

Before::

    sensor = FileSensor(name="wait_for_input", timeout=600)

After (then migrated)::

    @flytekit.task(timeout=600)
    async def sensor(path: str) -> None:
        \"\"\"Flyte 1 FileSensor "wait_for_input": waits until `path` exists.\"\"\"
        while not await flyte.storage.exists(path):
            await asyncio.sleep(1)
"""

from __future__ import annotations

from typing import Optional

import libcst as cst

from ._cst import code
from ._shell import _table, defs_for_assigned_calls, import_flytekit

# names the generated code reads; a user's own binding of one of them keeps the sensor as written
_NEEDED = {"asyncio", "flyte", "flytekit"}


def _function(target: str, call: cst.Call) -> Optional[cst.FunctionDef]:
    if any(a.keyword is None for a in call.args):
        return None
    args = {a.keyword.value: a.value for a in call.args}  # type: ignore[union-attr]
    if "name" not in args:
        return None
    rest = ", ".join(code(a.with_changes(comma=cst.MaybeSentinel.DEFAULT)) for a in call.args if a.keyword.value != "name")  # type: ignore[union-attr]
    decorator = f"@flytekit.task({rest})" if rest else "@flytekit.task"
    source = (
        f"{decorator}\n"
        f"async def {target}(path: str) -> None:\n"
        f'    """Flyte 1 FileSensor {code(args["name"])}: waits until `path` exists."""\n'
        "    while not await flyte.storage.exists(path):\n"
        "        await asyncio.sleep(1)\n"
    )
    return cst.ensure_type(cst.parse_statement(source), cst.FunctionDef)


def expand_file_sensors(module: cst.Module) -> Optional[cst.Module]:
    """The module with every readable module-level `NAME = FileSensor(...)` written out as a
    flytekit task, and the imports that code needs; None when there was none."""
    from .rules.imports import _place_stdlib, used_names

    table = _table(module)
    plain = {name for name, qualified in table.items() if name == qualified}
    if (used_names(module) & _NEEDED) - plain:
        return None  # a name of the user's own would shadow a module the new code needs
    body = defs_for_assigned_calls(module, table, "FileSensor", _function)
    if body is None:
        return None
    if "flytekit" not in plain:
        # `flyte` itself is imported by the migration, which gives every task an environment
        import_flytekit(body)
    _place_stdlib(body, [] if "asyncio" in plain else ["asyncio"])
    return module.with_changes(body=body)
