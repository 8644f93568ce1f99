"""Per-action overhead of the flyte runtime, against plain asyncio measured in the same run.

    python bench/bench_runtime.py                      # this project's runtime
    python bench/bench_runtime.py --sdk-python /path/to/flyte-2.12.1-venv/bin/python
    python bench/bench_runtime.py --base /path/to/another/checkout --repeat 5   # before/after, interleaved

Each scenario runs in a fresh interpreter. "CPU/child" is the process CPU time (user+sys, all
threads) of one `flyte.run` divided by the number of children, after a warm-up run in the same
process; the baseline is the same functions called with plain asyncio (no runtime). Every child is
recorded in the metadata store (journal + SQLite under $FLYTE_HOME), and the time includes
committing all of it to SQLite.

The "floor_" rows are what a recorded child cannot cost less than with this design: the plain
asyncio children, each adding one row (our 16 columns, our table) that a writer thread inserts into
SQLite in batches (executemany, one transaction per batch, WAL, synchronous=NORMAL), measured the
same way. They keep no journal, so their rows are not durable when a child returns (ours are).
"floor_seq_packed" inserts the rows as ours stores a parent's many finished children: msgpack'd,
1,024 to a row of an `action_batches` table (one insert per 1,024 children instead of one each);
"floor_seq_packed_journaled" also journals each row as ours does (msgpack'd into a mapped file
behind a length and CRC header) before the child returns: the floor of a durable recorded child.

`--base TREE` compares this checkout with another source tree of this project (a commit to
compare against, checked out with `git worktree add --detach`): each scenario runs `--repeat`
times per tree, the two trees alternating, so that both see the same machine; the table gives
the least and the median CPU/child of each and the ratio of the least.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import textwrap
import time
from pathlib import Path
from typing import Optional

from _workloads import TRIVIAL_TASKS

SCENARIOS = ["gather", "seq", "map_aio", "map_sync", "sync_seq"]

WORKER = r'''
import asyncio, json, os, resource, sys, time
mode, n = sys.argv[1], int(sys.argv[2])

if mode.startswith("floor_"):
    # The floor of a recorded child: plain asyncio, plus one row per child (the same 16 fields and
    # table as ours) that a writer thread inserts into SQLite (WAL, synchronous=NORMAL) in batches,
    # one transaction per batch. No journal: a row is durable only once its batch commits.
    import sqlite3, tempfile, threading
    db = sqlite3.connect(os.path.join(tempfile.mkdtemp(dir=os.environ["FLYTE_HOME"]), "floor.db"),
                         isolation_level=None, check_same_thread=False)
    db.execute("PRAGMA journal_mode=WAL"); db.execute("PRAGMA synchronous=NORMAL")
    db.execute("""CREATE TABLE actions (run TEXT NOT NULL, id TEXT NOT NULL, parent TEXT, task TEXT, short_name TEXT,
        group_name TEXT, kind TEXT, phase TEXT, attempts INTEGER, start_time REAL NOT NULL, end_time REAL, inputs BLOB,
        outputs BLOB, error_code TEXT, error TEXT, cache_status TEXT, PRIMARY KEY (run, start_time, id)) WITHOUT ROWID""")
    db.execute("""CREATE TABLE action_batches (seq INTEGER PRIMARY KEY AUTOINCREMENT, run TEXT NOT NULL, rows BLOB NOT NULL,
        first_start REAL, last_start REAL, parent TEXT)""")
    import mmap, struct, zlib, msgpack
    PACK_ROWS, packed, journaled = 1024, "_packed" in mode, mode.endswith("_journaled")
    # the journal that makes ours durable when a child returns: each row msgpack'd into a mapped
    # file behind a (length, crc32) header, as flyte._store._journal does
    jfd = os.open(os.path.join(tempfile.mkdtemp(dir=os.environ["FLYTE_HOME"]), "floor.journal"), os.O_RDWR | os.O_CREAT)
    os.ftruncate(jfd, 64 << 20)
    jmap, jhead, jpacker, joff = mmap.mmap(jfd, 64 << 20), struct.Struct("<II"), msgpack.Packer(use_bin_type=True), [0]
    def journal(row):
        payload = jpacker.pack(("action", row))
        start = joff[0] + 8
        end = start + len(payload)
        if end + 8 > len(jmap):
            end, start, joff[0] = 8 + len(payload), 8, 0
        jmap[start:end] = payload
        jmap[joff[0]:start] = jhead.pack(len(payload), zlib.crc32(payload))
        joff[0] = end
    lock, db_lock, pending, wake, done = threading.Lock(), threading.Lock(), [], threading.Event(), [False]
    def commit():
        global pending
        with db_lock:
            with lock:
                rows, pending = pending, []
            if rows:
                db.execute("BEGIN")
                if packed:  # as ours stores many finished children of one parent: msgpack'd, PACK_ROWS to a row
                    db.executemany("INSERT INTO action_batches (run, rows, first_start, last_start, parent) VALUES (?,?,?,?,?)",
                                   [(b[0][0], msgpack.packb(b, use_bin_type=True), min(r[9] for r in b), max(r[9] for r in b),
                                     b[0][2]) for b in (rows[i:i + PACK_ROWS] for i in range(0, len(rows), PACK_ROWS))])
                else:
                    db.executemany("INSERT OR REPLACE INTO actions VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)", rows)
                db.execute("COMMIT")
    def writer():
        while not done[0]:
            wake.wait(0.2); wake.clear(); commit()
    threading.Thread(target=writer, daemon=True).start()
    counter = iter(range(1 << 62))
    async def child(x):
        start = time.time()
        out = x + 1
        row = ("run", f"{next(counter):025x}", "a0", "bench.child", "child", None, "task", "SUCCEEDED", 1,
               start, time.time(), x.to_bytes(8, "little"), out.to_bytes(8, "little"), None, None, None)
        with lock:
            if journaled:
                journal(row)
            pending.append(row)
        return out
    async def seq(n):
        s = 0
        for i in range(n):
            s += await child(i)
        return s
    async def gather(n):
        return sum(await asyncio.gather(*[child(i) for i in range(n)]))
    kind = mode[len("floor_"):].split("_packed")[0]
    def go():
        out = asyncio.run({"gather": gather, "seq": seq}[kind](n))
        commit()
        return out
    go()
    c0, w0 = time.process_time(), time.perf_counter()
    out = go()
    c1, w1 = time.process_time(), time.perf_counter()
elif mode.startswith("plain_"):
    async def child(x):
        return x + 1
    def schild(x):
        return x + 1
    async def gather(n):
        return sum(await asyncio.gather(*[child(i) for i in range(n)]))
    async def seq(n):
        s = 0
        for i in range(n):
            s += await child(i)
        return s
    def sync_seq(n):
        return sum(schild(i) for i in range(n))
    kind = mode[len("plain_"):]
    def go():
        if kind == "sync_seq":
            return sync_seq(n)
        return asyncio.run({"gather": gather, "seq": seq}[kind](n))
    go()
    c0, w0 = time.process_time(), time.perf_counter()
    out = go()
    c1, w1 = time.process_time(), time.perf_counter()
else:
    import flyte
''' + textwrap.indent(TRIVIAL_TASKS, "    ") + r'''
    @env.task
    async def map_aio(n: int) -> int:
        return sum([v async for v in flyte.map.aio(child, range(n))])

    @env.task
    async def slow(x: int) -> int:
        await asyncio.sleep(0.05)
        return x

    @env.task
    async def map_rounds(n: int) -> int:
        return len([v async for v in flyte.map.aio(slow, range(n), concurrency=5)])

    task = {"gather": gather, "seq": seq, "map_aio": map_aio, "map_sync": map_sync, "sync_seq": sync_seq,
            "map_rounds": map_rounds}[mode]
    flyte.run(task, 1 if mode != "map_rounds" else 1)
    try:
        from flyte._store import open_store  # ours: count the SQLite work done by the writer thread too
        flush = lambda: open_store().flush()
    except ImportError:  # the real SDK
        flush = lambda: None
    flush()
    c0, w0 = time.process_time(), time.perf_counter()
    out = flyte.run(task, n).outputs()[0]
    flush()
    c1, w1 = time.process_time(), time.perf_counter()
print(json.dumps({"cpu": c1 - c0, "wall": w1 - w0, "rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, "out": out}))
'''


def _env(python: str, home: str) -> dict:
    """The real SDK's interpreter never sees PYTHONPATH: a checkout of this project on it would make
    it import our `flyte` instead of its own."""
    env = {**os.environ, "FLYTE_HOME": home, "HOME": home, "FLYTE_DISABLE_SENTRY": "true", "DO_NOT_TRACK": "1"}
    if python != sys.executable:
        env.pop("PYTHONPATH", None)
    return env


def run_worker(python: str, mode: str, n: int, home: str, tree: Optional[str] = None) -> dict:
    """One scenario in a fresh interpreter; `tree`: the source tree it imports `flyte` from."""
    env = _env(python, home)
    if tree is not None:
        env["PYTHONPATH"] = tree
    # cwd=home: a "-c" worker puts the cwd first on sys.path, which must not be this checkout
    proc = subprocess.run([python, "-c", WORKER, mode, str(n)], capture_output=True, text=True, env=env, timeout=900, cwd=home)
    if proc.returncode != 0:
        raise RuntimeError(f"{mode} {n} failed:\n{proc.stderr[-2000:]}")
    return json.loads(proc.stdout.strip().splitlines()[-1])


def import_time(python: str, home: str) -> float:
    env = _env(python, home)
    best = float("inf")
    for _ in range(5):
        t0 = time.perf_counter()
        subprocess.run([python, "-c", "import flyte"], check=True, env=env, cwd=home)
        best = min(best, time.perf_counter() - t0)
    t0 = time.perf_counter()
    for _ in range(5):
        subprocess.run([python, "-c", "pass"], check=True, env=env)
    bare = (time.perf_counter() - t0) / 5
    return best, bare


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", default="1000,10000")
    parser.add_argument("--sdk-python", default=None, help="Interpreter of a venv with the real flyte SDK, to compare.")
    parser.add_argument("--no-floor", action="store_true",
                        help="Skip the floor rows: plain asyncio plus one SQLite row per child, inserted in batches by a writer thread.")
    parser.add_argument("--sdk-sizes", default="1000", help="Sizes for the real SDK (it costs ~1 ms per child).")
    parser.add_argument("--base", type=Path, default=None,
                        help="Another source tree of this project: compare CPU/child with it, runs interleaved.")
    parser.add_argument("--repeat", type=int, default=5, help="Runs per scenario and tree with --base.")
    args = parser.parse_args()
    if args.base is not None:
        compare_trees(args.base, [int(s) for s in args.sizes.split(",")], args.repeat)
        return
    sizes = [int(s) for s in args.sizes.split(",")]
    me = sys.executable
    rows = []
    with tempfile.TemporaryDirectory() as home:
        for n in sizes:
            baseline = {k: run_worker(me, f"plain_{k}", n, home) for k in ("gather", "seq", "sync_seq")}
            for mode in SCENARIOS:
                r = run_worker(me, mode, n, home)
                base = baseline.get(mode, baseline["gather"] if "map" in mode else baseline["seq"])
                rows.append((mode, n, r, base))
            if not args.no_floor:
                for kind in ("seq", "gather", "seq_packed", "seq_packed_journaled"):
                    base = baseline[kind.split("_packed")[0]]
                    rows.append((f"floor_{kind}", n, run_worker(me, f"floor_{kind}", n, home), base))
        rounds = run_worker(me, "map_rounds", 10, home)
        imp, bare = import_time(me, home)
        sdk_rows = []
        if args.sdk_python:
            for n in [int(s) for s in args.sdk_sizes.split(",")]:
                for mode in ("gather", "seq", "map_aio"):
                    ours = run_worker(me, mode, n, home)
                    theirs = run_worker(args.sdk_python, mode, n, home)
                    sdk_rows.append((mode, n, ours, theirs))
            sdk_imp, _ = import_time(args.sdk_python, home)

    print(f"{'scenario':<26} {'n':>6} {'CPU/child':>10} {'wall/child':>11} {'asyncio CPU/child':>18} {'x asyncio':>9} {'peak RSS':>9}")
    for mode, n, r, base in rows:
        per = r["cpu"] / n * 1e6
        bper = base["cpu"] / n * 1e6
        print(f"{mode:<26} {n:>6} {per:>8.1f}us {r['wall'] / n * 1e6:>9.1f}us {bper:>16.2f}us {per / max(bper, 1e-9):>8.0f}x {r['rss_mb']:>7.0f}MB")
    print(f"\nflyte.map of 10 x 50 ms children, concurrency=5: {rounds['wall']:.3f}s = {rounds['wall'] / 0.05:.1f} rounds of 50 ms (sequential would be 10)")
    print(f"python -c 'import flyte': {imp * 1000:.0f} ms (bare interpreter {bare * 1000:.0f} ms)")
    if sdk_rows:
        print("\nAgainst the real flyte SDK (its default local mode, no persistence), same machine, same run:")
        for mode, n, ours, theirs in sdk_rows:
            print(f"  {mode:<8} n={n:<6} ours {ours['cpu'] / n * 1e6:7.1f}us/child   SDK {theirs['cpu'] / n * 1e6:8.1f}us/child   "
                  f"=> {theirs['cpu'] / max(ours['cpu'], 1e-9):.0f}x less CPU")
        print(f"  import flyte: ours {imp * 1000:.0f} ms, SDK {sdk_imp * 1000:.0f} ms")


def compare_trees(base: Path, sizes: list[int], repeat: int) -> None:
    """CPU/child of this checkout and of `base`, each scenario run `repeat` times per tree, the
    trees alternating."""
    here = str(Path(__file__).resolve().parent.parent)
    trees = {"this checkout": here, "base": str(base.resolve())}
    for tree in trees.values():
        if not (Path(tree) / "flyte" / "__init__.py").is_file():
            raise SystemExit(f"--base: {tree} is not a source tree of this project (no flyte/__init__.py)")
    cpu: dict[tuple, list[float]] = {}
    for n in sizes:
        for _ in range(repeat):
            for mode in SCENARIOS:
                for label, tree in trees.items():
                    with tempfile.TemporaryDirectory() as home:  # each tree its own store: schemas differ
                        r = run_worker(sys.executable, mode, n, home, tree)
                    cpu.setdefault((mode, n, label), []).append(r["cpu"] / n * 1e6)
    print(f"CPU/child, {repeat} runs per tree, interleaved; base = {base}")
    print(f"{'scenario':<10} {'n':>6} {'this: least':>12} {'median':>8} {'base: least':>12} {'median':>8} {'ratio':>7}")
    for n in sizes:
        for mode in SCENARIOS:
            mine, theirs = sorted(cpu[(mode, n, "this checkout")]), sorted(cpu[(mode, n, "base")])
            print(f"{mode:<10} {n:>6} {mine[0]:>10.1f}us {mine[len(mine) // 2]:>6.1f}us {theirs[0]:>10.1f}us "
                  f"{theirs[len(theirs) // 2]:>6.1f}us {mine[0] / theirs[0]:>7.2f}")


if __name__ == "__main__":
    main()
