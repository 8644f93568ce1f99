"""Sync bodies on workers (Ray, worker processes); nested calls, maps and traces recorded by the driver."""

import asyncio
import json
import os

import flyte
import flyte.report

env = flyte.TaskEnvironment(name="ray_distribute", env_vars={"STAGE": "ray-test"}, resources=flyte.Resources(cpu=1))


@flyte.trace
def scaled(x: int) -> int:
    return x * 10


@env.task
def square(x: int) -> int:
    return x * x


@env.task(report=True)
def total(n: int) -> dict:
    # A sync body on a worker that maps and calls: every call goes back to the driver.
    values = list(flyte.map(square, range(n)))
    flyte.report.log(f"<p>{len(values)} squares</p>")
    return {
        "sum": sum(values) + square(1),
        "traced": scaled(n),
        "pid": os.getpid(),
        "stage": os.environ.get("STAGE"),
        "team": flyte.get_custom_context().get("team"),
        "run": flyte.ctx().action.run_name,
    }


@env.task
def pid_of(x: int) -> int:
    return os.getpid()


@env.task
async def main(n: int) -> dict:
    with flyte.custom_context(team="ml"):
        info = await total.aio(n)
    pids = await asyncio.gather(*(pid_of.aio(i) for i in range(4)))
    return {**info, "driver": os.getpid(), "pids": sorted(set(pids))}


if __name__ == "__main__":
    run = flyte.run(main, n=5)
    rows = [{k: a[k] for k in ("id", "parent", "task", "kind", "phase")} for a in run.actions()]
    print(json.dumps({"out": run.outputs()[0], "run": run.name, "actions": rows}))
