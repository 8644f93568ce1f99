"""Building blocks for plugins and tests: PythonTask, SQLTask, FlyteContext helpers."""

import datetime
import typing
from functools import wraps

import pytest
from flytekit.core.node_creation import create_node
from flytekit.extend import Interface, PythonTask
from flytekit.testing import task_mock

from flytekit import FlyteContextManager, SQLTask, kwtypes, task, workflow


class Doubler(PythonTask):
    def __init__(self, name: str):
        super().__init__(task_type="doubler", name=name, interface=Interface(inputs={"x": int}, outputs={"o0": int}))

    def execute(self, **kwargs: typing.Any) -> int:
        return kwargs["x"] * 2


doubler = Doubler("doubler")


@task
def inc(x: int) -> int:
    return x + 1


def test_a_class_based_task_runs_alone_and_in_a_workflow():
    @workflow
    def wf(x: int) -> int:
        return inc(x=doubler(x=x))

    assert doubler(x=3) == 6
    assert wf(x=3) == 7


lookup = SQLTask("lookup", query_template="SELECT * FROM t WHERE ds = '{{ .Inputs.ds }}'",
                 inputs=kwtypes(ds=datetime.datetime), outputs=kwtypes(n=int))


def test_sql_tasks_refuse_to_run_but_can_be_mocked():
    @workflow
    def wf(ds: datetime.datetime) -> int:
        return inc(x=lookup(ds=ds))

    when = datetime.datetime(2024, 1, 1)
    with pytest.raises(NotImplementedError, match="SQL engine"):
        wf(ds=when)
    with task_mock(lookup) as m:
        m.return_value = 41
        assert wf(ds=when) == 42
    assert lookup.get_query(ds="2024") == "SELECT * FROM t WHERE ds = '2024'"


def test_compilation_state_lists_the_nodes_of_the_body_being_compiled():
    seen = []

    def record_nodes(fn):
        @wraps(fn)
        def wrapper(*args, **kwargs):
            out = fn(*args, **kwargs)
            state = FlyteContextManager.current_context().compilation_state
            seen.append(len(state.nodes))
            return out

        return wrapper

    @workflow
    @record_nodes
    def wf(x: int) -> int:
        return inc(x=inc(x=x))

    assert FlyteContextManager.current_context().compilation_state is None
    assert wf(x=0) == 2 and seen == [2]
    assert create_node is not None


def test_file_access_copies_local_paths(tmp_path):
    fa = FlyteContextManager.current_context().file_access
    src = tmp_path / "a.txt"
    src.write_text("hi")
    dest = fa.get_random_remote_path("a.txt")
    fa.put_data(str(src), dest)
    assert fa.exists(dest) and open(dest).read() == "hi"


def test_iterator_outputs_are_collected_and_iterable():
    @task
    def gen(n: int) -> typing.Iterator[int]:
        yield from range(n)

    @task
    def total(xs: typing.Iterator[int]) -> int:
        return sum(xs)

    @workflow
    def wf(n: int) -> int:
        return total(xs=gen(n=n))

    assert wf(n=4) == 6
    assert list(gen(n=3)) == [0, 1, 2]
