"""Names of flytekit internals that legacy code imports but this shim does not implement.

flytekit programs (and flytekit's own tests) import internals at module level: IDL models,
the serializer, remote clients. The shim runs tasks on the flyte runtime with plain Python
values, so these have no meaning here; they exist so that such an import succeeds and the
public parts of the module can run. Using one (instantiating it, calling it, or reading an
attribute of it) raises `NotImplementedError` naming what was used and why it is absent.
"""

from __future__ import annotations

from typing import Any, Callable, NoReturn


def _public_name(module: str, name: str) -> str:
    if module.startswith("flytekit_compat"):
        module = "flytekit" + module[len("flytekit_compat"):]
    return f"{module}.{name}"


def _refuse(qualname: str, why: str) -> NoReturn:
    raise NotImplementedError(
        f"{qualname} is a flytekit internal ({why}) that the flytekit shim does not provide: it runs tasks on "
        "the flyte runtime with plain Python values. Only importing it is supported."
    )


class _InternalMeta(type):
    """Classes that can be named, subclassed and used in isinstance checks, but not used."""

    def __call__(cls, *args: Any, **kwargs: Any) -> Any:
        _refuse(cls._qualname, cls._why)

    def __getattr__(cls, name: str) -> Any:
        if name.startswith("__"):
            raise AttributeError(name)
        _refuse(f"{cls._qualname}.{name}", cls._why)


def internal_class(module: str, name: str, why: str) -> type:
    return _InternalMeta(name, (), {"__module__": module, "_qualname": _public_name(module, name), "_why": why})


def internal_classes(module: str, why: str, *names: str) -> tuple[type, ...]:
    return tuple(internal_class(module, n, why) for n in names)


def internal_function(module: str, name: str, why: str) -> Callable[..., Any]:
    qualname = _public_name(module, name)

    def refused(*args: Any, **kwargs: Any) -> NoReturn:
        _refuse(qualname, why)

    refused.__name__ = refused.__qualname__ = name
    refused.__module__ = module
    return refused


def internal_functions(module: str, why: str, *names: str) -> tuple[Callable[..., Any], ...]:
    return tuple(internal_function(module, n, why) for n in names)


__all__ = ["internal_class", "internal_classes", "internal_function", "internal_functions"]
