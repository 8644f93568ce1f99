"""flyte.syncify: one async definition usable from sync and async code."""

import asyncio
import contextvars
import threading

import pytest

from flyte.syncify import Syncify, syncify

request_id = contextvars.ContextVar("request_id", default="none")


@syncify
async def double(x: int) -> int:
    return x * 2


@syncify
async def count(n: int):
    for i in range(n):
        yield i


@syncify
async def where() -> str:
    return threading.current_thread().name


@syncify
async def read_and_change() -> str:
    seen = request_id.get()
    request_id.set("changed inside")
    return seen


@syncify
async def calls_blocking_form_inside() -> int:
    return double(1)  # blocking on the loop it runs on


class Account:
    def __init__(self, balance: int):
        self.balance = balance

    @syncify
    async def deposit(self, amount: int) -> int:
        self.balance += amount
        return self.balance

    @syncify
    @classmethod
    async def opened_with(cls, amount: int) -> "Account":
        return cls(amount)

    @syncify
    @staticmethod
    async def fee() -> int:
        return 3


def test_both_forms_of_a_function_and_a_generator():
    assert double(21) == 42
    assert asyncio.run(double.aio(4)) == 8
    assert list(count(3)) == [0, 1, 2]

    async def collect():
        return [x async for x in count.aio(4)]

    assert asyncio.run(collect()) == [0, 1, 2, 3]


def test_methods_classmethods_and_staticmethods():
    acct = Account(10)
    assert acct.deposit(5) == 15
    assert asyncio.run(acct.deposit.aio(5)) == 20
    assert Account.opened_with(7).balance == 7
    assert Account.fee() == 3 and asyncio.run(Account.fee.aio()) == 3


def test_blocking_calls_run_on_the_named_background_thread():
    assert where() == "flyte_syncify"
    own = Syncify(name="my-loop")

    @own
    async def mine() -> str:
        return threading.current_thread().name

    assert mine() == "my-loop"
    assert asyncio.run(mine.aio()) == threading.current_thread().name  # .aio stays on the caller's loop


def test_the_blocking_form_works_inside_a_running_loop():
    async def caller():
        return double(5)  # from async code without .aio: still answers, on the background loop

    assert asyncio.run(caller()) == 10


def test_context_is_copied_in_and_not_leaked_out():
    request_id.set("outer")
    assert read_and_change() == "outer"
    assert asyncio.run(read_and_change.aio()) == "outer"
    assert request_id.get() == "outer"


def test_blocking_on_its_own_loop_is_an_error_not_a_hang():
    with pytest.raises(AssertionError, match="Deadlock detected"):
        calls_blocking_form_inside()


def test_errors_keep_their_type_and_point_at_the_function():
    @syncify
    async def fails():
        raise KeyError("missing")

    with pytest.raises(KeyError, match="missing") as info:
        fails()
    assert info.traceback[-1].name == "fails"


def test_only_async_callables_can_be_syncified():
    with pytest.raises(TypeError, match="async functions"):
        @syncify
        def plain():
            return 1
    with pytest.raises(TypeError, match="async functions"):
        syncify(Account)
