"""Workflows: compiled once into a graph, run as a tree of actions with parallel independent nodes."""

import threading
import typing

import pytest
from flytekit.exceptions.user import (
    FlyteAssertion,
    FlyteMissingReturnValueException,
    FlyteMissingTypeException,
    FlyteValidationException,
    FlyteValueException,
)

import flytekit
from flytekit import create_node, dynamic, task, workflow
from flytekit_compat._typecheck import TypeTransformerFailedError
from tests.flytekit_compat.conftest import store_actions
from tests.helpers import Rendezvous

BODY_RUNS: list = []
ORDER: list = []  # labels of finished sleepy calls, in the order they finished
SAW_FINISHED: dict = {}  # label -> the labels that had finished when it started
LOCK = threading.Lock()
MEET = Rendezvous()  # overlap is proven by meeting, order by what a body saw when it started


@pytest.fixture(autouse=True)
def reset():
    BODY_RUNS.clear()
    ORDER.clear()
    SAW_FINISHED.clear()
    MEET.reset(size=1, total=1)


@task
def add(a: int, b: int = 10) -> int:
    return a + b


@task
def split(s: str) -> tuple[str, int]:
    return s.upper(), len(s)


class Named(typing.NamedTuple):
    upper: str
    n: int


@task
def named(s: str) -> Named:
    return Named(s.upper(), len(s))


@task
def sleepy(label: str) -> str:
    with LOCK:
        SAW_FINISHED[label] = set(ORDER)
    MEET.meet()
    with LOCK:
        ORDER.append(label)
    return label


@workflow
def shapes(a: int, s: str = "hey") -> tuple[int, str, int]:
    BODY_RUNS.append(1)
    x = add(a=a)
    u, n = split(s=s)
    return x, u, n


def test_output_shapes_and_compile_once():
    assert shapes(a=1) == (11, "HEY", 3)
    assert type(shapes(a=2)).__name__ == "DefaultNamedTupleOutput"
    assert shapes(2, s="ab").o1 == "AB"
    assert len(BODY_RUNS) == 1  # the body compiled once; calls run the graph


@workflow
def returns_named(s: str) -> Named:
    return named(s=s)


@workflow
def single(a: int) -> int:
    return add(a, b=1)


@workflow
def nothing(a: int):
    add(a=a)


def test_named_single_and_none_outputs():
    out = returns_named(s="xyz")
    assert out == Named("XYZ", 3) and type(out).__name__ == "Named"
    assert single(5) == 6 and isinstance(single(5), int)
    assert nothing(a=1) is None


@task
def split_as_list(s: str) -> tuple[str, int]:
    return [s.upper(), len(s)]  # flytekit reads a multi-output return item by item


@task
def named_as_list(s: str) -> Named:
    return [s.upper(), len(s)]


@dynamic
def dynamic_as_list(s: str) -> tuple[str, int]:
    u, n = split(s=s)
    return [u, n]


@task
def too_short(s: str) -> tuple[str, int]:
    return [s]


@task
def mapping_for_tuple(s: str) -> tuple[str, int]:
    return {"o0": s, "o1": 1}


def test_a_list_returned_for_several_outputs():
    out = split_as_list(s="ab")
    assert out == ("AB", 2) and type(out).__name__ == "DefaultNamedTupleOutput"
    named_out = named_as_list(s="xyz")
    assert named_out == Named("XYZ", 3) and type(named_out).__name__ == "Named"
    assert dynamic_as_list(s="q") == ("Q", 1)

    @workflow
    def through_a_workflow(s: str) -> Named:
        return named_as_list(s=s)

    assert through_a_workflow(s="hi").n == 2
    # a list of the wrong length, or something that cannot be indexed by position, is refused
    with pytest.raises(TypeTransformerFailedError, match=r"expected 2 outputs \(o0, o1\), got \['x'\]"):
        too_short(s="x")
    with pytest.raises(TypeTransformerFailedError, match="expected 2 outputs"):
        mapping_for_tuple(s="x")

    # a workflow's outputs are bound when it compiles: only a tuple names several
    @workflow
    def list_in_a_workflow(s: str) -> tuple[str, int]:
        u, n = split(s=s)
        return [u, n]

    with pytest.raises(AssertionError, match="indicates multiple return values, received only one"):
        list_in_a_workflow(s="x")

    @workflow
    def three_for_two(s: str) -> tuple[str, int]:
        u, n = split(s=s)
        return u, n, n

    with pytest.raises(ValueError, match="Length mismatch 2 vs 3"):
        three_for_two(s="x")


