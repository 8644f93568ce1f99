"""The typed interface of a flytekit task or workflow, extracted with flytekit's rules.

Decoration-time errors match flytekit: an input without annotation, a bare `list`, a tuple as an
input, an int-valued Enum, a one-item tuple as the outputs, or a return annotation on a function
that never returns a value.
"""

from __future__ import annotations

import collections
import enum
import inspect
import typing
from collections.abc import Callable
from typing import Any, Optional

from .exceptions.user import FlyteMissingReturnValueException, FlyteMissingTypeException, FlyteValidationException

_EMPTY = inspect.Parameter.empty


class RestrictedTypeError(Exception):
    """A type flytekit refuses as a task input (e.g. a bare tuple)."""


def _returns_a_value(fn: Callable[..., Any]) -> Optional[bool]:
    """Whether the function's source mentions `return` or `yield` on any line; None if there is no
    source. This is flytekit's own (textual) rule, kept as is so that exactly the functions flytekit
    refuses are refused: one that only raises or is a stub (`...`) has no return, while a `return`
    in a nested function or even a comment counts."""
    try:
        lines = inspect.getsourcelines(fn)[0]
    except (OSError, TypeError):
        return None
    return any("return" in line or "yield" in line for line in lines)


def _check_input_type(fn: Callable[..., Any], name: str, tp: Any) -> None:
    if tp is list or tp is list:
        raise ValueError(
            f"Type of Generic List type is not supported, Only generic univariate typing.List[T] type is supported "
            f"(input {name!r} of {fn.__qualname__})."
        )
    if tp is tuple or typing.get_origin(tp) is tuple:
        raise RestrictedTypeError(f"Transformer for type {tuple} is restricted currently (input {name!r} of {fn.__qualname__})")
    if isinstance(tp, type) and issubclass(tp, enum.Enum):
        _check_enum(tp)


def _check_enum(tp: type[enum.Enum]) -> None:
    from ._typecheck import TypeTransformerFailedError

    for member in tp:
        if not isinstance(member.value, str):
            raise TypeTransformerFailedError("Only EnumTypes with value of string are supported")


def output_type_names(ret: Any) -> tuple[dict[str, Any], Optional[type]]:
    """(outputs by name, NamedTuple class if the outputs are a named tuple)."""
    if ret is _EMPTY or ret is None or ret is type(None):
        return {}, None
    if isinstance(ret, tuple):  # `-> (int, str)`: flytekit reads a tuple of types as several outputs
        if len(ret) == 1:
            raise FlyteValidationException("Please don't use a tuple if you're just returning one thing.")
        return {f"o{i}": a for i, a in enumerate(ret)}, None
    if isinstance(ret, type) and issubclass(ret, tuple) and hasattr(ret, "_fields"):
        hints = typing.get_type_hints(ret) if getattr(ret, "__annotations__", None) else {}
        return {f: hints.get(f, Any) for f in ret._fields}, ret
    if typing.get_origin(ret) is tuple:
        args = typing.get_args(ret)
        if len(args) == 1:  # a one-item Tuple would be read as one output named o0: flytekit refuses it
            raise FlyteValidationException(
                "Tuples should be used to indicate multiple return values, found only one return variable.")
        if args and not (len(args) == 2 and args[1] is Ellipsis):
            return {f"o{i}": a for i, a in enumerate(args)}, None
    return {"o0": ret}, None


class Interface:
    """Inputs (name → (type, default)) and outputs (name → type) of a flytekit entity."""

    def __init__(self, inputs: Optional[dict[str, Any]] = None, outputs: Optional[dict[str, Any]] = None,
                 output_tuple: Optional[type] = None, docstring: Optional[str] = None):
        # As in flytekit, an input is a type or a (type, default) pair.
        self.inputs_with_defaults = {k: (v if isinstance(v, tuple) and len(v) == 2 else (v, _EMPTY))
                                     for k, v in (inputs or {}).items()}
        self.outputs = dict(outputs or {})
        self.output_tuple = output_tuple
        self.docstring = docstring
        self.artifact_outputs: dict[str, Any] = {}  # outputs recorded as artifacts, by name

    @property
    def inputs(self) -> dict[str, Any]:
        return {k: v[0] for k, v in self.inputs_with_defaults.items()}

    @property
    def default_inputs_as_kwargs(self) -> dict[str, Any]:
        return {k: v[1] for k, v in self.inputs_with_defaults.items() if v[1] is not _EMPTY}

    def required(self) -> tuple[str, ...]:
        return tuple(k for k, v in self.inputs_with_defaults.items() if v[1] is _EMPTY)

    @property
    def output_names(self) -> tuple[str, ...]:
        return tuple(self.outputs)

    def __repr__(self) -> str:
        return f"Interface(inputs={self.inputs}, outputs={self.outputs})"


