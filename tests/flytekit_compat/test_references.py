"""Reference entities: importable under flytekit's names, typed like their stubs, refusing to run
locally in flytekit's words, and answerable by a mock in tests."""

import pytest
from flytekit.core.launch_plan import ReferenceLaunchPlan, reference_launch_plan
from flytekit.core.task import ReferenceTask
from flytekit.core.workflow import ReferenceWorkflow
from flytekit.testing import patch, task_mock

from flytekit import reference_task, reference_workflow, workflow


@reference_task(project="p", domain="d", name="remote.add", version="v1")
def add(a: int, b: int) -> int: ...


@reference_workflow(project="p", domain="d", name="remote.wf", version="v1")
def remote_wf(a: int) -> int:
    return a


@reference_launch_plan(project="p", domain="d", name="remote.lp", version="v2")
def remote_lp(a: int) -> int:
    return a


@workflow
def uses_add(a: int) -> int:
    return add(a=a, b=2)


def test_classes_ids_and_interfaces():
    assert isinstance(add, ReferenceTask) and isinstance(remote_wf, ReferenceWorkflow)
    assert isinstance(remote_lp, ReferenceLaunchPlan)
    assert str(add.id) == "TASK:p:d:remote.add:v1" and str(remote_lp.id) == "LAUNCH_PLAN:p:d:remote.lp:v2"
    lp = ReferenceLaunchPlan("p", "d", "remote.other", "v1", inputs={"a": int}, outputs={"o0": int})
    assert lp.python_interface.inputs == {"a": int}
    with pytest.raises(Exception, match=r"Failed to bind input .a. of .remote\.add."):

        @workflow
        def wrong(a: str) -> int:
            return add(a=a, b=2)  # the stub's types are checked at compile time

        wrong(a="x")


@pytest.mark.parametrize("entity", [add, remote_wf, remote_lp])
def test_running_one_locally_says_it_needs_a_backend(entity):
    with pytest.raises(NotImplementedError, match=r"Remote reference entities cannot be run locally\. You must mock"):
        entity(a=1) if entity is not add else entity(a=1, b=2)


def test_a_workflow_calling_one_fails_at_that_node():
    with pytest.raises(NotImplementedError, match=r"reference task p/d/remote\.add@v1"):
        uses_add(a=1)


def test_a_mock_stands_in_for_a_reference_task():
    with task_mock(add) as m:
        m.return_value = 42
        assert uses_add(a=1) == 42
    m.assert_called_once_with(a=1, b=2)

    @patch(add)
    def check(mock):
        mock.return_value = 7
        return uses_add(a=5)

    assert check() == 7
    with pytest.raises(NotImplementedError):  # the mock is gone after the block
        uses_add(a=1)
