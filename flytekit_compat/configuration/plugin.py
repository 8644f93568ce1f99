"""flytekit's plugin hook (which image builder, which remote); the shim has a single built-in one."""

from __future__ import annotations

from typing import Any


class FlytekitPlugin:
    @staticmethod
    def get_remote(config: Any, project: str, domain: str, data_upload_location: Any = None) -> Any:
        raise NotImplementedError("The flytekit shim runs locally and has no FlyteRemote")


_GLOBAL_CONFIG: dict[str, Any] = {"plugin": FlytekitPlugin}


def get_plugin() -> Any:
    return _GLOBAL_CONFIG["plugin"]


__all__ = ["FlytekitPlugin", "get_plugin"]
