"""`flyte.ctx()`: the running task's view of itself."""

from __future__ import annotations

from typing import Any, Union

from ._context import KIND_TRACE, Frame, current_custom_context, current_frame, current_group
from .models import NULL_TASK_CONTEXT, ActionID, GroupData, NullTaskContext, RawDataPath, TaskContext


def _checkpoint_of(frame: Frame) -> Any:
    """The frame's checkpoint for its current attempt, made once per attempt."""
    cached = frame.checkpoint
    if cached is None or cached[0] != frame.attempt:
        from ._checkpoint import attempt_checkpoint

        cached = frame.checkpoint = (frame.attempt, attempt_checkpoint(frame.run.run_dir / frame.id))
    return cached[1]


def ctx() -> Union[TaskContext, NullTaskContext]:
    """The current task's context, or a falsy `NullTaskContext` outside any task."""
    frame = current_frame.get()
    if frame is None:
        return NULL_TASK_CONTEXT
    run = frame.run
    group = current_group.get()
    from .report import current_report

    where = {"run_name": run.name, "project": run.project, "domain": run.domain, "org": run.org}
    action = ActionID(name=frame.id, **where)  # type: ignore[arg-type]
    # Inside a @flyte.trace function the frame is the trace's; the running task is its parent.
    task_action = ActionID(name=frame.parent_id, **where) if frame.kind == KIND_TRACE and frame.parent_id else action
    return TaskContext(
        action=action,
        task_action=task_action,
        version="",
        raw_data_path=RawDataPath(run.raw_data_path),
        output_path=str(run.run_dir / frame.id),
        run_base_dir=str(run.run_dir),
        report=current_report(),
        group_data=GroupData(group) if group else None,
        mode="local",
        interactive_mode=run.interactive,
        custom_context=dict(current_custom_context.get() or {}),
        disable_run_cache=run.disable_run_cache,
        run_start_time=run.start_datetime,
        task_name=frame.task_name,
        short_name=frame.short_name,
        attempt_number=frame.attempt - 1,
        env_vars=dict(run.env_vars),
        _checkpoint_factory=lambda: _checkpoint_of(frame),
    )
