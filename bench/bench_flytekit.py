"""The flytekit shim against real flytekit's local execution, measured in the same run.

    python bench/bench_flytekit.py --flytekit-python /path/to/flytekit-1.16.31-venv/bin/python

The same program (flytekit's public API only) runs under both interpreters, each scenario in a
fresh process, each timed over 3 calls after the first (which compiles the workflow). The shim
records every task as an action in its SQLite store; real flytekit records nothing.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time

WORKER = r'''
import json, sys, time, typing
mode = sys.argv[1]
from flytekit import task, workflow, map_task, dynamic

@task
def inc(x: int) -> int:
    return x + 1

@task
def total(xs: typing.List[int]) -> int:
    return sum(xs)

@task
def slow(x: int) -> int:
    time.sleep(0.5)
    return x

def chain(n):
    @workflow
    def wf(x: int) -> int:
        for _ in range(n):
            x = inc(x=x)
        return x
    return wf

@workflow
def mapped(xs: typing.List[int]) -> typing.List[int]:
    return map_task(inc)(x=xs)

@dynamic
def dyn(n: int) -> int:
    return total(xs=[inc(x=i) for i in range(n)])

@workflow
def dyn_wf(n: int) -> int:
    return dyn(n=n)

@workflow
def parallel() -> int:
    return total(xs=[slow(x=1), slow(x=2)])

if mode == "chain100":
    wf, args, expect = chain(100), {"x": 0}, 100
elif mode == "map1000":
    wf, args, expect = mapped, {"xs": list(range(1000))}, [i + 1 for i in range(1000)]
elif mode == "dyn500":
    wf, args, expect = dyn_wf, {"n": 500}, sum(range(1, 501))
else:
    wf, args, expect = parallel, {}, 3
times = []
calls = 1 if mode == "parallel" else 4
for i in range(calls):
    t0 = time.perf_counter()
    out = wf(**args)
    times.append(time.perf_counter() - t0)
    assert out == expect, (out, expect)
print(json.dumps({"times": times}))
'''


def _env(python: str, home: str) -> dict:
    """The real flytekit's interpreter never sees PYTHONPATH: a checkout of this project on it would
    make it import our `flytekit` shim instead of its own."""
    env = {**os.environ, "HOME": home, "FLYTE_HOME": home, "FLYTE_LOCAL_CACHE_ENABLED": "false",
           "FLYTE_SDK_RICH_TRACEBACKS": "0", "FLYTE_DISABLE_SENTRY": "true", "DO_NOT_TRACK": "1"}
    if python != sys.executable:
        env.pop("PYTHONPATH", None)
    return env


def run(python: str, mode: str, home: str) -> dict:
    # flytekit reads task source code, so the worker must be a real file, not `python -c`
    script = os.path.join(home, "bench_worker.py")
    with open(script, "w") as f:
        f.write(WORKER)
    proc = subprocess.run([python, script, mode], capture_output=True, text=True, env=_env(python, home), cwd=home, timeout=1800)
    if proc.returncode != 0:
        raise RuntimeError(f"{python} {mode} failed:\n{proc.stderr[-3000:]}")
    return json.loads(proc.stdout.strip().splitlines()[-1])


def import_time(python: str, home: str) -> float:
    best = float("inf")
    for _ in range(5):
        t0 = time.perf_counter()
        subprocess.run([python, "-c", "import flytekit"], check=True, env=_env(python, home), cwd=home, capture_output=True)
        best = min(best, time.perf_counter() - t0)
    return best


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--flytekit-python", required=False, help="Interpreter of a venv with the real flytekit 1.16.31.")
    args = parser.parse_args()
    me = sys.executable
    modes = ["chain100", "map1000", "dyn500", "parallel"]
    with tempfile.TemporaryDirectory() as home:
        ours = {m: run(me, m, home) for m in modes}
        our_import = import_time(me, home)
        theirs = {m: run(args.flytekit_python, m, home) for m in modes} if args.flytekit_python else {}
        their_import = import_time(args.flytekit_python, home) if args.flytekit_python else None

    def warm(r: dict) -> float:
        return statistics.median(r["times"][1:]) if len(r["times"]) > 1 else r["times"][0]

    print(f"{'scenario':<10} {'shim (median warm call)':>24} {'flytekit':>12} {'speed-up':>9}")
    for m in modes:
        o = warm(ours[m])
        t = warm(theirs[m]) if theirs else None
        ratio = f"{t / o:8.1f}x" if t else "      -"
        print(f"{m:<10} {o * 1000:>21.1f} ms {t * 1000 if t else float('nan'):>9.1f} ms {ratio}")
    print(f"\nimport flytekit: shim {our_import * 1000:.0f} ms" + (f", flytekit {their_import * 1000:.0f} ms "
          f"({their_import / our_import:.0f}x)" if their_import else ""))
    print("parallel = two independent 0.5 s tasks in one workflow (flytekit runs them one after the other)")


if __name__ == "__main__":
    main()
