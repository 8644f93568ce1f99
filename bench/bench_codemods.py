"""How fast is flyte-migrate, against a baseline measured in the same run?

    python bench/bench_codemods.py [TREE] [--jobs N] [--repeat R]

TREE defaults to a flytesnacks checkout's `examples/` directory (FLYTESNACKS env var, or
/tmp/flytesnacks/examples); get one with
`git clone --depth 1 https://github.com/flyteorg/flytesnacks /tmp/flytesnacks`.

Three measurements over the same files, each the best of R repeats:

* baseline: a bare LibCST parse plus a QualifiedNameProvider pass (what any LibCST codemod that
  resolves names pays), run over every file that mentions flytekit, with the same number of
  worker processes;
* the same baseline over *all* Python files (what a tool without a pre-filter would pay);
* flyte-migrate: `migrate_paths(TREE, write=False)` -- discovery, pre-filter, index, full
  migration of every file, no writes.

The three are interleaved (round 1 of each, then round 2, ...) so that a change of load on a
shared machine hits them alike; the load average is printed before and after. It prints wall
and CPU seconds (CPU includes worker processes), the ratios to the baselines, and how well the
workers were used: CPU / wall against the number of jobs, and flyte-migrate's serial prelude
(discovery, reading, the index: the time before the first worker starts). No thresholds are
asserted here; read the ratios.
"""

from __future__ import annotations

import argparse
import os
import resource
import sys
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


def _cpu() -> float:
    me = resource.getrusage(resource.RUSAGE_SELF)
    kids = resource.getrusage(resource.RUSAGE_CHILDREN)
    return me.ru_utime + me.ru_stime + kids.ru_utime + kids.ru_stime


def _baseline_one(path: str) -> int:
    import libcst as cst
    from libcst.metadata import MetadataWrapper, QualifiedNameProvider

    with open(path, "rb") as fh:
        module = cst.parse_module(fh.read())
    MetadataWrapper(module, unsafe_skip_copy=True).resolve(QualifiedNameProvider)
    return 1


def baseline(paths, jobs: int) -> None:
    if jobs == 1:
        for p in paths:
            _baseline_one(p)
        return
    # scheduled like flyte-migrate's pool: biggest files first, one file per task
    ordered = sorted(paths, key=os.path.getsize, reverse=True)
    with ProcessPoolExecutor(max_workers=jobs) as pool:
        list(pool.map(_baseline_one, ordered, chunksize=1))


PRELUDE: list[float] = []  # per run of ours: seconds from the call until the workers exist


def ours(tree: str, jobs: int):
    from codemods import migrate_paths

    t0 = time.perf_counter()
    return migrate_paths([tree], jobs=jobs, write=False, on_start=lambda _n: PRELUDE.append(time.perf_counter() - t0))


def measure_interleaved(fns, repeat: int):
    """Best wall and best CPU of each of `fns`, run in rounds: fn1, fn2, ..., then again."""
    best = [[float("inf"), float("inf"), None] for _ in fns]
    for _ in range(repeat):
        for k, fn in enumerate(fns):
            c0, w0 = _cpu(), time.perf_counter()
            result = fn()
            w1, c1 = time.perf_counter(), _cpu()
            best[k][0], best[k][1], best[k][2] = min(best[k][0], w1 - w0), min(best[k][1], c1 - c0), result
    return best


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("tree", nargs="?", default=os.environ.get("FLYTESNACKS", "/tmp/flytesnacks/examples"))
    parser.add_argument("--jobs", type=int, default=os.cpu_count() or 1)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    tree = Path(args.tree)
    if not tree.is_dir():
        print(f"error: {tree} is not a directory; clone flytesnacks (see --help) or pass a tree", file=sys.stderr)
        return 2
    from codemods._runner import discover

    files = discover([str(tree)])
    texts = {p: Path(p).read_bytes() for p in files}
    flytekit_files = [p for p in files if b"flytekit" in texts[p]]
    lines_all = sum(t.count(b"\n") for t in texts.values())
    lines_fk = sum(texts[p].count(b"\n") for p in flytekit_files)
    print(f"tree: {tree}")
    print(f"files: {len(files)} Python files, {lines_all} lines; {len(flytekit_files)} mention flytekit ({lines_fk} lines)")
    print(f"jobs: {args.jobs}, best of {args.repeat}\n")

    # warm imports once so no measurement pays them
    import libcst  # noqa: F401

    import codemods  # noqa: F401

    load0 = os.getloadavg()
    (bw, bc, _), (aw, ac, _), (ow, oc, report) = measure_interleaved(
        [lambda: baseline(flytekit_files, args.jobs), lambda: baseline(files, args.jobs), lambda: ours(str(tree), args.jobs)],
        args.repeat,
    )
    load1 = os.getloadavg()
    rows = [
        ("baseline: parse + QualifiedNameProvider, flytekit files", bw, bc),
        ("baseline: parse + QualifiedNameProvider, all files", aw, ac),
        ("flyte-migrate (discover, index, migrate, no writes)", ow, oc),
    ]
    for name, wall, cpu in rows:
        print(f"{name:<58} wall {wall:6.2f}s   cpu {cpu:6.2f}s   cpu/wall {cpu / wall:4.2f} (of {args.jobs})")
    print(f"flyte-migrate's serial prelude (discover, read, index): best {min(PRELUDE):.2f}s")
    print(f"load average (1, 5, 15 min): before {load0[0]:.1f} {load0[1]:.1f} {load0[2]:.1f}, after {load1[0]:.1f} {load1[1]:.1f} {load1[2]:.1f}")
    changed = len(report.changed)
    print(f"\nflyte-migrate changed {changed} files, {len(report.errors)} errors, {len(report.findings)} TODOs")
    print(f"ratio to baseline (flytekit files): wall {ow / bw:.2f}x  cpu {oc / bc:.2f}x")
    print(f"ratio to baseline (all files):      wall {ow / aw:.2f}x  cpu {oc / ac:.2f}x")
    if flytekit_files:
        print(f"cpu per migrated file: {1000 * oc / len(flytekit_files):.0f} ms (bump-pydantic: ~1100 ms, see reference notes)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
