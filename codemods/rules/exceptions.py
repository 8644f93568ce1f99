"""FM307 exceptions: flytekit's retry-controlling exceptions become the SDK's errors.

Before::

    @task(retries=3)
    def fetch(url: str) -> str:
        if flaky():
            raise FlyteRecoverableException(f"{url} did not answer")
        ...

After::

    @env.task(retries=3)
    def fetch(url: str) -> str:
        if flaky():
            raise flyte.errors.RuntimeUserError("FlyteRecoverableException", f"{url} did not answer")
        ...

In Flyte 1 only a `FlyteRecoverableException` used a task's retries; in Flyte 2 every user
error does, and `flyte.errors.RuntimeUserError(code, message)` is the SDK's retryable user
error (`flyte.errors.NonRecoverableError` the one that skips the retries left). The raise keeps
the old name as its error code, and `except FlyteRecoverableException` catches the SDK error.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import libcst as cst

from .._cst import dotted
from ._base import Rule

if TYPE_CHECKING:
    from .._context import FileContext

CODE = "FM307"
_NAME = "FlyteRecoverableException"


class ExceptionsRule(Rule):
    __doc__ = __doc__
    code = CODE
    name = "exceptions"
    summary = "FlyteRecoverableException becomes flyte.errors.RuntimeUserError, the SDK's retryable user error"

    def _target(self, fx: FileContext) -> cst.BaseExpression:
        fx.change(CODE)
        fx.need("flyte.errors")
        return dotted("flyte.errors.RuntimeUserError")

    def leave_Call(self, fx: FileContext, original_node: cst.Call, updated_node: cst.Call) -> cst.BaseExpression:
        if not fx.is_sym(original_node.func, _NAME):
            return updated_node
        args = list(updated_node.args)
        if len(args) > 1 or any(a.keyword is not None or a.star for a in args):
            return updated_node  # not the one-message form: the name alone is replaced below
        message = args[0].value if args else cst.SimpleString('""')
        return updated_node.with_changes(
            func=self._target(fx),
            args=[cst.Arg(cst.SimpleString(f'"{_NAME}"'), comma=cst.Comma(whitespace_after=cst.SimpleWhitespace(" "))), cst.Arg(message)],
        )

    def leave_Name(self, fx: FileContext, original_node: cst.Name, updated_node: cst.Name) -> cst.BaseExpression:
        if fx.is_sym(original_node, _NAME):
            return self._target(fx)
        return updated_node

    def leave_Attribute(self, fx: FileContext, original_node: cst.Attribute, updated_node: cst.Attribute) -> cst.BaseExpression:
        if fx.is_sym(original_node, _NAME):
            return self._target(fx)
        return updated_node
