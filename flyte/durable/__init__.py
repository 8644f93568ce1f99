"""Deterministic time inside tasks: recorded on first execution, replayed when a run resumes."""

from ._time import now, sleep, time

__all__ = ["now", "sleep", "time"]
