"""A small Flyte 2 program: fan out, map with a concurrency limit, trace and cache.

    flyte run --local examples/demo.py main --n 8
"""

import asyncio

import flyte

env = flyte.TaskEnvironment("demo", cache="auto")


@env.task
async def square(x: int) -> int:
    await asyncio.sleep(0.05)
    return x * x


@env.task
def label(x: int) -> str:
    return f"item-{x}"


@flyte.trace
async def summarize(values: list[int]) -> str:
    return f"{len(values)} squares, total {sum(values)}"


@env.task
async def main(n: int = 8) -> str:
    squares = await asyncio.gather(*(square(i) for i in range(n)))
    labels = [v async for v in flyte.map.aio(label, range(n), concurrency=4)]
    return f"{await summarize(list(squares))}; first label {labels[0]}"


if __name__ == "__main__":
    run = flyte.run(main, n=8)
    print(run.name, run.outputs()[0])