def artifact_outputs(outputs: dict[str, Any]) -> dict[str, Any]:
    """Outputs annotated with an Artifact (or a call of one), by name: `Annotated[T, MyArtifact(...)]`."""
    found = {}
    for name, tp in outputs.items():
        if typing.get_origin(tp) is typing.Annotated:
            for meta in typing.get_args(tp)[1:]:
                if type(meta).__name__ in ("Artifact", "ArtifactIDSpecification") and hasattr(meta, "bind_partitions" if type(meta).__name__ != "Artifact" else "create_from"):
                    found[name] = meta
                    break
    return found


def extract(fn: Callable[..., Any], *, check_return: bool = True, allow_untyped: bool = False,
            allow_partial_artifacts: bool = True) -> Interface:
    """The interface of `fn`, validated as flytekit validates it at decoration time (partition
    values set while running are allowed for tasks, not for workflows)."""
    sig = inspect.signature(fn)
    try:
        hints = typing.get_type_hints(fn, include_extras=True)
    except Exception:
        hints = {k: v for k, v in getattr(fn, "__annotations__", {}).items()}
    inputs: dict[str, tuple[Any, Any]] = {}
    for p in sig.parameters.values():
        if p.kind in (p.VAR_POSITIONAL, p.VAR_KEYWORD):
            continue
        tp = hints.get(p.name, _EMPTY)
        if tp is _EMPTY:
            if allow_untyped:
                tp = Any
            else:
                raise FlyteMissingTypeException(fn=fn, param_name=p.name)
        _check_input_type(fn, p.name, tp)
        inputs[p.name] = (tp, p.default)
    ret = hints.get("return", sig.return_annotation)
    if ret is _EMPTY and allow_untyped:
        ret = Any  # pickle_untyped: whatever the function returns is one pickled output
    outputs, nt = output_type_names(ret)
    for tp in outputs.values():
        if tp is tuple:
            raise RestrictedTypeError(f"Transformer for type {tuple} is restricted currently (output of {fn.__qualname__})")
        if isinstance(tp, type) and issubclass(tp, enum.Enum):
            _check_enum(tp)
    may_be_none = ret is type(None) or type(None) in typing.get_args(ret)  # an Optional output needs no return
    if check_return and outputs and not may_be_none and _returns_a_value(fn) is False:
        raise FlyteMissingReturnValueException(fn=fn)
    interface = Interface(inputs, outputs, nt, inspect.getdoc(fn))
    artifacts = artifact_outputs(outputs)
    if artifacts:
        from .core.interface import transform_variable_map, verify_outputs_artifact_bindings

        verify_outputs_artifact_bindings(interface.inputs, transform_variable_map({k: outputs[k] for k in artifacts}),
                                         allow_partial_artifacts)
        interface.artifact_outputs = artifacts
    return interface


def make_output_tuple(interface: Interface, values: tuple) -> Any:
    """Outputs as the caller sees them: a bare value, the user's NamedTuple, or DefaultNamedTupleOutput."""
    names = interface.output_names
    if not names:
        return None
    if interface.output_tuple is not None:
        return interface.output_tuple(*values)
    if len(names) == 1:
        return values[0]
    return default_named_tuple(names)(*values)


_default_tuples: dict[tuple[str, ...], type] = {}


def default_named_tuple(names: tuple[str, ...]) -> type:
    cls = _default_tuples.get(names)
    if cls is None:
        cls = _default_tuples[names] = collections.namedtuple("DefaultNamedTupleOutput", names)  # type: ignore[misc]
    return cls


def kwtypes(**kwargs: Any) -> collections.OrderedDict[str, Any]:
    """An ordered name → type mapping (column subsets of structured datasets, SQL task I/O)."""
    return collections.OrderedDict(kwargs)
