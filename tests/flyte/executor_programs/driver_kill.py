"""The driver of a run on Ray, killed (SIGKILL, by the test) while an action runs; `flyte rerun
--recover` finishes the run and runs again only what had not finished. Every action writes a File
into the run's raw data path (argv[2], an S3 URL): the recovered run must read the first driver's
files and write its own next to them, although `flyte rerun` is told nothing of that path."""

import asyncio
import os
import sys
import time
from pathlib import Path

import flyte
from flyte.io import File

# read on the driver (first run and `flyte rerun`); the driver's value reaches the bodies on the workers
env = flyte.TaskEnvironment(name="ray_driver_kill", env_vars={"MARKS": os.environ.get("MARKS", "")})


def _mark(name: str) -> None:
    marks = Path(os.environ["MARKS"])
    n = len(list(marks.glob(f"{name}-*")))
    (marks / f"{name}-{n}").touch()


def _write(name: str, text: str) -> File:
    f = File.new_remote(f"{name}.txt")
    with f.open_sync("wb") as fh:
        fh.write(text.encode())
    return f


@env.task
def done(i: int) -> File:
    _mark(f"done{i}")
    return _write(f"done{i}", f"done {i}")


@env.task
def hang() -> File:
    _mark("hang")
    marks = Path(os.environ["MARKS"])
    while not (marks / "release").exists():  # the first driver is killed while this waits
        time.sleep(0.05)
    return _write("hang", "released")


async def _text(f: File) -> str:
    async with f.open("rb") as fh:
        return (await fh.read()).decode()


@env.task
async def main(n: int) -> dict:
    files = list(await asyncio.gather(*(done.aio(i) for i in range(n))))
    files.append(await hang.aio())
    return {"texts": [await _text(f) for f in files], "paths": [f.path for f in files]}


if __name__ == "__main__":
    # no flyte.init(storage=...): the store's endpoint and keys come from FLYTE_AWS_* here, and
    # reach the workers (whose nodes were started without them) with the run
    flyte.with_runcontext(name=sys.argv[1], raw_data_path=sys.argv[2]).run(main, n=4)
