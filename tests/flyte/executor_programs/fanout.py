"""A 1,000-action fan-out over a two-node cluster, a task that needs the worker node's A100, and a
File made on that node read back on the driver through the run's S3 raw data path."""

import asyncio
import json
import os
import sys
import time
from pathlib import Path

import ray

import flyte
from flyte.io import File

env = flyte.TaskEnvironment(name="ray_fanout", env_vars={"BARRIER": os.environ.get("BARRIER", "")})  # reaches the workers
a100 = flyte.TaskEnvironment(name="ray_a100", resources=flyte.Resources(gpu="A100:1"))


def node() -> str:
    return ray.get_runtime_context().get_node_id()


@env.task
def where(i: int) -> str:
    if i < 2:
        # the first two wait for each other: with one CPU per node they run on different nodes, so
        # the fan-out uses both however fast the others go (a fast stream may otherwise all run on
        # the first node's worker before the second node's has started)
        barrier = Path(os.environ["BARRIER"])
        (barrier / str(i)).touch()
        deadline = time.monotonic() + 300
        while not (barrier / str(1 - i)).exists():
            if time.monotonic() > deadline:
                raise TimeoutError(f"the fan-out's first two actions never ran at once ({barrier})")
            time.sleep(0.01)
    return node()


@a100.task
def on_a100(tag: str) -> File:
    f = File.new_remote(f"{tag}.txt")
    with f.open_sync("wb") as fh:
        fh.write(f"{tag} from {node()}".encode())
    return f


@env.task
async def main(n: int) -> dict:
    nodes = await asyncio.gather(*(where.aio(i) for i in range(n)))
    f = await on_a100.aio("card")
    async with f.open("rb") as fh:
        text = (await fh.read()).decode()
    counts: dict[str, int] = {}
    for x in nodes:
        counts[x] = counts.get(x, 0) + 1
    return {"counts": counts, "file": f.path, "text": text}


if __name__ == "__main__":
    flyte.init(storage=flyte.storage.S3.auto())  # FLYTE_AWS_*: the driver's storage reaches the workers
    run = flyte.with_runcontext(raw_data_path=sys.argv[1]).run(main, n=int(sys.argv[2]))
    phases: dict[str, int] = {}
    for a in run.actions():
        phases[a["phase"]] = phases.get(a["phase"], 0) + 1
    print("@@RESULT@@" + json.dumps({"out": run.outputs()[0], "phases": phases, "driver_node": ray.get_runtime_context().get_node_id(),
                      "pid": os.getpid()}))
