"""The controller: executes task calls inside a run as recorded actions."""

from ._actions import (
    ROOT_ACTION,
    Call,
    batchable,
    drive,
    encode_inputs,
    execute_async,
    execute_batch_sync,
    execute_sync,
    prepare,
    prepare_root,
    publish_report,
    submit_async,
    submit_sync,
    submit_sync_in_thread,
)
from ._capture import (
    ActionStream,
    capture_begin,
    capture_end,
    capture_for_process,
    capturing,
    mark_runtime_output_of_worker,
    system_note,
    system_print,
)
from ._environ import base_environment
from ._environ import pop as pop_env
from ._environ import push as push_env
from ._errors import WORKER_TRACEBACK, crossing_error, error_code, format_failure
from ._ids import action_id, next_action_id
from ._offload import OffloadingRecorder
from ._pool import run_in_worker
from ._recorder import Failure, Recorder, RunListener, add_listener, remove_listener

__all__ = [
    "ROOT_ACTION",
    "WORKER_TRACEBACK",
    "ActionStream",
    "Call",
    "Failure",
    "OffloadingRecorder",
    "Recorder",
    "RunListener",
    "action_id",
    "next_action_id",
    "add_listener",
    "base_environment",
    "batchable",
    "capture_begin",
    "capture_end",
    "capture_for_process",
    "capturing",
    "crossing_error",
    "drive",
    "encode_inputs",
    "error_code",
    "execute_async",
    "execute_batch_sync",
    "execute_sync",
    "format_failure",
    "mark_runtime_output_of_worker",
    "pop_env",
    "prepare",
    "prepare_root",
    "publish_report",
    "push_env",
    "remove_listener",
    "run_in_worker",
    "submit_async",
    "submit_sync",
    "submit_sync_in_thread",
    "system_note",
    "system_print",
]
