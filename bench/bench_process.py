"""The process executor against the inline one, measured in the same run.

    python bench/bench_process.py [--items 8] [--work 0.3] [--workers 2] [--trivial 500]

Each workload runs in a fresh interpreter per executor, after a warm-up run in that interpreter
(which starts the worker pool):
- cpu: `flyte.map` over CPU-bound pure-Python items. Inline, sync bodies share one GIL; in the
  process pool they run in `--workers` worker processes, so the speed-up approaches that number
  (on a machine with at least that many idle cores).
- trivial: `--trivial` trivial sync tasks called one after another from a sync task, to show
  what an action costs when its body travels to a worker process and back (wall time per action:
  a round trip, not a throughput).
- trivial_map: the same tasks through `flyte.map` (concurrency 16): actions per second when
  several are in flight.
Prints wall times, CPU times of the driver, and ratios (inline / process).
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile

from _workloads import CPU_BOUND_TASKS

PROGRAM = "import json, sys, time\nimport flyte\n" + CPU_BOUND_TASKS + r'''
@env.task
def trivial(n: int) -> int:
    return sum(inc(i) for i in range(n))

@env.task
def trivial_map(n: int) -> int:
    return len(list(flyte.map(inc, range(n), concurrency=16)))

mode, items, work, workers, n = sys.argv[1], int(sys.argv[2]), float(sys.argv[3]), int(sys.argv[4]), int(sys.argv[5])
executor = sys.argv[6]
flyte.init(executor=executor, max_workers=workers)
flyte.run(trivial_map, n=2 * workers)  # start the pool / warm up outside the timing
flyte.run(cpu, items=1, work=0.01)
t, c = time.perf_counter(), time.process_time()
if mode == "cpu":
    flyte.run(cpu, items=items, work=work)
elif mode == "trivial":
    flyte.run(trivial, n=n)
else:
    flyte.run(trivial_map, n=n)
print(json.dumps({"seconds": time.perf_counter() - t, "cpu": time.process_time() - c}))
'''


def run(mode: str, executor: str, args: argparse.Namespace, home: str, program: str) -> dict:
    env = {**os.environ, "FLYTE_HOME": home}
    env.pop("FLYTE_EXECUTOR", None)
    proc = subprocess.run([sys.executable, program, mode, str(args.items), str(args.work), str(args.workers),
                           str(args.trivial), executor], capture_output=True, text=True, env=env,
                          cwd=os.path.dirname(program), timeout=900)
    if proc.returncode != 0:
        raise SystemExit(f"{mode}/{executor} failed:\n{proc.stderr[-3000:]}")
    return json.loads(proc.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--items", type=int, default=8)
    parser.add_argument("--work", type=float, default=0.3, help="CPU seconds per cpu item")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--trivial", type=int, default=500, help="actions in the trivial workloads")
    parser.add_argument("--repeat", type=int, default=1, help="runs per cell; the best is kept")
    args = parser.parse_args()
    rows = []
    with tempfile.TemporaryDirectory() as home:
        program = os.path.join(home, "bench_program.py")
        with open(program, "w") as f:
            f.write(PROGRAM)
        for mode in ("cpu", "trivial", "trivial_map"):
            cells = {}
            for executor in ("local", "process"):
                runs = [run(mode, executor, args, home, program) for _ in range(args.repeat)]
                cells[executor] = min(runs, key=lambda r: r["seconds"])
            rows.append((mode, cells["local"], cells["process"]))
    print(f"cores: {os.cpu_count()}; workers: {args.workers}; load average: {os.getloadavg()[0]:.1f}; "
          f"cpu: {args.items} items x {args.work}s of pure-Python work; trivial: {args.trivial} actions")
    print(f"{'workload':12} {'inline':>10} {'process':>10} {'inline/process':>15} {'per action (process)':>22}")
    for mode, local, proc in rows:
        per = "" if mode == "cpu" else f"{proc['seconds'] / args.trivial * 1e3:.3f} ms"
        print(f"{mode:12} {local['seconds']:9.3f}s {proc['seconds']:9.3f}s {local['seconds'] / proc['seconds']:14.2f}x "
              f"{per:>22}")


if __name__ == "__main__":
    main()
