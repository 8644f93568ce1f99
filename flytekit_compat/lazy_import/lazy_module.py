"""`lazy_module(name)`: a module that is imported when one of its attributes is first read, so
`import flytekit` does not pay for pandas or pyarrow; `is_imported(name)` tells whether it was."""

from __future__ import annotations

import importlib
import sys
import types
from typing import Any


class LazyModule(types.ModuleType):
    """Stands in for a module until an attribute is read; then imports it and forwards to it."""

    def __init__(self, name: str):
        super().__init__(name)
        self._lazy_name = name

    def __getattr__(self, attr: str) -> Any:
        if attr.startswith("__") and attr.endswith("__"):
            raise AttributeError(attr)
        return getattr(importlib.import_module(self._lazy_name), attr)

    def __repr__(self) -> str:
        return f"<lazy module {self._lazy_name!r}>"


def is_imported(module_name: str) -> bool:
    """Whether `module_name` has really been imported (a lazy stand-in does not count)."""
    return module_name in sys.modules and not isinstance(sys.modules[module_name], LazyModule)


def lazy_module(fullname: str) -> types.ModuleType:
    """The module if it is already imported, else a stand-in that imports it on first use."""
    module = sys.modules.get(fullname)
    return module if module is not None else LazyModule(fullname)


__all__ = ["LazyModule", "is_imported", "lazy_module"]
