"""`DynamicBatcher` / `TokenBatcher`: many concurrent producers, one batched async function.

`submit(record)` queues a record and returns a future for its result. A collector assembles
batches: it waits for a first record, then keeps taking records until the batch's estimated cost
reaches `target_batch_cost`, it holds `max_batch_size` records, or `batch_timeout_s` has passed
since the first one. A worker calls `process_fn(records)` for one batch at a time and resolves
each record's future with the result at the same position (or with the batch's exception).
Queues are bounded: a full submission queue makes `submit` wait (backpressure), and at most
`prefetch_batches` assembled batches wait for the worker. A batch smaller than
`min_batch_size` keeps collecting (across timeouts) until it is big enough or the batcher stops.
`stop()` (or leaving `async with`)
processes everything already submitted before returning.
"""

from __future__ import annotations

import asyncio
import logging
import time
from dataclasses import dataclass
from typing import Any, Awaitable, Callable, Generic, List, Optional, Protocol, Sequence, TypeVar, runtime_checkable

logger = logging.getLogger("flyte")

RecordT = TypeVar("RecordT")
ResultT = TypeVar("ResultT")
ProcessFn = Callable[[List[RecordT]], Awaitable[List[ResultT]]]
CostEstimatorFn = Callable[[RecordT], int]


@runtime_checkable
class CostEstimator(Protocol):
    """A record that knows its own processing cost (used when `submit` is given none)."""

    def estimate_cost(self) -> int: ...


@runtime_checkable
class TokenEstimator(Protocol):
    """A record that knows its own token count (used by `TokenBatcher`)."""

    def estimate_tokens(self) -> int: ...


@dataclass
class BatchStats:
    """Counters of a batcher, updated as batches finish (`batcher.stats`)."""

    total_submitted: int = 0
    total_completed: int = 0
    total_batches: int = 0
    total_batch_cost: int = 0
    avg_batch_size: float = 0.0
    avg_batch_cost: float = 0.0
    busy_time_s: float = 0.0
    idle_time_s: float = 0.0

    @property
    def utilization(self) -> float:
        """The share of the worker's time spent in `process_fn` (0.0 when nothing ran yet)."""
        total = self.busy_time_s + self.idle_time_s
        return self.busy_time_s / total if total > 0 else 0.0


class _Item:
    __slots__ = ("cost", "future", "record")

    def __init__(self, record: Any, cost: int, future: asyncio.Future):
        self.record, self.cost, self.future = record, cost, future


_END = None  # what closes a queue


