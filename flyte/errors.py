"""Errors raised by the runtime, with the class names and codes of the Flyte 2 SDK.

A task's exception never reaches its caller as-is: the caller sees a `RuntimeUserError` whose
`code` is the original class name and whose message is the original message, exactly as with a
remote Flyte backend. Unlike the SDK, the original exception is kept as `__cause__`, so the
local traceback still points at the line that failed.
"""

from __future__ import annotations

from typing import Literal

ErrorKind = Literal["system", "unknown", "user"]

__all__ = [
    "ActionAbortedError",
    "ActionNotFoundError",
    "BaseRuntimeError",
    "CodeBundleError",
    "ConditionAlreadyExistsError",
    "ConditionFailedError",
    "ConditionNotFoundError",
    "ConditionTimedoutError",
    "CustomError",
    "DeadlineExceededError",
    "DeploymentError",
    "ErrorKind",
    "ImageBuildError",
    "InitializationError",
    "InlineIOMaxBytesBreached",
    "InvalidPackageError",
    "MaxQueuedTimeExceededError",
    "MaxRuntimeExceededError",
    "ModuleLoadError",
    "NonRecoverableError",
    "NotInTaskContextError",
    "OOMError",
    "OnlyAsyncIOSupportedError",
    "RestrictedTypeError",
    "RetriesExhaustedError",
    "RuntimeDataValidationError",
    "RuntimeSystemError",
    "RuntimeUnknownError",
    "RuntimeUserError",
    "SyncTaskCallInAsyncContextError",
    "TaskInterruptedError",
    "TaskTimeoutError",
    "TraceDoesNotAllowNestedTasksError",
]


class BaseRuntimeError(RuntimeError):
    """A failure of a task, classified by `kind` and identified by `code`."""

    def __init__(self, code: str, kind: ErrorKind, root_cause_message: str, worker: str | None = None):
        super().__init__(root_cause_message)
        self.code = code
        self.kind = kind
        self.worker = worker

    def __reduce__(self):
        # Errors cross process boundaries (distributed executors, pickled map results); rebuild
        # them without going through subclass __init__ signatures, which differ.
        return (_rebuild_error, (type(self), self.code, self.kind, str(self), self.worker))

    def _reraise(self, *_args):
        # With return_exceptions=True an error sits in a result list; arithmetic on it should
        # surface the task's failure rather than a confusing TypeError.
        raise self

    __add__ = __radd__ = __sub__ = __rsub__ = _reraise
    __mul__ = __rmul__ = __truediv__ = __rtruediv__ = __floordiv__ = __rfloordiv__ = _reraise


def _rebuild_error(cls: type[BaseRuntimeError], code: str, kind: ErrorKind, message: str, worker: str | None):
    err = cls.__new__(cls)
    BaseRuntimeError.__init__(err, code, kind, message, worker)
    return err


class InitializationError(BaseRuntimeError):
    """Something that needs `flyte.init(...)` with a backend was used without one."""


class RuntimeSystemError(BaseRuntimeError):
    def __init__(self, code: str, message: str, worker: str | None = None):
        super().__init__(code, "system", message, worker)


class RuntimeUnknownError(BaseRuntimeError):
    def __init__(self, code: str, message: str, worker: str | None = None):
        super().__init__(code, "unknown", message, worker)


class RuntimeUserError(BaseRuntimeError):
    """The task failed because of the user's code."""

    def __init__(self, code: str, message: str, worker: str | None = None):
        super().__init__(code, "user", message, worker)


class OOMError(RuntimeUserError):
    """The task ran out of memory."""


class TaskInterruptedError(RuntimeUserError):
    """The task was interrupted (e.g. its spot instance was reclaimed)."""


class TaskTimeoutError(RuntimeUserError):
    """The task ran longer than its timeout allows."""

    def __init__(self, message: str, code: str = "TaskTimeoutError"):
        super().__init__(code, message)


class MaxQueuedTimeExceededError(TaskTimeoutError):
    def __init__(self, message: str):
        super().__init__(message, code="MaxQueuedTimeExceededError")


