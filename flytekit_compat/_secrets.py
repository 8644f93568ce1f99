"""flytekit's `Secret` and `SecretsManager`, read from the environment as flytekit does locally."""

from __future__ import annotations

import enum
import os
from dataclasses import dataclass
from typing import Any, Optional


class _MountType(enum.Enum):
    ANY = 0
    ENV_VAR = 1
    FILE = 2


@dataclass
class Secret:
    """A secret by group and key (group is required, as in flytekit)."""

    group: Optional[str] = None
    key: Optional[str] = None
    group_version: Optional[str] = None
    mount_requirement: _MountType = _MountType.ANY
    env_var: Optional[str] = None

    MountType = _MountType

    def __post_init__(self) -> None:
        if self.group is None:
            raise ValueError("Group is a required parameter")


Secret.MountType = _MountType  # type: ignore[attr-defined]

ENV_PREFIX = "_FSEC_"
FILE_DIR = "/etc/secrets"


class SecretsManager:
    """`current_context().secrets`: `get(group, key)` looks at `_FSEC_<GROUP>_<KEY>`, then
    `<GROUP>_<KEY>`, then the file `/etc/secrets/<group>/<key>`."""

    def __init__(self, secrets_cfg: Any = None):
        self._env_prefix = os.environ.get("FLYTE_SECRETS_ENV_PREFIX", ENV_PREFIX)
        self._file_dir = os.environ.get("FLYTE_SECRETS_DEFAULT_DIR", FILE_DIR)
        self._file_prefix = os.environ.get("FLYTE_SECRETS_FILE_PREFIX", "")

    class _GroupSecrets:
        def __init__(self, group: str, manager: SecretsManager):
            self._group = group
            self._manager = manager

        def __getattr__(self, item: str) -> str:
            return self._manager.get(self._group, item)

    def __getattr__(self, item: str) -> Any:
        if item.startswith("_"):
            raise AttributeError(item)
        return SecretsManager._GroupSecrets(item, self)

    def get_secrets_env_var(self, group: Optional[str] = None, key: Optional[str] = None, group_version: Optional[str] = None) -> str:
        self._check(group, key)
        parts = [p for p in (group, group_version, key) if p]
        return f"{self._env_prefix}{'_'.join(parts)}".upper()

    def get_secrets_file(self, group: Optional[str] = None, key: Optional[str] = None, group_version: Optional[str] = None) -> str:
        self._check(group, key)
        if not key:
            raise ValueError("secrets key is required to name a secret file")
        parts = [p for p in (group, group_version) if p]
        return os.path.join(self._file_dir, *parts, f"{self._file_prefix}{key}")

    @staticmethod
    def _check(group: Optional[str], key: Optional[str]) -> None:
        if not group and not key:
            raise ValueError("secrets group or key is required")

    def get(self, group: Optional[str] = None, key: Optional[str] = None, group_version: Optional[str] = None,
            encode_mode: str = "r") -> Any:
        if not group:
            raise ValueError(f"A secret needs a group (asked for key {key!r} without one)")
        env_var = self.get_secrets_env_var(group, key, group_version)
        value = os.environ.get(env_var)
        if value is not None:
            return value
        plain = env_var[len(self._env_prefix.upper()):] if env_var.startswith(self._env_prefix.upper()) else env_var
        value = os.environ.get(plain)
        if value is not None:
            return value
        path = self.get_secrets_file(group, key, group_version)
        if os.path.exists(path):
            with open(path, encode_mode) as f:
                return f.read().strip() if "b" not in encode_mode else f.read()
        raise ValueError(
            f"Please make sure to add secret_requests=[Secret(group={group}, key={key})] in @task. Unable to find "
            f"secret for key {key} in group {group} in Env Var:{env_var} and FilePath: {path}"
        )


def to_flyte_secrets(requests: list[Secret]) -> list[Any]:
    """flyte secrets that land where `SecretsManager.get` looks (`_FSEC_<GROUP>_<KEY>`)."""
    import flyte

    out = []
    for s in requests:
        env_name = f"{ENV_PREFIX}{'_'.join(p for p in (s.group, s.group_version, s.key) if p)}".upper().replace("-", "_")
        out.append(flyte.Secret(key=s.key or "", group=s.group, as_env_var=s.env_var or env_name))
    return out
