"""Where a function was defined: nested functions and test modules are treated specially."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any


def isnested(func: Callable[..., Any]) -> bool:
    """Whether `func` was defined inside another function (its qualified name has `<locals>`)."""
    return "<locals>" in getattr(func, "__qualname__", "")


def istestfunction(func: Callable[..., Any]) -> bool:
    """Whether `func` lives in a test module (`test_*` or `*_test`), where nested tasks are allowed."""
    module = (getattr(func, "__module__", "") or "").split(".")[-1]
    return module.startswith("test_") or module.endswith("_test")


__all__ = ["isnested", "istestfunction"]
