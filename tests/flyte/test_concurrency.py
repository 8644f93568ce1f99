"""Children run concurrently under every asyncio idiom, and flyte.map keeps order and limits.

Concurrency is observed by having children meet (a rendezvous that fills only when that many
are inside at once), and order by making children wait for each other: nothing is timed, so no
test here depends on how loaded the machine is.
"""

import asyncio
import functools

import anyio
import pytest

import flyte
import flyte.errors
from tests.helpers import Rendezvous

env = flyte.TaskEnvironment("conc")

MEET = Rendezvous()  # each test says how many children must be inside at once, and how many come
FINISHED: list[int] = []


@env.task
async def slow(x: int) -> int:
    await MEET.meet_async()
    return x * 2


@env.task
def slow_sync(x: int) -> int:
    MEET.meet()
    return x * 2


@env.task
async def fails_on_three(x: int) -> int:
    if x == 3:
        raise ValueError("three is bad")
    return x


@env.task
async def finishes_after_larger(x: int, members: list[int]) -> int:
    """Finishes only once every larger member has: completion order is the reverse of input order."""
    while any(m > x and m not in FINISHED for m in members):
        await asyncio.sleep(0)
    FINISHED.append(x)
    return x


@env.task
def sync_fails_on_three(x: int) -> int:
    if x == 3:
        raise ValueError("three is bad")
    return x


@pytest.fixture(autouse=True)
def reset():
    FINISHED.clear()


@env.task
async def gather_all(n: int) -> list[int]:
    return list(await asyncio.gather(*(slow(i) for i in range(n))))


def test_gather_runs_children_concurrently():
    MEET.reset(size=8, total=8)
    assert flyte.run(gather_all, 8).outputs()[0] == [i * 2 for i in range(8)]
    assert MEET.peak == 8


@env.task
async def gather_exceptions() -> list[str]:
    results = await asyncio.gather(*(fails_on_three(i) for i in range(5)), return_exceptions=True)
    return [f"{type(r).__name__}:{getattr(r, 'code', '')}" if isinstance(r, Exception) else str(r) for r in results]


def test_gather_return_exceptions_gives_runtime_user_errors():
    out = flyte.run(gather_exceptions).outputs()[0]
    assert out == ["0", "1", "2", "RuntimeUserError:ValueError", "4"]


@env.task
async def gather_raises() -> str:
    try:
        await asyncio.gather(*(fails_on_three(i) for i in range(5)))
    except flyte.errors.RuntimeUserError as e:
        return f"{e.code}|{e}|{type(e.__cause__).__name__}"
    return "no error"


def test_gather_error_keeps_the_original_as_cause():
    assert flyte.run(gather_raises).outputs()[0] == "ValueError|three is bad|ValueError"


@env.task
async def as_completed_order() -> list[int]:
    order = []
    for fut in asyncio.as_completed([finishes_after_larger(x, [0, 1, 2, 4]) for x in (0, 1, 2, 4)]):
        order.append(await fut)
    return order


def test_as_completed_yields_in_completion_order():
    # each child finishes after every larger one, so completion order is the reverse of submission
    assert flyte.run(as_completed_order).outputs()[0] == [4, 2, 1, 0]


@env.task
async def task_group(n: int) -> list[int]:
    async with asyncio.TaskGroup() as tg:
        handles = [tg.create_task(slow(i)) for i in range(n)]
    return [h.result() for h in handles]


def test_asyncio_task_group():
    MEET.reset(size=5, total=5)
    assert flyte.run(task_group, 5).outputs()[0] == [0, 2, 4, 6, 8]
    assert MEET.peak == 5


@env.task
async def semaphore_bound(n: int, limit: int) -> list[int]:
    sem = asyncio.Semaphore(limit)

    async def one(i: int) -> int:
        async with sem:
            return await slow(i)

    return list(await asyncio.gather(*(one(i) for i in range(n))))


def test_semaphore_bounds_concurrency():
    MEET.reset(size=3, total=9)
    assert flyte.run(semaphore_bound, 9, 3).outputs()[0] == [i * 2 for i in range(9)]
    assert MEET.peak == 3


@env.task
async def anyio_group(n: int) -> list[int]:
    out = [0] * n

    async def one(i: int) -> None:
        out[i] = await slow(i)

    async with anyio.create_task_group() as tg:
        for i in range(n):
            tg.start_soon(one, i)
    return out


def test_anyio_task_group():
    MEET.reset(size=4, total=4)
    assert flyte.run(anyio_group, 4).outputs()[0] == [0, 2, 4, 6]
    assert MEET.peak == 4


