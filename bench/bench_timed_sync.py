"""What a timeout costs a sync task on the default (inline) executor, measured in the same run.

    python bench/bench_timed_sync.py [--calls 300] [--workers 2] [--fan-out 64] [--sleep 0.2]
                                     [--repeat 3] [--old NAME=PATH ...]

A sync task with a timeout runs in a worker process that the timeout can kill (see
`flyte._executor._inline`); without one it runs in the calling thread (or, awaited from async
code, in a thread of the sync pool). Each variant runs in a fresh interpreter, `--repeat` times,
interleaved (untimed, timed, untimed, ...); the medians are shown.

1. Serial: a sync parent calls `--calls` trivial sync children one after another, after a warm-up
   call (which starts the pool's first worker, and imports the task's module there). Wall time
   per child action of each variant, the ratio timed / untimed, and the cost of the first timed
   call in a fresh process (the fork server's and the first worker's start).
2. Fan-out of I/O-bound bodies: `--fan-out` calls of a sync task that sleeps `--sleep` seconds
   (timeout 30 s when timed), as an `asyncio.gather` of `.aio` calls and as a `flyte.map` from a
   sync parent, twice per interpreter: cold (the killable pool forks its workers) and warm (they
   are idle in the pool). Wall time of each, the ratio timed / untimed, the number of processes
   the bodies ran in, and what the killable workers cost in memory (RSS, and PSS/USS: a forked
   worker shares most of its pages with its fork server), and how many are left after
   FLYTE_WORKER_IDLE_SECONDS (2 s here) idle.

`--old NAME=PATH` runs the same programs on another checkout of flyteshift (its directory goes
first on PYTHONPATH), e.g. `--old base=/work/wt/base-069` (timeouts in threads) or a checkout of
the commit before the killable pool grew on demand; their ratios are to this checkout's untimed
variant from the same run.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
from typing import Optional

SERIAL = r'''
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

FAN_OUT = r'''
import asyncio, json, os, sys, time
from datetime import timedelta
import flyte

env = flyte.TaskEnvironment("bench_fan_out")
n, nap, timed, shape = int(sys.argv[1]), float(sys.argv[2]), sys.argv[3] == "timed", sys.argv[4]

def _sleeps(i: int) -> int:
    time.sleep(nap)  # an I/O-bound body: a socket read, an HTTP call
    return os.getpid()

sleeps = env.task(timeout=timedelta(seconds=30))(_sleeps) if timed else env.task(_sleeps)

@env.task
async def gathered(n: int) -> list[int]:
    return list(await asyncio.gather(*(sleeps.aio(i) for i in range(n))))

@env.task
def mapped(n: int) -> list[int]:
    return list(flyte.map(sleeps, range(n)))

def memory(pid):
    """MB: resident, proportional (shared pages split among their users), unique to the process."""
    got = {}
    with open(f"/proc/{pid}/smaps_rollup") as f:
        for line in f:
            key, value = line.split()[:2]
            if key.endswith(":") and value.isdigit():
                got[key[:-1]] = int(value) / 1024
    return {"rss": got["Rss"], "pss": got["Pss"], "uss": got["Private_Clean"] + got["Private_Dirty"]}

flyte.init()
parent = gathered if shape == "gather" else mapped
walls, pids = [], []
for _ in range(2):  # cold, warm
    t = time.perf_counter()
    pids = flyte.run(parent, n).outputs()[0]
    walls.append(time.perf_counter() - t)
out = {"cold": walls[0], "warm": walls[1], "processes": len(set(pids))}
try:
    from flyte._executor._process import _killable as pool
except ImportError:  # a checkout without a killable pool
    pool = None
if timed and pool is not None:
    workers = [memory(p) for p in pool.worker_pids()]
    out["workers"] = len(workers)
    out["worker_mb"] = {k: sum(w[k] for w in workers) / len(workers) for k in ("rss", "pss", "uss")}
    if pool._forks is not None:
        out["server_mb"] = memory(pool._forks.proc.pid)
    t = time.perf_counter()
    pool.wait_for_workers(pool.keep_idle, timeout=60)
    out["idle_after_s"] = time.perf_counter() - t
    out["idle_workers"] = len(pool.worker_pids())
out["controller_mb"] = memory(os.getpid())
print(json.dumps(out))
'''


def run(program: str, args: list[str], env: dict, cwd: str, path: Optional[str]) -> dict:
    env = dict(env)
    if path is not None:  # its own store too: another version may have another schema
        env["PYTHONPATH"] = path + os.pathsep + env.get("PYTHONPATH", "")
        env["FLYTE_HOME"] = os.path.join(cwd, "store-" + "".join(c if c.isalnum() else "_" for c in path))
    proc = subprocess.run([sys.executable, program, *args], capture_output=True, text=True, env=env, cwd=cwd)
    if proc.returncode != 0:
        raise SystemExit(f"{program} {args} failed:\n{proc.stderr[-3000:]}")
    return json.loads(proc.stdout.strip().splitlines()[-1])


def median(results: list[dict], key: str) -> float:
    return statistics.median(r[key] for r in results)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--calls", type=int, default=300)
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--fan-out", type=int, default=64)
    ap.add_argument("--sleep", type=float, default=0.2)
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--old", action="append", default=[], metavar="NAME=PATH",
                    help="also run the timed variants on this checkout of flyteshift")
    ap.add_argument("--skip-serial", action="store_true")
    args = ap.parse_args()
    olds = [tuple(o.split("=", 1)) for o in args.old]
    with tempfile.TemporaryDirectory() as home:
        serial, fan_out = os.path.join(home, "serial.py"), os.path.join(home, "fan_out.py")
        for path, text in ((serial, SERIAL), (fan_out, FAN_OUT)):
            with open(path, "w") as f:
                f.write(text)
        env = {**os.environ, "FLYTE_HOME": os.path.join(home, "store"), "FLYTE_MAX_WORKERS": str(args.workers),
               "FLYTE_WORKER_IDLE_SECONDS": "2"}
        # (label, checkout path or None for this one, timed)
        variants: list[tuple[str, Optional[str], bool]] = [("untimed", None, False), ("timed", None, True)]
        variants += [(f"timed on {name}", path, True) for name, path in olds]

        if not args.skip_serial:
            out: dict[str, list[dict]] = {label: [] for label, _, _ in variants}
            for _ in range(args.repeat):
                for label, path, timed in variants:
                    out[label].append(run(serial, [str(args.calls), "timed" if timed else "untimed"], env, home, path))
            print(f"serial: {args.calls} trivial sync children, one after another (median of {args.repeat})")
            base = median(out["untimed"], "per_call_us")
            for label, results in out.items():
                per = median(results, "per_call_us")
                print(f"  {label:22s} {per:9.0f} us per child  {per / base:6.1f}x untimed   first run "
                      f"{median(results, 'first') * 1e3:7.0f} ms")

        for shape in ("gather", "map"):
            fan: dict[str, list[dict]] = {label: [] for label, _, _ in variants}
            for _ in range(args.repeat):
                for label, path, timed in variants:
                    fan[label].append(run(fan_out, [str(args.fan_out), str(args.sleep), "timed" if timed else "untimed",
                                                    shape], env, home, path))
            what = "asyncio.gather of .aio calls" if shape == "gather" else "flyte.map from a sync parent"
            print(f"\nfan-out: {args.fan_out} x time.sleep({args.sleep}), {what} (median of {args.repeat}; "
                  f"cold = first run in the interpreter, warm = the next)")
            base_cold, base_warm = median(fan["untimed"], "cold"), median(fan["untimed"], "warm")
            for label, results in fan.items():
                cold, warm = median(results, "cold"), median(results, "warm")
                print(f"  {label:22s} cold {cold:6.2f} s ({cold / base_cold:5.1f}x untimed)   warm {warm:6.2f} s "
                      f"({warm / base_warm:5.1f}x untimed)   in {results[-1]['processes']} processes")
            timed_runs = [r for r in fan["timed"] if "worker_mb" in r]
            if timed_runs:
                last = timed_runs[-1]
                w, s = last["worker_mb"], last.get("server_mb")
                print(f"  killable workers after the fan-out: {last['workers']}, each RSS {w['rss']:.1f} MB, "
                      f"PSS {w['pss']:.1f} MB, USS {w['uss']:.1f} MB"
                      + (f"; fork server RSS {s['rss']:.1f} MB, USS {s['uss']:.1f} MB" if s else "")
                      + f"; controller RSS {last['controller_mb']['rss']:.1f} MB")
                print(f"  {last['idle_workers']} left {last['idle_after_s']:.1f} s later (idle size "
                      f"FLYTE_MAX_WORKERS={args.workers}, FLYTE_WORKER_IDLE_SECONDS=2)")


if __name__ == "__main__":
    main()
