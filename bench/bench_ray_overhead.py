"""What the Ray executor adds to bare Ray, measured in the same run on the same cluster.

    pip install 'flyteshift[ray]' && python bench/bench_ray_overhead.py [--n 200] [--fanout 1000]

Starts a two-node Ray cluster on this machine (Ray's own `ray.cluster_utils.Cluster`: a head and
a second node, one CPU each, stopped at the end), then times the same trivial function
(`x + 1`) as bare Ray tasks and as Flyte actions on the Ray executor:

- latency: `n` calls one after another (bare: `ray.get(f.remote(i))`; Flyte: `await inc.aio(i)`),
  i.e. the per-action overhead, where Flyte also records every action durably in its store;
- fan-out: `fanout` calls at once (bare: `ray.get([f.remote(i) ...])`; Flyte: `asyncio.gather`),
  i.e. how many actions per second the driver submits, awaits and records.

Prints seconds, actions/s, actions/s per core, and Flyte / bare ratios. The cluster's cores bound
the fan-out: on this 2-core machine both nodes share the same two cores, so the numbers are per
core; on real nodes the bare-Ray rate grows with the cores added, and Flyte's follows while its
driver (one process recording every action) keeps up: see the printed driver CPU share.
"""

from __future__ import annotations

import argparse
import asyncio
import os
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
    args = parser.parse_args()
    from ray.cluster_utils import Cluster

    # the tasks must pickle by reference (a module the workers can import), as a user's would
    sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
    me = __import__("bench_ray_overhead")
    home = tempfile.mkdtemp(prefix="flyte-bench-ray-")
    cluster = Cluster(initialize_head=True, head_node_args={"num_cpus": 1, "include_dashboard": False,
                                                            "object_store_memory": 80_000_000})
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

        rows = []
        for label, n, bare_fn, flyte_task in (("latency", args.n, bare_seq, me.one_by_one),
                                             ("fan-out", args.fanout, bare_fan, me.fan_out)):
            expected = sum(range(1, n + 1))
            b, b_wall, _ = _timed(bare_fn, n)
            run, f_wall, f_cpu = _timed(lambda t=flyte_task, n=n: flyte.run(t, n=n))
            assert b == expected and run.outputs()[0] == expected, (b, run.outputs())
            rows.append((label, n, b_wall, f_wall, f_cpu))
    finally:
        ray.shutdown()
        cluster.shutdown()
    print(f"two-node Ray cluster on one machine: {cores} CPUs in all ({os.cpu_count()} cores shared)")
    print(f"{'workload':9} {'calls':>6} {'bare ray':>10} {'flyte':>10} {'flyte/bare':>11} "
          f"{'bare/s':>8} {'flyte/s':>8} {'flyte/s/core':>13} {'driver cpu':>11}")
    for label, n, b_wall, f_wall, f_cpu in rows:
        print(f"{label:9} {n:6d} {b_wall:9.2f}s {f_wall:9.2f}s {f_wall / b_wall:10.2f}x "
              f"{n / b_wall:8.0f} {n / f_wall:8.0f} {n / f_wall / cores:13.0f} {f_cpu / f_wall:10.0%}")
    print("per action: " + ", ".join(f"{label} bare {b * 1e3 / n:.2f} ms, flyte {f * 1e3 / n:.2f} ms"
                                     for label, n, b, f, _ in rows))


if __name__ == "__main__":
    main()
