"""Instructions per recorded child action, this checkout against another source tree, same run.

    git -C . worktree add /tmp/flyte-base main     # or: git archive main | tar -x -C /tmp/flyte-base
    python bench/bench_store_hotpath.py --base /tmp/flyte-base

Wall-clock time on a shared, loaded machine moves by more than the differences that matter here,
so this counts instructions with valgrind's cachegrind (`I refs`), which does not depend on load.
Each scenario runs one `flyte.run` with n children in a fresh interpreter (the source tree first
on PYTHONPATH, the store in a temporary FLYTE_HOME, everything committed to SQLite before it
ends), at two sizes; the per-child cost is the difference divided by the difference in n, so
interpreter start-up and imports cancel out. Start-up (~1e9 instructions) still moves by ~1e6
between identical runs (threads, whatever PYTHONHASHSEED), which is ~1% of a per-child figure
at the sizes 200,1200: for differences of a few percent, use 200,5200 (~0.2%).
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
from pathlib import Path

from _workloads import TASKS, cachegrind_instructions

WORKER = (
    "import asyncio, sys\nimport flyte\nfrom flyte._store import open_store\n"
    "mode, n = sys.argv[1], int(sys.argv[2])\n"
    + TASKS
    + "flyte.run(task, n)\nopen_store().flush()\n"
)


def instructions(tree: Path, mode: str, n: int) -> int:
    with tempfile.TemporaryDirectory() as home:
        env = {**os.environ, "PYTHONPATH": str(tree), "FLYTE_HOME": home}
        return cachegrind_instructions([sys.executable, "-c", WORKER, mode, str(n)], env, home)


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
