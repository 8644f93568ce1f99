"""Worker threads for sync task bodies awaited from async code (`await sync_task.aio(...)`)."""

from __future__ import annotations

import asyncio
import contextvars
import os
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any, Optional

# Sync bodies often block on I/O; a gather of 100 of them should run 100 at a time, as it would
# on a backend, not the handful asyncio's default executor allows. (Timed ones hold a thread
# here and a killable worker process, as many as there are threads.)
from .._executor import MAX_SYNC_WORKERS

_pool: Optional[ThreadPoolExecutor] = None


def pool() -> ThreadPoolExecutor:
    global _pool
    if _pool is None:
        _pool = ThreadPoolExecutor(max_workers=MAX_SYNC_WORKERS, thread_name_prefix="flyte-sync")
    return _pool


async def run_in_worker(fn: Callable[..., Any], *args: Any) -> Any:
    ctx = contextvars.copy_context()
    return await asyncio.get_running_loop().run_in_executor(pool(), ctx.run, fn, *args)


def _reset_after_fork() -> None:
    global _pool
    _pool = None


os.register_at_fork(after_in_child=_reset_after_fork)
