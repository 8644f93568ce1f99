"""Resources: flytekit's value types, and how request/limit pairs split."""

import pytest

from flytekit import Resources, task


def test_value_types_follow_flytekit():
    Resources(cpu=0.5, mem="1Gi", gpu=1)
    with pytest.raises(AssertionError):
        Resources(mem=1.5)
    with pytest.raises(ValueError, match="length 2"):
        Resources(cpu=("1", "2", "3"))


def test_a_single_value_in_resources_is_a_request_only():
    @task(resources=Resources(cpu=("1", "2"), gpu=1))
    def t() -> None: ...

    assert t.resources.requests == Resources(cpu="1", gpu=1)
    assert t.resources.limits == Resources(cpu="2")


def test_requests_take_single_values_and_json_round_trips():
    with pytest.raises(ValueError, match="list or tuple"):
        @task(requests=Resources(cpu=("1", "2")))
        def t() -> None: ...

    r = Resources(cpu="1", mem=(1, 2))
    assert Resources.from_json(r.to_json()) == r
