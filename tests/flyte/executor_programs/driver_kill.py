"""The driver of a run on Ray, killed (SIGKILL, by the test) while an action runs; `flyte rerun
--recover` finishes the run and runs again only what had not finished."""

import asyncio
import os
import sys
import time
from pathlib import Path

import flyte

# read on the driver (first run and `flyte rerun`); the driver's value reaches the bodies on the workers
env = flyte.TaskEnvironment(name="ray_driver_kill", env_vars={"MARKS": os.environ.get("MARKS", "")})


def _mark(name: str) -> None:
    marks = Path(os.environ["MARKS"])
    n = len(list(marks.glob(f"{name}-*")))
    (marks / f"{name}-{n}").touch()


@env.task
def done(i: int) -> int:
    _mark(f"done{i}")
    return i


@env.task
def hang() -> str:
    _mark("hang")
    marks = Path(os.environ["MARKS"])
    while not (marks / "release").exists():  # the first driver is killed while this waits
        time.sleep(0.05)
    return "released"


@env.task
async def main(n: int) -> dict:
    values = await asyncio.gather(*(done.aio(i) for i in range(n)))
    return {"values": list(values), "hang": await hang.aio()}


if __name__ == "__main__":
    flyte.with_runcontext(name=sys.argv[1]).run(main, n=4)
