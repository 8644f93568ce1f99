"""Errors caused by user code or user input, with flytekit's names, bases and codes."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Optional

from .base import FlyteException as _FlyteException
from .base import FlyteRecoverableException as _Recoverable


class FlyteUserException(_FlyteException):
    _ERROR_CODE = "USER:Unknown"


class FlyteUserRuntimeException(_FlyteException):
    """Wraps an exception raised by user code."""

    _ERROR_CODE = "USER:RuntimeError"

    def __init__(self, exc_value: Exception, timestamp: Optional[float] = None):
        self._exc_value = exc_value
        super().__init__(str(exc_value), timestamp=timestamp)

    @property
    def value(self) -> Exception:
        return self._exc_value

    @property
    def error_code(self) -> str:  # type: ignore[override]
        code = getattr(self.value, "error_code", None) or getattr(type(self.value), "error_code", None)
        if code is None:
            return self._ERROR_CODE
        if isinstance(code, (str, int)):
            return str(code)
        raise _FlyteException(f"error_code must be a str or int, got {type(code).__name__}")


class FlyteTypeException(FlyteUserException, TypeError):
    _ERROR_CODE = "USER:TypeError"

    def __init__(self, received_type: Any, expected_type: Any, additional_msg: Optional[str] = None, received_value: Any = None):
        if received_value is not None:
            msg = f"Type error!  Received: {received_type} with value: {received_value}, Expected: {expected_type}. {additional_msg or ''}"
        else:
            msg = f"Type error!  Received: {received_type}, Expected: {expected_type}. {additional_msg or ''}"
        super().__init__(msg)


class FlyteValueException(FlyteUserException, ValueError):
    _ERROR_CODE = "USER:ValueError"

    def __init__(self, received_value: Any, error_message: str):
        super().__init__(f"Value error!  Received: {received_value}. {error_message}")


class FlyteDataNotFoundException(FlyteValueException):
    def __init__(self, path: str):
        super().__init__(path, "File not found")


class FlyteEntityNotFoundException(FlyteValueException):
    def __init__(self, module_name: str, entity_name: str):
        self._module_name, self._entity_name = module_name, entity_name
        ValueError.__init__(self, f"Task/Workflow '{entity_name}' not found in module '{module_name}'")

    def __str__(self) -> str:
        return f"Task/Workflow '{self._entity_name}' not found in module '{self._module_name}'"


class FlyteAssertion(FlyteUserException, AssertionError):
    _ERROR_CODE = "USER:AssertionError"


class FlyteValidationException(FlyteAssertion):
    _ERROR_CODE = "USER:ValidationError"


class FlyteFailureNodeInputMismatchException(FlyteAssertion):
    _ERROR_CODE = "USER:FailureNodeInputMismatch"

    def __init__(self, failure_node_node: Any, workflow: Any):
        self.failure_node_node = failure_node_node
        self.workflow = workflow
        super().__init__(
            f"The failure node {getattr(failure_node_node, 'name', failure_node_node)!r} has inputs that do not align "
            f"with those expected by the workflow {getattr(workflow, 'name', workflow)!r}"
        )


class FlyteDisapprovalException(FlyteAssertion):
    _ERROR_CODE = "USER:ResultNotApproved"


class FlyteEntityAlreadyExistsException(FlyteAssertion):
    _ERROR_CODE = "USER:EntityAlreadyExists"


class FlyteEntityNotExistException(FlyteAssertion):
    _ERROR_CODE = "USER:EntityNotExist"


class FlyteTimeout(FlyteAssertion):
    _ERROR_CODE = "USER:Timeout"


class FlyteRecoverableException(FlyteUserException, _Recoverable):
    """Raise it from a task to ask for a retry (tasks with retries are retried on any error here)."""

    _ERROR_CODE = "USER:Recoverable"


class FlyteAuthenticationException(FlyteAssertion):
    _ERROR_CODE = "USER:AuthenticationError"


class FlyteInvalidInputException(FlyteUserException):
    _ERROR_CODE = "USER:BadInputToAPI"

    def __init__(self, request: Any):
        self.request = request
        super().__init__()


class FlytePromiseAttributeResolveException(FlyteAssertion):
    _ERROR_CODE = "USER:PromiseAttributeResolveError"


class FlyteCompilationException(FlyteUserException):
    _ERROR_CODE = "USER:CompileError"

    def __init__(self, fn: Callable[..., Any], param_name: Optional[str] = None):
        self.fn = fn
        self.param_name = param_name
        super().__init__(self._message())

    def _message(self) -> str:
        return f"Failed to compile {getattr(self.fn, '__name__', self.fn)}"


class FlyteMissingTypeException(FlyteCompilationException):
    _ERROR_CODE = "USER:MissingTypeError"

    def _message(self) -> str:
        return f"'{self.param_name}' has no type. Please add a type annotation to the input parameter."

    def __str__(self) -> str:  # flytekit's words, without the error code
        return self._message()


class FlyteMissingReturnValueException(FlyteCompilationException):
    _ERROR_CODE = "USER:MissingReturnValueError"

    def _message(self) -> str:
        return (
            f"{getattr(self.fn, '__name__', self.fn)} function must return a value. Please add a return statement "
            "at the end of the function."
        )

    def __str__(self) -> str:  # flytekit's words, without the error code
        return self._message()
