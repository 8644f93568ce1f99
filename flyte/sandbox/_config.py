"""`SandboxedConfig`: the limits a sandboxed orchestrator runs under."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class SandboxedConfig:
    """Memory (bytes), stack depth and wall-clock limits of one sandboxed execution, and whether
    its interface is type-checked when the task is defined."""

    max_memory: int = 50 * 1024 * 1024
    max_stack_depth: int = 256
    timeout_ms: int = 30_000
    type_check: bool = True
