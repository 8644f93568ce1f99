"""map_task: what can be mapped, how inputs are validated and bound."""

import functools

import pytest
from flytekit.core.array_node_map_task import ArrayNodeMapTask

from flytekit import TaskMetadata, dynamic, eager, map_task, task, workflow


@task
def describe(a: int, b: float, c: str) -> str:
    return f"{a}/{b}/{c}"


@task
def reorder(c: str, b: float, a: int) -> str:
    return f"{a}/{b}/{c}"


def test_partial_inputs_are_passed_by_name_whatever_the_parameter_order():
    plain = map_task(functools.partial(describe, c="x"))(a=[1, 2], b=[0.5, 1.5])
    shuffled = map_task(functools.partial(reorder, c="x"))(a=[1, 2], b=[0.5, 1.5])
    assert plain == shuffled == ["1/0.5/x", "2/1.5/x"]


def test_bound_input_values_override_the_partial_and_must_match_bound_inputs():
    mapped = ArrayNodeMapTask(functools.partial(describe, c="x"), bound_inputs_values={"c": "y"})
    assert mapped(a=[1], b=[0.5]) == ["1/0.5/y"]
    with pytest.raises(ValueError, match="same keys"):
        ArrayNodeMapTask(describe, bound_inputs_values={"c": "y"}, bound_inputs={"b"})


def test_mapped_inputs_must_be_lists_of_the_declared_type():
    with pytest.raises(TypeError, match="Expected a list"):
        map_task(functools.partial(describe, c="x"))(a=1, b=[0.5])
    with pytest.raises(TypeError):
        map_task(functools.partial(describe, c="x"))(a=["one"], b=[0.5])


def test_only_plain_tasks_and_launch_plans_can_be_mapped():
    @dynamic
    def dyn(a: int) -> int:
        return a

    @eager
    async def eg(a: int) -> int:
        return a

    @workflow
    def wf(a: int) -> int:
        return a

    for target in (dyn, eg, wf):
        with pytest.raises(ValueError, match="Only plain tasks"):
            map_task(target)


def test_map_keeps_the_target_metadata_unless_given_its_own():
    assert map_task(describe).metadata is describe.metadata
    own = TaskMetadata(retries=2)
    assert map_task(describe, metadata=own).metadata is own
