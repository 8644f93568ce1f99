"""conditional, map_task, @dynamic and @eager, with Flyte 1 semantics on the flyte runtime."""

import asyncio
import functools
import typing

import pytest
from flytekit.exceptions.eager import EagerException

from flytekit import conditional, dynamic, eager, map_task, task, workflow
from tests.flytekit_compat.conftest import store_actions
from tests.helpers import Rendezvous

RAN: list = []
# Mapped bodies meet here to prove they overlap (see tests.helpers.Rendezvous): no timing.
MEET = Rendezvous()


@pytest.fixture(autouse=True)
def reset():
    RAN.clear()
    MEET.reset(size=1, total=1)  # tests that check overlap say how much


@task
def a(x: float) -> float:
    RAN.append("a")
    return x + 100


@task
def b(x: float) -> float:
    RAN.append("b")
    return x + 200


@task
def c(x: float) -> float:
    RAN.append("c")
    return x + 300


@workflow
def branchy(x: float) -> float:
    return (
        conditional("test")
        .if_((x >= 0.0) & (x < 1.0)).then(a(x=x))
        .elif_((x >= 1.0) | (x == -5.0)).then(b(x=x))
        .else_().then(c(x=x))
    )


@pytest.mark.parametrize("x, result, ran", [(0.5, 100.5, ["a"]), (3.0, 203.0, ["b"]), (-5.0, 195.0, ["b"]), (-1.0, 299.0, ["c"])])
def test_only_the_taken_branch_runs(x, result, ran):
    assert branchy(x=x) == result
    assert RAN == ran


@task
def positive(x: int) -> bool:
    return x > 0


@task
def maybe(x: int) -> typing.Optional[int]:
    return x if x > 0 else None


@workflow
def on_outputs(x: int) -> str:
    flag = positive(x=x)
    m = maybe(x=x)
    first = conditional("flag").if_(flag.is_true()).then(label(s="pos")).else_().then(label(s="neg"))
    second = conditional("none").if_(m.is_none()).then(label(s="none")).else_().then(label(s="some"))
    return join(a=first, b=second)


@task
def label(s: str) -> str:
    return s


@task
def join(a: str, b: str) -> str:
    return f"{a}/{b}"


def test_conditions_on_task_outputs():
    assert on_outputs(x=3) == "pos/some"
    assert on_outputs(x=-3) == "neg/none"


@workflow
def failing_branch(x: float) -> float:
    return conditional("range").if_(x < 10.0).then(a(x=x)).else_().fail("The input must be within the range of 0 to 10.")


@workflow
def nested(x: float) -> float:
    return (
        conditional("outer")
        .if_(x < 10.0)
        .then(conditional("inner").if_(x < 5.0).then(a(x=x)).else_().then(b(x=x)))
        .else_()
        .then(c(x=x))
    )


def test_fail_and_nesting():
    with pytest.raises(ValueError, match="within the range"):
        failing_branch(x=11.0)
    assert nested(x=1.0) == 101.0 and nested(x=7.0) == 207.0 and nested(x=20.0) == 320.0


def test_conditional_compile_errors():
    @workflow
    def unary(x: int) -> str:
        return conditional("u").if_(positive(x=x)).then(label(s="p")).else_().then(label(s="n"))

    with pytest.raises(AssertionError, match="unary"):
        unary(x=1)

    @workflow
    def no_else(x: float) -> float:
        return conditional("n").if_(x < 1.0).then(a(x=x))

    from flytekit.exceptions.user import FlyteValidationException

    with pytest.raises(FlyteValidationException):
        no_else(x=1.0)

    @workflow
    def python_and(x: float) -> float:
        return conditional("p").if_((x > 0.0) and (x < 1.0)).then(a(x=x)).else_().then(b(x=x))

    with pytest.raises(ValueError, match="truth value"):
        python_and(x=0.5)


@task
def slow_square(x: int) -> int:
    MEET.meet()
    return x * x


@task
def mul(x: int, y: int, z: float = 1.0) -> float:
    return x * y * z


@workflow
def mapped(xs: list[int]) -> list[int]:
    return map_task(slow_square, concurrency=3)(x=xs)


@workflow
def mapped_partial(xs: list[int], y: int) -> list[float]:
    return map_task(functools.partial(mul, y=y, z=0.5))(x=xs)


@workflow
def mapped_two(xs: list[int], ys: list[int]) -> list[float]:
    return map_task(functools.partial(mul, z=1.0))(x=xs, y=ys)


