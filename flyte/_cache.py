"""Cache policy for a task's outputs, persisted across processes in the metadata store."""

from __future__ import annotations

import ast
import hashlib
import inspect
import textwrap
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any, Literal, Optional, Protocol, Union, runtime_checkable

CacheBehavior = Literal["auto", "override", "disable"]
_BEHAVIORS = ("auto", "override", "disable")
_ALIASES = {
    "enable": "auto", "enabled": "auto", "on": "auto", "true": "auto", "yes": "auto",
    "off": "disable", "false": "disable", "no": "disable", "none": "disable",
}


@dataclass
class VersionParameters:
    """What a cache policy may look at to compute a version."""

    func: Optional[Callable[..., Any]]
    image: Any = None
    code_bundle: Any = None


@runtime_checkable
class CachePolicy(Protocol):
    """Computes a cache version; implement `get_version(salt, params) -> str`."""

    def get_version(self, salt: str, params: VersionParameters) -> str: ...


class FunctionBodyPolicy:
    """The default policy: the version changes whenever the function's code (its AST) changes,
    and not when only comments or formatting do."""

    def get_version(self, salt: str, params: VersionParameters) -> str:
        if params.func is None:
            return ""
        try:
            source = textwrap.dedent(inspect.getsource(params.func))
            fingerprint = ast.dump(ast.parse(source), include_attributes=False).encode()
        except (OSError, TypeError, SyntaxError):
            # No source (a REPL, a lambda in exec'd code): fall back to the bytecode.
            code = getattr(params.func, "__code__", None)
            fingerprint = code.co_code + repr(code.co_consts).encode() if code else repr(params.func).encode()
        return hashlib.sha256(fingerprint + salt.encode()).hexdigest()


@dataclass
class Cache:
    """Whether and how a task's outputs are cached.

    - `"auto"`: reuse outputs for the same inputs and the same function body (or `version_override`).
    - `"override"`: always run, and write the outputs under `version_override` for later `"auto"` reads.
    - `"disable"`: no caching.

    `serialize=True` makes concurrent calls with identical inputs run once and share the result.
    `max_age` (seconds or timedelta) bounds how old a reused result may be.
    """

    behavior: CacheBehavior
    version_override: Optional[str] = None
    serialize: bool = False
    ignored_inputs: Union[tuple[str, ...], str] = field(default_factory=tuple)
    salt: str = ""
    policies: Union[list[CachePolicy], CachePolicy, None] = None
    max_age: Union[timedelta, int, None] = None

    def __post_init__(self) -> None:
        if isinstance(self.max_age, bool) or (self.max_age is not None and not isinstance(self.max_age, (int, timedelta))):
            raise TypeError("max_age must be an int (seconds), timedelta, or None")
        if isinstance(self.max_age, int):
            self.max_age = timedelta(seconds=self.max_age)
        if self.max_age is not None and self.max_age < timedelta(0):
            raise ValueError("max_age must be nonnegative")
        if isinstance(self.behavior, bool):
            self.behavior = "auto" if self.behavior else "disable"
        if isinstance(self.behavior, str) and self.behavior not in _BEHAVIORS:
            self.behavior = _ALIASES.get(self.behavior.lower(), self.behavior)  # type: ignore[assignment]
        if self.behavior not in _BEHAVIORS:
            raise ValueError(
                f"Invalid cache behavior: {self.behavior!r}. Must be one of {list(_BEHAVIORS)} "
                f"(aliases accepted: {sorted(_ALIASES)})."
            )
        if isinstance(self.ignored_inputs, str):
            self.ignored_inputs = (self.ignored_inputs,)
        else:
            self.ignored_inputs = tuple(self.ignored_inputs)
        if self.behavior == "disable":
            return
        if self.policies is None:
            self.policies = [FunctionBodyPolicy()]
        elif not isinstance(self.policies, list):
            self.policies = [self.policies]
        if self.version_override is None and not self.policies:
            raise ValueError("If version is not defined then at least one cache policy needs to be set")

    def is_enabled(self) -> bool:
        return self.behavior in ("auto", "override")

    def get_ignored_inputs(self) -> tuple[str, ...]:
        return self.ignored_inputs  # type: ignore[return-value]

    def get_version(self, params: Optional[VersionParameters] = None) -> str:
        if not self.is_enabled():
            return ""
        if self.version_override is not None:
            return self.version_override
        if params is None:
            raise ValueError("Version parameters must be provided when version_override is not set.")
        combined = ""
        for policy in self.policies or []:  # type: ignore[union-attr]
            try:
                combined += policy.get_version(self.salt, params)
            except Exception as e:
                raise ValueError(f"Failed to generate version for cache policy {policy}.") from e
        return hashlib.sha256(combined.encode()).hexdigest()


CacheRequest = Union[CacheBehavior, bool, Cache]


def cache_from_request(cache: CacheRequest) -> Cache:
    """Any accepted spelling of a cache request as a `Cache`."""
    if isinstance(cache, Cache):
        return cache
    if not isinstance(cache, (str, bool)):
        raise TypeError(f"Expected cache to be a str or flyte.Cache, got {type(cache).__name__}: {cache!r}")
    return Cache(behavior=cache)  # type: ignore[arg-type]
