"""Names of flytekit internals that legacy code imports but this shim does not implement.

flytekit programs (and flytekit's own tests) import internals at module level: IDL models,
the serializer, remote clients. The shim runs tasks on the flyte runtime with plain Python
values, so these have no meaning here; they exist so that such an import succeeds and the
public parts of the module can run. Using one (calling a function, or reading an attribute
of an instance) raises `NotImplementedError` naming what was used and why it is absent.
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
    """Classes that can be named, subclassed, used in isinstance checks and even constructed
    (flytekit's tests build IDL models in `parametrize` lists at import time), but whose
    instances refuse every use. Attributes of the class are further such classes
    (`Resources.ResourceName.CPU`)."""

    def __call__(cls, *args: Any, **kwargs: Any) -> Any:
        obj = object.__new__(_Inert)
        object.__setattr__(obj, "_qualname", cls._qualname)
        object.__setattr__(obj, "_why", cls._why)
        object.__setattr__(obj, "_args", (args, kwargs))
        return obj

    def __getattr__(cls, name: str) -> Any:
        if name.startswith("__"):
            raise AttributeError(name)
        nested = internal_class(cls.__module__, f"{cls.__name__}.{name}", cls._why)
        setattr(cls, name, nested)
        return nested


class _Inert:
    """An instance of an internal class: it exists, and refuses to be used."""

    def __getattr__(self, name: str) -> Any:
        if name.startswith("__"):
            raise AttributeError(name)
        _refuse(f"{object.__getattribute__(self, '_qualname')}(...).{name}", object.__getattribute__(self, "_why"))

    def __repr__(self) -> str:
        return f"<flytekit internal {object.__getattribute__(self, '_qualname')} (not provided by the shim)>"


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





def internal_module_getattr(module: str, why: str) -> Callable[[str], Any]:
    """A module `__getattr__` for modules that hold nothing but internals (flyteidl models): any
    class name there is an internal class."""

    def __getattr__(name: str) -> Any:
        if not name[:1].isupper():
            raise AttributeError(f"module {module!r} has no attribute {name!r}")
        return internal_class(module, name, why)

    return __getattr__
__all__ = ["internal_class", "internal_classes", "internal_function", "internal_functions", "internal_module_getattr"]
