"""`flytekit.testing`: replace a task's body in unit tests."""

from .._secrets import SecretsManager
from ..core.testing import patch, task_mock

__all__ = ["SecretsManager", "patch", "task_mock"]
