"""Values whose type has a user's transformer cross task boundaries as the literal it makes.

The shim moves most values between tasks as Python objects (built-in types need no literal to
behave as flytekit's do). A type whose transformer the user registered (`TypeEngine.register`),
a type annotated with a transformer (`Annotated[T, MyTransformer()]`), `typing.Any` (pickled, as
flytekit pickles it), and lists, dicts and unions of those, are different: there the user's
`to_literal` and `to_python_value` are the behaviour, so, as in flytekit,

- a task's output of such a type leaves as `transformer.to_literal(value)` (a `LiteralValue`,
  which the runtime records through Flyte 2's type engine as the equivalent `flyteidl2` literal:
  see `_literal_value`),
- a task receiving such an input gets `transformer.to_python_value(literal)`; a Python value
  given directly (a workflow input, a top-level call) is written and read back first,
- a workflow's or a top-level call's output is read back as its declared type.
"""

from __future__ import annotations

import dataclasses
import sys
import typing
from typing import Any, Optional

_cache: dict[Any, bool] = {}


def is_literal_value(value: Any) -> bool:
    """Whether `value` is a crossing literal (without importing the module that carries them,
    which loads Flyte 2's type engine: no value can be one before that module is imported). Another
    thread may be importing it right now: until its class exists, no value is one either."""
    module = sys.modules.get("flytekit_compat._literal_value")
    return module is not None and type(value) is getattr(module, "LiteralValue", None)


def _ctx() -> Any:
    from .core.context_manager import FlyteContextManager

    return FlyteContextManager.current_context()


def crosses_as_literal(tp: Any) -> bool:
    """Whether values of declared type `tp` cross as literals (cached per type)."""
    try:
        return _cache[tp]
    except KeyError:
        pass
    except TypeError:  # an unhashable annotation
        return _decide(tp)
    result = _cache[tp] = _decide(tp)
    return result


_PLAIN = {int, float, str, bool, bytes, type(None), list, dict}


def _decide(tp: Any) -> bool:
    if tp is typing.Any:
        return True
    if isinstance(tp, type) and tp in _PLAIN:
        return False
    origin = typing.get_origin(tp)
    args = typing.get_args(tp)
    if origin is typing.Annotated:
        if any(_is_transformer(a) or _is_hash_method(a) for a in args[1:]):
            return True
        return crosses_as_literal(args[0])
    if origin in (list, dict) or origin is typing.Union or type(tp).__name__ == "UnionType":
        return any(crosses_as_literal(a) for a in args if a is not type(None))
    if not isinstance(tp, type):
        return False
    if dataclasses.is_dataclass(tp) or (hasattr(tp, "model_fields") and hasattr(tp, "model_validate")):
        return _holds_flyte_types(tp, set())
    # (a module another thread is still importing may lack its class: then nothing is of it yet)
    dataset = getattr(sys.modules.get("flytekit_compat.types.structured._structured_dataset"), "StructuredDataset", None)
    if isinstance(dataset, type) and issubclass(tp, dataset):
        return True
    TypeEngine = getattr(sys.modules.get("flytekit_compat.core.type_engine"), "TypeEngine", None)
    if TypeEngine is None:
        return False  # nobody imported the engine, so nobody registered a transformer
    transformer = TypeEngine._get_transformer(tp)
    if transformer is None and hasattr(tp, "__mro__"):
        for base in tp.__mro__[1:]:
            transformer = TypeEngine._get_transformer(base)
            if transformer is not None:
                break
    return transformer is not None and id(transformer) not in TypeEngine._BUILTIN_TRANSFORMERS


