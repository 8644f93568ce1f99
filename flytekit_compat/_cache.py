"""flytekit's `Cache` object and its mapping onto `flyte.Cache`."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from typing import Any, Optional, Union


@dataclass
class Cache:
    """Cache settings for a task: an explicit `version` or version policies, plus serialization,
    ignored inputs and a salt."""

    version: Optional[str] = None
    serialize: bool = False
    ignored_inputs: Union[tuple[str, ...], str] = ()
    salt: str = ""
    policies: Optional[Union[list[Any], Any]] = None

    def __post_init__(self) -> None:
        if isinstance(self.ignored_inputs, str):
            self.ignored_inputs = (self.ignored_inputs,)
        if self.policies is not None and not isinstance(self.policies, list):
            self.policies = [self.policies]
        if self.version is None and not self.policies:
            raise ValueError("If version is not defined then at least one cache policy needs to be set")

    def get_ignored_inputs(self) -> tuple[str, ...]:
        return tuple(self.ignored_inputs)  # type: ignore[arg-type]

    def get_version(self, params: Any = None) -> str:
        if self.version is not None:
            return self.version
        combined = "".join(p.get_version(self.salt, params) for p in self.policies or [])
        return hashlib.sha256(combined.encode()).hexdigest()


@dataclass
class VersionParameters:
    func: Any = None
    container_image: Any = None
    pod_template: Any = None
    pod_template_name: Optional[str] = None
    extra: dict = field(default_factory=dict)


def to_flyte_cache(version: str, serialize: bool, ignored: tuple[str, ...], salt: str = "") -> Any:
    """flytekit keys its cache on task name, cache_version and inputs: exactly flyte's
    `Cache(version_override=...)`."""
    import flyte

    return flyte.Cache("auto", version_override=version or "0", serialize=serialize, ignored_inputs=ignored, salt=salt)
