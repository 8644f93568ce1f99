"""The SDK's submodules (flyte.remote, flyte.storage, flyte.types, ...) have the same public
surface here: the same `__all__`, and for every function and class member the same kind (a
property, a blocking call with `.aio`, a coroutine, an async generator, a method) and the same
parameters and defaults. A script written against the SDK depends on exactly that: whether to
`await`, whether `.aio` exists, which keywords a call takes.

tests/flyte/data/sdk_module_api.json was recorded from the real SDK (2.12.1) by
scripts/dump_sdk_module_api.py; the same code describes ours here.
"""

from __future__ import annotations

import asyncio
import importlib
import importlib.util
import json
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
SDK = json.loads((Path(__file__).parent / "data" / "sdk_module_api.json").read_text())


def _dumper():
    spec = importlib.util.spec_from_file_location("dump_sdk_module_api", ROOT / "scripts" / "dump_sdk_module_api.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


DUMP = _dumper()

# Where ours legitimately differs from the SDK, and why. Keys: "module.Name" or
# "module.Name.member"; values: the reason.
DIFFERENT = {
    "flyte.remote.ActionDetails.code_bundle": "a backend's code bundle; a local run runs the code in place",
    "flyte.remote.ActionDetails.metadata": "the backend's ActionMetadata message; the fields are properties here",
    "flyte.remote.ActionDetails.status": "the backend's ActionStatus message; phase/attempts/runtime are properties",
}

# Objects only a backend has: constructing one raises, and so does every class-level call the
# SDK has (blocking and `.aio`); checked by test_backend_only_objects_say_so.
BACKEND_ONLY = {"App", "Artifact", "Condition", "PartitionSchema", "Project", "Secret", "Settings", "Trigger",
                "TriggerDetails", "User"}


def _comparable(params):
    if params is None:
        return None
    return [p for p in params if p["kind"] not in ("VAR_POSITIONAL", "VAR_KEYWORD") and not p["name"].startswith("_")]


def _param_problems(ours, theirs, where) -> list[str]:
    ours, theirs = _comparable(ours), _comparable(theirs)
    if theirs is None:
        return []
    if ours is None:
        return [f"{where}: no signature here"]
    if [p["name"] for p in ours] != [p["name"] for p in theirs]:
        return [f"{where}: parameters {[p['name'] for p in ours]} != the SDK's {[p['name'] for p in theirs]}"]
    out = []
    for o, t in zip(ours, theirs):
        if o["kind"] != t["kind"]:
            out.append(f"{where}: {o['name']} is {o['kind']}, the SDK's is {t['kind']}")
        # a default built per instance (a dataclass factory) stands for the SDK's default object
        built = any(d is not None and ("factory" in d or " at 0x" in d or d.startswith("<")) for d in (o["default"], t["default"]))
        if not built and o["default"] != t["default"]:
            out.append(f"{where}: {o['name']} defaults to {o['default']}, the SDK's to {t['default']}")
    return out


# The SDK builds these from a backend's protobuf messages (`pb2`); users get them from `get` /
# `listall` / `fetch`, never by calling the class, so only their members are compared.
BUILT_FROM_RECORDS = {
    "flyte.remote.Action", "flyte.remote.ActionDetails", "flyte.remote.Run", "flyte.remote.RunDetails",
    "flyte.remote.TaskDetails", "flyte.remote.Task", "flyte.remote.App", "flyte.remote.Artifact",
    "flyte.remote.Condition", "flyte.remote.Project", "flyte.remote.Secret", "flyte.remote.Settings",
    "flyte.remote.Trigger", "flyte.remote.TriggerDetails", "flyte.remote.User", "flyte.remote.PartitionSchema",
}

def _is_task_class(described) -> bool:
    return any(m.get("owner") in TASK_BASES for m in described["members"].values())


def _task_init_problems(ours, theirs, where) -> list[str]:
    """A task class is built with keywords (its fields are keyword-only): the same names and
    defaults are what a caller depends on, not the order the base class's fields come in."""
    by_name = {p["name"]: p for p in _comparable(ours) or []}
    out = []
    for t in _comparable(theirs) or []:
        if t["name"] == "func":
            continue  # required in both; ours is checked in __post_init__ (a field after defaulted ones)
        o = by_name.get(t["name"])
        if o is None:
            out.append(f"{where}: no parameter {t['name']}")
        elif t["default"] != o["default"] and "factory" not in str(t["default"]) + str(o["default"]):
            out.append(f"{where}: {t['name']} defaults to {o['default']}, the SDK's to {t['default']}")
    return out


TASK_BASES = {"TaskTemplate", "AsyncFunctionTaskTemplate", "RuntimeTaskTemplate"}

CASES = [(mod, name) for mod, info in sorted(SDK.items()) for name in info["__all__"]]


@pytest.mark.parametrize("module", sorted(SDK))
def test_all_lists_the_sdk_names(module):
    ours = importlib.import_module(module)
    assert sorted(ours.__all__) == sorted(SDK[module]["__all__"])


@pytest.mark.parametrize("module,name", CASES, ids=[f"{m}.{n}" for m, n in CASES])
def test_public_name_has_the_sdk_shape(module, name):
    where = f"{module}.{name}"
    if module == "flyte.remote" and name in BACKEND_ONLY:
        pytest.skip("needs a backend: see test_backend_only_objects_say_so")
    if where in DIFFERENT:
        pytest.skip(DIFFERENT[where])
    theirs = SDK[module]["names"][name]
    ours = DUMP.describe(getattr(importlib.import_module(module), name))
    if theirs["type"] in ("value", "alias"):
        assert ours == theirs if theirs["type"] == "alias" else ours["type"] == "value", where
        return
    assert ours["type"] == theirs["type"], where
    if theirs["type"] != "class":
        assert _param_problems(ours.get("params"), theirs.get("params"), where) == []
        return
    if where in BUILT_FROM_RECORDS:
        problems = []
    elif _is_task_class(theirs):
        problems = _task_init_problems(ours["init"], theirs["init"], where + "()")
    else:
        problems = _param_problems(ours["init"], theirs["init"], where + "()")
    for member, t in sorted(theirs["members"].items()):
        key = f"{where}.{member}"
        if key in DIFFERENT or t.get("owner") in TASK_BASES:
            continue  # a task class's inherited task API is flyte.TaskTemplate's (tests/flyte/test_api.py)
        o = ours["members"].get(member)
        fields = {p["name"] for p in ours["init"] or []}
        if o is None and t["kind"] == "attribute" and member in fields:
            continue  # a dataclass field whose default is built per instance
        if o is None:
            problems.append(f"{key} is missing")
        elif t["kind"] != "attribute":  # a class constant or dataclass default: present is enough
            if o["kind"] != t["kind"]:
                problems.append(f"{key} is a {o['kind']}, the SDK's is a {t['kind']}")
            else:
                problems.extend(_param_problems(o["params"], t["params"], key))
    assert problems == [], "\n".join(problems)


def test_backend_only_objects_say_so():
    import flyte.remote
    from flyte.errors import InitializationError

    for name in sorted(BACKEND_ONLY):
        ours = getattr(flyte.remote, name)
        with pytest.raises(InitializationError, match=name):
            ours()
        calls = {m: t["kind"] for m, t in SDK["flyte.remote"]["names"][name]["members"].items()
                 if t["kind"] in ("syncified", "classmethod", "staticmethod")}
        assert calls or name in ("PartitionSchema", "TriggerDetails", "User")
        for member, kind in calls.items():
            with pytest.raises(InitializationError) as e:
                getattr(ours, member)("x")
            assert e.value.code == "ClientNotInitializedError" and f"{name}.{member}" in str(e.value)
            if kind == "syncified":
                with pytest.raises(InitializationError):
                    asyncio.run(getattr(ours, member).aio("x"))
