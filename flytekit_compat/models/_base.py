"""The base of the shim's IDL models: flyteidl messages as plain Python objects.

flytekit's models wrap protobuf messages; the shim has no protobuf dependency, so each model is a
small class with the same constructor (positional order and keyword names) and the same read
properties. Two models are equal when they are of the same class and their fields are equal,
and equal models hash alike, so literals and types can be compared, used as keys and cached.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, ClassVar


def _frozen(value: Any) -> Any:
    """A hashable stand-in for a field value (dicts and lists by content)."""
    if isinstance(value, dict):
        return tuple(sorted(((repr(k), _frozen(v)) for k, v in value.items()), key=lambda kv: kv[0]))
    if isinstance(value, (list, tuple)):
        return tuple(_frozen(v) for v in value)
    if isinstance(value, (set, frozenset)):
        return frozenset(_frozen(v) for v in value)
    try:
        hash(value)
    except TypeError:
        return repr(value)
    return value


def _field_property(attr: str) -> property:
    def get(self: Any) -> Any:
        return getattr(self, attr)

    def set_(self: Any, value: Any) -> None:
        object.__setattr__(self, attr, value)

    return property(get, set_)


class Model:
    """Fields in `_fields` order; positional arguments fill them in that order, missing ones take
    `_defaults` (or None)."""

    _fields: ClassVar[tuple[str, ...]] = ()
    _defaults: ClassVar[dict[str, Any]] = {}

    if TYPE_CHECKING:  # fields are properties made per class from `_fields`; type checkers see them here
        def __getattr__(self, name: str) -> Any: ...

        def __setattr__(self, name: str, value: Any) -> None: ...

    def __init__(self, *args: Any, **kwargs: Any):
        if len(args) > len(self._fields):
            raise TypeError(f"{type(self).__name__} takes at most {len(self._fields)} positional arguments")
        values = dict(zip(self._fields, args))
        for k, v in kwargs.items():
            if k not in self._fields:
                raise TypeError(f"{type(self).__name__} got an unexpected keyword argument {k!r}")
            if k in values:
                raise TypeError(f"{type(self).__name__} got multiple values for argument {k!r}")
            values[k] = v
        for name in self._fields:
            if name in values:
                value = values[name]
            else:
                default = self._defaults.get(name)
                value = default() if callable(default) else default
            object.__setattr__(self, "_" + name, value)

    # Fields are properties named after them over `_<name>` attributes, which is where flytekit's
    # own code (and code written against it) assigns a changed field (`lv.hash = ...`, `x._uri`).
    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        for name in cls.__dict__.get("_fields", ()):
            if name not in cls.__dict__:
                attr = "_" + name
                setattr(cls, name, _field_property(attr))

    def _field_values(self) -> tuple:
        return tuple(getattr(self, "_" + n) for n in self._fields)

    def __eq__(self, other: object) -> bool:
        if type(other) is not type(self):
            return NotImplemented
        return self._field_values() == other._field_values()  # type: ignore[attr-defined]

    def __hash__(self) -> int:
        return hash((type(self).__name__, _frozen(self._field_values())))

    def __repr__(self) -> str:
        shown = ", ".join(f"{n}={v!r}" for n, v in zip(self._fields, self._field_values()) if v is not None)
        return f"{type(self).__name__}({shown})"

    def short_string(self) -> str:
        return repr(self)

    def verbose_string(self) -> str:
        return repr(self)

    def is_empty(self) -> bool:
        return all(v is None or v == [] or v == {} for v in self._field_values())

    def to_flyte_idl(self) -> Any:
        raise NotImplementedError(
            f"{type(self).__name__}.to_flyte_idl: the flytekit shim's models are plain Python objects, without "
            "flyteidl protobuf messages behind them"
        )

    @classmethod
    def from_flyte_idl(cls, pb: Any) -> Any:
        if isinstance(pb, cls):
            return pb
        raise NotImplementedError(f"{cls.__name__}.from_flyte_idl: the flytekit shim reads no flyteidl protobufs")


__all__ = ["Model"]
