"""Small helpers legacy code imports from `flytekit.core.utils`."""

from __future__ import annotations

import functools
import logging
import re
import time
from collections.abc import Callable
from typing import Any, Optional

logger = logging.getLogger("flytekit")


def str2bool(value: Optional[str]) -> bool:
    """flytekit's truthy strings: 'true', 't', '1' (any case); anything else is False."""
    return bool(value) and str(value).strip().lower() in ("true", "t", "1")


def _dnsify(value: str) -> str:
    """A DNS-1123 label: lowercase alphanumerics and '-', at most 63 characters."""
    value = re.sub(r"[^a-z0-9-]+", "-", re.sub(r"([a-z0-9])([A-Z])", r"\1-\2", value).lower()).strip("-")
    if len(value) > 63:
        value = value[:31] + value[-31:]
    return value


class ClassDecorator:
    """Base for decorators that may be used with or without arguments (`@d` and `@d(...)`)."""

    def __init__(self, task_function: Optional[Callable[..., Any]] = None, **kwargs: Any):
        self.task_function = task_function
        self.decorator_kwargs = kwargs
        if task_function is not None:
            functools.update_wrapper(self, task_function)

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        if self.task_function is None:
            self.task_function = args[0]
            functools.update_wrapper(self, self.task_function)
            return self
        return self.execute(*args, **kwargs)

    def execute(self, *args: Any, **kwargs: Any) -> Any:
        raise NotImplementedError(f"{type(self).__name__} must implement execute()")

    def get_extra_config(self) -> dict[str, str]:
        return {}


class timeit:
    """Context manager and decorator that logs how long a block took."""

    def __init__(self, name: str = ""):
        self.name = name
        self.start = 0.0

    def __call__(self, fn: Callable[..., Any]) -> Callable[..., Any]:
        @functools.wraps(fn)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            with timeit(self.name or fn.__name__):
                return fn(*args, **kwargs)

        return wrapper

    def __enter__(self) -> timeit:
        self.start = time.perf_counter()
        return self

    def __exit__(self, *exc: Any) -> None:
        logger.info("%s took %.3fs", self.name, time.perf_counter() - self.start)


__all__ = ["ClassDecorator", "_dnsify", "str2bool", "timeit"]
