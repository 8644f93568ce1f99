"""A run on Ray, then the end of the process: the executor stops calling Ray before Ray shuts down.

With argv[1] == "explicit" the program shuts Ray down itself after the run, then runs again
(which joins Ray again); otherwise the interpreter's exit does. Either way the process must end with status 0: a `.remote()` on a
shut-down Ray makes Ray end the process with status 1 (after a successful run).
"""

import atexit
import json
import sys
import threading
from pathlib import Path

import ray

import flyte

env = flyte.TaskEnvironment(name="ray_exit")
REPORT = Path(sys.argv[2])


def mailbox_listeners() -> list[threading.Thread]:
    return [t for t in threading.enumerate() if t.name == "flyte-ray-mailbox"]


def check_before_ray_shuts_down() -> None:
    # Registered after `import ray` (whose module registers `ray.shutdown` with atexit) and before
    # the executor exists: atexit runs it after the executor's shutdown and before Ray's.
    REPORT.write_text(json.dumps({"listeners_alive_at_exit": sum(t.is_alive() for t in mailbox_listeners())}))


atexit.register(check_before_ray_shuts_down)


@env.task
def double(x: int) -> int:
    return 2 * x


@env.task
async def main() -> list[int]:
    return [r async for r in flyte.map.aio(double, range(4))]


if __name__ == "__main__":
    run = flyte.run(main)
    out = {"out": run.outputs()[0], "listeners_during_run": len(mailbox_listeners())}
    if sys.argv[1] == "explicit":
        ray.shutdown()
        for t in mailbox_listeners():
            t.join(timeout=30)
        out["listeners_alive_after_ray_shutdown"] = sum(t.is_alive() for t in mailbox_listeners())
        again = flyte.run(main)  # Ray is joined again, with a new mailbox
        out["out_again"] = again.outputs()[0]
        out["listeners_after_second_run"] = sum(t.is_alive() for t in mailbox_listeners())
    print(json.dumps(out))
