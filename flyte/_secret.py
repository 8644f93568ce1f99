"""Secrets a task asks for. Locally their values come from the process environment."""

from __future__ import annotations

import os
import pathlib
import re
from dataclasses import dataclass
from typing import Optional, Union

_ENV_NAME = re.compile(r"^[A-Z_][A-Z0-9_]*$")
# The one mount path a Flyte backend supports for secret files today (the SDK refuses others).
SECRETS_MOUNT = "/etc/flyte/secrets"


@dataclass
class Secret:
    """A secret by key (and optional group), exposed to the task as an environment variable or a file.

    Without `mount` or `as_env_var`, the variable is named `GROUP_KEY` (or `KEY`), upper-cased
    with dashes as underscores, as on a Flyte backend. `as_env_var` must be an upper-case
    variable name; `mount` can only be `/etc/flyte/secrets`. Secrets are hashable (equal secrets
    hash alike in every process), so they can be kept in sets.
    """

    key: str
    group: Optional[str] = None
    mount: Optional[pathlib.Path] = None
    as_env_var: Optional[str] = None

    def __post_init__(self) -> None:
        if not self.mount and not self.as_env_var:
            name = f"{self.group}_{self.key}" if self.group else self.key
            self.as_env_var = name.replace("-", "_").upper()
        if self.mount and str(self.mount) != SECRETS_MOUNT:
            raise ValueError(f"Only {SECRETS_MOUNT} is supported as secret mount path today.")
        if self.as_env_var is not None and not _ENV_NAME.match(self.as_env_var):
            raise ValueError(f"Invalid environment variable name: {self.as_env_var}, must match {_ENV_NAME.pattern}")

    def stable_hash(self) -> str:
        """SHA-256 (hex) of the secret's fields: the same in every process."""
        import hashlib

        text = "|".join((self.key, self.group or "", str(self.mount) if self.mount else "", self.as_env_var or ""))
        return hashlib.sha256(text.encode()).hexdigest()

    def __hash__(self) -> int:
        return int(self.stable_hash()[:16], 16)

    def local_value(self) -> Optional[str]:
        """Where a local run finds this secret: the target variable itself, then `GROUP_KEY`
        (or `KEY`), then the key as written, in that order."""
        base = (f"{self.group}_{self.key}" if self.group else self.key).replace("-", "_").upper()
        for name in (self.as_env_var, base, self.key):
            if name and name in os.environ:
                return os.environ[name]
        return None


SecretRequest = Union[str, Secret, list[Union[str, Secret]]]


def secrets_from_request(secrets: SecretRequest) -> list[Secret]:
    """The SDK's name for `normalize_secrets`."""
    return normalize_secrets(secrets)


def normalize_secrets(request: Optional[SecretRequest]) -> list[Secret]:
    """Every accepted spelling of a secret request as a list of `Secret`."""
    if request is None:
        return []
    items = request if isinstance(request, (list, tuple)) else [request]
    out: list[Secret] = []
    for item in items:
        if isinstance(item, Secret):
            out.append(item)
        elif isinstance(item, str):
            out.append(Secret(key=item))
        else:
            raise TypeError(f"Expected a secret name or flyte.Secret, got {type(item).__name__}: {item!r}")
    return out
