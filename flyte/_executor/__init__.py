"""Where task bodies run: the `Executor` seam.

By default every body runs in this process (`inline`: async bodies on the run's event loop, sync
bodies in the calling thread). Two executors run the body of every sync task below the run's
root elsewhere, while the controller, the store and async bodies (which orchestrate) stay in this
process, so every action is still recorded here, resumes work, and nested calls made by a body
come back here to be recorded and dispatched (`_remote` holds the transport-independent half of
that, for any executor that runs bodies elsewhere):

- `process` (`flyte.init(executor="process", max_workers=N)`, `FLYTE_EXECUTOR=process`, `flyte
  run --executor process`): a pool of worker processes on this machine (`_process`);
- `ray` (`FLYTE_EXECUTOR=ray`): a Ray cluster (`RAY_ADDRESS`, or a local one), with the CPUs,
  memory and GPUs each task's environment asks for (`_ray`).
"""

from __future__ import annotations

import os
from typing import Optional

from ._inline import INLINE, InlineExecutor
from ._protocol import MAX_SYNC_WORKERS, MAX_WORKERS_ENV_VAR, AttemptExpired, Executor, WorkerLost

ENV_VAR = "FLYTE_EXECUTOR"
KNOWN = ("local", "process", "ray")  # "inline" is local's other name
_ALIASES = {"": "inline", "local": "inline"}


def select_executor(name: Optional[str] = None, max_workers: Optional[int] = None) -> Executor:
    """The executor called `name` (else named by $FLYTE_EXECUTOR, else "inline"), started on
    first use; `max_workers` sizes the process pool."""
    raw = (name if name is not None else os.environ.get(ENV_VAR, "")).strip().lower()
    resolved = _ALIASES.get(raw, raw)
    if resolved == "inline":
        return INLINE
    if resolved == "process":
        from ._process import process_executor

        return process_executor(max_workers)
    if resolved == "ray":
        from ._ray import ray_executor

        return ray_executor()
    where = f"{ENV_VAR}={raw!r}" if name is None else f"executor={name!r}"
    raise ValueError(f"{where} is not an executor; use one of: {', '.join(KNOWN)}")


def executor_from_environment() -> Executor:
    """The executor named by $FLYTE_EXECUTOR ("inline" when unset), started on first use."""
    return select_executor()


__all__ = ["ENV_VAR", "INLINE", "KNOWN", "MAX_SYNC_WORKERS", "MAX_WORKERS_ENV_VAR", "AttemptExpired", "Executor", "InlineExecutor", "WorkerLost",
           "executor_from_environment", "select_executor"]
