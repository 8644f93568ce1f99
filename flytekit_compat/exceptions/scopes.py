"""Kept for imports; errors are not re-scoped in this runtime."""

from .system import FlyteSystemException as FlyteScopedSystemException  # noqa: F401
from .user import FlyteUserException as FlyteScopedUserException  # noqa: F401
