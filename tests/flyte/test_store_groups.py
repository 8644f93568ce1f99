"""Fan-out aggregates: counting a packed batch at once gives what counting its rows one by one gives."""

import random

import pytest

from flyte._store._groups import GroupTallies

PHASES = ["SUCCEEDED", "FAILED", "ABORTED", "TIMED_OUT"]


def _row(rng: random.Random, i: int, task: str = "m.child", group=None, parent="a0", phase=None) -> tuple:
    start = float(rng.choice([5, 6, 7, 8]))  # ties: the first row with the earliest start names the group
    return ("run", f"id{i:04d}", parent, task, task.rsplit(".", 1)[-1], group, "task", phase or rng.choice(PHASES),
            rng.choice([0, 1, 2, None]), start, start + rng.choice([0.5, 1.5, 3.0]), b"in", None, None, None,
            rng.choice([None, "hit", "miss"]))


def _one_by_one(rows, before=()) -> list:
    t = GroupTallies()
    for r in before:
        t.add(r)
    for r in rows:
        t.add(r)
    return sorted(t.rows())


def _batched(rows, before=()) -> list:
    t = GroupTallies()
    for r in before:
        t.add(r)
    t.add_finished(rows)
    return sorted(t.rows())


@pytest.mark.parametrize("seed", range(20))
def test_a_batch_of_one_group_counts_as_its_rows_do(seed):
    rng = random.Random(seed)
    rows = [_row(rng, i) for i in range(rng.randint(8, 60))]
    before = [_row(rng, 1000 + i) for i in range(rng.randint(0, 3))]  # the group has members already
    assert _batched(rows) == _one_by_one(rows)
    assert _batched(rows, before) == _one_by_one(rows, before)


@pytest.mark.parametrize("seed", range(10))
def test_a_batch_of_several_groups_counts_as_its_rows_do(seed):
    rng = random.Random(seed)
    rows = [_row(rng, i, task=rng.choice(["m.a", "m.b"]), group=rng.choice([None, "g"])) for i in range(40)]
    assert _batched(rows) == _one_by_one(rows)


def test_a_running_row_in_a_batch_is_counted_as_running():
    rng = random.Random(0)
    rows = [_row(rng, i, phase="RUNNING" if i == 3 else None) for i in range(10)]
    got = _batched(rows)
    assert got == _one_by_one(rows)
    assert got[0][7] == 1  # the RUNNING count
