"""Launch-plan notifications (kept for deployment; a local run sends none)."""

from __future__ import annotations

from typing import Optional


class Notification:
    def __init__(self, phases: list[int], recipients_email: Optional[list[str]] = None, **kwargs: object):
        if not phases:
            raise AssertionError("A notification needs at least one phase")
        self.phases = list(phases)
        self.recipients_email = list(recipients_email or [])

    def __eq__(self, other: object) -> bool:
        return type(other) is type(self) and (self.phases, self.recipients_email) == (
            other.phases, other.recipients_email)  # type: ignore[attr-defined]

    __hash__ = object.__hash__

    def __repr__(self) -> str:
        return f"{type(self).__name__}(phases={self.phases!r}, recipients_email={self.recipients_email!r})"


class Email(Notification):
    pass


class PagerDuty(Notification):
    pass


class Slack(Notification):
    pass


class WorkflowExecutionPhase:
    UNDEFINED = 0
    QUEUED = 1
    RUNNING = 2
    SUCCEEDING = 3
    SUCCEEDED = 4
    FAILING = 5
    FAILED = 6
    ABORTED = 7
    TIMED_OUT = 8
    ABORTING = 9
