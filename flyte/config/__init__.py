"""Flyte configuration files: `flyte.config.auto()` reads the one in use (see `Config.auto`)."""

from ._config import Config as Config
from ._config import ConfigFile as ConfigFile
from ._config import ImageConfig as ImageConfig
from ._config import LocalConfig as LocalConfig
from ._config import PlatformConfig as PlatformConfig
from ._config import TaskConfig as TaskConfig
from ._config import auto as auto
from ._config import get_config_file as get_config_file
from ._config import set_if_exists as set_if_exists

# The SDK's public names; the section classes (ConfigFile, PlatformConfig, ...) are importable
# from here too, as `Config`'s field types, but are not part of its `__all__`.
__all__ = ["Config", "auto", "get_config_file", "set_if_exists"]
