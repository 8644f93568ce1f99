"""A Ray worker killed (SIGKILL, by the body itself) mid-action: the attempt fails as WorkerLost and
is retried per the task's policy; a task without retries fails with a clear error; siblings that
finished stay recorded."""

import asyncio
import json
import os
import signal
import sys
from pathlib import Path

import flyte

env = flyte.TaskEnvironment(name="ray_kill")
MARKS = Path(sys.argv[1])


@env.task(retries=2)
def victim(i: int) -> str:
    mark = MARKS / f"victim-{i}"
    if not mark.exists():
        mark.write_text(str(os.getpid()))
        os.kill(os.getpid(), signal.SIGKILL)  # the worker process dies mid-action, as in an OOM kill
    return f"survived {i}"


@env.task
def fragile() -> str:
    os.kill(os.getpid(), signal.SIGKILL)
    return "never"


@env.task
def steady(i: int) -> int:
    return i * 10


@env.task
async def main() -> dict:
    steady_values = await asyncio.gather(*(steady.aio(i) for i in range(3)))
    out: dict = {"victim": await victim.aio(1), "steady": steady_values}
    try:
        await fragile.aio()
    except Exception as e:
        out["fragile"] = f"{type(e).__name__}: {e}"
    return out


if __name__ == "__main__":
    run = flyte.run(main)
    rows = [{k: a[k] for k in ("id", "task", "phase", "attempts")} for a in run.actions()]
    attempts = {}
    store = flyte._run.current_store()
    for a in rows:
        attempts[a["task"].rsplit(".", 1)[-1]] = [r.error for r in store.list_attempts(run.name, a["id"])]
    print("@@RESULT@@" + json.dumps({"out": run.outputs()[0], "actions": rows, "attempts": attempts, "run": run.name}))
