"""A cancelled parent, and a parent that times out, cancel their children's Ray tasks: the
children's workers stop, and nothing they would have done afterwards happens."""

import asyncio
import json
import os
import sys
import time
from datetime import timedelta
from pathlib import Path

import flyte

env = flyte.TaskEnvironment(name="ray_cancel")
MARKS = Path(sys.argv[1])


@env.task
def stuck(i: int) -> int:
    (MARKS / f"started-{i}").write_text(str(os.getpid()))
    while not (MARKS / "release").exists():  # released only if the test wants it: never here
        time.sleep(0.05)
    (MARKS / f"finished-{i}").touch()
    return i


@env.task
async def parent(n: int) -> list[int]:
    return list(await asyncio.gather(*(stuck.aio(i) for i in range(n))))


@env.task(timeout=timedelta(seconds=3))
async def timed_parent(n: int) -> list[int]:
    return list(await asyncio.gather(*(stuck.aio(100 + i) for i in range(n))))


def _alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state not in ("Z", "X")


@env.task
async def main(n: int) -> dict:
    running = asyncio.ensure_future(parent(n))
    while len(list(MARKS.glob("started-*"))) < n:  # every child runs on a worker
        if running.done():
            return {"outcome": f"parent ended early: {running.result()!r}"}
        await asyncio.sleep(0.05)
    running.cancel()
    try:
        await running
        cancelled = "finished"
    except asyncio.CancelledError:
        cancelled = "cancelled"
    try:
        await timed_parent(n)
        outcome = "finished"
    except flyte.errors.TaskTimeoutError as e:
        outcome = type(e).__name__
    # While this driver is still connected (so Ray has no reason of its own to stop them), the
    # children's worker processes must go away: the cancel stopped their Ray tasks.
    pids = [int((MARKS / f"started-{i}").read_text()) for i in range(n)]
    deadline = time.monotonic() + 60
    while any(_alive(p) for p in pids) and time.monotonic() < deadline:
        await asyncio.sleep(0.1)
    return {"cancelled": cancelled, "outcome": outcome, "started": len(pids),
            "stopped": not any(_alive(p) for p in pids)}


if __name__ == "__main__":
    run = flyte.run(main, n=2)
    rows = [{k: a[k] for k in ("task", "phase")} for a in run.actions()]
    print("@@RESULT@@" + json.dumps({"out": run.outputs()[0], "actions": rows}))
