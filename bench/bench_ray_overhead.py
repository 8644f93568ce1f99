"""What the Ray executor adds to bare Ray, measured in the same run on the same cluster.

    pip install 'flyteshift[ray]' && nice python bench/bench_ray_overhead.py [--n 200] [--fanout 1000] [--rounds 5]

Starts a two-node Ray cluster on this machine (Ray's own `ray.cluster_utils.Cluster`: a head and
a second node, one CPU each, stopped at the end), then times the same trivial function
(`x + 1`) as bare Ray tasks and as Flyte actions on the Ray executor:

- latency: `n` calls one after another (bare: `ray.get(f.remote(i))`; Flyte: `await inc.aio(i)`),
  i.e. the per-action overhead, where Flyte also records every action durably in its store;
- fan-out: `fanout` calls at once (bare: `ray.get([f.remote(i) ...])`; Flyte: `asyncio.gather`),
  i.e. how many actions per second the driver submits, awaits and records.

Bare and Flyte take turns, `rounds` times (the order alternating), so that a change of load on
a shared machine hits both; the ratio reported is the median of the rounds' Flyte / bare ratios.
Prints per-action times, actions/s, actions/s per core, and the driver's CPU (all its threads:
Ray's own included) per action for both. The cluster's cores bound the fan-out: on this 2-core
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


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=200, help="sequential calls (latency)")
    parser.add_argument("--fanout", type=int, default=1000, help="concurrent calls (throughput)")
    parser.add_argument("--rounds", type=int, default=5, help="bare/Flyte turns per workload")
    args = parser.parse_args()
    from ray.cluster_utils import Cluster

    # the tasks must pickle by reference (a module the workers can import), as a user's would
    sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
    me = __import__("bench_ray_overhead")
    home = tempfile.mkdtemp(prefix="flyte-bench-ray-")
    cluster = Cluster(initialize_head=True, head_node_args={"num_cpus": 1, "include_dashboard": False,
                                                            "object_store_memory": 80_000_000})
    # per workload: rounds of (bare wall, bare cpu, flyte wall, flyte cpu)
    results: dict[str, list[tuple[float, float, float, float]]] = {"latency": [], "fan-out": []}
    try:
        cluster.add_node(num_cpus=1, object_store_memory=80_000_000)
        cluster.wait_for_nodes()
        os.environ.update(FLYTE_EXECUTOR="ray", RAY_ADDRESS=cluster.address, FLYTE_HOME=home)
        ray.init(address=cluster.address, log_to_driver=False)
        cores = int(ray.cluster_resources().get("CPU", 1))
        bare = ray.remote(max_retries=0)(_bare_inc)
        ray.get([bare.remote(i) for i in range(20)])  # warm the workers up
        flyte.run(me.fan_out, n=20)

        def bare_seq(n: int) -> int:
            return sum(ray.get(bare.remote(i)) for i in range(n))

        def bare_fan(n: int) -> int:
            return sum(ray.get([bare.remote(i) for i in range(n)]))

        for r in range(args.rounds):
            for label, n, bare_fn, flyte_task in (("latency", args.n, bare_seq, me.one_by_one),
                                                 ("fan-out", args.fanout, bare_fan, me.fan_out)):
                expected = sum(range(1, n + 1))
                turns = [("bare", lambda f=bare_fn, n=n: f(n)),
                         ("flyte", lambda t=flyte_task, n=n: flyte.run(t, n=n).outputs()[0])]
                timed = {}
                for who, fn in (turns if r % 2 == 0 else turns[::-1]):
                    value, wall, cpu = _timed(fn)
                    assert value == expected, (who, value, expected)
                    timed[who] = (wall, cpu)
                results[label].append((*timed["bare"], *timed["flyte"]))
    finally:
        ray.shutdown()
        cluster.shutdown()
    med = statistics.median
    print(f"two-node Ray cluster on one machine: {cores} CPUs in all ({os.cpu_count()} cores shared), "
          f"{args.rounds} interleaved rounds, medians")
    print(f"{'workload':9} {'calls':>6} {'bare ms/call':>13} {'flyte ms/call':>14} {'flyte/bare':>11} {'(range)':>13} "
          f"{'bare/s':>7} {'flyte/s':>8} {'bare/s/core':>12} {'flyte/s/core':>13} {'driver cpu ms/call bare, flyte':>31}")
    for label, n in (("latency", args.n), ("fan-out", args.fanout)):
        rows = results[label]
        ratios = [fw / bw for bw, _, fw, _ in rows]
        bw, bc, fw, fc = (med(col) for col in zip(*rows))
        print(f"{label:9} {n:6d} {bw * 1e3 / n:13.2f} {fw * 1e3 / n:14.2f} {med(ratios):10.2f}x "
              f"{min(ratios):6.2f}-{max(ratios):.2f}x {n / bw:7.0f} {n / fw:8.0f} {n / bw / cores:12.0f} "
              f"{n / fw / cores:13.0f} {bc * 1e3 / n:15.2f}, {fc * 1e3 / n:.2f}")


if __name__ == "__main__":
    main()
