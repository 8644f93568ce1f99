"""What the Ray executor adds to bare Ray, measured in the same run on the same cluster.

    pip install 'flyteshift[ray]' && nice python bench/bench_ray_overhead.py [--n 200] [--fanout 1000] [--rounds 5]
        [--before CHECKOUT]

Starts a two-node Ray cluster on this machine (Ray's own `ray.cluster_utils.Cluster`: a head and
a second node, one CPU each, stopped at the end), then times the same trivial function
(`x + 1`) as bare Ray tasks and as Flyte actions on the Ray executor:

- latency: `n` calls one after another (bare: `ray.get(f.remote(i))`; Flyte: `await inc.aio(i)`),
  i.e. the per-action overhead, where Flyte also records every action durably in its store;
- fan-out: `fanout` calls at once (bare: `ray.get([f.remote(i) ...])`; Flyte: `asyncio.gather`),
  i.e. how many actions per second the driver submits, awaits and records.

Bare and Flyte take turns, `rounds` times (the order rotating), so that a change of load on a
shared machine hits both; the ratio reported is the median of the rounds' Flyte / bare ratios.
Flyte drives the cluster from a process of its own (whose CPU is measured: all its threads), on
this checkout; with `--before`, a second checkout (`git worktree add --detach /tmp/base main`)
takes turns too, each driver's Ray workers importing its own checkout, and the before/after
ratios of driver CPU, and of its excess over bare Ray, are printed.
Prints per-action times, actions/s, actions/s per core, and the driver's CPU (all its threads:
Ray's own included) per action for both. A second baseline, "awaited", is bare Ray driven from
asyncio as Ray's docs show it (`await f.remote(i)`, gathered for the fan-out): awaiting each
task on its own, as Flyte does (an action is recorded when it ends, and a cancelled parent
cancels it), costs more than one `ray.get` of a list. The cluster's cores bound the fan-out: on this 2-core
machine both nodes share the same two cores, so the numbers are per core; on real nodes the
bare-Ray rate grows with the cores added, and Flyte's follows while its driver (one process
recording every action) keeps up: see the driver's CPU per action.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import sys
import tempfile
import time

import ray

import flyte

env = flyte.TaskEnvironment(name="bench_ray_overhead")


@env.task
def inc(x: int) -> int:
    return x + 1


@env.task
async def one_by_one(n: int) -> int:
    total = 0
    for i in range(n):
        total += await inc.aio(i)
    return total


@env.task
async def fan_out(n: int) -> int:
    return sum(await asyncio.gather(*(inc.aio(i) for i in range(n))))


def _bare_inc(x: int) -> int:
    return x + 1


def _timed(fn, *args):  # type: ignore[no-untyped-def]
    cpu, wall = time.process_time(), time.perf_counter()
    value = fn(*args)
    return value, time.perf_counter() - wall, time.process_time() - cpu


WORKLOADS = {"latency": "one_by_one", "fan-out": "fan_out"}


def drive(checkout: str, address: str) -> None:
    """A Flyte driver for the bench, on the flyteshift of `checkout`: reads "<workload> <n>" lines,
    runs each as one Flyte run on the Ray executor, and answers with its wall and CPU time (all
    of this process's threads) as JSON. Its Ray workers import the same checkout."""
    import json

    ray.init(address=address, log_to_driver=False, runtime_env={"env_vars": {"PYTHONPATH": checkout}})
    os.environ.update(FLYTE_EXECUTOR="ray", RAY_ADDRESS=address)
    me = __import__("bench_ray_overhead")
    assert os.path.realpath(flyte.__file__).startswith(os.path.realpath(checkout)), (flyte.__file__, checkout)
    flyte.run(me.fan_out, n=20)  # warm up: the executor, its mailbox, the workers
    print(json.dumps({"ready": True}), flush=True)
    for line in sys.stdin:
        label, n = line.split()
        task = getattr(me, WORKLOADS[label])
        value, wall, cpu = _timed(lambda t=task, n=int(n): flyte.run(t, n=n).outputs()[0])
        print(json.dumps({"value": value, "wall": wall, "cpu": cpu}), flush=True)


class Driver:
    """A `drive` process: one checkout's Flyte, driving the cluster while the bench asks."""

    def __init__(self, checkout: str, address: str, home: str):
        import subprocess

        env = {**os.environ, "PYTHONPATH": checkout, "FLYTE_HOME": home}
        self.proc = subprocess.Popen([sys.executable, os.path.abspath(__file__), "--drive", checkout, "--address", address],
                                     stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True, env=env,
                                     cwd=os.path.dirname(os.path.abspath(__file__)))
        self._answer()

    def _answer(self) -> dict:
        import json

        assert self.proc.stdout is not None
        for line in self.proc.stdout:
            if line.startswith("{"):
                return json.loads(line)
        raise RuntimeError(f"the bench's driver exited with {self.proc.wait()}")

    def run(self, label: str, n: int) -> tuple[int, float, float]:
        assert self.proc.stdin is not None
        self.proc.stdin.write(f"{label} {n}\n")
        self.proc.stdin.flush()
        answer = self._answer()
        return answer["value"], answer["wall"], answer["cpu"]

    def close(self) -> None:
        if self.proc.stdin is not None:
            self.proc.stdin.close()
        self.proc.wait(60)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=200, help="sequential calls (latency)")
    parser.add_argument("--fanout", type=int, default=1000, help="concurrent calls (throughput)")
    parser.add_argument("--rounds", type=int, default=5, help="bare/Flyte turns per workload")
    parser.add_argument("--before", metavar="CHECKOUT", help="another flyteshift checkout (e.g. a worktree of "
                        "main), benched in the same run: its Flyte takes turns with this one's and bare Ray's")
    parser.add_argument("--drive", metavar="CHECKOUT", help=argparse.SUPPRESS)
    parser.add_argument("--address", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.drive:
        return drive(args.drive, args.address)
    from ray.cluster_utils import Cluster

    here = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    checkouts = {"flyte": here}
    if args.before:
        checkouts = {"before": os.path.abspath(args.before), "after": here}
    home = tempfile.mkdtemp(prefix="flyte-bench-ray-")
    cluster = Cluster(initialize_head=True, head_node_args={"num_cpus": 1, "include_dashboard": False,
                                                            "object_store_memory": 80_000_000})
    # per workload and turn: (wall, cpu) per round
    results: dict[tuple[str, str], list[tuple[float, float]]] = {}
    drivers: dict[str, Driver] = {}
    try:
        cluster.add_node(num_cpus=1, object_store_memory=80_000_000)
        cluster.wait_for_nodes()
        ray.init(address=cluster.address, log_to_driver=False)
        cores = int(ray.cluster_resources().get("CPU", 1))
        bare = ray.remote(max_retries=0)(_bare_inc)
        ray.get([bare.remote(i) for i in range(20)])  # warm the workers up
        for who, checkout in checkouts.items():
            drivers[who] = Driver(checkout, cluster.address, os.path.join(home, who))

        def bare_seq(n: int) -> int:
            return sum(ray.get(bare.remote(i)) for i in range(n))

        def bare_fan(n: int) -> int:
            return sum(ray.get([bare.remote(i) for i in range(n)]))

        # bare Ray from asyncio, as Ray's docs show it (`await ref`): what awaiting each task costs
        async def awaited_seq(n: int) -> int:
            return sum([await bare.remote(i) for i in range(n)])

        async def awaited_fan(n: int) -> int:
            async def one(i: int) -> int:
                return await bare.remote(i)

            return sum(await asyncio.gather(*(one(i) for i in range(n))))

        for r in range(args.rounds):
            for label, n, bare_fn, awaited_fn in (("latency", args.n, bare_seq, awaited_seq),
                                                  ("fan-out", args.fanout, bare_fan, awaited_fan)):
                turns = [("bare", lambda f=bare_fn, n=n: _timed(f, n)),
                         ("awaited", lambda f=awaited_fn, n=n: _timed(lambda: asyncio.run(f(n))))]
                turns += [(who, lambda d=d, label=label, n=n: d.run(label, n)) for who, d in drivers.items()]
                shift = r % len(turns)  # each turn goes first in some round
                for who, fn in turns[shift:] + turns[:shift]:
                    value, wall, cpu = fn()
                    assert value == sum(range(1, n + 1)), (who, value)
                    results.setdefault((label, who), []).append((wall, cpu))
    finally:
        for d in drivers.values():
            d.close()
        ray.shutdown()
        cluster.shutdown()
    med = statistics.median
    print(f"two-node Ray cluster on one machine: {cores} CPUs in all ({os.cpu_count()} cores shared), "
          f"{args.rounds} interleaved rounds, medians; driver CPU: all the driver process's threads, Ray's own included")
    print(f"{'workload':9} {'calls':>6} {'driver':>7} {'ms/call':>8} {'wall x bare':>12} {'actions/s':>10} "
          f"{'per core':>9} {'cpu ms/call':>12} {'cpu x bare':>11} {'(range)':>12} {'cpu excess ms':>14}")
    for label, n in (("latency", args.n), ("fan-out", args.fanout)):
        bare_rows = results[(label, "bare")]
        for who in ["bare", "awaited", *drivers]:
            rows = results[(label, who)]
            walls = [w / bw for (w, _), (bw, _) in zip(rows, bare_rows)]
            cpus = [c / bc for (_, c), (_, bc) in zip(rows, bare_rows)]
            excess = [(c - bc) * 1e3 / n for (_, c), (_, bc) in zip(rows, bare_rows)]
            wall, cpu = med(w for w, _ in rows), med(c for _, c in rows)
            print(f"{label:9} {n:6d} {who:>7} {wall * 1e3 / n:8.2f} {med(walls):11.2f}x {n / wall:10.0f} "
                  f"{n / wall / cores:9.0f} {cpu * 1e3 / n:12.3f} {med(cpus):10.2f}x "
                  f"{min(cpus):5.2f}-{max(cpus):.2f}x {med(excess):14.3f}")
        if "before" in drivers:
            ratios = [a[1] / b[1] for a, b in zip(results[(label, "after")], results[(label, "before")])]
            excess = [(a[1] - x[1]) / max(b[1] - x[1], 1e-9) for a, b, x in
                      zip(results[(label, "after")], results[(label, "before")], bare_rows)]
            print(f"{label:9} after/before driver CPU {med(ratios):.2f}x (rounds {min(ratios):.2f}-{max(ratios):.2f}); "
                  f"excess over bare Ray, after/before: {med(excess):.2f}x")


if __name__ == "__main__":
    main()
