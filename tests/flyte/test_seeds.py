"""Every Flyte 2 snippet of the user's own guides (../shared/seeds/), run as written.

The snippets live verbatim in tests/flyte/seeds/; each runs in a fresh interpreter (one of them
patches asyncio with nest_asyncio at import) and the recorded action tree is checked too.
"""

from pathlib import Path

import pytest

from tests.helpers import run_file

SEEDS = Path(__file__).parent / "seeds"


def children(result, task_suffix):
    return [a for a in result["actions"] if a["task"].endswith(task_suffix) and a["parent"] is not None]


def test_forward_async_creates_one_action(tmp_path):
    r = run_file(SEEDS / "forward_async.py", "outer_task", tmp_path, x=1)
    assert r["output"] == 12
    # forward() ran inner_task in place; only the second call is an action
    inner = children(r, ".inner_task")
    assert len(inner) == 1 and inner[0]["parent"] == "a0"


def test_forward_sync_creates_one_action(tmp_path):
    r = run_file(SEEDS / "forward_sync.py", "sync_outer_task", tmp_path, x=1)
    assert r["output"] == 12
    assert len(children(r, ".sync_inner_task")) == 1


def test_tasks_and_functions_as_arguments(tmp_path):
    r = run_file(SEEDS / "udfs.py", "main", tmp_path)
    assert r["output"] == [6, 7]
    run_udf = children(r, ".run_udf")
    assert len(run_udf) == 2
    # the task passed as an argument became an action under the run_udf that called it
    add_one = children(r, ".add_one_udf")
    assert len(add_one) == 1 and add_one[0]["parent"] in {a["id"] for a in run_udf}


def test_short_names_at_definition_and_override(tmp_path):
    r = run_file(SEEDS / "short_names.py", "main", tmp_path)
    assert r["output"] == "Hello, Flyte!Hello, Flyte!"
    names = sorted(a["short_name"] for a in r["actions"])
    assert names == ["entrypoint", "my_name", "my_task"]


def test_nest_asyncio_in_sync_task(tmp_path):
    r = run_file(SEEDS / "async_in_sync.py", "sync_task", tmp_path)
    assert r["output"] == "done"


def test_sync_task_from_async_with_aio(tmp_path):
    r = run_file(SEEDS / "sync_from_async.py", "async_task", tmp_path, x=7)
    assert r["output"] == "Processed 7"
    assert len(children(r, ".sync_task")) == 1


def test_map_aio_over_sync_task(tmp_path):
    r = run_file(SEEDS / "map_aio_sync.py", "async_main", tmp_path, n=6)
    assert r["output"] == [f"Task {i}" for i in range(6)]
    assert len(children(r, ".sync_process")) == 6


def test_anyio_task_group_with_result_capture(tmp_path):
    r = run_file(SEEDS / "anyio_groups.py", "batch_process", tmp_path, items=[1, 2, 3, 4])
    assert r["output"] == [2, 4, 6, 8]
    assert len(children(r, ".process_item")) == 4


@pytest.mark.parametrize("seed", ["map_basic.py", "map_concurrency.py"])
def test_map_in_sync_task(tmp_path, seed):
    r = run_file(SEEDS / seed, "main", tmp_path, items=[3, 1, 2, 5, 4, 0, 7])
    assert r["output"] == [6, 2, 4, 10, 8, 0, 14]
    assert len(children(r, ".process_item")) == 7


def test_gather(tmp_path):
    r = run_file(SEEDS / "gather_basic.py", "main", tmp_path, items=[1, 2, 3])
    assert r["output"] == ["processed_1", "processed_2", "processed_3"]
    assert len(children(r, ".process_item")) == 3


def test_gather_behind_semaphore(tmp_path):
    r = run_file(SEEDS / "gather_semaphore.py", "main_with_concurrency_limit", tmp_path, items=[1, 2, 3], max_concurrent=2)
    assert r["output"] == ["processed_1", "processed_2", "processed_3"]


def test_gather_with_return_exceptions(tmp_path):
    r = run_file(SEEDS / "gather_errors.py", "main_with_error_handling", tmp_path, items=[0, 1, 2, 3])
    assert r["output"] == ["processed_0", "Failed: 1", "processed_2", "Failed: 3"]
    failed = [a for a in r["actions"] if a["phase"] == "FAILED"]
    assert len(failed) == 2 and all(a["task"].endswith(".process_item") for a in failed)
    assert "Item 1 failed: odd item 1" in r["stdout"]


def test_sync_chain(tmp_path):
    r = run_file(SEEDS / "sync_chain.py", "main", tmp_path, x=3)
    assert r["output"] == 8


def test_async_chain(tmp_path):
    r = run_file(SEEDS / "async_chain.py", "main", tmp_path, x=3)
    assert r["output"] == 8


def test_sequential_awaits(tmp_path):
    r = run_file(SEEDS / "sequential_await.py", "main", tmp_path, x=3)
    assert r["output"] == "result=8"
    assert [a["short_name"] for a in sorted(r["actions"], key=lambda a: a["id"] == "a0")][-1] == "main"