class DynamicBatcher(Generic[RecordT, ResultT]):
    """Batches records from many producers through one `process_fn` (see the module docstring)."""

    def __init__(self, process_fn: ProcessFn, *, cost_estimator: Optional[CostEstimatorFn] = None,
                 target_batch_cost: int = 32_000, max_batch_size: int = 256, min_batch_size: int = 1,
                 batch_timeout_s: float = 0.05, max_queue_size: int = 5_000, prefetch_batches: int = 2,
                 default_cost: int = 1):
        self._process_fn = process_fn
        self._cost_estimator = cost_estimator
        self._target_batch_cost = target_batch_cost
        self._max_batch_size = max_batch_size
        self._min_batch_size = min_batch_size
        self._batch_timeout_s = batch_timeout_s
        self._max_queue_size = max_queue_size
        self._prefetch_batches = prefetch_batches
        self._default_cost = default_cost
        self._stats = BatchStats()
        self._running = False
        self._stopping = False
        self._submissions: Optional[asyncio.Queue] = None
        self._batches: Optional[asyncio.Queue] = None
        self._loops: List[asyncio.Task] = []

    @property
    def stats(self) -> BatchStats:
        return self._stats

    @property
    def is_running(self) -> bool:
        return self._running

    async def start(self) -> None:
        """Start collecting and processing; RuntimeError if already started."""
        if self._running:
            raise RuntimeError(f"{type(self).__name__} is already running")
        self._submissions = asyncio.Queue(maxsize=self._max_queue_size)
        self._batches = asyncio.Queue(maxsize=self._prefetch_batches)
        self._stopping = False
        self._running = True
        self._loops = [asyncio.create_task(self._collect(), name=f"{type(self).__name__}-collector"),
                       asyncio.create_task(self._work(), name=f"{type(self).__name__}-worker")]

    async def stop(self) -> None:
        """Process everything submitted so far, then stop. Every future is resolved when this returns."""
        if not self._running:
            return
        self._stopping = True
        assert self._submissions is not None
        await self._submissions.put(_END)
        await asyncio.gather(*self._loops)
        self._loops = []
        self._running = False

    async def __aenter__(self) -> DynamicBatcher[RecordT, ResultT]:
        await self.start()
        return self

    async def __aexit__(self, *exc: Any) -> None:
        await self.stop()

    def _estimate_cost(self, record: Any, override: Optional[int]) -> int:
        if override is not None:
            return override
        if self._cost_estimator is not None:
            return self._cost_estimator(record)
        if isinstance(record, CostEstimator):
            return record.estimate_cost()
        return self._default_cost

    async def submit(self, record: RecordT, *, estimated_cost: Optional[int] = None) -> asyncio.Future:
        """Queue `record` (waiting while the queue is full); a future for its result."""
        if not self._running or self._submissions is None:
            raise RuntimeError(f"{type(self).__name__} is not running. Call start() or use 'async with'.")
        item = _Item(record, self._estimate_cost(record, estimated_cost), asyncio.get_running_loop().create_future())
        await self._submissions.put(item)
        self._stats.total_submitted += 1
        return item.future

    async def submit_batch(self, records: Sequence[RecordT], *,
                           estimated_cost: Optional[Sequence[int]] = None) -> List[asyncio.Future]:
        """`submit` for each record, in order (costs by position when given)."""
        if estimated_cost is not None and len(estimated_cost) != len(records):
            raise ValueError(f"estimated_cost has {len(estimated_cost)} entries for {len(records)} records")
        return [await self.submit(r, estimated_cost=None if estimated_cost is None else estimated_cost[i])
                for i, r in enumerate(records)]

    # -- the two loops ----------------------------------------------------------------------------

    async def _collect(self) -> None:
        assert self._submissions is not None and self._batches is not None
        held: List[_Item] = []  # records of a batch that was too small, kept for the next one
        ended = False
        while not ended:
            batch = held
            held = []
            if not batch:
                first = await self._submissions.get()
                if first is _END:
                    break
                batch.append(first)
            cost = sum(i.cost for i in batch)
            deadline = time.monotonic() + self._batch_timeout_s
            while cost < self._target_batch_cost and len(batch) < self._max_batch_size:
                left = deadline - time.monotonic()
                if left <= 0:
                    break
                try:
                    nxt = await asyncio.wait_for(self._submissions.get(), left)
                except asyncio.TimeoutError:
                    break
                if nxt is _END:
                    ended = True
                    break
                batch.append(nxt)
                cost += nxt.cost
            # A batch below min_batch_size waits for more records, unless the batcher is stopping.
            if len(batch) >= self._min_batch_size or ended or self._stopping:
                await self._batches.put(batch)
            else:
                held = batch
        await self._batches.put(_END)

    async def _work(self) -> None:
        assert self._batches is not None
        stats = self._stats
        waiting_since = time.monotonic()
        while True:
            batch = await self._batches.get()
            started = time.monotonic()
            stats.idle_time_s += started - waiting_since
            if batch is _END:
                return
            try:
                results = await self._process_fn([i.record for i in batch])
                if len(results) != len(batch):
                    raise ValueError(f"process_fn returned {len(results)} results for batch of {len(batch)} records")
                for item, result in zip(batch, results):
                    if not item.future.done():
                        item.future.set_result(result)
            except Exception as e:
                logger.error("%s: a batch of %d failed: %s", type(self).__name__, len(batch), e)
                for item in batch:
                    if not item.future.done():
                        item.future.set_exception(e)
            waiting_since = time.monotonic()
            stats.busy_time_s += waiting_since - started
            stats.total_batches += 1
            stats.total_completed += len(batch)
            stats.total_batch_cost += sum(i.cost for i in batch)
            stats.avg_batch_size = stats.total_completed / stats.total_batches
            stats.avg_batch_cost = stats.total_batch_cost / stats.total_batches


@dataclass
class Prompt:
    """A prompt whose token count is estimated as one token per four characters."""

    text: str

    def estimate_tokens(self) -> int:
        return len(self.text) // 4 + 1


class TokenBatcher(DynamicBatcher[RecordT, ResultT]):
    """A `DynamicBatcher` for LLM inference, budgeted in tokens: `inference_fn` (or
    `process_fn`), `target_batch_tokens`, and records that estimate their tokens (`Prompt`)."""

    def __init__(self, inference_fn: Optional[ProcessFn] = None, *, process_fn: Optional[ProcessFn] = None,
                 token_estimator: Optional[CostEstimatorFn] = None, cost_estimator: Optional[CostEstimatorFn] = None,
                 target_batch_tokens: Optional[int] = None, target_batch_cost: int = 32_000,
                 default_token_estimate: Optional[int] = None, default_cost: int = 1, max_batch_size: int = 256,
                 min_batch_size: int = 1, batch_timeout_s: float = 0.05, max_queue_size: int = 5_000,
                 prefetch_batches: int = 2):
        fn = inference_fn or process_fn
        if fn is None:
            raise TypeError("TokenBatcher requires either 'inference_fn' or 'process_fn'")
        super().__init__(
            fn, cost_estimator=token_estimator or cost_estimator,
            target_batch_cost=target_batch_tokens if target_batch_tokens is not None else target_batch_cost,
            max_batch_size=max_batch_size, min_batch_size=min_batch_size, batch_timeout_s=batch_timeout_s,
            max_queue_size=max_queue_size, prefetch_batches=prefetch_batches,
            default_cost=default_token_estimate if default_token_estimate is not None else default_cost)

    def _estimate_cost(self, record: Any, override: Optional[int]) -> int:
        if override is None and self._cost_estimator is None and isinstance(record, TokenEstimator):
            return record.estimate_tokens()
        return super()._estimate_cost(record, override)

    async def submit(self, record: RecordT, *, estimated_tokens: Optional[int] = None,  # type: ignore[override]
                     estimated_cost: Optional[int] = None) -> asyncio.Future:
        return await super().submit(record, estimated_cost=estimated_tokens if estimated_tokens is not None
                                    else estimated_cost)
