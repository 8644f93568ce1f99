"""What do flyte-migrate's safe writes cost, against a baseline measured in the same run?

    python bench/codemods/safe_writes.py TREE [--jobs N] [--repeat R]

TREE is a directory of Flyte 1 code (e.g. flytesnacks' `examples/`); it is copied, never
changed. Each measurement is the best of R repeats on a fresh copy:

* the write phase alone, over the same migrated outputs:
  - baseline: `open(path, "wb").write(new)` in place (what a naive tool does: a kill or a
    full disk in the middle leaves half a file);
  - flyte-migrate's `replace_file`: re-read and compare, temporary file in the same
    directory, fsync, mode and owner kept, rename, directory fsync;
* the whole command's work: `migrate_paths(write=False)` (baseline) and
  `migrate_paths(write=True)` (discovery, index, migration in worker processes, safe writes).

Prints seconds and ratios; asserts nothing.
"""

from __future__ import annotations

import argparse
import os
import shutil
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))


def _copy(tree: Path) -> Path:
    dest = Path(tempfile.mkdtemp(prefix="fm-bench-")) / "tree"
    shutil.copytree(tree, dest, symlinks=True)
    return dest


def _outputs(tree: Path) -> list[tuple[str, bytes, bytes]]:
    from codemods import migrate_paths

    report = migrate_paths([str(tree)], write=False)
    return [(f.path, f.source, f.output) for f in report.changed if f.output is not None]


def _best(fn, repeat: int) -> float:
    best = float("inf")
    for _ in range(repeat):
        best = min(best, fn())
    return best


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("tree", type=Path)
    parser.add_argument("--jobs", type=int, default=os.cpu_count() or 1)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    from codemods import migrate_paths
    from codemods._write import replace_file

    outputs = _outputs(args.tree)
    print(f"{len(outputs)} files change; {sum(len(o) for _, _, o in outputs) / 1e3:.0f} kB written per run")

    def naive() -> float:
        tree = _copy(args.tree)
        items = [(str(tree / os.path.relpath(p, args.tree)), new) for p, _, new in outputs]
        t = time.perf_counter()
        for path, new in items:
            with open(path, "wb") as fh:
                fh.write(new)
        dt = time.perf_counter() - t
        shutil.rmtree(tree.parent)
        return dt

    def safe() -> float:
        tree = _copy(args.tree)
        items = [(str(tree / os.path.relpath(p, args.tree)), old, new) for p, old, new in outputs]
        t = time.perf_counter()
        for path, old, new in items:
            replace_file(path, new, old)
        dt = time.perf_counter() - t
        shutil.rmtree(tree.parent)
        return dt

    def run(write: bool) -> float:
        tree = _copy(args.tree)
        t = time.perf_counter()
        migrate_paths([str(tree)], jobs=args.jobs, write=write)
        dt = time.perf_counter() - t
        shutil.rmtree(tree.parent)
        return dt

    n, s = _best(naive, args.repeat), _best(safe, args.repeat)
    dry, wet = _best(lambda: run(False), args.repeat), _best(lambda: run(True), args.repeat)
    print(f"write phase: naive in-place {n * 1e3:.1f} ms, safe replace {s * 1e3:.1f} ms: {s / n:.1f}x "
          f"({(s - n) / max(1, len(outputs)) * 1e3:.2f} ms more per file)")
    print(f"whole run (jobs={args.jobs}): no writes {dry:.2f} s, with safe writes {wet:.2f} s: {wet / dry:.2f}x")


if __name__ == "__main__":
    main()
