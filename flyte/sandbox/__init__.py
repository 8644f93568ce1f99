"""Sandboxes, as the SDK has them (an experimental API there).

- *Orchestration sandbox*: orchestration logic (control flow calling other tasks) run in the
  Monty interpreter, with no filesystem, network or clock: `orchestrator_from_str`,
  `orchestrate_local`, `SandboxedTaskTemplate`, `CodeTaskTemplate`, `SandboxedConfig`. They are
  defined and checked here; running one needs the Monty sandbox, which this runtime does not
  drive yet, and says so (see `_monty`).
- *Code sandbox*: `create(...)` runs a Python script or a command in a throwaway container
  (locally with docker), in `image=` or one built from `packages` (building needs an image
  builder: locally, pass `image`).
"""

from ._code import ImageConfig, create, sandbox_environment
from ._config import SandboxedConfig
from ._orchestrator import (
    ORCHESTRATOR_SYNTAX_PROMPT,
    CodeTaskTemplate,
    SandboxedTaskTemplate,
    orchestrate_local,
    orchestrator_from_str,
)

__all__ = [
    "ORCHESTRATOR_SYNTAX_PROMPT",
    "CodeTaskTemplate",
    "ImageConfig",
    "SandboxedConfig",
    "SandboxedTaskTemplate",
    "create",
    "orchestrate_local",
    "orchestrator_from_str",
    "sandbox_environment",
]