@env.task
async def actions_in_group(n: int) -> int:
    with flyte.group("fan-out"):
        values = await asyncio.gather(*(slow(i) for i in range(n)))
    return sum(values) + await slow(100)


def test_group_is_recorded_on_actions():
    MEET.reset(size=3, total=4)
    run = flyte.run(actions_in_group, 3)
    groups = sorted((a["group_name"] or "-") for a in run.actions() if a["parent"] == "a0")
    assert groups == ["-", "fan-out", "fan-out", "fan-out"]


# -- flyte.map -----------------------------------------------------------------------------------


@env.task
async def map_async(n: int, concurrency: int) -> list[int]:
    return [v async for v in flyte.map.aio(slow, range(n), concurrency=concurrency)]


@env.task
def map_sync(n: int, concurrency: int) -> list[int]:
    return list(flyte.map(slow_sync, range(n), concurrency=concurrency))


@env.task
async def map_sync_from_async(n: int, concurrency: int) -> list[int]:
    return [v async for v in flyte.map.aio(slow_sync, range(n), concurrency=concurrency)]


@env.task
def map_async_from_sync(n: int, concurrency: int) -> list[int]:
    return list(flyte.map(slow, range(n), concurrency=concurrency))


@pytest.mark.parametrize("driver", [map_async, map_sync, map_sync_from_async, map_async_from_sync])
def test_map_runs_items_concurrently_up_to_the_limit(driver):
    MEET.reset(size=4, total=10)
    run = flyte.run(driver, 10, 4)
    assert run.outputs()[0] == [i * 2 for i in range(10)]
    assert MEET.peak == 4
    kids = [a for a in run.actions() if a["parent"] == "a0"]
    assert len(kids) == 10 and all(a["group_name"] for a in kids)


def test_map_without_a_limit_runs_all_waiting_items_at_once():
    MEET.reset(size=12, total=12)  # every item waits until all 12 are inside
    run = flyte.run(map_async, 12, 0)
    assert run.outputs()[0] == [i * 2 for i in range(12)] and MEET.peak == 12


TASKS_SEEN: list[int] = []


@env.task
async def counts_tasks(x: int) -> int:
    TASKS_SEEN.append(len(asyncio.all_tasks()))
    return x


@env.task
async def map_trivial(n: int) -> int:
    return sum([v async for v in flyte.map.aio(counts_tasks, range(n))])


def test_map_of_items_that_never_wait_needs_no_task_per_item():
    # A worker is started only when the items begun so far wait on something: items that never
    # wait all run in one worker (one asyncio task), not one task each.
    TASKS_SEEN.clear()
    assert flyte.run(map_trivial, 300).outputs()[0] == sum(range(300))
    assert len(TASKS_SEEN) == 300 and max(TASKS_SEEN) <= 4, max(TASKS_SEEN)


@env.task
def add3(x: int, y: int, z: int) -> int:
    return x + y + z


@env.task
def map_zip_and_partial() -> list[list[int]]:
    zipped = list(flyte.map(add3, [1, 2, 3], [10, 20, 30], [100, 200, 300]))
    partial = list(flyte.map(functools.partial(add3, y=1000, z=1), [1, 2]))
    short = list(flyte.map(add3, [1, 2, 3], [10, 20], [0, 0, 0]))
    return [zipped, partial, short]


def test_map_zips_iterables_and_accepts_partials():
    assert flyte.run(map_zip_and_partial).outputs()[0] == [[111, 222, 333], [1002, 1003], [11, 22]]


@env.task
async def map_return_exceptions() -> list[str]:
    out = []
    async for r in flyte.map.aio(fails_on_three, range(5)):
        out.append(f"err:{r.code}" if isinstance(r, Exception) else str(r))
    return out


def test_map_returns_exceptions_in_their_slots_by_default():
    assert flyte.run(map_return_exceptions).outputs()[0] == ["0", "1", "2", "err:ValueError", "4"]


@env.task
def map_fail_fast() -> list[str]:
    seen = []
    try:
        for r in flyte.map(sync_fails_on_three, range(6), concurrency=1, return_exceptions=False):
            seen.append(str(r))
    except flyte.errors.RuntimeUserError as e:
        seen.append(f"raised {e.code}")
    return seen


def test_map_fail_fast_yields_items_before_the_failure_then_raises():
    run = flyte.run(map_fail_fast)
    assert run.outputs()[0] == ["0", "1", "2", "raised ValueError"]
    # with concurrency=1 nothing after the failure started
    assert len([a for a in run.actions() if a["parent"] == "a0"]) == 4


