"""Gates: `sleep`, `wait_for_input` and `approve`, as workflow nodes.

Answers come through `flyte.new_condition`: a resumed run replays the earlier answer, the
environment variable FLYTE_SIGNAL_<NAME> answers non-interactively, and otherwise the question
is asked on the terminal. With no way to answer, the gate fails at once with a clear error.
"""

from __future__ import annotations

import asyncio
import datetime
import inspect
from typing import Any, Optional, Union

from ._entity import Entity
from ._interface import Interface
from .exceptions.user import FlyteDisapprovalException

_TIMEOUT_DEFAULT = datetime.timedelta(hours=1)


class Gate(Entity):
    _kind = "gate"

    def __init__(self, name: str, kind: str, *, duration: Optional[datetime.timedelta] = None,
                 timeout: Optional[datetime.timedelta] = None, expected_type: Optional[type] = None,
                 upstream_type: Any = None):
        self.name = name
        self.kind = kind
        self.duration = duration
        self.timeout = timeout
        self.expected_type = expected_type
        if kind == "sleep":
            self._interface = Interface({}, {})
        elif kind == "input":
            self._interface = Interface({}, {"o0": expected_type})
        else:
            self._interface = Interface({"upstream": (upstream_type, inspect.Parameter.empty)}, {"o0": upstream_type})
        self._template: Any = None

    def _ask(self, upstream: Any = None) -> Any:
        import flyte

        seconds = self.timeout.total_seconds() if self.timeout else None
        if self.kind == "input":
            cond = flyte.new_condition(self.name, prompt=f"[Input Gate] Waiting for input @{self.name} of type {self.expected_type}",
                                       data_type=self.expected_type or str, timeout=seconds)
            return cond.wait()
        cond = flyte.new_condition(self.name, prompt=f"[Approval Gate] @{self.name} Approve {upstream}?", data_type=bool,
                                   timeout=seconds)
        if not cond.wait():
            raise FlyteDisapprovalException(f"User did not approve the transaction for gate node {self.name}")
        return upstream

    def _run_node_sync(self, inputs: dict[str, Any], overrides: Any = None) -> tuple:
        if self.kind == "sleep":
            import flyte.durable

            flyte.durable.sleep(self.duration.total_seconds() if self.duration else 0)
            return ()
        return (self._ask(inputs.get("upstream")),)

    async def _run_node(self, inputs: dict[str, Any], overrides: Any = None) -> tuple:
        return await asyncio.to_thread(self._run_node_sync, inputs, overrides)

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        from ._graph import add_call_node, current_compile

        ctx = current_compile.get()
        if ctx is not None:
            return add_call_node(self, self._interface, args, kwargs, ctx, kind="gate")
        outputs = self._run_node_sync({**dict(zip(self._interface.inputs, args)), **kwargs})
        return outputs[0] if outputs else None


def _duration(value: Union[datetime.timedelta, int, float]) -> datetime.timedelta:
    return value if isinstance(value, datetime.timedelta) else datetime.timedelta(seconds=value)


def sleep(duration: Union[datetime.timedelta, int, float]) -> Any:
    """Pause the workflow for `duration` (durably: a resumed run only waits for what is left)."""
    return Gate(f"sleep-{_duration(duration)}", "sleep", duration=_duration(duration))()


def wait_for_input(name: str, timeout: Union[datetime.timedelta, int, float] = _TIMEOUT_DEFAULT,
                   expected_type: type[Any] = str) -> Any:
    """A value supplied while the workflow runs (terminal prompt or FLYTE_SIGNAL_<NAME>)."""
    if expected_type not in (bool, int, float, str):
        raise TypeError(f"wait_for_input supports bool, int, float and str, got {expected_type}")
    return Gate(name, "input", timeout=_duration(timeout), expected_type=expected_type)()


def approve(upstream_item: Any, name: str, timeout: Union[datetime.timedelta, int, float] = _TIMEOUT_DEFAULT) -> Any:
    """Pass `upstream_item` on once someone approves it; a refusal fails the workflow."""
    from ._promise import Promise

    tp = upstream_item.type if isinstance(upstream_item, Promise) else type(upstream_item)
    return Gate(name, "approve", timeout=_duration(timeout), upstream_type=tp)(upstream=upstream_item)
