"""The controller: executes task calls inside a run as recorded actions."""

from ._actions import Call, execute_async, execute_sync, prepare, submit_async, submit_sync, submit_sync_in_thread
from ._errors import crossing_error, error_code, format_failure
from ._ids import action_id

__all__ = [
    "Call",
    "action_id",
    "crossing_error",
    "error_code",
    "execute_async",
    "execute_sync",
    "format_failure",
    "prepare",
    "submit_async",
    "submit_sync",
    "submit_sync_in_thread",
]
