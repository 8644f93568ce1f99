"""Task calls: plain calls outside a run, recorded actions inside one, and bad input."""

import asyncio
import threading
import typing

import pytest

import flyte
import flyte.errors

# Every test here runs on both stores: the runtime must not depend on which one records.
pytestmark = pytest.mark.usefixtures("any_store")

env = flyte.TaskEnvironment("calls")


@env.task
async def add(x: int, y: int = 1) -> int:
    return x + y


@env.task
def sync_add(x: int, y: int = 1) -> int:
    return x + y


@env.task
async def takes_list(xs: list[int]) -> int:
    return sum(xs)


@env.task
async def parent(n: int) -> int:
    a = await add(n)
    b = await add(n, y=5)
    c = await add(n)  # identical to the first call: a distinct action (call counter)
    return a + b + c


@env.task
async def grandparent(n: int) -> int:
    return await parent(n) + await add(n)


@env.task
def sync_parent(n: int) -> int:
    return sync_add(n) + sync_add(n, y=2)


def test_outside_a_run_tasks_are_plain_calls():
    assert sync_add(2) == 3
    coro = add(2)
    assert asyncio.iscoroutine(coro)
    assert asyncio.run(coro) == 3
    assert asyncio.run(add.aio(4)) == 5
    assert asyncio.run(sync_add.aio(4)) == 5


def test_each_call_is_an_action_with_a_real_tree():
    run = flyte.run(grandparent, 2)
    assert run.outputs()[0] == (3 + 7 + 3) + 3
    actions = {a["id"]: a for a in run.actions()}
    root = actions["a0"]
    assert root["task"] == "calls.grandparent" and root["parent"] is None
    parents = [a for a in actions.values() if a["task"] == "calls.parent"]
    assert len(parents) == 1 and parents[0]["parent"] == "a0"
    under_parent = [a for a in actions.values() if a["parent"] == parents[0]["id"]]
    assert len(under_parent) == 3 and all(a["task"] == "calls.add" for a in under_parent)
    direct = [a for a in actions.values() if a["parent"] == "a0" and a["task"] == "calls.add"]
    assert len(direct) == 1
    for a in actions.values():
        assert a["phase"] == "SUCCEEDED" and a["attempts"] == 1
        assert a["end_time"] >= a["start_time"]
        assert a["inputs"] is not None and a["outputs"] is not None


def test_action_ids_are_deterministic():
    ids1 = sorted(a["id"] for a in flyte.run(grandparent, 2).actions())
    ids2 = sorted(a["id"] for a in flyte.run(grandparent, 2).actions())
    ids3 = sorted(a["id"] for a in flyte.run(grandparent, 3).actions())
    assert ids1 == ids2
    assert len(set(ids1)) == len(ids1) == 6
    assert ids1 != ids3


def test_call_counts_number_each_key_like_a_counter():
    # CallCounts keeps a parent's counts compactly (an open-addressing table); it must count
    # exactly as a dict would, including keys that share their low bits (they probe the same
    # slots) and across the table's growth.
    import collections
    import random

    from flyte._context import CallCounts

    rng = random.Random(7)
    keys = [rng.randrange(1, 2**60) for _ in range(3000)]
    keys += [(k << 20) | 5 for k in range(1, 200)]  # all land on the same first slot
    calls = keys * 2 + rng.choices(keys, k=2000)
    rng.shuffle(calls)
    counts, expected = CallCounts(), collections.Counter()
    for key in calls:
        expected[key] += 1
        assert counts.next(key) == expected[key]
    assert counts.used == len(set(keys))


def test_a_frame_counts_the_same_before_and_after_it_compacts_its_counts():
    # a frame counts in a dict, then (past COMPACT_COUNTS_AFTER distinct calls) in CallCounts
    import collections
    import random

    from flyte._context import COMPACT_COUNTS_AFTER, CallCounts, Frame

    frame = Frame(None, "a1", "t", "t")  # type: ignore[arg-type]
    rng = random.Random(3)
    keys = [rng.randrange(1, 2**60) for _ in range(COMPACT_COUNTS_AFTER + 3000)]
    calls = keys[:2000] * 2 + keys + rng.choices(keys, k=3000)  # repeats before and after the switch
    expected: collections.Counter = collections.Counter()
    for key in calls:
        expected[key] += 1
        assert frame.next_seq(key) == expected[key]
    assert isinstance(frame.counts, CallCounts)


