"""Flyte configuration files (the `config.yaml` the SDK and flytectl read) as typed objects.

A value comes from the environment first (`FLYTE_<SECTION>_<KEY>`, e.g. `FLYTE_ADMIN_ENDPOINT`,
`FLYTE_TASK_PROJECT`), then the file, then the default. This runtime uses the task section
(project/domain/org) and the local section; the platform and image sections describe a backend
and are kept for programs that read them.
"""

from __future__ import annotations

import dataclasses
import json
import os
import pathlib
import re
import shlex
import subprocess
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any, Callable, Dict, List, Optional, Union


def set_if_exists(d: dict, k: str, val: Any) -> dict:
    """`d` with `d[k] = val` when `val` is set (not None, not empty)."""
    if val is not None and val != "" and val != [] and val != {}:
        d[k] = val
    return d


class ConfigFile:
    """A YAML configuration file, read once; `get("admin.endpoint")` looks up dotted keys."""

    def __init__(self, location: str):
        self.location = location
        self._data: Optional[dict] = None

    @property
    def data(self) -> dict:
        if self._data is None:
            try:
                import yaml
            except ImportError as e:
                raise ImportError(f"Reading {self.location} needs PyYAML: pip install pyyaml") from e
            try:
                with open(self.location, encoding="utf-8") as f:
                    loaded = yaml.safe_load(f)
            except FileNotFoundError:
                raise FileNotFoundError(f"Configuration file {self.location} does not exist") from None
            except yaml.YAMLError as e:
                raise ValueError(f"Configuration file {self.location} is not valid YAML: {e}") from e
            if loaded is not None and not isinstance(loaded, dict):
                raise ValueError(f"Configuration file {self.location} must hold a mapping, got {type(loaded).__name__}")
            self._data = loaded or {}
        return self._data

    def get(self, dotted: str) -> Any:
        node: Any = self.data
        for part in dotted.split("."):
            if not isinstance(node, dict) or part not in node:
                return None
            node = node[part]
        return node

    def __repr__(self) -> str:
        return f"ConfigFile({self.location!r})"


def _bool(v: Any) -> Optional[bool]:
    if v is None or isinstance(v, bool):
        return v
    return str(v).strip().lower() in ("1", "true", "yes", "on")


def _argv(v: Any) -> Optional[List[str]]:
    if v is None or isinstance(v, list):
        return v
    s = str(v).strip()
    if s.startswith("["):
        try:
            return [str(x) for x in json.loads(s)]
        except json.JSONDecodeError:
            pass
    return shlex.split(s) or None


def _str_list(v: Any) -> Optional[List[str]]:
    if v is None or isinstance(v, list):
        return v
    s = str(v).strip()
    if s.startswith("["):
        try:
            return [str(x) for x in json.loads(s)]
        except json.JSONDecodeError:
            pass
    return [p for p in re.split(r"[,\s]+", s) if p] or None


def _read(config_file: Optional[ConfigFile], key: str, convert: Callable[[Any], Any] = lambda v: v,
          env: Optional[str] = None) -> Any:
    """The value of `key` (dotted): its environment variable, else the file."""
    env_name = env or "FLYTE_" + key.replace(".", "_").upper()
    raw = os.environ.get(env_name)
    if raw is None and config_file is not None:
        raw = config_file.get(key)
    return convert(raw) if raw is not None else None


@dataclass(frozen=True)
class PlatformConfig:
    """How to reach a Flyte backend (not used by this local runtime)."""

    endpoint: Optional[str] = None
    insecure: bool = False
    insecure_skip_verify: bool = False
    ca_cert_file_path: Optional[str] = None
    console_endpoint: Optional[str] = None
    command: Optional[List[str]] = None
    proxy_command: Optional[List[str]] = None
    client_id: Optional[str] = None
    client_credentials_secret: Optional[str] = None
    scopes: List[str] = field(default_factory=list)
    auth_mode: str = "Pkce"
    audience: Optional[str] = None
    rpc_retries: int = 3
    http_proxy_url: Optional[str] = None
    disable_keyring: bool = False

    @classmethod
    def auto(cls, config_file: Optional[Union[str, ConfigFile]] = None) -> PlatformConfig:
        cf = get_config_file(config_file)
        kw: Dict[str, Any] = {}
        set_if_exists(kw, "endpoint", _read(cf, "admin.endpoint"))
        set_if_exists(kw, "insecure", _read(cf, "admin.insecure", _bool))
        set_if_exists(kw, "insecure_skip_verify", _read(cf, "admin.insecureSkipVerify", _bool))
        set_if_exists(kw, "ca_cert_file_path", _read(cf, "admin.caCertFilePath"))
        set_if_exists(kw, "console_endpoint", _read(cf, "console.endpoint"))
        set_if_exists(kw, "command", _read(cf, "admin.command", _argv))
        set_if_exists(kw, "proxy_command", _read(cf, "admin.proxyCommand", _argv))
        set_if_exists(kw, "client_id", _read(cf, "admin.clientId"))
        set_if_exists(kw, "scopes", _read(cf, "admin.scopes", _str_list))
        set_if_exists(kw, "auth_mode", _read(cf, "admin.authType"))
        set_if_exists(kw, "http_proxy_url", _read(cf, "admin.httpProxyURL"))
        set_if_exists(kw, "disable_keyring", _read(cf, "admin.disableKeyring", _bool))
        secret_file = _read(cf, "admin.clientSecretLocation")
        if secret_file and os.path.exists(secret_file):
            kw["client_credentials_secret"] = pathlib.Path(secret_file).read_text().strip()
            kw["auth_mode"] = "ClientSecret"
        secret_env = _read(cf, "admin.clientSecretEnvVar")
        if secret_env and os.environ.get(secret_env):
            kw["client_credentials_secret"] = os.environ[secret_env]
            kw["auth_mode"] = "ClientSecret"
        return cls(**kw)

    def replace(self, **kwargs: Any) -> PlatformConfig:
        return dataclasses.replace(self, **kwargs)

    @classmethod
    def for_endpoint(cls, endpoint: str, insecure: bool = False) -> PlatformConfig:
        return cls(endpoint=endpoint, insecure=insecure)


