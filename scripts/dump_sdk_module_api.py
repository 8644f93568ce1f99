"""Record the public surface of the SDK's submodules, for tests/flyte/test_module_api.py.

Run it with the *real* SDK's interpreter (never in this project's environment), from a directory
that has no `flyte` package in it (Python puts the current directory first on `sys.path`):

    cd /tmp && /path/to/flyte-2.12.1-venv/bin/python REPO/scripts/dump_sdk_module_api.py > REPO/tests/flyte/data/sdk_module_api.json

For every module: its `__all__`, and for each public function or class the parameter lists (a
class: its constructor, and each public member with its kind: property, a blocking call with an
`.aio` form ("syncified"), a coroutine, an async generator, a plain method, a class method).
A script written against the SDK depends on exactly these: whether to `await` a call, whether
`.aio` exists, which keyword arguments a call takes.
"""

from __future__ import annotations

import importlib
import inspect
import json
import sys
from typing import Any, Optional

MODULES = [
    "flyte.remote", "flyte.storage", "flyte.types", "flyte.syncify", "flyte.notify", "flyte.config", "flyte.git",
    "flyte.sandbox", "flyte.extras", "flyte.artifacts",
]


def params(fn: Any) -> Optional[list[dict]]:
    try:
        sig = inspect.signature(fn)
    except (TypeError, ValueError):
        return None
    out = []
    for p in sig.parameters.values():
        if p.name in ("self", "cls"):
            continue
        default = None if p.default is inspect.Parameter.empty else repr(p.default)
        out.append({"name": p.name, "kind": p.kind.name, "default": default})
    return out


def _unwrap(obj: Any) -> Any:
    """The function behind a syncified object, a classmethod, a staticmethod."""
    for attr in ("__func__", "func", "fn", "_fn", "__wrapped__"):
        inner = getattr(obj, attr, None)
        if callable(inner):
            return _unwrap(inner)
    return obj


def kind_of(static: Any, owner: type, name: str) -> tuple[str, Any]:
    if isinstance(static, (property,)) or type(static).__name__ in ("cached_property",):
        return "property", None
    if isinstance(static, classmethod):
        inner = static.__func__
        if hasattr(getattr(owner, name), "aio"):
            return "syncified", inner
        return "classmethod", inner
    if isinstance(static, staticmethod):
        return "staticmethod", static.__func__
    bound = getattr(owner, name, None)
    if hasattr(static, "aio") or hasattr(bound, "aio"):
        return "syncified", static
    fn = _unwrap(static)
    if inspect.isasyncgenfunction(fn):
        return "async generator", fn
    if inspect.iscoroutinefunction(fn):
        return "coroutine", fn
    if inspect.isfunction(fn):
        return "method", fn
    return "attribute", None


def member_params(kind: str, fn: Any, owner: type, name: str) -> Optional[list[dict]]:
    if fn is None:
        return None
    if kind.startswith("syncified"):
        bound = getattr(owner, name)
        target = _unwrap(fn)
        p = params(target)
        if p is None:
            p = params(bound)
        return p
    return params(fn)


def describe_class(cls: type) -> dict:
    members = {}
    for klass in reversed(cls.__mro__):
        if klass is object or klass.__module__ in ("builtins", "typing", "abc", "collections", "enum"):
            continue
        if not klass.__module__.startswith("flyte"):
            continue
        for name, static in vars(klass).items():
            if name.startswith("_"):
                continue
            kind, fn = kind_of(static, cls, name)
            members[name] = {"kind": kind, "params": member_params(kind, fn, cls, name), "owner": klass.__name__}
    return {"type": "class", "init": params(cls) if not _is_enum(cls) else None, "members": members}


def _is_enum(cls: type) -> bool:
    import enum

    return isinstance(cls, enum.EnumMeta)


def describe(obj: Any) -> dict:
    if getattr(obj, "__origin__", None) is not None:  # a typing alias: Literal[...], Union[...]
        return {"type": "alias", "repr": repr(obj).replace("typing_extensions.", "typing.")}
    if inspect.ismodule(obj):
        return {"type": "module"}
    if inspect.isclass(obj):
        return describe_class(obj)
    if callable(obj):
        fn = _unwrap(obj)
        kind = ("syncified" if hasattr(obj, "aio") else "async generator" if inspect.isasyncgenfunction(fn)
                else "coroutine" if inspect.iscoroutinefunction(fn) else "function")
        return {"type": kind, "params": params(fn)}
    return {"type": "value", "class": type(obj).__name__}


def main() -> int:
    out: dict[str, Any] = {}
    for modname in MODULES:
        mod = importlib.import_module(modname)
        names = list(getattr(mod, "__all__", []))
        out[modname] = {"__all__": names, "names": {n: describe(getattr(mod, n)) for n in names}}
    json.dump(out, sys.stdout, indent=1, sort_keys=True)
    print()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
