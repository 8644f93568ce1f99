"""Flyte configuration files: `flyte.config.auto()` reads the one in use (see `Config.auto`)."""

from ._config import (
    Config,
    ConfigFile,
    ImageConfig,
    LocalConfig,
    PlatformConfig,
    TaskConfig,
    auto,
    get_config_file,
    set_if_exists,
)

__all__ = ["Config", "ConfigFile", "ImageConfig", "LocalConfig", "PlatformConfig", "TaskConfig", "auto", "get_config_file",
           "set_if_exists"]
