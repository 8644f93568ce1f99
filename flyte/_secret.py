"""Secrets a task asks for. Locally their values come from the process environment."""

from __future__ import annotations

import os
import pathlib
import re
from dataclasses import dataclass
from typing import Optional, Union

_ENV_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")


@dataclass
class Secret:
    """A secret by key (and optional group), exposed to the task as an environment variable or a file.

    Without `mount` or `as_env_var`, the variable is named `GROUP_KEY` (or `KEY`), upper-cased
    with dashes as underscores, as on a Flyte backend.
    """

    key: str
    group: Optional[str] = None
    mount: Optional[pathlib.Path] = None
    as_env_var: Optional[str] = None

    def __post_init__(self) -> None:
        if not self.mount and not self.as_env_var:
            name = f"{self.group}_{self.key}" if self.group else self.key
            self.as_env_var = name.replace("-", "_").upper()
        if self.as_env_var is not None and not _ENV_NAME.match(self.as_env_var):
            raise ValueError(f"Invalid environment variable name: {self.as_env_var}, must match {_ENV_NAME.pattern}")

    def stable_hash(self) -> str:
        import hashlib

        text = f"{self.key}|{self.group}|{self.mount}|{self.as_env_var}"
        return hashlib.sha256(text.encode()).hexdigest()[:16]

    def local_value(self) -> Optional[str]:
        """Where a local run finds this secret: the target variable itself, then `GROUP_KEY`
        (or `KEY`), then the key as written, in that order."""
        base = (f"{self.group}_{self.key}" if self.group else self.key).replace("-", "_").upper()
        for name in (self.as_env_var, base, self.key):
            if name and name in os.environ:
                return os.environ[name]
        return None


SecretRequest = Union[str, Secret, list[Union[str, Secret]]]


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
