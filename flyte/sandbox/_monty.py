"""The Monty interpreter (pydantic-monty) that sandboxed orchestrators run in.

The sandbox's guarantee is that the orchestration code has no filesystem, network, clock or OS
access. That guarantee is the interpreter's, so without it nothing runs: plain Python would run
the code, but not sandboxed. This runtime does not drive Monty yet (issue 7): an orchestrator
fails when it runs, with an ImportError when pydantic-monty is missing (as the SDK's does) and
a NotImplementedError otherwise. Defining one, checking its interface and `forward()` of a
function orchestrator (plain Python, as the SDK's local debug path) work everywhere.
"""

from __future__ import annotations

MONTY_REQUIREMENT = "pydantic-monty==1.0.0"  # the version flyte 2.12.1 is tested with


def require_monty(what: str) -> None:
    try:
        from pydantic_monty import AsyncMonty  # noqa: F401
    except ImportError:
        raise ImportError(
            f"{what}: pydantic-monty is required for sandboxed tasks. Install it with: pip install "
            f"'{MONTY_REQUIREMENT}'") from None
    raise NotImplementedError(
        f"{what}: this runtime does not run code in the Monty sandbox yet; run it with the real flyte SDK, or call "
        "the orchestrator function's forward() to run it unsandboxed for debugging")
