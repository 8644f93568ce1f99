"""`FlyteContextManager` and friends, for code that reaches into flytekit's context."""

from __future__ import annotations

import enum
from typing import Any, Optional

from .._context import ExecutionParameters, current_context
from .._secrets import SecretsManager


class ExecutionState:
    class Mode(enum.Enum):
        TASK_EXECUTION = 1
        LOCAL_WORKFLOW_EXECUTION = 2
        LOCAL_TASK_EXECUTION = 3
        DYNAMIC_TASK_EXECUTION = 4
        EAGER_EXECUTION = 5
        EAGER_LOCAL_EXECUTION = 6

    def __init__(self, mode: Optional[Mode] = None, working_dir: Optional[str] = None, **kwargs: Any):
        self.mode = mode
        self.working_dir = working_dir
        self.user_space_params = current_context()


# One provider per raw-data prefix (a run's directory, or None outside runs). They share one
# local sandbox, so a process running many runs makes one scratch directory, and only the newest
# few are kept: a provider holds no state but its two directories, so rebuilding one is cheap.
_providers: dict[Optional[str], Any] = {}
_MAX_PROVIDERS = 16


class FlyteContext:
    """A read-only view: `user_space_params` is the current task's execution parameters."""

    @staticmethod
    def current_context() -> FlyteContext:
        return FlyteContext()

    @property
    def user_space_params(self) -> ExecutionParameters:
        return current_context()

    @property
    def file_access(self) -> Any:
        """Copies data between local and (fsspec) paths, as flytekit's FileAccessProvider does.
        Inside a run, "remote" paths (where transformers and encoders write what crosses tasks)
        are in the run's raw-data directory under $FLYTE_HOME, so they last as long as the run's
        record; outside one, in a scratch directory of this process."""
        import flyte

        ctx = flyte.ctx()
        raw = ctx.raw_data_path.path if ctx else None
        provider = _providers.get(raw)
        if provider is None:
            from .data_persistence import FileAccessProvider

            shared = next(iter(_providers.values()), None)
            sandbox = shared.local_sandbox_dir if shared is not None else None
            while len(_providers) >= _MAX_PROVIDERS:
                del _providers[next(iter(_providers))]
            provider = _providers[raw] = FileAccessProvider(local_sandbox_dir=sandbox, raw_output_prefix=raw)
        return provider

    @property
    def compilation_state(self) -> Optional[CompilationState]:
        """Set while a workflow body compiles, else None."""
        from .._graph import current_compile

        ctx = current_compile.get()
        return CompilationState(ctx) if ctx is not None else None

    @property
    def execution_state(self) -> ExecutionState:
        return ExecutionState()

    @property
    def secrets(self) -> SecretsManager:
        return current_context().secrets

    def new_execution_state(self, working_dir: Any = None) -> ExecutionState:
        return ExecutionState(working_dir=working_dir)


class FlyteContextManager:
    @staticmethod
    def current_context() -> FlyteContext:
        return FlyteContext()


__all__ = ["ExecutionParameters", "ExecutionState", "FlyteContext", "FlyteContextManager", "SecretsManager"]

from .._internal import internal_classes as _internal_classes  # noqa: E402

(OutputMetadataTracker, FlyteEntities) = _internal_classes(
    __name__, "flytekit's compilation context", "OutputMetadataTracker", "FlyteEntities"
)


class CompilationState:
    """The workflow body being compiled: `nodes` are the calls made so far, in order (decorators
    that wrap workflows use it to order setup/teardown nodes around the body)."""

    def __init__(self, compile_context: Any):
        self._ctx = compile_context

    @property
    def nodes(self) -> list[Any]:
        return list(self._ctx.nodes)

    @property
    def prefix(self) -> str:
        return ""
