"""Interfaces: how annotations become outputs, and decoration-time errors."""

import typing

import pytest
from flytekit.core.type_engine import RestrictedTypeError

from flytekit import task, workflow


def test_a_tuple_of_types_declares_several_outputs():
    @task
    def pair(a: int) -> (int, str):
        return a, str(a)

    @workflow
    def wf(a: int) -> (int, str):
        x, y = pair(a=a)
        return x, y

    assert tuple(wf(a=4)) == (4, "4")


def test_a_single_field_named_tuple_output_passes_through_a_workflow():
    class Out(typing.NamedTuple):
        value: int

    @task
    def one(a: int) -> Out:
        return Out(a + 1)

    @workflow
    def wf(a: int) -> Out:
        return one(a=a)

    assert wf(a=1)[0] == 2


def test_a_stub_body_counts_as_returning_but_a_bare_tuple_output_is_refused():
    @task
    def stub(a: typing.Optional[int] = None) -> typing.Optional[int]:
        ...

    assert stub() is None
    with pytest.raises(RestrictedTypeError):
        @task
        def bad(a: int) -> tuple:
            return (a,)


def test_untyped_functions_with_pickle_untyped_have_one_output():
    @task(pickle_untyped=True)
    def inc(a):
        return a + 1

    @workflow(pickle_untyped=True)
    def wf(a):
        return inc(a=a)

    assert wf(a=1) == 2


def test_task_docs_come_from_the_docstring():
    @task
    def documented(a: int) -> int:
        """Short line.

        Longer text.
        """
        return a

    assert documented.docs.short_description == "Short line."
    assert documented.docs.long_description.value == "Longer text."
