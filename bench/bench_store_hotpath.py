"""Instructions per recorded child action, this checkout against another source tree, same run.

    git -C . worktree add /tmp/flyte-base main     # or: git archive main | tar -x -C /tmp/flyte-base
    python bench/bench_store_hotpath.py --base /tmp/flyte-base

Wall-clock time on a shared, loaded machine moves by more than the differences that matter here,
so this counts instructions with valgrind's cachegrind (`I refs`), which does not depend on load.
Each scenario runs one `flyte.run` with n children in a fresh interpreter (the source tree first
on PYTHONPATH, the store in a temporary FLYTE_HOME, everything committed to SQLite before it
ends), at two sizes; the per-child cost is the difference divided by the difference in n, so
interpreter start-up and imports cancel out.
"""

from __future__ import annotations

import argparse
import os
import re
import subprocess
import sys
import tempfile
from pathlib import Path

WORKER = r'''
import asyncio, sys
import flyte
from flyte._store import open_store

mode, n = sys.argv[1], int(sys.argv[2])
env = flyte.TaskEnvironment("hot")

@env.task
async def child(x: int) -> int:
    return x + 1

@env.task
def schild(x: int) -> int:
    return x + 1

@env.task
async def seq(n: int) -> int:
    s = 0
    for i in range(n):
        s += await child(i)
    return s

@env.task
async def gather(n: int) -> int:
    return sum(await asyncio.gather(*[child(i) for i in range(n)]))

@env.task
def sync_seq(n: int) -> int:
    return sum(schild(i) for i in range(n))

@env.task
def map_sync(n: int) -> int:
    return sum(flyte.map(schild, range(n)))

task = {"seq": seq, "gather": gather, "sync_seq": sync_seq, "map_sync": map_sync}[mode]
flyte.run(task, n)
open_store().flush()
'''


def instructions(tree: Path, mode: str, n: int) -> int:
    with tempfile.TemporaryDirectory() as home:
        env = {**os.environ, "PYTHONPATH": str(tree), "FLYTE_HOME": home}
        proc = subprocess.run(
            ["valgrind", "--tool=cachegrind", "--cache-sim=no", "--cachegrind-out-file=/dev/null",
             sys.executable, "-c", WORKER, mode, str(n)],
            capture_output=True, text=True, env=env, cwd=home, timeout=3600,
        )
    if proc.returncode != 0:
        raise RuntimeError(f"{tree} {mode} {n}:\n{proc.stderr[-3000:]}")
    match = re.search(r"I\s+refs:\s+([\d,]+)", proc.stderr)
    assert match, proc.stderr[-2000:]
    return int(match.group(1).replace(",", ""))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--base", required=True, type=Path, help="Another source tree of this project (e.g. main).")
    parser.add_argument("--sizes", default="200,1200")
    parser.add_argument("--scenarios", default="seq,gather,sync_seq,map_sync")
    args = parser.parse_args()
    small, large = (int(s) for s in args.sizes.split(","))
    here = Path(__file__).resolve().parent.parent
    print(f"{'scenario':<10} {'this checkout':>15} {'base':>15} {'ratio':>7}   (instructions per child)")
    for mode in args.scenarios.split(","):
        per = {}
        for name, tree in (("here", here), ("base", args.base.resolve())):
            per[name] = (instructions(tree, mode, large) - instructions(tree, mode, small)) / (large - small)
        print(f"{mode:<10} {per['here']:>15,.0f} {per['base']:>15,.0f} {per['here'] / per['base']:>7.3f}")


if __name__ == "__main__":
    main()
