"""A worker killed from outside (`kill -9` by the test) while its body runs beside another
worker's body.

    python killed_worker.py MARKS RETRIES

Item 0's first execution announces its worker (`victim-<pid>` in MARKS) and waits to be killed;
item 1 announces its worker (`steady-<pid>`) and waits for the test's `go`. With RETRIES=1 the
killed attempt is retried on a fresh worker; with RETRIES=0 the run fails, and is run again
under the same name, which reruns only the killed item. Every execution of a body leaves a mark
(`exec-<item>-<n>-<pid>`), so the test sees what ran, how often and where.
"""

import json
import os
import sys
import time
from pathlib import Path

import flyte
import flyte.errors
from flyte._run import current_store

env = flyte.TaskEnvironment(name="killed_worker")
MARKS = Path(sys.argv[1])
RETRIES = int(sys.argv[2])
RUN = "killed-worker"


def wait_for(condition, what: str) -> None:
    deadline = time.monotonic() + 240
    while not condition():
        if time.monotonic() > deadline:
            raise TimeoutError(f"gave up waiting for {what}")
        time.sleep(0.02)


@env.task(retries=RETRIES)
def item(i: int) -> int:
    n = len(list(MARKS.glob(f"exec-{i}-*")))
    (MARKS / f"exec-{i}-{n}-{os.getpid()}").touch()
    if i == 0 and n == 0:
        (MARKS / f"victim-{os.getpid()}").touch()
        wait_for(lambda: False, "kill -9")  # the test kills this process
    if i == 1:
        (MARKS / f"steady-{os.getpid()}").touch()
        wait_for((MARKS / "go").exists, "the test's go")
    return i * i


@env.task
def main(n: int) -> list[int]:
    results = list(flyte.map(item, range(n)))  # a failed item takes its slot; the others finish
    for r in results:
        if isinstance(r, BaseException):
            raise r
    return results


def summary(name: str) -> dict:
    store = current_store()
    actions = []
    for a in store.list_actions(name).actions:
        if a.task.endswith(".item"):
            attempts = [{"code": t.error_code, "error": t.error} for t in store.list_attempts(name, a.id)]
            actions.append({"phase": a.phase, "attempts": a.attempts, "tried": attempts})
    return {"phase": store.get_run(name).phase, "items": actions}


if __name__ == "__main__":
    out: dict = {"driver": os.getpid()}
    try:
        out["out"] = flyte.with_runcontext(name=RUN).run(main, 4).outputs()[0]
    except flyte.errors.RuntimeSystemError as e:
        out["error"] = {"class": type(e).__name__, "code": e.code, "message": str(e)}
        out["first"] = summary(RUN)
        out["out"] = flyte.with_runcontext(name=RUN).run(main, 4).outputs()[0]
    from flyte._executor._process import _executor as pool

    out["live"] = pool.worker_pids() if pool is not None else []
    out["final"] = summary(RUN)
    out["executions"] = sorted(p.name for p in MARKS.glob("exec-*"))
    print("@@RESULT@@" + json.dumps(out))
