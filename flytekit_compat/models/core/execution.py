from .._notification_phase import WorkflowExecutionPhase  # noqa: F401
