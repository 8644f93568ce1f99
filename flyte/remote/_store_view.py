"""The one place `flyte.remote` reads runs from: the local metadata store, through the read half
of the `MetadataStore` protocol (`get_run`, `list_runs`, paged `list_actions`, `get_action`,
`list_attempts`), the same reads `flyte get` makes. Pointing `flyte.remote` at another store (or
at a backend) means changing this module only.

Everything here reads what is recorded at the moment of the call: a run that another process is
running shows the actions that process has made visible (the store flushes them within moments).
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any, Collection, Iterator, Optional

from .._store import ActionRecord, AttemptRecord, LogPage, MetadataStore, RunRecord, split_lines

ROOT = "a0"  # the root action of every run
LogLine = tuple  # (when it was written or None, written by the runtime (not the body), text without marks)
_PAGE = 500  # actions read per store call when walking a run


def store() -> MetadataStore:
    from .._run import current_store

    return current_store()


def home() -> Path:
    return store().home


def get_run(name: str) -> Optional[RunRecord]:
    return store().get_run(name)


def list_runs(limit: int, task: Optional[str] = None, phases: Optional[Collection[str]] = None,
              since: Optional[float] = None, before: Optional[float] = None) -> list[RunRecord]:
    return store().list_runs(limit, task=task, phases=phases, since=since, before=before)


def iter_actions(run: str, parent: Optional[str] = None,
                 phases: Optional[Collection[str]] = None) -> Iterator[ActionRecord]:
    """A run's actions in start order, read a page at a time (a run can have 100,000 actions)."""
    s = store()
    after: Optional[str] = None
    while True:
        page = s.list_actions(run, after=after, limit=_PAGE, parent=parent, phases=phases)
        yield from page.actions
        if page.next_token is None:
            return
        after = page.next_token


def get_action(run: str, action_id: str) -> Optional[ActionRecord]:
    return store().get_action(run, action_id)


def attempts(run: str, action_id: str) -> list[AttemptRecord]:
    return store().list_attempts(run, action_id)


def decode(data: Optional[bytes]) -> Any:
    """A recorded value (inputs, outputs) as the Python value it was."""
    if data is None:
        return None
    from .._serde import Codec

    return Codec(blob_loader=store().load_blob).unpack(data)


def earlier_log_lines(run: str, action: str, attempt: Optional[int]) -> list[LogLine]:
    """Without `attempt`: what the action wrote in its executions before its run was resumed
    (it ran again then), each under a heading line, then a heading for the current execution;
    as `log_lines` gives lines (a heading is the runtime's line that is never filtered: None
    for its second field). With `attempt`, or for an action that ran once: nothing."""
    from .._store import current_heading

    pages = store().earlier_logs(run, action) if attempt is None else []
    out: list[LogLine] = []
    for page in pages:
        assert page.earlier is not None
        out.append((None, None, page.earlier.heading(action, page.attempt) + "\n"))
        out.extend((t, system, part if part.endswith("\n") else part + "\n")
                   for t, parts in split_lines(page.lines())[0] for system, part in parts)
    if pages:
        out.append((None, None, current_heading(action) + "\n"))
    return out


def run_dir(name: str) -> Path:
    return store().home / "runs" / name


# -- tasks: known by the code that defines them -------------------------------------------------


def loaded_task(name: str) -> Any:
    """The task `name` if the code defining it is loaded in this process (an environment has
    it, or the running script defines it), else None."""
    from .._environment import list_loaded_environments
    from .._loader import tasks_in

    for env in list_loaded_environments():
        task = getattr(env, "tasks", {}).get(name)
        if task is not None:
            return task
    main = sys.modules.get("__main__")
    if main is not None:
        for task in tasks_in(main).values():
            if task.name == name:
                return task
    return None


def recorded_task(name: str) -> Any:
    """The task `name` loaded from the module (or file) of the latest run that ran it, as
    `flyte rerun` loads it; None when no recorded run ran it."""
    from .._loader import load_task

    runs = list_runs(1000)
    for record in runs:
        if record.task == name:
            return load_task(record.task, record.task_module, record.task_file)
    for record in runs:  # a child task: it lives next to its run's root task, or is imported there
        if record.task_module or record.task_file:
            if any(a.task == name for a in iter_actions(record.name)):
                return load_task(name, record.task_module, record.task_file)
    return None


def find_task(name: str) -> Any:
    """The task `name`: from the code loaded in this process, else from the code of the runs
    that ran it. None when neither knows it."""
    return loaded_task(name) or recorded_task(name)


def known_task_names() -> dict[str, float]:
    """Every task name this process's code defines or the store has run, with when it last ran
    (0.0 for tasks that have not run)."""
    from .._environment import list_loaded_environments

    names: dict[str, float] = {}
    for env in list_loaded_environments():
        for task_name in getattr(env, "tasks", {}):
            names.setdefault(task_name, 0.0)
    for record in list_runs(10_000):
        names[record.task] = max(names.get(record.task, 0.0), record.start_time or 0.0)
    return names


def log_lines(run: str, action_id: str, attempt: Optional[int], after: Optional[str],
              continuing: bool) -> tuple[list[LogLine], Optional[str], bool]:
    """What attempt `attempt` of an action wrote since `after` (None: from the start; attempt
    None: its latest attempt that wrote), a line at a time with who wrote it (a runtime's line
    that began inside one of the body's is a line of its own); the token to read on from; and
    whether it ends inside a line the runtime wrote (pass it back as `continuing`)."""
    page: Optional[LogPage] = store().get_log(run, action_id, attempt, after=after)
    if page is None:
        return [], after, continuing
    lines, continuing = split_lines(page.lines(), continuing)
    return [(t, system, part) for t, parts in lines for system, part in parts], page.next_token, continuing
