"""The journal survives a kill at every step: recording, rolling over segments, committing a
batch, reusing a segment, replaying a dead process's journal and cleaning up after it.

A child process runs a workload (nested parents, a gather, a flyte.map) with small journal
segments and a writer that commits every few milliseconds, and SIGKILLs itself when the N-th
line of `flyte/_store/*.py` is about to run (N drawn at random, in any thread, including the
replay done by the next process when it opens the store). The parent reruns the same run name
until it succeeds (resuming it), then starts the next one. At the end the store must pass
SQLite's `integrity_check`, every child the workload saw finish must be recorded as
succeeded, every run's tree must be whole (no orphans, no action twice) and no run stays RUNNING.

`FLYTE_KILL_LOOPS=500 pytest tests/flyte/test_journal_kills.py` runs a longer series.
"""

from __future__ import annotations

import os
import random
import signal
import sqlite3
import subprocess
import sys
import textwrap
from collections import defaultdict
from pathlib import Path

from flyte._serde import Codec
from flyte._store import Phase, SQLiteStore

CHILD = textwrap.dedent(
    """
    import asyncio, os, signal, sys, threading
    import flyte
    import flyte._store
    import flyte._store._sqlite as sqlite_store

    # Small segments and a busy writer: many rollovers, reuses and commits per run.
    sqlite_store.SEGMENT_BYTES = 32 * 1024
    sqlite_store.MIN_SEGMENT_BYTES = 16 * 1024
    sqlite_store.SQLiteStore.__init__.__defaults__ = (0.003, False)

    name, kill_at, log_path = sys.argv[1], int(sys.argv[2]), sys.argv[3]
    STORE_DIR = os.path.dirname(flyte._store.__file__)
    count = 0

    def local(frame, event, arg):
        global count
        if event == "line":
            count += 1
            if count == kill_at:
                os.kill(os.getpid(), signal.SIGKILL)
        return local

    def trace(frame, event, arg):
        return local if frame.f_code.co_filename.startswith(STORE_DIR) else None

    def log(text):
        fd = os.open(log_path, os.O_WRONLY | os.O_APPEND | os.O_CREAT)
        os.write(fd, f"{name} {text}\\n".encode())
        os.close(fd)

    env = flyte.TaskEnvironment("loop")
    PAD = "p" * 700

    @env.task
    async def leaf(i: int) -> str:
        return PAD + str(i)

    @env.task
    def item(i: int) -> int:
        return i * 2

    @env.task
    async def mid(j: int) -> int:
        total = 0
        for i in range(3):
            total += len(await leaf(j * 100 + i))
            log(f"leaf {j * 100 + i}")
        return total

    @env.task
    async def work(n: int) -> int:
        total = 0
        for j in range(n):
            total += await mid(j)
            log(f"mid {j}")
        out = await asyncio.gather(*[leaf(10000 + i) for i in range(n * 4)])
        for i in range(n * 4):
            log(f"leaf {10000 + i}")
        items = [v async for v in flyte.map.aio(item, range(n * 8))]
        for i in range(n * 8):
            log(f"item {i}")
        return total + len(out) + sum(items)

    sys.settrace(trace)
    threading.settrace(trace)
    try:
        flyte.with_runcontext(name=name).run(work, 4)
    except Exception as e:
        if type(e).__name__ == "RunExistsError":  # it succeeded before the kill: its name is taken
            print("ALREADY_SUCCEEDED")
            sys.exit(5)
        print("RUN_FAILED", type(e).__name__, e)
        sys.exit(4)
    sys.settrace(None)
    threading.settrace(None)
    print("LINES", count)
    """
)


def _child(prog: Path, home: Path, name: str, kill_at: int, log: Path) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, str(prog), name, str(kill_at), str(log)], capture_output=True, text=True,
                          env={**os.environ, "FLYTE_HOME": str(home)}, timeout=300)


def test_kills_at_random_steps_lose_nothing_and_leave_whole_trees(tmp_path):
    loops = int(os.environ.get("FLYTE_KILL_LOOPS", "20"))
    prog = tmp_path / "loop_child.py"
    prog.write_text(CHILD)
    home = tmp_path / "home"
    log = tmp_path / "finished.log"

    calibration = _child(prog, tmp_path / "calibration-home", "calibrate", 0, tmp_path / "calibration.log")
    assert calibration.returncode == 0, calibration.stderr
    lines = int(calibration.stdout.split("LINES")[1])

    rng = random.Random(int(os.environ.get("FLYTE_KILL_SEED", "11")))
    names = [f"loop-{k}" for k in range(loops)]
    k = 0
    kills = outcomes = 0
    for _ in range(loops):
        kill_at = rng.randint(1, int(lines * 1.2))  # some beyond the end: runs that finish
        proc = _child(prog, home, names[k], kill_at, log)
        outcomes += 1
        if proc.returncode == -signal.SIGKILL:
            kills += 1
            continue
        # 0: it succeeded; 5: it had succeeded when a kill hit its last steps (the name is refused)
        assert proc.returncode in (0, 5), (kill_at, proc.stdout, proc.stderr)
        k += 1  # the next iteration starts a new run
    assert kills > loops // 3, f"only {kills} of {outcomes} children were killed: the kill points are off"

    store = SQLiteStore(home)
    try:
        conn = sqlite3.connect(store.path)
        assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        conn.close()
        seen: dict[str, set] = defaultdict(set)
        for line in log.read_text().splitlines():
            run, kind, value = line.split()
            seen[run].add((kind, int(value)))
        codec = Codec(blob_loader=store.load_blob)
        for run in {*seen, *names[: k + 1]}:
            record = store.get_run(run)
            if record is None:
                assert run not in seen, f"{run} finished children but is not recorded"
                continue
            assert record.phase in (Phase.SUCCEEDED, Phase.FAILED), (run, record.phase)
            actions = store.list_actions(run).actions
            ids = [a.id for a in actions]
            assert len(ids) == len(set(ids)), f"{run}: an action is recorded twice"
            orphans = [a.id for a in actions if a.parent is not None and a.parent not in set(ids)]
            assert not orphans, f"{run}: actions without their parent: {orphans}"
            done = set()
            for a in actions:
                if a.phase == Phase.SUCCEEDED and a.task != "loop.work":
                    inputs = codec.unpack(a.inputs)
                    done.add((a.task.split(".")[1], inputs.get("i", inputs.get("j"))))
            missing = seen[run] - done
            assert not missing, f"{run}: finished children not recorded: {sorted(missing)[:10]}"
    finally:
        store.close()
    assert not list((home / "journal").iterdir()), "journals or locks left after a clean open and close"
