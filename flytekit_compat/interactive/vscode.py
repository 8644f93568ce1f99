"""Interactive debugging in VS Code (import-only)."""

from __future__ import annotations

from .._internal import internal_functions

_WHY = "interactive debugging plugin"
(vscode,) = internal_functions(
    __name__, _WHY, "vscode"
)

__all__ = ["vscode"]
