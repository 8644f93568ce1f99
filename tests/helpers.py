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


class Rendezvous:
    """Task bodies meet here to prove they overlap, without timing anything.

    Each body that arrives waits until `size` bodies are inside at once (or every one of the
    `total` expected has arrived, for a last, smaller group), then all of them go on. `peak` is
    the most that were ever inside together. A runtime that ran the bodies one after another
    would never fill a meeting: the first body gives up after `patience` seconds and the test
    fails (slowly), instead of passing or failing by luck under load.
    """

    def __init__(self, size: int = 1, total: int = 1, patience: float = 60.0):
        import threading

        self._cond = threading.Condition()
        self.patience = patience
        self.reset(size, total)

    def reset(self, size: int, total: int) -> None:
        with self._cond:
            self.size, self.total = size, total
            self.inside = self.arrived = self.peak = self.generation = 0

    def _arrive(self) -> int:
        with self._cond:
            self.inside += 1
            self.arrived += 1
            self.peak = max(self.peak, self.inside)
            generation = self.generation
            if self.inside >= self.size or self.arrived >= self.total:
                self.generation += 1  # this meeting is full: everyone in it goes on
                self._cond.notify_all()
            return generation

    def _leave(self) -> None:
        with self._cond:
            self.inside -= 1

    def _missed(self) -> AssertionError:
        return AssertionError(f"only {self.inside} of {self.size} bodies met within {self.patience}s: they did not overlap")

    def meet(self) -> None:
        """For sync bodies: arrive, wait for the meeting to fill, leave."""
        generation = self._arrive()
        try:
            with self._cond:
                if not self._cond.wait_for(lambda: self.generation > generation, self.patience):
                    raise self._missed()
        finally:
            self._leave()

    async def meet_async(self) -> None:
        """For async bodies (which may run on different event loops): polls, yielding each time."""
        import asyncio
        import time

        generation = self._arrive()
        try:
            deadline = time.monotonic() + self.patience
            while self.generation <= generation:
                if time.monotonic() > deadline:
                    raise self._missed()
                await asyncio.sleep(0.001)
        finally:
            self._leave()
