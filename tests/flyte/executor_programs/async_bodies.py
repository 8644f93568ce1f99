"""An async body sent to the cluster (the FLYTE_RAY_ASYNC_BODIES option on its environment): it
runs in an event loop on a worker, and its nested calls (a gather of sync tasks, an async task,
a trace) are recorded by the driver as its children."""

import asyncio
import json
import os

import ray

import flyte

env = flyte.TaskEnvironment(name="ray_async")
# a per-task option: this environment's async bodies run on the cluster
on_cluster = flyte.TaskEnvironment(name="ray_async_on_cluster", env_vars={"FLYTE_RAY_ASYNC_BODIES": "1"})


@env.task
def square(x: int) -> int:
    return x * x


@env.task
async def double(x: int) -> int:
    return 2 * x


@flyte.trace
async def label(n: int) -> str:
    return f"{n} squares"


@on_cluster.task
async def fan(n: int) -> dict:
    squares = await asyncio.gather(*(square.aio(i) for i in range(n)))
    return {"squares": list(squares), "double": await double(21), "label": await label(n), "pid": os.getpid(),
            "in_ray_worker": ray.is_initialized() and ray.get_runtime_context().worker.mode == ray.WORKER_MODE}


@env.task
async def main(n: int) -> dict:
    return {**await fan(n), "driver": os.getpid()}


if __name__ == "__main__":
    run = flyte.run(main, n=6)
    rows = [{k: a[k] for k in ("id", "parent", "task", "kind", "phase")} for a in run.actions()]
    print("@@RESULT@@" + json.dumps({"out": run.outputs()[0], "actions": rows}))