def test_one_item_tuple_is_not_an_output_list():
    with pytest.raises(FlyteValidationException, match="found only one return variable"):
        @task
        def one_item() -> typing.Tuple[int]:
            return (1,)

    with pytest.raises(FlyteValidationException, match="found only one return variable"):
        @task
        def one_item_builtin() -> tuple[int]:
            return (1,)

    with pytest.raises(FlyteValidationException, match="just returning one thing"):
        @task
        def bare_tuple() -> (int,):  # type: ignore[valid-type]
            return (1,)


@workflow
def independent() -> list[str]:
    return [sleepy(label="a"), sleepy(label="b"), sleepy(label="c")]


def test_independent_nodes_run_concurrently():
    MEET.reset(size=3, total=3)
    assert independent() == ["a", "b", "c"]
    assert MEET.peak == 3


@workflow
def chained() -> None:
    a = sleepy(label="first")
    b = sleepy(label="second")
    c = sleepy(label="third")
    c >> b
    b >> a


def test_rshift_orders_nodes():
    chained()
    assert ORDER == ["third", "second", "first"]
    # each node started only after the nodes it depends on had finished
    assert SAW_FINISHED == {"third": set(), "second": {"third"}, "first": {"third", "second"}}
    assert MEET.peak == 1


@workflow
def with_create_node() -> str:
    n1 = create_node(sleepy, label="x")
    n2 = create_node(sleepy, label="y")
    n2 >> n1
    return n1.o0


def test_create_node_and_edges():
    assert with_create_node() == "x"
    assert ORDER == ["y", "x"]
    assert SAW_FINISHED == {"y": set(), "x": {"y"}}
    out = create_node(add, a=1)
    assert out.o0 == 11


@workflow
def sub(a: int) -> int:
    return add(a=a, b=100)


@workflow
def parent(a: int) -> int:
    return add(a=sub(a=a))


def test_subworkflows_are_nested_actions():
    assert parent(a=1) == 111
    acts = store_actions()
    by_id = {a["id"]: a for a in acts}
    sub_action = next(a for a in acts if a["task"].endswith(".sub"))
    inner = [a for a in acts if a["parent"] == sub_action["id"]]
    assert len(inner) == 1 and inner[0]["task"].endswith(".add")
    assert by_id[sub_action["parent"]]["task"].endswith(".parent")


def test_every_task_call_is_a_recorded_action():
    shapes(a=3)
    tasks = sorted(a["task"].rsplit(".", 1)[-1] for a in store_actions())
    assert tasks == ["add", "shapes", "split"]


class Boom(Exception):
    pass


@task
def explode(x: int) -> int:
    if x >= 0:
        raise Boom(f"bad {x}")
    return x  # flytekit refuses a task with outputs whose source never says `return`


@workflow
def explodes(x: int) -> int:
    return explode(x=x)


def test_user_exception_keeps_its_type_with_flytekit_message():
    with pytest.raises(Boom) as info:
        explodes(x=3)
    assert str(info.value) == f"Error encountered while executing '{__name__}.explode':\n  bad 3"
    with pytest.raises(Boom):
        explode(x=1)


def test_compile_errors():
    with pytest.raises(FlyteMissingTypeException):
        @task
        def untyped(x) -> int:
            return x

    with pytest.raises(FlyteMissingReturnValueException):
        @workflow
        def no_value(a: int) -> int:  # its name must not contain the word either: flytekit reads the text
            add(a=a)

    @workflow
    def arithmetic(a: int) -> int:
        return add(a=a) + 1

    with pytest.raises(TypeError, match="unsupported operand"):
        arithmetic(a=1)

    @workflow
    def truthy(a: int) -> int:
        x = add(a=a)
        if x:
            return x
        return x

    with pytest.raises(ValueError, match="truth value testing"):
        truthy(a=1)

    @workflow
    def unknown_kw(a: int) -> int:
        return add(a=a, zz=1)

    with pytest.raises(AssertionError, match="unexpected keyword argument 'zz'"):
        unknown_kw(a=1)

    @workflow
    def missing(a: int) -> int:
        return add(b=a)

    with pytest.raises(FlyteAssertion, match="Input a"):
        missing(a=1)

    @workflow
    def too_many(a: int) -> int:
        return split(s="x")

    with pytest.raises(AssertionError, match="only one return value, received 2"):
        too_many(a=1)

    @workflow
    def bad_constant(a: int) -> int:
        return add(a="not-an-int")

    with pytest.raises(TypeTransformerFailedError, match="Failed to Bind variable 'a'"):
        bad_constant(a=1)

    @workflow
    def returns_when_it_should_not(a: int):
        return add(a=a)

    with pytest.raises(FlyteValueException):
        returns_when_it_should_not(a=1)