@pytest.mark.parametrize("compact_after", [64, 1 << 30])
def test_threads_numbering_calls_of_one_frame_at_once_never_share_an_id(monkeypatch, compact_after):
    """A sync body may fan out to threads that call tasks: the first call under a key is counted
    without the frame's lock, so identical calls racing (and a compaction racing them) must
    still get the numbers 1..k, each once."""
    import collections
    import random
    import sys

    from flyte._context import Frame
    from flyte._controller import _ids

    monkeypatch.setattr("flyte._context.COMPACT_COUNTS_AFTER", compact_after)
    monkeypatch.setattr(_ids, "COMPACT_COUNTS_AFTER", compact_after)
    frame = Frame(None, "a1", "t", "t")  # type: ignore[arg-type]
    inputs = [bytes([i % 7]) + i.to_bytes(4, "little") if i % 3 else bytes([i % 5]) for i in range(600)]
    threads, barrier, got = 8, threading.Barrier(8), collections.defaultdict(list)

    def caller(seed: int) -> None:
        mine = inputs[:]
        random.Random(seed).shuffle(mine)
        barrier.wait()
        for packed in mine:
            got[packed].append(_ids.next_action_id(frame, packed, "t", None))

    old = sys.getswitchinterval()
    sys.setswitchinterval(1e-6)  # switch threads as often as the interpreter will
    try:
        workers = [threading.Thread(target=caller, args=(i,)) for i in range(threads)]
        for w in workers:
            w.start()
        for w in workers:
            w.join()
    finally:
        sys.setswitchinterval(old)
    for packed, ids in got.items():
        want = {_ids.action_id("a1", packed, "t", seq, None) for seq in range(1, len(ids) + 1)}
        assert sorted(ids) == sorted(want), packed


@env.task
async def fan_out_with_repeats(n: int) -> list[int]:
    # every input three times: 3n calls, n distinct
    return await asyncio.gather(*[add(i % n) for i in range(3 * n)])


def test_repeated_calls_in_a_wide_fan_out_get_distinct_deterministic_ids():
    first = flyte.run(fan_out_with_repeats, 150)
    assert first.outputs()[0] == [i % 150 + 1 for i in range(450)]
    ids = [a["id"] for a in first.actions() if a["parent"] == "a0"]
    assert len(ids) == len(set(ids)) == 450
    again = {a["id"] for a in flyte.run(fan_out_with_repeats, 150).actions() if a["parent"] == "a0"}
    assert again == set(ids)


def test_sync_parent_runs_sync_children_as_actions():
    run = flyte.run(sync_parent, 1)
    assert run.outputs()[0] == 2 + 3
    kids = [a for a in run.actions() if a["parent"] == "a0"]
    assert [k["task"] for k in kids] == ["calls.sync_add", "calls.sync_add"]


@env.task
async def calls_sync_without_aio(n: int) -> int:
    return sync_add(n)


def test_sync_task_called_from_async_without_aio_raises():
    with pytest.raises(flyte.errors.RuntimeUserError) as info:
        flyte.run(calls_sync_without_aio, 1)
    assert info.value.code == "SyncTaskCallInAsyncContextError"
    assert "aio" in str(info.value)


@env.task
async def bad_types() -> str:
    try:
        await add(1.5)
    except TypeError as e:
        return str(e)
    return "no error"


def test_wrong_input_type_names_task_and_parameter():
    message = flyte.run(bad_types).outputs()[0]
    assert "'x'" in message and "calls.add" in message and "float" in message


@pytest.mark.parametrize(
    "args, kwargs, exc, words",
    [
        ((1.5,), {}, TypeError, ["'x'", "calls.add", "int"]),
        ((True,), {}, TypeError, ["'x'", "bool"]),
        (("3",), {}, TypeError, ["'x'", "str"]),
        ((), {}, ValueError, ["missing", "x"]),
        ((1, 2, 3), {}, ValueError, ["positional"]),
        ((1,), {"z": 2}, ValueError, ["no input named 'z'"]),
        ((1,), {"x": 2}, ValueError, ["multiple values", "'x'"]),
    ],
)
def test_bad_arguments_fail_before_anything_is_recorded(flyte_home, args, kwargs, exc, words):
    with pytest.raises(exc) as info:
        flyte.run(add, *args, **kwargs)
    for w in words:
        assert w in str(info.value)
    from flyte._store import open_store

    assert open_store().list_runs() == []


def test_list_elements_are_checked():
    with pytest.raises(TypeError) as info:
        flyte.run(takes_list, [1, "a"])
    assert "item 1" in str(info.value)
    assert flyte.run(takes_list, [1, 2]).outputs()[0] == 3


def test_non_task_is_rejected_by_run():
    def plain(x: int) -> int:
        return x

    with pytest.raises(TypeError, match="Only Flyte tasks can be run"):
        flyte.run(plain, 1)


@env.task
async def takes_anything(v: typing.Any) -> str:
    return type(v).__name__


@env.task
async def passes_unpicklable() -> str:
    return await takes_anything(threading.Lock())


def test_unpicklable_argument_names_the_parameter():
    with pytest.raises(flyte.errors.RuntimeUserError) as info:
        flyte.run(passes_unpicklable)
    assert info.value.code == "TypeError"
    assert "'v'" in str(info.value) and "calls.takes_anything" in str(info.value)


@env.task
async def forwards(n: int) -> int:
    return await add.forward(n) + sync_add.forward(n)


def test_forward_creates_no_action():
    run = flyte.run(forwards, 1)
    assert run.outputs()[0] == 4
    assert [a["id"] for a in run.actions()] == ["a0"]


