"""A failed run resumed under the same name: finished actions whose bodies ran on workers are replayed, not rerun."""

import json
import sys
from pathlib import Path

import flyte

env = flyte.TaskEnvironment(name="ray_resume")
MARKS = Path(sys.argv[1])


@flyte.trace
def stamp(i: int) -> str:
    (MARKS / f"stamp-{i}-{len(list(MARKS.glob(f'stamp-{i}-*')))}").touch()
    return f"s{i}"


@env.task
def step(i: int) -> str:
    (MARKS / f"step-{i}-{len(list(MARKS.glob(f'step-{i}-*')))}").touch()
    if i == 2 and not (MARKS / "fixed").exists():
        raise RuntimeError("step 2 is broken")
    return stamp(i)


@env.task
def main() -> list[str]:
    return [step(i) for i in range(3)]


if __name__ == "__main__":
    try:
        flyte.with_runcontext(name="ray-resume").run(main)
        first = "succeeded"
    except Exception as e:
        first = type(e).__name__
    (MARKS / "fixed").touch()
    run = flyte.with_runcontext(name="ray-resume").run(main)
    runs = {p.name.rsplit("-", 1)[0]: 0 for p in MARKS.glob("*-*-*")}
    for p in MARKS.glob("*-*-*"):
        runs[p.name.rsplit("-", 1)[0]] += 1
    print(json.dumps({"first": first, "out": run.outputs()[0], "executions": runs}))
