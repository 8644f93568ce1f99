"""`Executor`: where one attempt of a task body runs.

The controller's attempt loop (`flyte._controller`) calls an executor once per attempt, after it
has recorded the action and before it records the outcome; retries, backoff, error mapping and
recording stay in the controller, whatever the executor. An executor is given the `Call`, which
is also the action's frame (the parent of the body's nested calls, numbered under its lock). It:

- runs the body with the keyword arguments it is given (a private copy of the inputs);
- returns the body's result or raises the body's exception;
- raises `AttemptExpired` when `budget` seconds of the body's run pass first, after stopping the
  body as well as it can (a process executor kills the worker, and so does the inline executor,
  which runs a timed sync body in one when it can be pickled, else fences the thread it cannot
  stop; Ray cancels the task);
- raises `WorkerLost` when the place the body ran in died under it (an OOM kill, a segfault);
- lets the body's nested task calls reach the controller: in this process they do by
  themselves (the current frame is a context variable); a body elsewhere runs under a remote
  frame whose calls and records travel back through a link (see `flyte._executor._remote`).

`batches_inline` says whether trivial sync calls may run right in the caller's thread, in
batches (`flyte.map`'s fast path), instead of through `run_sync` one by one.
"""

from __future__ import annotations

import os
from collections.abc import Awaitable
from typing import TYPE_CHECKING, Any, Optional, Protocol, runtime_checkable

if TYPE_CHECKING:
    from .._controller import Call


# How many worker processes the `process` executor starts when `flyte.init(max_workers=)` is not
# given (`flyte run --max-workers` sets it for the run it starts).
MAX_WORKERS_ENV_VAR = "FLYTE_MAX_WORKERS"

# How many sync bodies run at once on the inline executor: in threads (a gather of `.aio` calls
# of a sync task), and in killable worker processes when they are timed. Sync bodies often block
# on I/O; a gather of 100 of them should run 100 at a time, as it would on a backend.
MAX_SYNC_WORKERS = int(os.environ.get("FLYTE_MAX_SYNC_WORKERS", "256"))


class AttemptExpired(Exception):
    """An attempt ran out of its time budget (distinct from a TimeoutError the body raised)."""


class WorkerLost(Exception):
    """The process or machine running an attempt died before it answered. The message says how
    (and shows what it last wrote, when known); `out_of_memory` when the system killed it for
    using too much memory. The controller fails the attempt with a system error (`OOMError` when
    out of memory), retried per the task's policy."""

    def __init__(self, message: str = "", out_of_memory: bool = False):
        super().__init__(message)
        self.out_of_memory = out_of_memory

    def __reduce__(self) -> tuple:
        return (type(self), (str(self), self.out_of_memory))


@runtime_checkable
class Executor(Protocol):
    name: str
    batches_inline: bool  # a map's items may run as one batch in this process
    # `await sync_task.aio(...)` awaits `run_async` with the sync body (which runs elsewhere)
    # instead of holding a thread that waits in `run_sync`
    awaits_sync_bodies: bool
    # with no budget, `run_sync`/`run_async` are a plain call of the body in this thread/loop, so
    # the controller may make that call itself (one call less per attempt on the common path)
    calls_untimed_bodies_here: bool

    def run_sync(self, call: Call, kwargs: dict, budget: Optional[float]) -> Any:
        """One attempt of a sync body; blocks the calling thread (never an event loop's)."""

    def run_async(self, call: Call, kwargs: dict, budget: Optional[float]) -> Awaitable[Any]:
        """One attempt of an async body, awaited on the run's event loop."""

    def run_starting(self) -> None:
        """A run is about to start here: begin, in the background and without waiting, what its
        bodies will need (the inline executor's killable pool, when a loaded sync task has a
        timeout)."""

    def shutdown(self) -> None:
        """Release workers; called when the process ends."""
