"""A driver whose workers are busy when it is killed: prints their pids, then waits forever."""

import os
import sys
import time
from pathlib import Path

import flyte

env = flyte.TaskEnvironment(name="hang")
MARKS = Path(sys.argv[1])


@env.task
def busy(i: int) -> int:
    (MARKS / f"worker-{os.getpid()}").touch()
    while True:
        time.sleep(1)


@env.task
def main() -> int:
    return sum(flyte.map(busy, range(2)))


if __name__ == "__main__":
    print(f"driver {os.getpid()}", flush=True)
    flyte.run(main)
