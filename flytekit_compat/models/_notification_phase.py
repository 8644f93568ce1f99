from .._notification import WorkflowExecutionPhase  # noqa: F401