@dataclass(frozen=True)
class TaskConfig:
    """Where runs go: org, project and domain."""

    org: Optional[str] = None
    project: Optional[str] = None
    domain: Optional[str] = None

    @classmethod
    def auto(cls, config_file: Optional[Union[str, ConfigFile]] = None) -> TaskConfig:
        cf = get_config_file(config_file)
        kw: Dict[str, Any] = {}
        for name in ("org", "project", "domain"):
            set_if_exists(kw, name, _read(cf, f"task.{name}"))
        return cls(**kw)


@dataclass(frozen=True)
class ImageConfig:
    """Image building: the builder, named image references and the registry."""

    builder: Optional[str] = None
    image_refs: Dict[str, str] = field(default_factory=dict)
    registry: Optional[str] = None

    @classmethod
    def auto(cls, config_file: Optional[Union[str, ConfigFile]] = None) -> ImageConfig:
        cf = get_config_file(config_file)
        kw: Dict[str, Any] = {}
        set_if_exists(kw, "builder", _read(cf, "image.builder"))
        set_if_exists(kw, "image_refs", _read(cf, "image.image_refs",
                                              lambda v: json.loads(v) if isinstance(v, str) else dict(v)))
        set_if_exists(kw, "registry", _read(cf, "image.registry"))
        return cls(**kw)


@dataclass(frozen=True)
class LocalConfig:
    """Local execution: persistence and tracking (this runtime always records runs)."""

    persistence: bool = False
    tracked: bool = False
    tracked_strict: bool = False

    @classmethod
    def auto(cls, config_file: Optional[Union[str, ConfigFile]] = None) -> LocalConfig:
        cf = get_config_file(config_file)
        kw: Dict[str, Any] = {}
        for name in ("persistence", "tracked", "tracked_strict"):
            value = _read(cf, f"local.{name}", _bool)
            if value is not None:
                kw[name] = value
        return cls(**kw)


@dataclass(frozen=True)
class Config:
    """Everything a configuration file says, by section."""

    platform: PlatformConfig = field(default_factory=PlatformConfig)
    task: TaskConfig = field(default_factory=TaskConfig)
    image: ImageConfig = field(default_factory=ImageConfig)
    local: LocalConfig = field(default_factory=LocalConfig)
    source: Optional[pathlib.Path] = None

    def with_params(self, platform: Optional[PlatformConfig] = None, task: Optional[TaskConfig] = None,
                    image: Optional[ImageConfig] = None) -> Config:
        return Config(platform=platform or self.platform, task=task or self.task, image=image or self.image,
                      local=self.local, source=self.source)

    @classmethod
    def auto(cls, config_file: Union[str, pathlib.Path, ConfigFile, None] = None) -> Config:
        cf = get_config_file(config_file)
        return cls(platform=PlatformConfig.auto(cf), task=TaskConfig.auto(cf), image=ImageConfig.auto(cf),
                   local=LocalConfig.auto(cf), source=pathlib.Path(cf.location) if cf is not None else None)


def _git_root() -> Optional[pathlib.Path]:
    try:
        out = subprocess.run(["git", "rev-parse", "--show-toplevel"], capture_output=True, text=True, check=False)
    except OSError:
        return None
    return pathlib.Path(out.stdout.strip()) if out.returncode == 0 and out.stdout.strip() else None


def resolve_config_path() -> Optional[pathlib.Path]:
    """The first configuration file found: ./config.yaml, ./.flyte/config.yaml,
    <git root>/.flyte/config.yaml, $UCTL_CONFIG, $FLYTECTL_CONFIG, ~/.union/config.yaml,
    ~/.flyte/config.yaml."""
    for candidate in (pathlib.Path("config.yaml"), pathlib.Path(".flyte", "config.yaml")):
        if candidate.exists():
            return candidate
    root = _git_root()
    if root is not None and (root / ".flyte" / "config.yaml").exists():
        return root / ".flyte" / "config.yaml"
    for env in ("UCTL_CONFIG", "FLYTECTL_CONFIG"):
        if os.environ.get(env):
            return pathlib.Path(os.environ[env])
    for candidate in (pathlib.Path.home() / ".union" / "config.yaml", pathlib.Path.home() / ".flyte" / "config.yaml"):
        if candidate.exists():
            return candidate
    return None


@lru_cache(maxsize=64)
def _file(location: str) -> ConfigFile:
    return ConfigFile(location)


def get_config_file(c: Union[str, pathlib.Path, ConfigFile, None]) -> Optional[ConfigFile]:
    """`c` as a ConfigFile; with None, the file `resolve_config_path` finds (or None)."""
    if isinstance(c, ConfigFile):
        return c
    if isinstance(c, (str, pathlib.Path)):
        return _file(str(c))
    found = resolve_config_path()
    return ConfigFile(str(found)) if found is not None else None


def auto(config_file: Union[str, pathlib.Path, ConfigFile, None] = None) -> Config:
    """The configuration from `config_file`, or from the first file found (see
    `resolve_config_path`); environment variables override the file."""
    return Config.auto(config_file)
