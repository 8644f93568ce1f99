"""flytekit's `Secret` and `SecretsManager`, read from the environment as flytekit does locally."""

from __future__ import annotations

import enum
import os
import re
from dataclasses import dataclass
from typing import Any, Optional

# flytekit's rule for `Secret.env_var` (and Flyte 2's for every secret variable).
_ENV_NAME = re.compile(r"^[A-Z_][A-Z0-9_]*$")


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
        # flytekit 1.16 checks this when the Secret is made (no flytekit release with `env_var`
        # accepts a lower-case or otherwise invalid name), so a program with one fails here too,
        # not later in the runtime.
        if self.env_var is not None and not _ENV_NAME.match(self.env_var):
            raise ValueError(f"Invalid environment variable name: {self.env_var}")


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
        for name in (env_safe(env_var), plain):  # where to_flyte_secrets exposes it; then without the prefix
            value = os.environ.get(name)
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


def fsec_name(group: Optional[str], key: Optional[str], group_version: Optional[str] = None) -> str:
    """flytekit's variable for a secret: `_FSEC_<GROUP>_<GROUP_VERSION>_<KEY>`, upper-cased, with
    the group's and key's other characters kept (`_FSEC_USER-INFO_MY.KEY`), as flytekit names it."""
    return f"{ENV_PREFIX}{'_'.join(p for p in (group, group_version, key) if p)}".upper()


def env_safe(name: str) -> str:
    """`name` as a variable name Flyte 2 accepts: upper case, every other character an underscore."""
    safe = re.sub(r"[^A-Z0-9_]", "_", name.upper())
    return safe if not safe[:1].isdigit() else "_" + safe


def to_flyte_secrets(requests: list[Secret]) -> list[Any]:
    """flyte secrets for flytekit's requests. Each one's value is found where flytekit users put
    it (`_FSEC_<GROUP>_<KEY>` exactly as flytekit spells it, dashes and dots included), then under
    the runtime's names; it is exposed to the task as the request's `env_var`, or else as the
    flytekit name made a valid variable name (`_FSEC_USER_INFO_MY_KEY`, where `SecretsManager`
    also looks)."""
    out = []
    for s in requests:
        flytekit_name = fsec_name(s.group, s.key, s.group_version)
        out.append(_flytekit_secret_class()(key=s.key or "", group=s.group, as_env_var=s.env_var or env_safe(flytekit_name),
                                            flytekit_name=flytekit_name))
    return out


_FlytekitSecret: Any = None


def _flytekit_secret_class() -> Any:
    """A flyte.Secret that also looks for the value under flytekit's own name (made on first use,
    so that `import flytekit` does not build it)."""
    global _FlytekitSecret
    if _FlytekitSecret is None:
        import flyte

        @dataclass(eq=False)  # equality and the stable hash stay flyte.Secret's
        class FlytekitSecret(flyte.Secret):
            flytekit_name: Optional[str] = None

            def local_value(self) -> Optional[str]:
                if self.flytekit_name and self.flytekit_name in os.environ:
                    return os.environ[self.flytekit_name]
                return super().local_value()

        FlytekitSecret.__module__, FlytekitSecret.__qualname__ = __name__, "FlytekitSecret"  # pickled by name
        _FlytekitSecret = FlytekitSecret
    return _FlytekitSecret


def __getattr__(name: str) -> Any:
    if name == "FlytekitSecret":  # a new process unpickling a task's secrets
        return _flytekit_secret_class()
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
