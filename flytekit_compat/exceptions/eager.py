class EagerException(Exception):
    """Raised by an eager workflow when a task it started fails (kept for API compatibility)."""