class MaxRuntimeExceededError(TaskTimeoutError):
    def __init__(self, message: str):
        super().__init__(message, code="MaxRuntimeExceededError")


class DeadlineExceededError(TaskTimeoutError):
    def __init__(self, message: str):
        super().__init__(message, code="DeadlineExceededError")


class RetriesExhaustedError(RuntimeUserError):
    """Every attempt of the task failed."""


class CustomError(RuntimeUserError):
    """An arbitrary user exception, carried by its class name."""

    def __init__(self, code: str, message: str):
        super().__init__(code, message)

    @classmethod
    def from_exception(cls, e: BaseException) -> CustomError:
        err = cls(type(e).__name__, str(e))
        err.__cause__ = e
        return err


class NotInTaskContextError(RuntimeUserError):
    """A function that needs a running task was called outside one."""


class ActionNotFoundError(RuntimeError):
    """No action with the given name exists in the run."""


class RemoteTaskNotFoundError(RuntimeUserError):
    """No task with the given name (and version) is known: `flyte.remote.Task.get(...)` looked
    it up when first used and found nothing."""

    CODE = "RemoteTaskNotFoundError"

    def __init__(self, message: str):
        super().__init__(self.CODE, message, "user")


class RuntimeDataValidationError(RuntimeUserError):
    """A task's inputs or outputs do not match its declared types."""

    def __init__(self, var: str, e: Exception | str, task_name: str = ""):
        super().__init__(
            "DataValidationError",
            f"In task {task_name} variable {var}, failed to serialize/deserialize because of {e}",
        )


class DeploymentError(RuntimeUserError):
    def __init__(self, message: str):
        super().__init__("DeploymentError", message)


class ImageBuildError(RuntimeUserError):
    def __init__(self, message: str):
        super().__init__("ImageBuildError", message)


class ModuleLoadError(RuntimeUserError):
    def __init__(self, message: str):
        super().__init__("ModuleLoadError", message)


class InlineIOMaxBytesBreached(RuntimeUserError):
    def __init__(self, message: str):
        super().__init__("InlineIOMaxBytesBreached", message)


class ActionAbortedError(RuntimeUserError):
    def __init__(self, message: str):
        super().__init__("ActionAbortedError", message)


class OnlyAsyncIOSupportedError(RuntimeUserError):
    def __init__(self, message: str):
        super().__init__("OnlyAsyncIOSupportedError", message)


class RestrictedTypeError(RuntimeUserError):
    def __init__(self, message: str):
        super().__init__("RestrictedTypeUsage", message)


class CodeBundleError(RuntimeUserError):
    def __init__(self, message: str):
        super().__init__("CodeBundleError", message)


class SyncTaskCallInAsyncContextError(RuntimeUserError):
    """A sync task was called without `.aio()` from async code, which would block the event loop."""

    def __init__(self, message: str):
        super().__init__("SyncTaskCallInAsyncContextError", message)


class TraceDoesNotAllowNestedTasksError(RuntimeUserError):
    """A task was called from inside a `@flyte.trace` function."""

    def __init__(self, message: str):
        super().__init__("TraceDoesNotAllowNestedTasksError", message)


class InvalidPackageError(RuntimeUserError):
    def __init__(self, package_name: str, original_error: str):
        super().__init__(
            "InvalidPackageError",
            f"The package {package_name!r} could not be imported: {original_error}",
        )


class NonRecoverableError(RuntimeUserError):
    """Raise this from a task to fail it at once, skipping any retries it has left."""

    def __init__(self, message: str, code: str = "NonRecoverableError"):
        super().__init__(code, message)


class ConditionAlreadyExistsError(RuntimeUserError):
    def __init__(self, message: str):
        super().__init__("ConditionAlreadyExistsError", message)


class ConditionFailedError(RuntimeUserError):
    def __init__(self, message: str):
        super().__init__("ConditionFailedError", message)


class ConditionNotFoundError(RuntimeUserError):
    def __init__(self, message: str):
        super().__init__("ConditionNotFoundError", message)


class ConditionTimedoutError(RuntimeUserError):
    def __init__(self, message: str):
        super().__init__("ConditionTimedoutError", message)
