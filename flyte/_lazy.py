"""Module attributes loaded on first use, for internal packages whose rarely used parts are heavy.

A package lists `{name: relative module}` and sets `__getattr__ = lazy_attributes(__name__, table,
globals())`; `package.name` then imports the module once, stores the attribute in the package's
namespace (later lookups never reach `__getattr__` again) and returns it.
"""

from __future__ import annotations

import importlib
from typing import Any, Callable


def lazy_attributes(package: str, table: dict[str, str], namespace: dict[str, Any]) -> Callable[[str], Any]:
    """The module-level `__getattr__` of `package` for the names in `table`."""

    def __getattr__(name: str) -> Any:
        module = table.get(name)
        if module is None:
            raise AttributeError(f"module {package!r} has no attribute {name!r}")
        value = namespace[name] = getattr(importlib.import_module(module, package), name)
        return value

    return __getattr__
