"""What bodies print, from Python, from C and from threads, kept per action (`flyte get logs`)."""

import ctypes
import json
import os
import sys
import threading

import flyte

env = flyte.TaskEnvironment(name="output")


@env.task
def chatty(i: int) -> int:
    print(f"hello from item {i}")
    print(f"warning from item {i}", file=sys.stderr)
    os.write(1, f"raw write from item {i}\n".encode())
    libc = ctypes.CDLL(None)
    libc.printf(f"C printf from item {i}\n".encode())  # buffered by C stdio: the worker flushes it
    t = threading.Thread(target=lambda: print(f"thread of item {i}"))
    t.start()
    t.join()
    print("é" * 3 + f" {i}")  # multi-byte characters survive chunking
    return i


@env.task
def quiet(i: int) -> int:
    return i


@env.task
def main(n: int) -> list[int]:
    return [*flyte.map(chatty, range(n)), quiet(0)]


if __name__ == "__main__":
    run = flyte.run(main, n=3)
    actions = {a["id"]: a["task"].rsplit(".", 1)[-1] for a in run.actions()}
    print("@@RESULT@@" + json.dumps({"out": run.outputs()[0], "run": run.name, "actions": actions}))
