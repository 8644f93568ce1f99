"""Running a program file in a fresh interpreter, as a user would, and reading back its run."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path
from typing import Any, Optional

_DRIVER = textwrap.dedent(
    """
    import json, sys
    import flyte
    from flyte._loader import load_module_from_file
    path, task_name, kwargs = sys.argv[1], sys.argv[2], json.loads(sys.argv[3])
    module = load_module_from_file(path)
    run = flyte.run(getattr(module, task_name), **kwargs)
    actions = [
        {k: a[k] for k in ("id", "parent", "task", "short_name", "group_name", "kind", "phase", "attempts", "cache_status")}
        for a in run.actions()
    ]
    print("@@RESULT@@" + json.dumps({"output": run.outputs()[0], "run": run.name, "actions": actions}, default=repr))
    """
)


def run_file(path: Path, task: str, home: Path, env: Optional[dict[str, str]] = None, timeout: float = 120, **kwargs: Any) -> dict[str, Any]:
    """Run `task` from the file at `path` in a subprocess; returns its output and recorded actions."""
    full_env = {**os.environ, "FLYTE_HOME": str(home), **(env or {})}
    proc = subprocess.run(
        [sys.executable, "-c", _DRIVER, str(path), task, json.dumps(kwargs)],
        capture_output=True, text=True, env=full_env, timeout=timeout,
    )
    if proc.returncode != 0:
        raise AssertionError(f"{path.name}:{task} failed (rc={proc.returncode}):\n{proc.stdout}\n{proc.stderr}")
    line = next(ln for ln in proc.stdout.splitlines() if ln.startswith("@@RESULT@@"))
    result = json.loads(line[len("@@RESULT@@"):])
    result["stdout"] = proc.stdout
    return result
