"""A submodule this runtime has by name only: every attribute says what it needs."""

from __future__ import annotations

import types
from typing import Any, Sequence


class UnavailableModule(types.ModuleType):
    def __init__(self, name: str, names: Sequence[str], needs: str):
        super().__init__(name)
        self.__all__ = list(names)
        self._needs = needs

    def __getattr__(self, attr: str) -> Any:
        if attr.startswith("__"):
            raise AttributeError(attr)
        raise ImportError(f"{self.__name__}.{attr}: {self._needs}; this local runtime does not provide it")
