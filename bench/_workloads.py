"""What the benches share: the task programs they time, and an instruction counter.

The programs are text, because benches run them in a fresh interpreter (so that a chosen source
tree or executor is the one imported):
- `TRIVIAL_TASKS`: trivial children (`child`, `schild`) in four shapes (`seq`, `gather`, `sync_seq`,
  `map_sync`) in the environment `env`; `TASKS` is the same and binds `task` to the one `mode` names.
  The program that includes either must first import `flyte` and `asyncio` (and bind `mode`).
- `CPU_BOUND_TASKS`: `burn` (pure-Python work holding the GIL), the trivial `inc`, and `cpu`, a
  `flyte.map` of `burn`, all in the environment `env`. The program must first import `flyte` and
  `time`.
"""

from __future__ import annotations

import re
import subprocess
from collections.abc import Mapping, Sequence

MODES = ("seq", "sync_seq", "map_sync", "gather")

TRIVIAL_TASKS = r'''
env = flyte.TaskEnvironment("trivial_children")

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
'''

# map_aio as bench_runtime has it (defined here, not in TRIVIAL_TASKS, which bench_runtime extends)
_MAP_AIO = r'''
@env.task
async def map_aio(n: int) -> int:
    return sum([v async for v in flyte.map.aio(child, range(n))])
'''

TASKS = (TRIVIAL_TASKS + _MAP_AIO
         + 'task = {"seq": seq, "gather": gather, "sync_seq": sync_seq, "map_sync": map_sync, "map_aio": map_aio}[mode]\n')

CPU_BOUND_TASKS = r'''
env = flyte.TaskEnvironment(name="cpu_bound")

@env.task
def burn(seconds: float) -> int:
    # Pure-Python work that holds the GIL for about `seconds` of this thread's CPU time.
    n, end = 0, time.thread_time() + seconds
    while time.thread_time() < end:
        n += 1
    return n

@env.task
def inc(x: int) -> int:
    return x + 1

@env.task
def cpu(items: int, work: float) -> int:
    return len(list(flyte.map(burn, [work] * items)))
'''


def cachegrind_instructions(command: Sequence[str], env: Mapping[str, str], cwd: str, timeout: float = 3600) -> int:
    """Instructions `command` executed, counted by valgrind's cachegrind (`I refs`): a cost that
    does not move with the machine's load. Raises with the command's stderr when it fails."""
    proc = subprocess.run(
        ["valgrind", "--tool=cachegrind", "--cache-sim=no", "--cachegrind-out-file=/dev/null", *command],
        capture_output=True, text=True, env=dict(env), cwd=cwd, timeout=timeout,
    )
    if proc.returncode != 0:
        raise RuntimeError(f"{' '.join(command[:1])} under valgrind failed:\n{proc.stderr[-3000:]}")
    found = re.search(r"I\s+refs:\s+([\d,]+)", proc.stderr)
    if not found:
        raise RuntimeError(f"no instruction count in valgrind's output:\n{proc.stderr[-2000:]}")
    return int(found.group(1).replace(",", ""))
