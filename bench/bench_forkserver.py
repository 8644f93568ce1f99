"""Worker start-up: our fork server against multiprocessing's, and a run's first timed fan-out.

    python bench/bench_forkserver.py [--workers 40] [--fan-out 16] [--repeat 3] [--base TREE]

1. Per worker, in this process: `--workers` workers started one after another, each until it is
   up (it said hello) and then until it has exited and been reaped, by
   - ours (`flyte._executor._forkserver.ForkServer`: a worker running `_worker.main`), and
   - multiprocessing's "forkserver" start method, with the same module preloaded
     (`set_forkserver_preload(["__main__", "flyte._executor._worker"])`, `__main__` being its
     default), a `Process` whose target says hello on a pipe and returns.
   Wall time per worker until it is up and until it is reaped, this process's CPU per worker
   (after the first), and the first worker's wall time (which includes its server's start), for
   each; the two alternate `--repeat` times.
2. A run's first timed fan-out, in a fresh interpreter: `flyte.run` of an async root that
   awaits `--pre` seconds (other work before the fan-out: 0 and 0.6 by default) and then gathers
   `--fan-out` calls of a trivial sync task with a timeout (which run in the inline executor's
   killable pool of worker processes). Wall time of the gather, this checkout and `--base`
   alternating, `--repeat` times each; medians.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent.parent


def _cpu() -> float:
    r = resource.getrusage(resource.RUSAGE_SELF)
    return r.ru_utime + r.ru_stime


def _hello(conn) -> None:  # multiprocessing's worker
    conn.send(os.getpid())


class _Tally:
    """One side's workers: the first worker's wall time from the start (its server's start
    included), then the medians of the others and this process's CPU per worker after the first."""

    def __init__(self) -> None:
        self.t0 = time.perf_counter()
        self.walls: list[float] = []
        self.ups: list[float] = []
        self.cpu0 = 0.0
        self.first = 0.0

    def begin(self, i: int) -> float:
        if i == 1:
            self.cpu0 = _cpu()
        return time.perf_counter()

    def end(self, i: int, t: float, up: float) -> None:
        if i == 0:
            self.first = time.perf_counter() - self.t0
        else:
            self.walls.append(time.perf_counter() - t)
            self.ups.append(up)

    def result(self, n: int, cpu: float) -> dict:
        return {"first": self.first, "up": statistics.median(self.ups), "wall": statistics.median(self.walls),
                "cpu": (cpu - self.cpu0) / (n - 1)}


def ours(n: int) -> dict:
    from flyte._controller import base_environment
    from flyte._executor._forkserver import ForkServer
    from flyte._executor._wire import FrameSocket

    tally = _Tally()
    server = ForkServer(base_environment())
    try:
        for i in range(n):
            t = tally.begin(i)
            mine, theirs = socket.socketpair()
            out_r, out_w = os.pipe()
            err_r, err_w = os.pipe()
            proc = server.spawn((theirs.fileno(), out_w, err_w), base_environment())
            theirs.close()
            os.close(out_w)
            os.close(err_w)
            frames = FrameSocket(mine)
            assert frames.recv_frame() is not None  # its hello: it is up
            up = time.perf_counter() - t
            mine.close()  # it exits when its socket closes
            proc.wait(30)
            os.close(out_r)
            os.close(err_r)
            tally.end(i, t, up)
        cpu = _cpu()
    finally:
        server.close()
    return tally.result(n, cpu)


def multiprocessing_forkserver(n: int) -> dict:
    import multiprocessing as mp

    ctx = mp.get_context("forkserver")
    ctx.set_forkserver_preload(["__main__", "flyte._executor._worker"])  # __main__: its default
    tally = _Tally()
    for i in range(n):
        t = tally.begin(i)
        r, w = ctx.Pipe(duplex=False)
        p = ctx.Process(target=_hello, args=(w,))
        p.start()
        w.close()
        r.recv()
        up = time.perf_counter() - t
        p.join()
        r.close()
        tally.end(i, t, up)
    cpu = _cpu()
    from multiprocessing import forkserver

    forkserver._forkserver._stop()  # the next round starts its server anew, as ours does
    return tally.result(n, cpu)