@env.task
async def uses_aio(n: int) -> list[int]:
    return [await add.aio(n), await sync_add.aio(n)]


def test_aio_works_for_sync_and_async_tasks():
    run = flyte.run(uses_aio, 1)
    assert run.outputs()[0] == [2, 2]
    assert sorted(a["task"] for a in run.actions() if a["parent"] == "a0") == ["calls.add", "calls.sync_add"]


@env.task
async def overrides(n: int) -> int:
    a = await add.override(short_name="renamed")(n)
    b = await add(n)
    return a + b


def test_override_is_per_call():
    run = flyte.run(overrides, 1)
    names = sorted(a["short_name"] for a in run.actions() if a["parent"] == "a0")
    assert names == ["add", "renamed"]
    assert add.short_name == "add"


@env.task
async def call_lambda(f: typing.Callable[[int], int], x: int) -> int:
    return f(x)


@env.task
async def lambdas() -> list[int]:
    return [await call_lambda(lambda v: v * 10, 4), await call_lambda(abs, -3)]


def test_lambdas_and_builtins_as_arguments():
    assert flyte.run(lambdas).outputs()[0] == [40, 3]


@env.task
async def mutates(xs: list[int]) -> list[int]:
    xs.append(99)
    return xs


@env.task
async def owner() -> list[int]:
    mine = [1]
    theirs = await mutates(mine)
    return mine + theirs


def test_children_get_copies_of_their_inputs():
    # A child mutating its input must not change the parent's object, as on a backend.
    assert flyte.run(owner).outputs()[0] == [1, 1, 99]


@env.task
def no_annotation():
    return 1


def test_returning_a_value_without_a_return_annotation_fails():
    with pytest.raises(flyte.errors.RuntimeUserError) as info:
        flyte.run(no_annotation)
    assert "return type annotation" in str(info.value)


@env.task
async def wrong_output() -> int:
    return "not an int"  # type: ignore[return-value]


def test_outputs_are_type_checked():
    with pytest.raises(flyte.errors.RuntimeUserError) as info:
        flyte.run(wrong_output)
    assert info.value.code == "DataValidationError"


# -- NamedTuple outputs behave as in the SDK: positional outputs, plain tuples for callers -----------

class _One(typing.NamedTuple):
    slope: float


class _Fit(typing.NamedTuple):
    slope: float
    intercept: float


nt_env = flyte.TaskEnvironment("namedtuples")


@nt_env.task
async def nt_bare(x: int) -> _One:
    return x * 2.5


@nt_env.task
async def nt_wrapped(x: int) -> _One:
    return _One(slope=3.0)


@nt_env.task
async def nt_fit(x: int) -> _Fit:
    return _Fit(slope=4.5, intercept=float(x))


@nt_env.task
async def nt_caller() -> list:
    fit = await nt_fit(2)
    return [await nt_bare(2), await nt_wrapped(2), type(fit).__name__, list(fit)]


def test_namedtuple_outputs_reach_callers_like_the_sdk():
    assert flyte.run(nt_caller).outputs()[0] == [5.0, 3.0, "tuple", [4.5, 2.0]]
    outputs = flyte.run(nt_fit, 7).outputs()
    assert repr(outputs) == "ActionOutputs(o0=4.5, o1=7.0)"
    assert (outputs[0], outputs[1]) == (4.5, 7.0)


@env.task
async def times_big(x: int) -> int:
    return x * 2**70


@env.task
def sync_times_big(x: int) -> int:
    return x * 2**70


@env.task
async def async_big_numbers(x: int) -> list[int]:
    a = await times_big(x)  # an int over 64 bits out
    return [a, await times_big(a)]  # ... and in


@env.task
def sync_big_numbers(x: int) -> list[int]:
    return [sync_times_big(x), *flyte.map(sync_times_big, [x, x * 2**70])]


def test_ints_over_64_bits_pass_in_and_out_of_plain_tasks():
    # Plain inputs and outputs skip the codec (flyte._serde.pack_scalars); what msgpack cannot
    # hold plainly still goes through it.
    a = 3 * 2**70
    for task, expected in ((async_big_numbers, [a, a * 2**70]), (sync_big_numbers, [a, a, a * 2**70])):
        run = flyte.run(task, 3)
        assert run.outputs()[0] == expected
        assert all(x["phase"] == "SUCCEEDED" for x in run.actions())


def test_plain_data_packs_as_the_codec_packs_it():
    # Recorded inputs (and the action ids hashed from them) do not depend on which packed them.
    from flyte._serde import Codec, pack_scalars

    assert pack_scalars is not None  # msgpack's C extension
    for value in [{"x": 1, "y": "s", "z": 2.5, "b": b"\x00", "t": True, "n": None}, 7, "s", [1, [2, {"k": 3}]], -(2**63)]:
        assert pack_scalars(value) == Codec().pack(value)
    for value in [2**64, {"x": (1, 2)}, {"x": 2**70}]:
        with pytest.raises((TypeError, OverflowError)):
            pack_scalars(value)
