"""Row layouts shared by the journal and the SQLite tables.

Rows travel as plain tuples: on the hot path a tuple is several times cheaper to build and to
hand to sqlite3 than an object.
"""

from __future__ import annotations

ACTION_COLUMNS = (
    "run", "id", "parent", "task", "short_name", "group_name", "kind", "phase", "attempts",
    "start_time", "end_time", "inputs", "outputs", "error_code", "error", "cache_status",
)
A_RUN, A_ID, A_PARENT, A_TASK, A_SHORT, A_GROUP, A_KIND, A_PHASE, A_ATTEMPTS = range(9)
A_START, A_END, A_INPUTS, A_OUTPUTS, A_ERR_CODE, A_ERROR, A_CACHE = range(9, 16)

RUN_COLUMNS = (
    "name", "task", "phase", "start_time", "end_time", "inputs", "outputs", "error_code", "error",
    "owner", "task_module", "task_file", "context",
)
R_NAME, R_TASK, R_PHASE, R_START, R_END, R_INPUTS, R_OUTPUTS, R_ERR_CODE, R_ERROR, R_OWNER = range(10)
R_MODULE, R_FILE, R_CONTEXT = range(10, 13)

ATTEMPT_COLUMNS = ("run", "action", "attempt", "start_time", "end_time", "error_code", "error")

CACHE_COLUMNS = ("key", "task", "version", "outputs", "created")

# Journal record kinds.
J_ACTION, J_RUN, J_ATTEMPT, J_CACHE, J_ACTIONS = "A", "R", "T", "C", "B"  # B: several action rows at once

TERMINAL_PHASES = frozenset({"SUCCEEDED", "FAILED", "ABORTED", "TIMED_OUT"})
