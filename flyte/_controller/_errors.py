"""How a failure crosses from a task to its caller."""

from __future__ import annotations

import traceback

from ..errors import (
    ActionAbortedError,
    BaseRuntimeError,
    OOMError,
    RuntimeDataValidationError,
    RuntimeSystemError,
    RuntimeUnknownError,
    RuntimeUserError,
    TaskInterruptedError,
    TaskTimeoutError,
    _rebuild_error,
)

# Failures a caller may want to branch on by class keep their class; everything else becomes the
# generic error of its kind, as it would after a trip through a Flyte backend.
_KEEP_CLASS = (TaskTimeoutError, OOMError, TaskInterruptedError, ActionAbortedError, RuntimeDataValidationError)
_BY_KIND = {"user": RuntimeUserError, "system": RuntimeSystemError, "unknown": RuntimeUnknownError}


def error_code(e: BaseException) -> str:
    return e.code if isinstance(e, BaseRuntimeError) else type(e).__name__


def crossing_error(e: BaseException) -> BaseRuntimeError:
    """The error the caller of a failed task sees; the original is its `__cause__`."""
    if isinstance(e, BaseRuntimeError):
        cls = type(e) if isinstance(e, _KEEP_CLASS) else _BY_KIND.get(e.kind, RuntimeUserError)
        err = _rebuild_error(cls, e.code, e.kind, str(e), e.worker)
    else:
        err = RuntimeUserError(type(e).__name__, str(e))
    err.__cause__ = e
    return err


# An exception that crossed from a worker process carries its traceback from there, as text.
WORKER_TRACEBACK = "_flyte_worker_traceback"


def format_failure(e: BaseException) -> str:
    remote = getattr(e, WORKER_TRACEBACK, None)
    if isinstance(remote, str):
        return remote  # where the body failed; this process's frames only show the executor waiting
    return "".join(traceback.format_exception(type(e), e, e.__traceback__))
