"""The Ray executor against the in-process one, measured in the same run.

    pip install 'flyteshift[ray]' && python bench/bench_ray.py [--items 8] [--work 0.3]

Two workloads, each run in a fresh interpreter per executor (the Ray one connects to a local
cluster started once for the bench):
- cpu: `flyte.map` over CPU-bound pure-Python items. In process, sync bodies share one GIL;
  on Ray they run in worker processes, so the speed-up approaches the number of cores.
- trivial: 200 trivial sync tasks, to show what an action costs when its body travels to Ray.
Prints wall times and ratios (in-process / Ray).
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time

from _workloads import CPU_BOUND_TASKS

PROGRAM = "import json, sys, time\nimport flyte\n" + CPU_BOUND_TASKS + r'''
@env.task
def trivial(n: int) -> int:
    return len(list(flyte.map(inc, range(n), concurrency=16)))

mode, items, work = sys.argv[1], int(sys.argv[2]), float(sys.argv[3])
flyte.run(trivial, n=2)  # connect / warm up outside the timing
t = time.perf_counter()
if mode == "cpu":
    flyte.run(cpu, items=items, work=work)
else:
    flyte.run(trivial, n=200)
print(json.dumps({"seconds": time.perf_counter() - t}))
'''


def run(mode: str, executor: str, items: int, work: float, home: str, address: str) -> float:
    env = {**os.environ, "FLYTE_EXECUTOR": executor, "FLYTE_HOME": home}
    if executor == "ray":
        env["RAY_ADDRESS"] = address
    with tempfile.TemporaryDirectory() as tmp:
        path = os.path.join(tmp, "bench_program.py")
        with open(path, "w") as f:
            f.write(PROGRAM)
        proc = subprocess.run([sys.executable, path, mode, str(items), str(work)], capture_output=True, text=True,
                              env=env, cwd=tmp, timeout=600)
    if proc.returncode != 0:
        raise SystemExit(f"{mode}/{executor} failed:\n{proc.stderr[-3000:]}")
    return json.loads(proc.stdout.strip().splitlines()[-1])["seconds"]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--items", type=int, default=8)
    parser.add_argument("--work", type=float, default=0.3, help="CPU seconds per cpu item")
    args = parser.parse_args()
    ray_cli = shutil.which("ray", path=os.path.dirname(sys.executable)) or shutil.which("ray")
    if ray_cli is None:
        raise SystemExit("Ray is not installed: pip install 'flyteshift[ray]'")
    cores = os.cpu_count() or 1
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    # The bench's own cluster, in a session of its own: stopping it stops exactly its processes
    # (`ray stop` would stop every Ray cluster on the machine).
    head = subprocess.Popen([ray_cli, "start", "--head", "--block", f"--port={port}", f"--num-cpus={cores}",
                             "--include-dashboard=false", "--disable-usage-stats"],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
    address = f"127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 180
        while subprocess.run([ray_cli, "status", f"--address={address}"], capture_output=True).returncode != 0:
            if head.poll() is not None or time.monotonic() > deadline:
                raise SystemExit("the bench's Ray cluster did not start")
            time.sleep(0.5)
        with tempfile.TemporaryDirectory() as home:
            rows = []
            for mode in ("cpu", "trivial"):
                local = run(mode, "local", args.items, args.work, home, address)
                remote = run(mode, "ray", args.items, args.work, home, address)
                rows.append((mode, local, remote))
    finally:
        os.killpg(head.pid, signal.SIGTERM)
        try:
            head.wait(30)
        except subprocess.TimeoutExpired:
            os.killpg(head.pid, signal.SIGKILL)
    print(f"cores: {cores}; cpu workload: {args.items} items x {args.work}s of pure-Python work; trivial: 200 tasks")
    print(f"{'workload':10} {'in-process':>12} {'ray':>10} {'in-process / ray':>18}")
    for mode, local, remote in rows:
        print(f"{mode:10} {local:11.3f}s {remote:9.3f}s {local / remote:17.2f}x")


if __name__ == "__main__":
    main()
