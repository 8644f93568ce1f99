"""The public API matches the flyte 2.12.1 SDK: names, parameter lists and defaults.

tests/flyte/data/sdk_signatures.json was recorded from the real SDK by
scripts/dump_sdk_signatures.py.
"""

import inspect
import json
from pathlib import Path

import pytest

import flyte
import flyte.io

SDK = json.loads((Path(__file__).parent / "data" / "sdk_signatures.json").read_text())

def _ours(name: str):
    """Our counterpart of a recorded SDK name ("TaskEnvironment.task", "map.aio", "File.open"),
    looked up in `flyte`, else `flyte.io`. (inspect.signature reads a callable object such as
    flyte.map through its __call__.)"""
    head, *rest = name.split(".")
    obj = getattr(flyte, head) if hasattr(flyte, head) else getattr(flyte.io, head)
    for part in rest:
        obj = getattr(obj, part)
    return obj


OURS = {name: _ours(name) for name in SDK}

# Where our signature legitimately differs, and why.
EXTRA_OK = {
    "PodTemplate": {"termination_grace_period"},  # the SDK keeps it on the object too, set by a builder
    "File.open": {"kwargs"},
    "File.open_sync": {"kwargs"},
}


def _params(fn):
    out = []
    for p in inspect.signature(fn).parameters.values():
        if p.name in ("self", "cls"):
            continue
        default = None if p.default is inspect.Parameter.empty else repr(p.default)
        out.append({"name": p.name, "kind": p.kind.name, "default": default})
    return out


def _comparable(params):
    # private parameters (the SDK's `_tracker`) are not part of the API users write against
    return [p for p in params if p["kind"] not in ("VAR_POSITIONAL", "VAR_KEYWORD") and not p["name"].startswith("_")]


@pytest.mark.parametrize("name", sorted(SDK))
def test_signature_matches_sdk(name):
    theirs = _comparable(SDK[name])
    ours = [p for p in _comparable(_params(OURS[name])) if p["name"] not in EXTRA_OK.get(name, set())]
    assert [p["name"] for p in ours] == [p["name"] for p in theirs]
    for o, t in zip(ours, theirs):
        assert o["kind"] == t["kind"], (o, t)
        factory = t["default"] is not None and ("factory" in t["default"] or "object at" in t["default"])
        if not factory:
            assert o["default"] == t["default"], (name, o, t)
    # a *args in the SDK must be a *args here
    assert any(p["kind"] == "VAR_POSITIONAL" for p in SDK[name]) == any(
        p["kind"] == "VAR_POSITIONAL" for p in _params(OURS[name])
    )


SDK_NAMES = [
    "AMD_GPU", "APPLE_SILICON", "GPU", "HABANA_GAUDI", "TPU", "AsyncFunctionTaskTemplate", "Backoff", "Cache",
    "CachePolicy", "CacheRequest", "Cron", "Device", "Documentation", "Environment", "FixedRate", "Image",
    "Link", "Neuron", "OnArtifact", "PodTemplate", "Resources", "RetryStrategy", "ReusePolicy", "Secret",
    "SecretRequest", "TaskEnvironment", "TaskTemplate", "Timeout", "TimeoutType", "Trigger", "TriggerTime",
    "TriggeredArtifact", "TriggeredPartition", "__version__", "ctx", "current_domain", "current_project",
    "custom_context", "get_custom_context", "group", "init", "init_from_api_key", "init_from_config",
    "is_control_plane_available", "logger", "map", "new_condition", "rerun", "run", "trace", "version",
    "with_runcontext",
]


def test_public_names_exist():
    missing = [n for n in SDK_NAMES if not hasattr(flyte, n)]
    assert missing == []
    assert set(flyte.__all__) >= set(SDK_NAMES)
    for sub in ("errors", "io", "report", "durable", "models"):
        __import__(f"flyte.{sub}")


def test_error_classes_and_codes():
    e = flyte.errors
    assert issubclass(e.RuntimeUserError, e.BaseRuntimeError) and issubclass(e.BaseRuntimeError, RuntimeError)
    assert e.NonRecoverableError("x").code == "NonRecoverableError"
    assert e.SyncTaskCallInAsyncContextError("x").code == "SyncTaskCallInAsyncContextError"
    assert issubclass(e.MaxRuntimeExceededError, e.TaskTimeoutError)
    assert e.RuntimeUserError("KeyError", "m").kind == "user"
