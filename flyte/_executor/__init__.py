"""Where task bodies run: the `Executor` seam.

By default every body runs in this process (`inline`: async bodies on the run's event loop, sync
bodies in the calling thread). With `FLYTE_EXECUTOR=ray` (or `flyte run --executor ray`), the
body of every sync task below the run's root runs as a Ray task on a Ray cluster (`RAY_ADDRESS`,
or a local one), with the CPUs, memory and GPUs its environment asks for. The controller, the
store and async bodies (which orchestrate) stay in this process, so every action is still
recorded here, resumes work, and nested calls made on a worker come back here to be recorded and
dispatched (`_remote` holds the transport-independent half of that, for any executor that runs
bodies elsewhere).
"""

from __future__ import annotations

import os

from ._inline import INLINE, InlineExecutor
from ._protocol import AttemptExpired, Executor, WorkerLost

ENV_VAR = "FLYTE_EXECUTOR"
KNOWN = ("local", "ray")  # "inline" is local's other name
_ALIASES = {"": "inline", "local": "inline"}


def executor_from_environment() -> Executor:
    """The executor named by $FLYTE_EXECUTOR ("inline" when unset), started on first use."""
    raw = os.environ.get(ENV_VAR, "").strip().lower()
    name = _ALIASES.get(raw, raw)
    if name == "inline":
        return INLINE
    if name == "ray":
        from ._ray import ray_executor

        return ray_executor()
    raise ValueError(f"{ENV_VAR}={raw!r} is not an executor; use one of: {', '.join(KNOWN)}")


__all__ = ["ENV_VAR", "INLINE", "KNOWN", "AttemptExpired", "Executor", "InlineExecutor", "WorkerLost",
           "executor_from_environment"]
