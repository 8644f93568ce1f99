from .._gate import Gate, approve, sleep, wait_for_input

__all__ = ["Gate", "approve", "sleep", "wait_for_input"]
