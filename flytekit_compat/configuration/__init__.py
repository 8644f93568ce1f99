"""`flytekit.configuration`: connection and serialization settings (used for registration; local
runs need none of them)."""

from __future__ import annotations

import os
import sys
from dataclasses import dataclass, field
from typing import Any, Optional


class DefaultImages:
    """The image flytekit's tasks are registered with when none is given: flytekit's own image
    for this Python version and flytekit release (`FLYTE_INTERNAL_IMAGE` overrides it)."""

    _REPOSITORY = "cr.flyte.org/flyteorg/flytekit"

    @classmethod
    def default_image(cls) -> str:
        return cls.find_image_for()

    @classmethod
    def find_image_for(cls, python_version: Any = None, flytekit_version: Optional[str] = None) -> str:
        override = os.getenv("FLYTE_INTERNAL_IMAGE")
        if override:
            return override
        if python_version is None:
            major, minor = sys.version_info[:2]
        else:  # flytekit's PythonVersion enum, whose value is (major, minor)
            major, minor = getattr(python_version, "value", python_version)
        return f"{cls._REPOSITORY}:py{major}.{minor}-" + (
            flytekit_version.replace("v", "") if flytekit_version else cls.get_version_suffix())

    @classmethod
    def get_version_suffix(cls) -> str:
        from .. import __version__

        return "latest" if not __version__ or "dev" in __version__ else __version__


@dataclass
class Image:
    name: str
    fqn: str
    tag: Optional[str] = None
    digest: Optional[str] = None

    @property
    def full(self) -> str:
        return f"{self.fqn}:{self.tag}" if self.tag else self.fqn


@dataclass
class ImageConfig:
    default_image: Optional[Image] = None
    images: Optional[list[Image]] = None

    @classmethod
    def auto(cls, config_file: Any = None, img_name: Optional[str] = None) -> ImageConfig:
        return cls(default_image=Image("default", img_name or "flytekit", "latest"), images=[])

    @classmethod
    def auto_default_image(cls) -> ImageConfig:
        return cls.auto()


@dataclass
class FastSerializationSettings:
    enabled: bool = False
    destination_dir: Optional[str] = None
    distribution_location: Optional[str] = None


@dataclass
class SerializationSettings:
    image_config: ImageConfig = field(default_factory=ImageConfig)
    project: Optional[str] = None
    domain: Optional[str] = None
    version: Optional[str] = None
    env: Optional[dict] = None
    git_repo: Optional[str] = None
    python_interpreter: str = "/opt/venv/bin/python3"
    flytekit_virtualenv_root: Optional[str] = None
    fast_serialization_settings: Optional[FastSerializationSettings] = None
    source_root: Optional[str] = None


@dataclass
class S3Config:
    endpoint: Optional[str] = None
    access_key_id: Optional[str] = None
    secret_access_key: Optional[str] = None


@dataclass
class DataConfig:
    s3: S3Config = field(default_factory=S3Config)


@dataclass
class PlatformConfig:
    endpoint: str = "localhost:30080"
    insecure: bool = False


@dataclass
class Config:
    platform: PlatformConfig = field(default_factory=PlatformConfig)
    data_config: DataConfig = field(default_factory=DataConfig)

    @classmethod
    def auto(cls, config_file: Any = None) -> Config:
        return cls()

    @classmethod
    def for_sandbox(cls) -> Config:
        return cls()

    @classmethod
    def for_endpoint(cls, endpoint: str, insecure: bool = False, **kwargs: Any) -> Config:
        return cls(platform=PlatformConfig(endpoint=endpoint, insecure=insecure))


# The environment variable a serialized context travels in (registration only).
SERIALIZED_CONTEXT_ENV_VAR = "_F_SS_C"


@dataclass
class SecretsConfig:
    """Where secrets are looked up: env vars `<env_prefix><GROUP>_<KEY>` and files
    `<default_dir>/<group>/<file_prefix><key>` (each overridable by FLYTE_SECRETS_* env vars)."""

    env_prefix: str = "_FSEC_"
    default_dir: str = "/etc/secrets"
    file_prefix: str = ""

    @classmethod
    def auto(cls, config_file: Any = None) -> SecretsConfig:
        import os

        return cls(
            env_prefix=os.environ.get("FLYTE_SECRETS_ENV_PREFIX", cls.env_prefix),
            default_dir=os.environ.get("FLYTE_SECRETS_DEFAULT_DIR", cls.default_dir),
            file_prefix=os.environ.get("FLYTE_SECRETS_FILE_PREFIX", cls.file_prefix),
        )


@dataclass
class LocalConfig:
    """Local-run settings: the task cache switch and forced re-execution (FLYTE_LOCAL_CACHE_*)."""

    cache_enabled: bool = True
    cache_overwrite: bool = False

    @classmethod
    def auto(cls, config_file: Any = None) -> LocalConfig:
        import os

        from ..core.utils import str2bool

        return cls(cache_enabled=str2bool(os.environ.get("FLYTE_LOCAL_CACHE_ENABLED", "true")),
                   cache_overwrite=str2bool(os.environ.get("FLYTE_LOCAL_CACHE_OVERWRITE", "false")))
