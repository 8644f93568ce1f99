"""Workers that die under an attempt, for real: kill -9, a segfault, memory exhausted under
RLIMIT_AS, `os._exit`, and a timeout that kills the worker. Each task fails its first attempt
(a mark file counts attempts) and succeeds on the retry, on a fresh worker."""

import ctypes
import json
import os
import resource
import signal
import sys
import time
from datetime import timedelta
from pathlib import Path

import flyte
import flyte.errors
from flyte._run import current_store

env = flyte.TaskEnvironment(name="worker_faults")
MARKS = Path(sys.argv[1])


def first_attempt(name: str) -> bool:
    """Records this attempt's pid; True on the first attempt."""
    mark = MARKS / name
    pids = mark.read_text().split() if mark.exists() else []
    mark.write_text(" ".join([*pids, str(os.getpid())]))
    return not pids


@env.task(retries=1)
def killed() -> int:
    if first_attempt("killed"):
        print("about to be killed", file=sys.stderr, flush=True)
        os.kill(os.getpid(), signal.SIGKILL)
    return os.getpid()


@env.task(retries=1)
def segfault() -> int:
    if first_attempt("segfault"):
        ctypes.string_at(0)  # reads address 0: SIGSEGV
    return os.getpid()


@env.task(retries=1)
def out_of_memory() -> int:
    if first_attempt("out_of_memory"):
        _, hard = resource.getrlimit(resource.RLIMIT_AS)
        resource.setrlimit(resource.RLIMIT_AS, (1 << 30, hard))  # 1 GiB of address space for this worker
        hog = bytearray(4 << 30)
        return len(hog)
    return os.getpid()


@env.task(retries=1)
def exits() -> int:
    if first_attempt("exits"):
        os._exit(7)
    return os.getpid()


@env.task(timeout=timedelta(seconds=2), retries=1)
def hangs() -> int:
    if first_attempt("hangs"):
        time.sleep(300)
    return os.getpid()


@env.task
def always_killed() -> int:
    os.kill(os.getpid(), signal.SIGKILL)
    return 0


@env.task
async def main() -> dict:
    out: dict = {}
    for task in (killed, segfault, out_of_memory, exits, hangs):
        out[task.short_name] = await task.aio()
    try:
        await always_killed.aio()
    except flyte.errors.RuntimeSystemError as e:
        out["always_killed"] = {"class": type(e).__name__, "code": e.code, "message": str(e)}
    return out


if __name__ == "__main__":
    try:
        run = flyte.run(main)
    finally:
        from flyte._executor._process import _executor as pool

        live = pool.worker_pids() if pool is not None else []
    store = current_store()
    actions = {}
    for a in run.actions():
        attempts = [{"code": t.error_code, "error": t.error} for t in store.list_attempts(run.name, a["id"])]
        actions[a["task"].rsplit(".", 1)[-1]] = {"phase": a["phase"], "attempts": a["attempts"], "failed": attempts,
                                                  "error": a["error"]}
    marks = {p.name: [int(x) for x in p.read_text().split()] for p in MARKS.iterdir()}
    print(json.dumps({"out": run.outputs()[0], "actions": actions, "marks": marks, "live": live,
                      "driver": os.getpid()}))
