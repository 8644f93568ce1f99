"""Mocking tasks in tests: `task_mock(t)` and `@patch(t)` replace what a task returns."""

from __future__ import annotations

import contextlib
import functools
import logging
from collections.abc import Callable, Iterator
from typing import Any
from unittest.mock import MagicMock

logger = logging.getLogger("flytekit")


@contextlib.contextmanager
def task_mock(t: Any) -> Iterator[MagicMock]:
    """Within the block the task's function is a MagicMock: set `m.return_value` or `m.side_effect`.

    The task still runs as a (recorded) action, so mocks and real calls show the same way."""
    from .._reference import ReferenceEntity
    from .._task import PythonFunctionTask

    if isinstance(t, ReferenceEntity) and t.kind == "task":
        with _mock_reference(t) as m:
            yield m
        return
    if not isinstance(t, PythonFunctionTask):
        raise Exception("Can only be used for tasks")
    m = MagicMock()
    original = t.task_function

    def mocked(**kwargs: Any) -> Any:
        logger.warning("Invoking mock method for task: '%s'", t.name)
        return m(**kwargs)

    t.task_function = mocked
    cached = t._flyte_cache
    t._flyte_cache = None  # a mock's outputs must not land in the real cache
    t._template = None
    try:
        yield m
    finally:
        t.task_function = original
        t._flyte_cache = cached
        t._template = None


@contextlib.contextmanager
def _mock_reference(t: Any) -> Iterator[MagicMock]:
    """A reference task (registered on a backend) answered by a mock: its local stand-in."""
    m = MagicMock()

    def mocked(**kwargs: Any) -> Any:
        logger.warning("Invoking mock method for task: '%s'", t.name)
        return m(**kwargs)

    t._refuse = mocked
    t._template = None
    try:
        yield m
    finally:
        del t._refuse
        t._template = None


def patch(target: Any) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """Decorator form: the mock is passed to the test as its last argument."""

    def wrapper(test_fn: Callable[..., Any]) -> Callable[..., Any]:
        @functools.wraps(test_fn)
        def run(*args: Any, **kwargs: Any) -> Any:
            with task_mock(target) as m:
                return test_fn(*args, m, **kwargs)

        return run

    return wrapper
