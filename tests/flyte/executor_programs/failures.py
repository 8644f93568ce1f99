"""Retries, errors crossing back to a worker, and timeouts, with bodies on workers (Ray, worker processes)."""

import json
import os
import sys
import time
from datetime import timedelta
from pathlib import Path

import flyte
import flyte.errors

env = flyte.TaskEnvironment(name="ray_failures")
MARKS = Path(sys.argv[1])


@env.task(retries=2)
def flaky(x: int) -> int:
    mark = MARKS / f"flaky-{x}"
    attempts = int(mark.read_text()) + 1 if mark.exists() else 1
    mark.write_text(str(attempts))
    if attempts < 2:
        raise ConnectionError(f"attempt {attempts} failed")
    return x + attempts


@env.task
def broken(x: int) -> int:
    raise ValueError(f"broken {x}")


@env.task
def catcher(x: int) -> str:
    try:
        broken(x)
    except flyte.errors.RuntimeUserError as e:
        return f"caught {e.code} on pid {os.getpid()}"
    return "not caught"


@env.task(timeout=timedelta(seconds=1))
def sleepy() -> str:
    time.sleep(60)
    return "woke"


@env.task
async def main() -> dict:
    out = {"flaky": await flaky.aio(1), "catcher": await catcher.aio(3)}
    start = time.monotonic()
    try:
        await sleepy.aio()
    except flyte.errors.TaskTimeoutError as e:
        out["timeout"] = type(e).__name__
    out["timeout_seconds"] = time.monotonic() - start
    return out


if __name__ == "__main__":
    run = flyte.run(main)
    rows = [{k: a[k] for k in ("task", "phase", "attempts")} for a in run.actions()]
    print(json.dumps({"out": run.outputs()[0], "actions": rows, "driver": os.getpid()}))