def _holds_flyte_types(tp: Any, seen: set) -> bool:
    """Whether a dataclass or pydantic model has (nested) file, directory or dataset fields: such a
    value crosses as its msgpack literal, so those fields get flytekit's crossing meaning."""
    kinds = tuple(getattr(sys.modules.get(m), n, None) for m, n in (
        ("flytekit_compat.types.file._file", "FlyteFile"), ("flytekit_compat.types.directory._directory", "FlyteDirectory"),
        ("flytekit_compat.types.structured._structured_dataset", "StructuredDataset")))
    kinds = tuple(k for k in kinds if isinstance(k, type))  # a type nobody imported cannot be a field's type
    classes: tuple[type, ...] = typing.cast(tuple[type, ...], kinds)
    if not kinds or id(tp) in seen:
        return False
    seen.add(id(tp))
    try:
        hints = typing.get_type_hints(tp)
    except Exception:
        return False
    stack = list(hints.values())
    while stack:
        t = stack.pop()
        if isinstance(t, type):
            if issubclass(t, classes):
                return True
            if (dataclasses.is_dataclass(t) or hasattr(t, "model_fields")) and _holds_flyte_types(t, seen):
                return True
        stack.extend(typing.get_args(t))
    return False


def _is_hash_method(meta: Any) -> bool:
    from .core.hash import HashMethod

    return isinstance(meta, HashMethod)


def _is_transformer(meta: Any) -> bool:
    from .core.type_engine import TypeTransformer

    return isinstance(meta, TypeTransformer)


def to_literal(value: Any, tp: Any) -> Any:
    """`value` (declared as `tp`) as a `LiteralValue` made by its transformer."""
    from ._literal_value import LiteralValue
    from .core.type_engine import TypeEngine

    if isinstance(value, LiteralValue):
        return value
    expected = TypeEngine.to_literal_type(tp)
    try:
        return LiteralValue(TypeEngine.to_literal(_ctx(), value, tp, expected))
    except Exception:
        # A value of another type with the same transformer (a pandas frame where a dataset is
        # declared): written as its own type, as flytekit writes the producing task's output.
        own = type(value)
        if own is tp or TypeEngine.get_transformer(own) is not TypeEngine.get_transformer(tp):
            raise
        return LiteralValue(TypeEngine.to_literal(_ctx(), value, own, expected))


def to_python(value: Any, tp: Any) -> Any:
    """A crossing value as `tp`: read from its literal, or a Python value written and read back."""
    from .core.type_engine import TypeEngine

    if is_literal_value(value):
        literal = value.literal
    else:
        try:
            literal = to_literal(value, tp).literal
        except Exception:
            from ._typecheck import convert

            # flytekit's conveniences first (a FlyteSchema where a dataset is declared, ...)
            literal = to_literal(convert(value, tp), tp).literal
    return TypeEngine.to_python_value(_ctx(), literal, tp)


def crossing_outputs(outputs: dict[str, Any]) -> Optional[dict[str, Any]]:
    """The outputs (name -> type) that cross as literals; None when none does."""
    found = {k: t for k, t in outputs.items() if crosses_as_literal(t)}
    return found or None


def receive_crossing(entity_name: str, types: dict[str, Any], crossing: dict[str, Any],
                     kwargs: dict[str, Any]) -> dict[str, Any]:
    """A task's inputs: crossing ones read through their transformer, the rest converted as usual."""
    from ._typecheck import convert_inputs

    plain = convert_inputs(entity_name, types, {k: v for k, v in kwargs.items() if k not in crossing}, kind="task")
    for name, tp in crossing.items():
        if name in kwargs:
            plain[name] = to_python(kwargs[name], tp)
    return {k: plain[k] for k in kwargs}


def send_crossing(outputs: dict[str, Any], crossing: dict[str, Any], values: tuple) -> tuple:
    """A task's checked output values, crossing ones written by their transformer."""
    return tuple(to_literal(v, outputs[name]) if name in crossing else v for name, v in zip(outputs, values))


def check_graph_outputs(entity_name: str, outputs: dict[str, Any], values: tuple) -> tuple:
    """A workflow's (or dynamic task's) output values, checked against its declared outputs; those
    that cross as literals stay (or become) literals, to be read by whoever receives them."""
    from ._typecheck import convert_output_values

    crossing = crossing_outputs(outputs)
    if not crossing:
        return convert_output_values(entity_name, outputs, values)
    loose = {k: (typing.Any if k in crossing else t) for k, t in outputs.items()}
    return send_crossing(outputs, crossing, convert_output_values(entity_name, loose, values))


__all__ = ["check_graph_outputs", "is_literal_value", "crosses_as_literal", "crossing_outputs", "receive_crossing", "send_crossing", "to_literal",
           "to_python"]
