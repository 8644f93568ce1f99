from __future__ import annotations

import asyncio
import time as _time
from collections.abc import Callable
from datetime import datetime, timezone
from typing import Any

from .._trace import trace


@trace
def _durable_time() -> float:
    return _time.time()


@trace
def _durable_now() -> datetime:
    return datetime.now(timezone.utc)


@trace
def _sleep_started() -> float:
    return _time.time()


class _Durable:
    """Callable directly or as `await f.aio(...)`."""

    def __init__(self, sync_fn: Callable[..., Any], async_fn: Callable[..., Any], doc: str):
        self._sync, self._async, self.__doc__ = sync_fn, async_fn, doc

    def __call__(self, *args: Any) -> Any:
        return self._sync(*args)

    def aio(self, *args: Any) -> Any:
        return self._async(*args)


async def _time_aio() -> float:
    return _durable_time()


async def _now_aio() -> datetime:
    return _durable_now()


def _sleep(seconds: float) -> None:
    remaining = _sleep_started() + seconds - _time.time()
    if remaining > 0:
        _time.sleep(remaining)


async def _sleep_aio(seconds: float) -> None:
    remaining = _sleep_started() + seconds - _time.time()
    if remaining > 0:
        await asyncio.sleep(remaining)


time = _Durable(_durable_time, _time_aio, "time.time(), recorded once per call site and replayed on resume.")
now = _Durable(_durable_now, _now_aio, "The current UTC datetime, recorded once per call site and replayed on resume.")
sleep = _Durable(
    _sleep, _sleep_aio,
    "Sleep until `seconds` after this call first ran: a resumed run only sleeps for what is left.",
)
