"""The git repository a program runs from (`GitStatus`), and its `.flyte/config.yaml`."""

from ._config import GitStatus, config_from_root

__all__ = ["GitStatus", "config_from_root"]
