"""Caching: behaviours, keys, persistence across processes, and the run-level switches."""

import asyncio
import textwrap
from datetime import timedelta

import pytest

import flyte
from tests.helpers import run_file

env = flyte.TaskEnvironment("cache")
EXECUTIONS: list = []


@pytest.fixture(autouse=True)
def reset():
    EXECUTIONS.clear()


@env.task(cache="auto")
async def cached(x: int, note: str = "") -> int:
    EXECUTIONS.append(("cached", x))
    return x * 10


@env.task(cache=flyte.Cache("auto", ignored_inputs=("note",)))
async def ignores_note(x: int, note: str = "") -> int:
    EXECUTIONS.append(("ignores_note", x, note))
    return x


@env.task(cache=flyte.Cache("override", version_override="v1"))
async def overrides(x: int) -> int:
    EXECUTIONS.append(("overrides", x))
    return x


@env.task(cache=flyte.Cache("auto", version_override="v1"))
async def reads_v1(x: int) -> int:
    EXECUTIONS.append(("reads_v1", x))
    return -1


@env.task
async def uncached(x: int) -> int:
    EXECUTIONS.append(("uncached", x))
    return x


@env.task
async def driver(xs: list[int]) -> list[int]:
    return [await cached(x) for x in xs]


def test_auto_cache_hits_within_and_across_runs(flyte_home):
    run1 = flyte.run(driver, [1, 2, 1])
    assert run1.outputs()[0] == [10, 20, 10]
    assert EXECUTIONS == [("cached", 1), ("cached", 2)]
    statuses = sorted(a["cache_status"] for a in run1.actions() if a["parent"] == "a0")
    assert statuses == ["hit", "miss", "miss"]
    EXECUTIONS.clear()
    run2 = flyte.run(driver, [2, 3])
    assert run2.outputs()[0] == [20, 30] and EXECUTIONS == [("cached", 3)]


def test_ignored_inputs_are_not_part_of_the_key(flyte_home):
    flyte.run(ignores_note, 5, note="a")
    flyte.run(ignores_note, 5, note="b")
    flyte.run(ignores_note, 6, note="a")
    assert EXECUTIONS == [("ignores_note", 5, "a"), ("ignores_note", 6, "a")]


def test_override_always_runs_and_writes_for_auto_readers(flyte_home):
    flyte.run(overrides, 1)
    flyte.run(overrides, 1)
    assert EXECUTIONS == [("overrides", 1), ("overrides", 1)]


def test_overwrite_cache_runs_again_and_replaces_the_entry(flyte_home):
    flyte.run(cached, 7)
    flyte.with_runcontext(overwrite_cache=True).run(cached, 7)
    flyte.run(cached, 7)
    assert EXECUTIONS == [("cached", 7), ("cached", 7)]


def test_disable_run_cache_neither_reads_nor_writes(flyte_home):
    flyte.with_runcontext(disable_run_cache=True).run(cached, 8)
    flyte.run(cached, 8)  # nothing was written, so this runs
    flyte.with_runcontext(disable_run_cache=True).run(cached, 8)  # and this does not read the entry
    assert EXECUTIONS == [("cached", 8)] * 3


def test_uncached_tasks_always_run(flyte_home):
    flyte.run(uncached, 1)
    flyte.run(uncached, 1)
    assert len(EXECUTIONS) == 2


@env.task(cache=flyte.Cache("auto", max_age=timedelta(milliseconds=200)))
async def short_lived(x: int) -> int:
    EXECUTIONS.append(("short_lived", x))
    return x


def test_max_age_expires_entries(flyte_home, monkeypatch):
    import time

    clock = [time.time()]  # the store's clock, moved by the test instead of waiting for it
    monkeypatch.setattr(time, "time", lambda: clock[0])
    flyte.run(short_lived, 1)
    clock[0] += 0.1
    flyte.run(short_lived, 1)  # 100 ms old: a hit
    assert len(EXECUTIONS) == 1
    clock[0] += 0.2
    flyte.run(short_lived, 1)  # 300 ms old: expired
    assert len(EXECUTIONS) == 2


@env.task(cache=flyte.Cache("auto", serialize=True))
async def serialized(x: int) -> int:
    EXECUTIONS.append(("serialized", x))
    for _ in range(20):  # let every other ready call run up to the serialization lock (no timing)
        await asyncio.sleep(0)
    return x


@env.task
async def concurrent_identical() -> list[int]:
    return list(await asyncio.gather(*(serialized(4) for _ in range(5))))


def test_serialize_runs_identical_concurrent_calls_once(flyte_home):
    assert flyte.run(concurrent_identical).outputs()[0] == [4] * 5
    assert EXECUTIONS == [("serialized", 4)]


def test_cache_behaviour_aliases_and_errors():
    assert flyte.Cache("on").behavior == "auto"
    assert flyte.Cache("off").behavior == "disable"
    assert flyte.Cache(True).behavior == "auto"
    with pytest.raises(ValueError, match="Invalid cache behavior"):
        flyte.Cache("sometimes")
    with pytest.raises(TypeError):
        flyte.Cache("auto", max_age="1h")
    assert flyte.Cache("auto", ignored_inputs="a").get_ignored_inputs() == ("a",)


def test_cache_version_follows_the_function_body():
    from flyte._cache import VersionParameters

    def f(x):
        return x + 1

    def g(x):
        # a comment does not change the version
        return x + 1

    def h(x):
        return x + 2

    c = flyte.Cache("auto")
    v = [c.get_version(VersionParameters(func=fn)) for fn in (f, g, h)]
    assert v[0] != v[2]
    assert flyte.Cache("auto", version_override="7").get_version() == "7"


PROGRAM = textwrap.dedent(
    """
    import os
    import flyte

    env = flyte.TaskEnvironment("persist")

    @env.task(cache="auto")
    def expensive(x: int) -> int:
        with open(os.environ["MARKER"], "a") as f:
            f.write("ran\\n")
        return x * 3

    @env.task
    def main(x: int) -> int:
        return expensive(x)
    """
)


def test_cache_persists_across_processes(tmp_path):
    program = tmp_path / "persist_prog.py"
    program.write_text(PROGRAM)
    marker = tmp_path / "marker.txt"
    home = tmp_path / "home"
    for _ in range(2):
        r = run_file(program, "main", home, env={"MARKER": str(marker)}, x=4)
        assert r["output"] == 12
    assert marker.read_text().count("ran") == 1


class Tagged:
    """A value that names its own cache hash (the runtime's public hook for adapters)."""

    def __init__(self, payload: int, tag: str):
        self.payload = payload
        self.tag = tag

    def __flyte_cache_hash__(self):
        return self.tag


@env.task(cache="auto")
async def cached_tagged(v: Tagged) -> int:
    EXECUTIONS.append(("tagged", v.payload))
    return v.payload


def test_a_value_with_its_own_cache_hash_is_keyed_by_it(flyte_home):
    from flyte._extension import CACHE_HASH_METHOD

    assert CACHE_HASH_METHOD == "__flyte_cache_hash__"
    assert flyte.run(cached_tagged, Tagged(1, "same")).outputs()[0] == 1
    assert flyte.run(cached_tagged, Tagged(2, "same")).outputs()[0] == 1  # same hash: a hit
    assert flyte.run(cached_tagged, Tagged(3, "other")).outputs()[0] == 3
    assert EXECUTIONS == [("tagged", 1), ("tagged", 3)]