def test_map_task_concurrency_partials_and_zip():
    MEET.reset(size=3, total=9)
    assert mapped(xs=list(range(9))) == [i * i for i in range(9)]
    assert MEET.peak == 3
    MEET.reset(size=1, total=1)
    assert mapped_partial(xs=[1, 2], y=10) == [5.0, 10.0]
    assert mapped_two(xs=[1, 2], ys=[3, 4]) == [3.0, 8.0]
    assert map_task(slow_square)(x=[1, 2, 3]) == [1, 4, 9]
    assert map_task(slow_square)([2]) == [4]
    assert map_task(slow_square)(x=[]) == []
    from flytekit.exceptions.user import FlyteAssertion

    with pytest.raises(FlyteAssertion, match="Input z"):  # every mapped input must be given, as in flytekit
        map_task(mul)(x=[1], y=[2])


@task
def odd_fails(x: int) -> int:
    if x % 2:
        raise ValueError(f"odd {x}")
    return x


@workflow
def tolerant(xs: list[int]) -> list[typing.Optional[int]]:
    return map_task(odd_fails, min_success_ratio=0.4)(x=xs)


@workflow
def strict(xs: list[int]) -> list[typing.Optional[int]]:
    return map_task(odd_fails, min_success_ratio=0.9)(x=xs)


def test_min_success_ratio():
    assert tolerant(xs=[0, 1, 2, 3, 4]) == [0, None, 2, None, 4]
    with pytest.raises(ValueError, match="odd 1"):
        strict(xs=[0, 1, 2, 3, 4])
    with pytest.raises(ValueError, match="single output"):
        map_task(split_two)


@task
def split_two(x: int) -> tuple[int, int]:
    return x, x


def test_map_with_optional_items_needs_an_optional_output():
    from flytekit.exceptions.user import FlyteValidationException

    @workflow
    def wrong(xs: list[int]) -> list[int]:
        return map_task(odd_fails, min_success_ratio=0.5)(x=xs)

    with pytest.raises(FlyteValidationException, match="does not match upstream type"):
        wrong(xs=[1])


@dynamic
def dyn(n: int) -> list[int]:
    RAN.append(f"n is {type(n).__name__}")
    return [slow_square(x=i) for i in range(n)]


@workflow
def uses_dyn(n: int) -> int:
    return total(xs=dyn(n=n))


@task
def total(xs: list[int]) -> int:
    return sum(xs)


def test_dynamic_runs_with_real_values_and_parallel_children():
    MEET.reset(size=5, total=5)
    assert uses_dyn(n=5) == sum(i * i for i in range(5))
    assert RAN == ["n is int"]
    assert MEET.peak == 5  # the dynamic's tasks form a graph: independent ones overlap
    MEET.reset(size=1, total=1)
    dyn_action = next(a for a in store_actions() if a["task"].endswith(".dyn"))
    kids = [a for a in store_actions() if a["parent"] == dyn_action["id"]]
    assert len(kids) == 5
    assert dyn(n=2) == [0, 1]


@dynamic
def merge_sort_like(numbers: list[int]) -> list[int]:
    if len(numbers) <= 1:
        return numbers
    half = len(numbers) // 2
    left = merge_sort_like(numbers=numbers[:half])
    right = merge_sort_like(numbers=numbers[half:])
    return merge(a=left, b=right)


@task
def merge(a: list[int], b: list[int]) -> list[int]:
    return sorted(a + b)


def test_recursive_dynamic():
    assert merge_sort_like(numbers=[5, 3, 9, 1, 4]) == [1, 3, 4, 5, 9]


@task
def add_one(x: int) -> int:
    return x + 1


@task
async def a_double(x: int) -> int:
    await asyncio.sleep(0.01)
    return x * 2


@task
def double(x: int) -> int:
    return x * 2


@eager
async def pre_115_style(x: int) -> int:
    out = await add_one(x=x)  # flytekit before 1.15 returned awaitables from sync tasks here
    return out


@eager
async def current_style(x: int) -> int:
    out = add_one(x=x)
    doubled = a_double(x=x)
    if out - await doubled < 0:
        return -1
    return double(x=out)


@eager
async def gathered(n: int) -> list[int]:
    return list(await asyncio.gather(*[a_double(x=i) for i in range(n)]))


@task
def raises(x: int) -> int:
    if x >= 0:
        raise TypeError("no")
    return x


@eager
async def catches() -> str:
    try:
        raises(x=1)
    except EagerException:
        pass
    try:
        raises(x=1)
    except TypeError as e:
        return "caught both: " + type(e).__name__
    return "missed"


def test_eager_calls_as_in_flytekit_1_16():
    # a sync task gives its value; awaiting it is Python's own error, as in flytekit 1.16.31
    with pytest.raises(TypeError, match="object int can't be used in 'await' expression") as e:
        asyncio.run(pre_115_style(x=2))
    assert str(e.value).startswith("Error encountered while executing")
    assert asyncio.run(current_style(x=1)) == 4 and asyncio.run(current_style(x=2)) == -1
    assert asyncio.run(gathered(n=4)) == [0, 2, 4, 6]
    assert asyncio.run(catches()) == "caught both: TypeError"
    coro = current_style(x=1)
    assert asyncio.iscoroutine(coro)
    assert asyncio.run(coro) == 4
