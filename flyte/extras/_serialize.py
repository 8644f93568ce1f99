"""`serialize` / `serialize_env`: a task's wire `TaskSpec`, as a backend would receive it.

Producing the SDK's full wire spec (container args, resources, security context, code bundle
resolution) belongs to the SDK's deploy path, which this runtime does not have; these calls say
so rather than return a partial spec that a backend would reject later.
"""

from __future__ import annotations

from typing import Any, List, Optional


def _no_wire_spec(what: str) -> NotImplementedError:
    return NotImplementedError(
        f"{what}: a task's wire TaskSpec is what the SDK's deploy path builds for a Flyte backend; this local "
        "runtime runs tasks without one (use the real `flyte` SDK to serialize or deploy)")


def serialize(task: Any, ctx: Optional[Any] = None) -> Any:
    raise _no_wire_spec(f"flyte.extras.serialize({getattr(task, 'name', task)!r})")


def serialize_env(env: Any, ctx: Optional[Any] = None) -> List[Any]:
    raise _no_wire_spec(f"flyte.extras.serialize_env({getattr(env, 'name', env)!r})")
