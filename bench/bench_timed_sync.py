"""What a timeout costs a sync task on the default (inline) executor, measured in the same run.

    python bench/bench_timed_sync.py [--calls 300] [--workers 2]

A sync task with a timeout runs in a worker process that the timeout can kill (see
`flyte._executor._inline`); without one it runs in the calling thread. Each variant runs in a
fresh interpreter: a sync parent calls `--calls` trivial sync children one after another, after
a warm-up call (which starts the pool's first worker, and imports the task's module there).
Prints the wall time per child action of each variant, the ratio timed / untimed, and the cost
of the first timed call in a fresh process (the worker's start).
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile

PROGRAM = r'''
import json, sys, time
from datetime import timedelta
import flyte

env = flyte.TaskEnvironment("bench_timed")
calls, timed = int(sys.argv[1]), sys.argv[2] == "timed"

def _inc(x: int) -> int:
    return x + 1

inc = env.task(timeout=timedelta(seconds=60))(_inc) if timed else env.task(_inc)

@env.task
def parent(n: int) -> int:
    return sum(inc(i) for i in range(n))

flyte.init()
t = time.perf_counter()
flyte.run(parent, 1)
first = time.perf_counter() - t
t = time.perf_counter()
flyte.run(parent, calls)
wall = time.perf_counter() - t
print(json.dumps({"first": first, "per_call_us": wall / calls * 1e6}))
'''


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--calls", type=int, default=300)
    ap.add_argument("--workers", type=int, default=2)
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as home:
        program = os.path.join(home, "timed_program.py")
        with open(program, "w") as f:
            f.write(PROGRAM)
        env = {**os.environ, "FLYTE_HOME": os.path.join(home, "store"), "FLYTE_MAX_WORKERS": str(args.workers)}
        out = {}
        for variant in ("untimed", "timed"):
            proc = subprocess.run([sys.executable, program, str(args.calls), variant], capture_output=True, text=True,
                                  env=env, cwd=home, check=True)
            out[variant] = json.loads(proc.stdout.strip().splitlines()[-1])
    for variant, r in out.items():
        print(f"{variant:8s} {r['per_call_us']:9.0f} us per child action   first run {r['first'] * 1e3:7.0f} ms")
    print(f"ratio timed / untimed per child action: {out['timed']['per_call_us'] / out['untimed']['per_call_us']:.1f}x")


if __name__ == "__main__":
    main()
