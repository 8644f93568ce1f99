"""`.with_overrides(...)` on a node: validated as flytekit does, applied as `flyte` overrides."""

from __future__ import annotations

import datetime
from typing import Any

from ._promise import Promise

_KNOWN = {
    "node_name", "aliases", "requests", "limits", "timeout", "retries", "interruptible", "name", "task_config",
    "container_image", "accelerator", "cache", "cache_version", "cache_serialize", "shared_memory", "pod_template",
    "resources",
}


def validate_overrides(kwargs: dict[str, Any]) -> None:
    from ._resources import Resources

    for k, v in kwargs.items():
        if isinstance(v, Promise):
            raise AssertionError(f"Cannot use a promise in the overrides argument {k!r}: overrides are fixed when the workflow compiles")
    if "requests" in kwargs and kwargs["requests"] is not None and not isinstance(kwargs["requests"], Resources):
        raise AssertionError("requests should be specified as flytekit.Resources")
    if "limits" in kwargs and kwargs["limits"] is not None and not isinstance(kwargs["limits"], Resources):
        raise AssertionError("limits should be specified as flytekit.Resources")
    if kwargs.get("resources") is not None and (kwargs.get("requests") is not None or kwargs.get("limits") is not None):
        raise ValueError("`resource` can not be used together with the `limits` or `requests`. Please only set `resource`.")
    if "retries" in kwargs and kwargs["retries"] is not None and not isinstance(kwargs["retries"], int):
        raise AssertionError("retries should be an integer")
    if "timeout" in kwargs and kwargs["timeout"] is not None and not isinstance(kwargs["timeout"], (int, datetime.timedelta)):
        raise ValueError("timeout should be duration represented as either a datetime.timedelta or int seconds")


def apply_overrides(template: Any, overrides: dict[str, Any]) -> Any:
    """The node's flyte task with the settings that have a local meaning changed."""
    from ._resources import Resources, ResourceSpec, to_flyte_resources

    changes: dict[str, Any] = {}
    if overrides.get("retries") is not None:
        changes["retries"] = overrides["retries"]
    if overrides.get("timeout") is not None:
        changes["timeout"] = overrides["timeout"]
    if overrides.get("name") or overrides.get("node_name"):
        changes["short_name"] = str(overrides.get("name") or overrides.get("node_name"))
    if overrides.get("interruptible") is not None:
        changes["interruptible"] = overrides["interruptible"]
    spec = None
    if overrides.get("resources") is not None:
        spec = ResourceSpec.from_multiple_resource(overrides["resources"])
    elif overrides.get("requests") is not None or overrides.get("limits") is not None:
        spec = ResourceSpec(requests=overrides.get("requests") or Resources(), limits=overrides.get("limits") or Resources())
    if spec is not None or overrides.get("accelerator") is not None:
        resources = to_flyte_resources(spec, overrides.get("accelerator"), overrides.get("shared_memory"))
        if resources is not None:
            changes["resources"] = resources
    if overrides.get("cache") is not None:
        from ._cache import Cache, to_flyte_cache

        cache = overrides["cache"]
        if isinstance(cache, Cache):
            changes["cache"] = to_flyte_cache(cache.get_version(), cache.serialize, tuple(cache.ignored_inputs), cache.salt)
        elif cache:
            changes["cache"] = to_flyte_cache(overrides.get("cache_version") or "", bool(overrides.get("cache_serialize")), ())
        else:
            changes["cache"] = "disable"
    return template.override(**changes) if changes else template
