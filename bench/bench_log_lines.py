"""What a printed line costs, with each write journaled at once (kept through a kill -9) against
another tree of this project (by default `main`, the code before), measured in the same run.

    python bench/bench_log_lines.py                     # this checkout against `main`
    python bench/bench_log_lines.py --base /path/to/another/checkout --lines 20000 --repeat 5
    python bench/bench_log_lines.py --instructions      # also count instructions (valgrind), load-proof

One action prints `--lines` lines (`print(...)`, two writes each: the text and its newline) with
its output captured (the default) and the terminal being /dev/null; "CPU/line" is the process CPU
(all threads) of that run, including committing the log to SQLite, divided by the lines, less
the same run printing nothing. Each tree runs in fresh interpreters, the two trees alternating,
`--repeat` times; the table gives the least and the median of each and the ratio of the least.

The alternative design kept output in a spool file per process (one `os.write` per write, read
back by the next open); its floor, measured in the same process as "spool floor", is the cost of
encoding each write and appending it to a file with `os.write`: what that design would add per
line on top of the code before, to set against the journal's added cost.

`--instructions` also counts the instructions (valgrind's cachegrind, all threads, user space
only: not the kernel's page faults or writes) of each tree printing 1,000 and 5,000 lines, and
gives their difference per line: a figure the machine's load does not move.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

from _workloads import cachegrind_instructions

ROOT = Path(__file__).resolve().parent.parent

WORKER = r'''
import json, os, sys, time
import flyte

env = flyte.TaskEnvironment("lines")


@env.task
async def chatty(n: int) -> int:
    for i in range(n):
        print(f"epoch {i} loss 0.{i:06d} accuracy 0.9")
    return n


@env.task
async def main(n: int) -> int:
    return await chatty(n)


def cpu(n):
    from flyte._store import open_store
    c0 = time.process_time()
    flyte.run(main, n)
    open_store().flush()
    return time.process_time() - c0


n = int(sys.argv[1])
cpu(10)  # warm: imports, the store, the first run
quiet = min(cpu(0) for _ in range(3))
loud = cpu(n)
spool = None
if len(sys.argv) > 2:  # the spool design's floor: encode each write, append it to a file
    fd = os.open(os.path.join(os.environ["FLYTE_HOME"], "spool"), os.O_WRONLY | os.O_CREAT | os.O_APPEND)
    c0 = time.process_time()
    for i in range(n):
        for text in (f"epoch {i} loss 0.{i:06d} accuracy 0.9", "\n"):
            os.write(fd, b"r1\0a\0" + text.encode())
    spool = time.process_time() - c0
    os.close(fd)
sys.__stdout__.write(json.dumps({"per_line": (loud - quiet) / n, "spool": spool}) + "\n")
'''


def run_tree(tree: str, lines: int, spool: bool) -> dict:
    with tempfile.TemporaryDirectory() as home:
        env = {**os.environ, "PYTHONPATH": tree, "FLYTE_HOME": home, "HOME": home}
        args = [sys.executable, "-c", WORKER, str(lines), *(["spool"] if spool else [])]
        proc = subprocess.run(args, capture_output=True, text=True, env=env, cwd=home,
                              timeout=1800)
        if proc.returncode != 0:
            raise RuntimeError(f"the bench failed in {tree}:\n{proc.stderr[-3000:]}")
        return json.loads(proc.stdout.strip().splitlines()[-1])


def instructions_per_line(tree: str, n1: int = 1000, n2: int = 5000) -> float:
    counts = []
    for n in (n1, n2):
        with tempfile.TemporaryDirectory() as home:
            env = {**os.environ, "PYTHONPATH": tree, "FLYTE_HOME": home, "HOME": home}
            counts.append(cachegrind_instructions([sys.executable, "-c", WORKER, str(n)], env, home))
    return (counts[1] - counts[0]) / (n2 - n1)


def main_source(tmp: str) -> str:
    target = Path(tmp) / "main-src"
    target.mkdir()
    archive = subprocess.run(["git", "-C", str(ROOT), "archive", "main", "flyte"], capture_output=True, check=True)
    subprocess.run(["tar", "-x", "-C", str(target)], input=archive.stdout, check=True)
    return str(target)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--base", type=Path, default=None, help="Another source tree of this project (default: main).")
    parser.add_argument("--lines", type=int, default=20000)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--instructions", action="store_true", help="Also count instructions per line (valgrind).")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        base = str(args.base.resolve()) if args.base else main_source(tmp)
        trees = {"this checkout": str(ROOT), "base": base}
        got: dict[str, list[float]] = {label: [] for label in trees}
        spools: list[float] = []
        for _ in range(args.repeat):
            for label, tree in trees.items():
                r = run_tree(tree, args.lines, spool=label == "base")
                got[label].append(r["per_line"] * 1e6)
                if r["spool"] is not None:
                    spools.append(r["spool"] / args.lines * 1e6)
        counted = {label: instructions_per_line(tree) for label, tree in trees.items()} if args.instructions else None
    mine, theirs, spools = sorted(got["this checkout"]), sorted(got["base"]), sorted(spools)
    print(f"CPU per printed line, {args.lines} lines in one action, {args.repeat} runs per tree, interleaved; "
          f"base = {args.base or 'main'}")
    print(f"  this checkout: least {mine[0]:.2f}us  median {mine[len(mine) // 2]:.2f}us")
    print(f"  base:          least {theirs[0]:.2f}us  median {theirs[len(theirs) // 2]:.2f}us")
    print(f"  ratio (least): {mine[0] / theirs[0]:.2f}   added: {mine[0] - theirs[0]:+.2f}us/line")
    print(f"  spool floor (encode + os.write per write, in the base's runs): least {spools[0]:.2f}us/line "
          f"= {spools[0] / theirs[0]:.2f} of the base's per-line cost")
    if counted:
        mine_i, theirs_i = counted["this checkout"], counted["base"]
        print(f"  instructions per line: this checkout {mine_i:,.0f}, base {theirs_i:,.0f}, "
              f"ratio {mine_i / theirs_i:.2f}, added {mine_i - theirs_i:+,.0f}")


if __name__ == "__main__":
    main()