def test_a_task_with_outputs_must_say_return_as_flytekit_reads_its_source():
    # flytekit's rule is textual: a body that only raises, or a stub, has no return ...
    with pytest.raises(FlyteMissingReturnValueException, match=r"^only_raises function must return a value"):
        @task
        def only_raises(x: int) -> int:
            raise ValueError(x)

    with pytest.raises(FlyteMissingReturnValueException):
        @task
        def stub(x: int) -> int:
            ...

    # ... while the word anywhere in its lines (a nested function, a comment) is enough,
    # and an Optional output needs none
    @task
    def nested(x: int) -> int:
        def inner() -> int:
            return x

        inner()

    @task
    def commented(x: int) -> int:
        x += 1  # returns nothing, says the comment

    @task
    def maybe(x: int) -> typing.Optional[int]:
        pass

    assert maybe(x=1) is None
    with pytest.raises(FlyteMissingTypeException, match=r"^'x' has no type\. Please add a type annotation"):
        @task
        def untyped(x) -> int:
            return x


def test_task_decorator_errors():
    with pytest.raises(ValueError, match="cache policy"):
        @task(cache=True)
        def no_version(x: int) -> int:
            return x

    with pytest.raises(ValueError, match="Unrecognized argument"):
        @task(not_a_real_kw=1)
        def bad_kw(x: int) -> int:
            return x

    with pytest.raises(ValueError, match="deprecated"):
        @task(cache=flytekit.Cache(version="1"), cache_version="2")
        def both(x: int) -> int:
            return x


@workflow
def two_inputs(x: int, y: int) -> int:
    return add(a=x, b=y)


@task
def three_inputs(x: int, y: int, z: int) -> int:
    return x + y + z


def test_call_time_type_and_argument_errors():
    with pytest.raises(TypeTransformerFailedError, match="Failed argument 'a'"):
        single(a="x")
    with pytest.raises(TypeError) as workflow_call:
        single()
    assert str(workflow_call.value) == "single() missing 1 required positional argument: 'a'"
    with pytest.raises(TypeError) as task_call:
        add()  # a task's missing inputs fail as executing it failed, naming all of them
    assert str(task_call.value) == (
        f"Error encountered while executing '{add.name}':\n  add() missing 1 required positional argument: 'a'")
    with pytest.raises(TypeError, match=r"^Error encountered while executing '.*split_as_list':\n  split_as_list\(\) missing 1 required"):
        split_as_list()
    with pytest.raises(TypeError, match=r"^shapes\(\) missing 1 required positional argument: 'a'$"):
        shapes(s="x")
    with pytest.raises(TypeError, match=r"^two_inputs\(\) missing 2 required positional arguments: 'x' and 'y'$"):
        two_inputs()
    with pytest.raises(TypeError, match=r"missing 3 required positional arguments: 'x', 'y', and 'z'$"):
        three_inputs()
    with pytest.raises(AssertionError, match="more arguments than expected"):
        add(1, 2, 3)
    with pytest.raises(AssertionError, match="multiple values for argument 'a'"):
        add(1, a=2)
    with pytest.raises(TypeTransformerFailedError):
        add(a=True)


@task
def mutate(xs: list[int]) -> list[int]:
    xs.append(99)
    return xs


def test_values_cross_as_copies():
    mine = [1]
    out = mutate(xs=mine)
    assert mine == [1] and out == [1, 99]


@workflow
def overridden(a: int) -> int:
    return add(a=a).with_overrides(name="renamed", retries=2, requests=flytekit.Resources(cpu="1"))


def test_with_overrides_applies_per_node():
    assert overridden(a=1) == 11
    names = [a["short_name"] for a in store_actions() if a["task"].endswith(".add")]
    assert names == ["renamed"]
    with pytest.raises(AssertionError, match="promise"):
        @workflow
        def promise_override(a: int) -> int:
            x = add(a=a)
            return add(a=x).with_overrides(retries=x)

        promise_override(a=1)


@workflow
def lists_and_dicts(a: int) -> dict[str, int]:
    x = add(a=a)
    total = add(a=x, b=add(a=x))
    return {"x": x, "total": total}


def test_promises_in_containers_and_dict_outputs():
    assert lists_and_dicts(a=0) == {"x": 10, "total": 30}
