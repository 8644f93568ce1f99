"""Human-in-the-loop conditions (`flyte.new_condition`), answered locally.

An answer comes from, in order: the run's record (a resumed run replays the earlier answer), the
environment variable `FLYTE_SIGNAL_<NAME>` (so scripts and CI can answer), or a prompt on the
terminal when stdin is one. With none of these the wait fails at once with an error that says how
to answer; it never hangs.
"""

from __future__ import annotations

import os
import re
import sys
import threading
from dataclasses import dataclass
from datetime import timedelta
from typing import Any, Generic, Literal, Optional, TypeVar, Union

from ._trace import trace
from .errors import ConditionFailedError, ConditionTimedoutError

ConditionType = TypeVar("ConditionType", bool, int, float, str)
_TYPES = (bool, int, float, str)
_TRUE = {"y", "yes", "true", "1", "approve", "approved"}
_FALSE = {"n", "no", "false", "0", "reject", "rejected"}


@dataclass
class ConditionWebhook:
    url: str
    payload: Optional[dict[str, Any]] = None


def signal_env_var(name: str) -> str:
    return "FLYTE_SIGNAL_" + re.sub(r"[^A-Za-z0-9]", "_", name).upper()


def _convert(raw: str, data_type: type, name: str) -> Any:
    text = raw.strip()
    if data_type is bool:
        if text.lower() in _TRUE:
            return True
        if text.lower() in _FALSE:
            return False
        raise ConditionFailedError(f"Condition {name!r} expects yes/no, got {raw!r}")
    try:
        return data_type(text)
    except ValueError:
        raise ConditionFailedError(f"Condition {name!r} expects a {data_type.__name__}, got {raw!r}") from None


def _seconds(timeout: Union[timedelta, int, float, None]) -> Optional[float]:
    if timeout is None:
        return None
    return timeout.total_seconds() if isinstance(timeout, timedelta) else float(timeout)


def _ask_terminal(prompt: str, data_type: type, timeout: Optional[float], name: str) -> str:
    suffix = " [y/n]" if data_type is bool else f" ({data_type.__name__})"
    box: list = []

    def read() -> None:
        try:
            sys.stderr.write(f"{prompt}{suffix}: ")
            sys.stderr.flush()
            box.append(sys.stdin.readline())
        except BaseException as e:
            box.append(e)

    reader = threading.Thread(target=read, name=f"flyte-condition-{name}", daemon=True)
    reader.start()
    reader.join(timeout)
    if not box:
        raise ConditionTimedoutError(f"Condition {name!r} was not answered within {timeout:g}s")
    answer = box[0]
    if isinstance(answer, BaseException):
        raise ConditionFailedError(f"Condition {name!r} could not be read from the terminal: {answer}")
    if answer == "":
        raise ConditionFailedError(f"Condition {name!r}: the terminal closed before an answer was given")
    return answer


@trace
def _answer(name: str, prompt: str, data_type_name: str, timeout: Optional[float]) -> Any:
    data_type = {t.__name__: t for t in _TYPES}[data_type_name]
    env = signal_env_var(name)
    raw = os.environ.get(env)
    if raw is None:
        no_answer = ConditionFailedError(
            f"Condition {name!r} needs an answer ({data_type.__name__}) and there is no terminal or piped input "
            f"to read it from: set the environment variable {env} to answer it."
        )
        if sys.stdin is None or sys.stdin.closed:
            raise no_answer
        try:
            interactive = sys.stdin.isatty()
        except (OSError, ValueError):
            raise no_answer from None
        if not interactive and not _piped_answer_ready(min(timeout, _PIPE_WAIT) if timeout else _PIPE_WAIT):
            raise no_answer  # stdin is not a terminal and nothing was piped in: do not hang
        try:
            raw = _ask_terminal(prompt, data_type, timeout, name)
        except ConditionFailedError:
            if interactive:
                raise
            raise no_answer from None
    return _convert(raw, data_type, name)


# How long a non-terminal stdin (a pipe, a file) may take to offer an answer.
_PIPE_WAIT = 5.0


def _piped_answer_ready(wait: float) -> bool:
    """Whether non-terminal stdin has something to read (or is at its end) within `wait` seconds."""
    import select

    try:
        ready, _, _ = select.select([sys.stdin], [], [], wait)
    except (OSError, ValueError, TypeError):  # stdin without a file descriptor (replaced, captured)
        return False
    return bool(ready)


class _Condition(Generic[ConditionType]):
    """A pending question; `wait()` (or `await wait.aio()`) returns the answer."""

    def __init__(self, name: str, prompt: str = "Approve?", prompt_type: Literal["text", "markdown"] = "text",
                 data_type: type[Any] = bool, description: str = "", timeout: Union[timedelta, int, float, None] = None,
                 webhook: Optional[ConditionWebhook] = None):
        if data_type not in _TYPES:
            raise TypeError(f"Condition data_type must be one of bool, int, float, str; got {data_type!r}")
        if not name:
            raise ValueError("Condition name must not be empty")
        self.name, self.prompt, self.prompt_type = name, prompt, prompt_type
        self.data_type, self.description, self.timeout, self.webhook = data_type, description, timeout, webhook
        self.wait = _Wait(self)

    def __repr__(self) -> str:
        return f"Condition({self.name!r}, data_type={self.data_type.__name__})"


class _Wait:
    def __init__(self, cond: _Condition):
        self._cond = cond

    def __call__(self) -> Any:
        c = self._cond
        return _answer(c.name, c.prompt, c.data_type.__name__, _seconds(c.timeout))

    async def aio(self) -> Any:
        import asyncio

        return await asyncio.to_thread(self.__call__)


class _NewCondition:
    """`flyte.new_condition(name, prompt=..., data_type=bool, timeout=...)`, also as `.aio(...)`."""

    def __call__(self, name: str, /, prompt: str = "Approve?", prompt_type: Literal["text", "markdown"] = "text",
                 data_type: type[Any] = bool, description: str = "", timeout: Union[timedelta, int, float, None] = None,
                 webhook: Optional[ConditionWebhook] = None) -> _Condition:
        return _Condition(name, prompt, prompt_type, data_type, description, timeout, webhook)

    async def aio(self, name: str, /, **kwargs: Any) -> _Condition:
        return self(name, **kwargs)


new_condition = _NewCondition()