@env.task
async def map_aio_fail_fast() -> list[str]:
    seen = []
    try:
        async for r in flyte.map.aio(fails_on_three, range(6), return_exceptions=False):
            seen.append(str(r))
    except flyte.errors.RuntimeUserError as e:
        seen.append(f"raised {e.code}")
    return seen


def test_map_aio_fail_fast():
    assert flyte.run(map_aio_fail_fast).outputs()[0] == ["0", "1", "2", "raised ValueError"]


def test_map_rejects_non_tasks_and_bad_partials():
    with pytest.raises(TypeError, match="task"):
        list(flyte.map(lambda x: x, [1]))
    with pytest.raises(TypeError, match="unbound"):
        list(flyte.map(functools.partial(add3, 1, 2, 3), [1]))
    with pytest.raises(TypeError, match="iterables"):
        list(flyte.map(add3, [1], [2], [3], [4]))


@env.task
def map_partial_clash() -> list[int]:
    # x is bound by keyword, and the mapped values go in positionally, i.e. to x as well
    return list(flyte.map(functools.partial(add3, x=1, y=2), [3, 4]))


def test_map_over_a_partial_whose_keyword_clashes_with_the_mapped_position_is_a_type_error():
    with pytest.raises(flyte.errors.RuntimeUserError) as e:
        flyte.run(map_partial_clash)
    assert e.value.code == "TypeError" and "Parameter 'x' is provided both as positional argument and keyword" in str(e.value)
    with pytest.raises(TypeError, match="Parameter 'y' is provided both"):
        list(flyte.map(functools.partial(add3, 1, y=2), [3]))  # y is also the mapped position
    with pytest.raises(TypeError, match="Parameter 'x' is provided both"):
        flyte.map.aio(functools.partial(add3, 1, x=2), [3])
    assert list(flyte.map(functools.partial(add3, 1, z=3), [10])) == [14]  # no clash: maps y


def test_map_outside_a_run_calls_the_functions():
    MEET.reset(size=2, total=3)
    assert list(flyte.map(slow_sync, [1, 2, 3], concurrency=2)) == [2, 4, 6]
    assert MEET.peak == 2
    MEET.reset(size=2, total=2)
    assert list(flyte.map(slow, [1, 2])) == [2, 4]
    assert MEET.peak == 2


@env.task
async def blocking_map_in_async() -> list[int]:
    return list(flyte.map(slow, [1]))


def test_blocking_map_inside_async_task_explains_aio():
    MEET.reset(size=1, total=1)
    with pytest.raises(flyte.errors.RuntimeUserError) as info:
        flyte.run(blocking_map_in_async)
    assert "flyte.map.aio" in str(info.value)


@env.task
def nested_asyncio_run(n: int) -> int:
    async def inner() -> int:
        return sum(await asyncio.gather(*(slow(i) for i in range(n))))

    return asyncio.run(inner())


def test_asyncio_run_inside_sync_task_creates_actions():
    MEET.reset(size=3, total=3)
    run = flyte.run(nested_asyncio_run, 3)
    assert run.outputs()[0] == 6
    assert len([a for a in run.actions() if a["parent"] == "a0"]) == 3


@env.task
def map_fast_sync(n: int) -> int:
    return sum(flyte.map(twice_sync, range(n)))


@env.task
def twice_sync(x: int) -> int:
    return x * 2


def test_a_map_batch_commit_is_not_taken_for_a_slow_item(monkeypatch):
    # The map's watchdog adds threads when the consumer's current item has run long; committing a
    # batch (which can take milliseconds) comes after its items, with no item marked as running.
    import flyte._controller as controller
    from flyte._controller import Recorder

    started: list = []  # the map's "current item began at" cell
    at_commit = []
    run_batch, commit = controller.execute_batch_sync, Recorder.commit

    def run_batch_seeing(rt, parent, calls, stop_on_error=False, item_started=None):
        started[:] = [item_started]
        return run_batch(rt, parent, calls, stop_on_error, item_started)

    def commit_seeing(self, batch):
        at_commit.append(started[0][0])
        return commit(self, batch)

    monkeypatch.setattr(controller, "execute_batch_sync", run_batch_seeing)
    monkeypatch.setattr(Recorder, "commit", commit_seeing)
    assert flyte.run(map_fast_sync, 200).outputs()[0] == sum(range(200)) * 2
    assert at_commit and all(s is None for s in at_commit), at_commit