FAN_OUT = r'''
import asyncio, json, sys, time
import flyte
pre, k = float(sys.argv[1]), int(sys.argv[2])
env = flyte.TaskEnvironment("fanout_bench")

@env.task(timeout=60)
def timed(x: int) -> int:
    return x + 1

@env.task
async def root(k: int) -> float:
    await asyncio.sleep(pre)  # the run's other work before its first fan-out
    t = time.perf_counter()
    await asyncio.gather(*[timed.aio(i) for i in range(k)])
    return time.perf_counter() - t

print(json.dumps(flyte.run(root, k).outputs()[0]))
'''


def fan_out(tree: Path, pre: float, k: int) -> float:
    with tempfile.TemporaryDirectory() as home:
        env = {**os.environ, "PYTHONPATH": str(tree), "FLYTE_HOME": home}
        out = subprocess.run([sys.executable, "-c", FAN_OUT, str(pre), str(k)], env=env, check=True,
                             capture_output=True, text=True, cwd=home).stdout
    return float(json.loads(out.strip().splitlines()[-1]))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--workers", type=int, default=40)
    parser.add_argument("--fan-out", type=int, default=16)
    parser.add_argument("--pre", default="0,0.6")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--base", type=Path, default=None, help="Another source tree of this project (e.g. main).")
    parser.add_argument("--skip-workers", action="store_true")
    args = parser.parse_args()
    sys.path.insert(0, str(HERE))

    if not args.skip_workers:
        rows: dict[str, list[dict]] = {"ours": [], "multiprocessing forkserver": []}
        for _ in range(args.repeat):
            rows["ours"].append(ours(args.workers))
            rows["multiprocessing forkserver"].append(multiprocessing_forkserver(args.workers))
        print(f"worker start-up, {args.workers} workers one after another, medians of {args.repeat} rounds")
        print(f"{'':<28} {'first (ms)':>10} {'up (ms)':>8} {'wall/worker (ms)':>17} {'CPU/worker here (ms)':>21}")
        med = {k: {m: statistics.median(r[m] for r in v) for m in ("first", "up", "wall", "cpu")} for k, v in rows.items()}
        for name, m in med.items():
            print(f"{name:<28} {m['first'] * 1e3:>10.1f} {m['up'] * 1e3:>8.2f} {m['wall'] * 1e3:>17.2f} {m['cpu'] * 1e3:>21.2f}")
        a, b = med["ours"], med["multiprocessing forkserver"]
        print(f"{'ratio ours / multiprocessing':<28} {a['first'] / b['first']:>10.2f} {a['up'] / b['up']:>8.2f} "
              f"{a['wall'] / b['wall']:>17.2f} "
              f"{a['cpu'] / b['cpu']:>21.2f}")

    if args.base is not None:
        print(f"\nfirst timed fan-out of {args.fan_out} calls in a fresh process (gather wall, s), "
              f"median of {args.repeat}; base = {args.base}")
        print(f"{'pre (s)':>8} {'this checkout':>14} {'base':>8} {'ratio':>7}")
        for pre in (float(p) for p in args.pre.split(",")):
            times: dict[str, list[float]] = {"here": [], "base": []}
            for _ in range(args.repeat):
                times["here"].append(fan_out(HERE, pre, args.fan_out))
                times["base"].append(fan_out(args.base.resolve(), pre, args.fan_out))
            h, b = statistics.median(times["here"]), statistics.median(times["base"])
            print(f"{pre:>8g} {h:>14.3f} {b:>8.3f} {h / b:>7.2f}")


if __name__ == "__main__":
    main()
