"""Where task bodies run.

By default every body runs in this process (async bodies on the run's event loop, sync bodies in
threads). With `FLYTE_EXECUTOR=ray` (or `flyte run --executor ray`), the body of every sync task
below the run's root runs as a Ray task on a Ray cluster (`RAY_ADDRESS`, or a local one), with
the CPUs, memory and GPUs its environment asks for. The controller, the store and async bodies
(which orchestrate) stay in this process, so every action is still recorded here, resumes work,
and nested calls made on a worker come back here to be recorded and dispatched.
"""

from __future__ import annotations

import os
from typing import Any, Optional

ENV_VAR = "FLYTE_EXECUTOR"
KNOWN = ("local", "ray")


def executor_from_environment() -> Optional[Any]:
    """The executor named by $FLYTE_EXECUTOR, started on first use; None means in-process."""
    name = os.environ.get(ENV_VAR, "").strip().lower()
    if name in ("", "local"):
        return None
    if name == "ray":
        from ._ray import ray_executor

        return ray_executor()
    raise ValueError(f"{ENV_VAR}={name!r} is not an executor; use one of: {', '.join(KNOWN)}")


__all__ = ["ENV_VAR", "KNOWN", "executor_from_environment"]
