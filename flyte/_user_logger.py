"""`flyte.logger`: the logger for task code, set up as in the SDK.

It shows INFO and above (or `$USER_LOG_LEVEL`) as "LEVEL message" on standard error without
going through the root logger, so a task's `flyte.logger.info(...)` is seen (and, inside a run,
captured into the action's log) whether or not the program configured logging.
"""

from __future__ import annotations

import logging
import os
import sys

USER_LOG_LEVEL_ENV = "USER_LOG_LEVEL"


class CurrentStderr(logging.StreamHandler):
    """A handler that writes to whatever `sys.stderr` is when a record is emitted (a run's
    capture, a test's capture), not to the stream of the moment it was created."""

    def __init__(self, level: int = logging.NOTSET):
        logging.Handler.__init__(self, level)

    @property  # type: ignore[override]
    def stream(self):  # type: ignore[no-untyped-def]
        return sys.stderr

    @stream.setter
    def stream(self, value: object) -> None:
        pass  # always the current sys.stderr


def _level() -> int:
    raw = os.environ.get(USER_LOG_LEVEL_ENV, "").strip()
    if not raw:
        return logging.INFO
    if raw.isdigit():
        return int(raw)
    level = logging.getLevelName(raw.upper())
    return level if isinstance(level, int) else logging.INFO


def user_logger() -> logging.Logger:
    logger = logging.getLogger("flyte.user")
    if not any(isinstance(h, CurrentStderr) for h in logger.handlers):
        handler = CurrentStderr()
        handler.setFormatter(logging.Formatter("%(levelname)s %(message)s"))
        logger.addHandler(handler)
        logger.setLevel(_level())
        logger.propagate = False
    return logger


logger = user_logger()  # `flyte.logger`: INFO and above on stderr, as in the SDK
system_logger = logging.getLogger("flyte")  # `flyte.system_logger`: the runtime's own messages
