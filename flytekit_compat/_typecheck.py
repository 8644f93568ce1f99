"""Values crossing a flytekit task or workflow boundary: validated and converted as flytekit does.

flytekit is strict (an int is not a float, a bool is not an int), accepts a few conveniences
(a path string for a FlyteFile, an Enum's raw string value), and pickles types it does not know.
Failures raise `TypeTransformerFailedError`, which is a TypeError, an AssertionError and a
ValueError at once, so any of those `except` clauses catches it, as in flytekit.
"""

from __future__ import annotations

import collections.abc
import dataclasses
import datetime
import enum
import functools
import logging
import os
import types as _pytypes
import typing
from typing import Any, Callable, Optional

logger = logging.getLogger("flytekit")


class TypeTransformerFailedError(TypeError, AssertionError, ValueError):
    """A value does not fit the type declared for it."""


class _Mismatch(Exception):
    pass


def _fail(value: Any, tp: Any) -> None:
    raise _Mismatch(f"Expected value of type {tp} but got '{value}' of type {type(value)}")


def _is_union(tp: Any) -> bool:
    origin = typing.get_origin(tp)
    return origin is typing.Union or (origin is not None and type(tp).__name__ == "UnionType")


def _frame_kind(tp: type) -> Optional[str]:
    """"pandas" or "arrow" for the two dataframe types flytekit handles without a plugin."""
    if tp.__name__ == "DataFrame" and tp.__module__.startswith("pandas"):
        return "pandas"
    if tp.__name__ == "Table" and tp.__module__.startswith("pyarrow"):
        return "arrow"
    return None


def _is_pandas_frame(value: Any) -> bool:
    return _frame_kind(type(value)) == "pandas"


def _is_arrow_table(value: Any) -> bool:
    return _frame_kind(type(value)) == "arrow"


_warned: set = set()


def _primitive(tp: type) -> Callable[[Any], Any]:
    # flytekit's simple transformers take exactly their type: not a subclass (an IntEnum, a str
    # Enum, numpy's float64) and not a bool for an int
    def check(value: Any) -> Any:
        if type(value) is tp:
            return value
        _fail(value, tp)

    return check


def _compile(tp: Any) -> Callable[[Any], Any]:
    """A converter specialised for `tp`: primitives and lists/dicts of them are checked without
    going through the general (typing-introspecting) path on every call."""
    if tp in (int, float, str, bool):
        return _primitive(tp)
    origin = typing.get_origin(tp)
    args = typing.get_args(tp)
    if origin is list and args and args[0] in (int, float, str, bool):
        item = _primitive(args[0])

        def check_list(value: Any) -> Any:
            if type(value) is not list:
                return _general(value, tp)
            return [item(v) for v in value]

        return check_list
    return lambda value: _general(value, tp)


_compiled: dict[Any, Callable[[Any], Any]] = {}


def convert(value: Any, tp: Any) -> Any:
    """The value as type `tp`, or _Mismatch."""
    try:
        fn = _compiled[tp]
    except KeyError:
        fn = _compiled[tp] = _compile(tp)
    except TypeError:  # an unhashable annotation
        fn = functools.partial(_general, tp=tp)
    try:
        return fn(value)
    except _Mismatch:
        if type(value).__name__ != "LiteralValue":
            raise
    # a value that crossed as a user transformer's literal, read as the type declared here
    from ._literal_crossing import to_python

    try:
        return to_python(value, tp)
    except Exception as e:
        raise _Mismatch(f"Cannot convert {value!r} to {tp}: {e}") from None


def _general(value: Any, tp: Any) -> Any:
    if tp is Any or tp is object or isinstance(tp, (typing.TypeVar, str, typing.ForwardRef)):
        return value
    origin = typing.get_origin(tp)
    args = typing.get_args(tp)
    if origin is typing.Annotated:
        if type(value).__name__ == "LiteralValue":  # read as the whole annotated type (columns, format)
            from ._literal_crossing import to_python

            return to_python(value, tp)
        converted = convert(value, args[0])
        annotate = getattr(converted, "_flytekit_annotate", None)
        if annotate is not None:
            for meta in args[1:]:
                converted = annotate(meta)
        elif _is_pandas_frame(converted) or _is_arrow_table(converted):
            # `Annotated[pd.DataFrame, kwtypes(...)]` (or a pyarrow Table): the task sees only those columns.
            names = list(converted.columns) if _is_pandas_frame(converted) else converted.column_names
            for meta in args[1:]:
                if isinstance(meta, dict) and meta and all(c in names for c in meta):
                    converted = converted[list(meta)] if _is_pandas_frame(converted) else converted.select(list(meta))
        return converted
    if tp is None or tp is type(None):
        if value is not None:
            _fail(value, tp)
        return None
    if _is_union(tp):
        if value is None:
            if type(None) in args:
                return None
            raise _Mismatch(f"Python value cannot be None, expected {tp}")
        matches = []
        for arg in args:
            if arg is type(None):
                continue
            try:
                matches.append((arg, convert(value, arg)))
            except _Mismatch:
                continue
        if len(matches) == 1:
            return matches[0][1]
        if not matches:
            raise _Mismatch(f"Value {value} is not of type {tp}")
        # As flytekit: a value that fits several variants is ambiguous, except a str for a str variant.
        exact = [m for m in matches if m[0] is str] if type(value) is str else []
        if len(exact) == 1:
            return exact[0][1]
        raise _Mismatch(
            "Ambiguous choice of variant for union type.\n"
            f"Potential types: {[m[0] for m in matches]}\n"
            "These types are structurally the same, because it's attributes have the same names and associated types."
        )
    if value is None:
        raise _Mismatch(f"Python value cannot be None, expected {tp}")
    if origin is typing.Literal:
        if value not in args:
            raise _Mismatch(f"Value {value!r} is not one of {list(args)}")
        return value
    if origin is list:
        if type(value).__name__ == "FlyteIterator":  # Iterator[T] and List[T] are one literal type
            value = list(value)
        if not isinstance(value, list):
            _fail(value, tp)
        if args:
            return [convert(v, args[0]) for v in value]
        return list(value)
    if origin is dict:
        if not isinstance(value, dict):
            _fail(value, tp)
        if args:
            return {convert(k, args[0]): convert(v, args[1]) for k, v in value.items()}
        return dict(value)
    if origin is tuple:
        if not isinstance(value, tuple):
            _fail(value, tp)
        return value
    if origin in (collections.abc.Iterator, collections.abc.Generator):
        if not isinstance(value, collections.abc.Iterator) and type(value).__name__ != "FlyteIterator":
            _fail(value, tp)
        from .types.iterator.iterator import FlyteIterator

        item = args[0] if args else Any
        from .types.iterator.json_iterator import JSON, JSONIterator

        # flytekit writes typing.Iterator[JSON] (not collections.abc's, a different key in its registry) out as a
        # JSON-lines file, and an empty one is an error
        if item == JSON and not isinstance(tp, _pytypes.GenericAlias):
            items = list(value)
            if not items:
                raise _Mismatch("The iterator is empty.")
            return JSONIterator(items)
        return FlyteIterator(convert(v, item) for v in value)
    if origin is not None and isinstance(origin, type):
        tp = origin
    if tp in (int, float, bool, str, datetime.date, datetime.timedelta):
        if type(value) is not tp:  # as in _primitive: exactly the type
            _fail(value, tp)
        return value
    if tp in (bytes, bytearray):
        if not isinstance(value, (bytes, bytearray)):
            _fail(value, tp)
        return value
    if tp is datetime.datetime:
        if type(value) is not datetime.datetime:
            _fail(value, tp)
        # a datetime literal is a UTC timestamp: flytekit hands a naive one on as UTC-aware
        return value if value.tzinfo is not None else value.replace(tzinfo=datetime.timezone.utc)
    if tp is dict:
        if not isinstance(value, dict):
            _fail(value, tp)
        return value
    if tp is os.PathLike:
        # flytekit's file transformer serves os.PathLike: a path (str or PathLike) arrives as a FlyteFile
        if isinstance(value, (str, os.PathLike)):
            from .types.file import FlyteFile

            return value if isinstance(value, FlyteFile) else FlyteFile(os.fspath(value))
        _fail(value, tp)
    if isinstance(tp, type):
        hook = getattr(tp, "_flytekit_coerce", None)
        if hook is not None:
            try:
                return hook(value)
            except (TypeError, ValueError) as e:
                raise _Mismatch(str(e)) from None
        if issubclass(tp, enum.Enum):
            if isinstance(value, tp):
                return value
            if isinstance(value, str):
                try:
                    return tp(value)
                except ValueError:
                    raise _Mismatch(f"Value {value} is not in Enum {tp}") from None
            _fail(value, tp)
        if dataclasses.is_dataclass(tp):
            if type(value) is tp:
                return value
            if dataclasses.is_dataclass(value) and not isinstance(value, type):
                return _as_declared_dataclass(value, tp)
            if isinstance(value, dict):
                return tp(**value)
            _fail(value, tp)
        kind = _frame_kind(tp)
        if kind is not None:
            is_kind = _is_pandas_frame if kind == "pandas" else _is_arrow_table
            if is_kind(value):
                return value
            # A schema or dataset output feeds a dataframe input: flytekit reads it into a frame.
            opener = getattr(value, "open", None)
            if opener is not None and type(value).__name__.startswith(("FlyteSchema", "StructuredDataset")):
                frame = opener(tp).all() if type(value).__name__.startswith("StructuredDataset") else opener().all()
                if is_kind(frame):
                    return frame
            _fail(value, tp)
        if not isinstance(value, tp):
            _fail(value, tp)
        if tp.__module__ not in ("builtins",) and not hasattr(tp, "model_validate") and tp not in _warned:
            _warned.add(tp)
            from ._literal_crossing import crosses_as_literal

            if not crosses_as_literal(tp):  # a type with a user's transformer is not pickled
                logger.warning("Unsupported Type %s found, Flyte will default to use PickleFile as the transport.", tp)
        return value
    return value


def _as_declared_dataclass(value: Any, tp: type) -> Any:
    """Another dataclass (a subclass, or one with the same fields) where `tp` is declared: written
    with `tp`'s fields and read back as `tp`, as flytekit's literal round trip does (a missing
    field is an AttributeError)."""
    from .core.type_engine import DataclassTransformer

    transformer = DataclassTransformer()
    try:
        transformer.assert_type(tp, value)
    except TypeTransformerFailedError as e:
        raise _Mismatch(str(e)) from None
    return transformer._from_data(transformer._plain(value, tp), tp)


def convert_input(entity_name: str, name: str, value: Any, tp: Any, *, binding: bool = False) -> Any:
    try:
        return convert(value, tp)
    except _Mismatch as m:
        if binding:
            raise TypeTransformerFailedError(f"Failed to Bind variable '{name}' for function '{entity_name}':\n  {m}") from None
        raise TypeTransformerFailedError(f"Failed argument '{name}': {m}") from None


def convert_inputs(entity_name: str, types: dict[str, Any], values: dict[str, Any], *, kind: str = "task") -> dict[str, Any]:
    out = {}
    for name, value in values.items():
        tp = types.get(name, Any)
        try:
            out[name] = convert(value, tp)
        except _Mismatch as m:
            if kind == "task":
                raise TypeTransformerFailedError(
                    f"Failed to convert inputs of task '{entity_name}':\n  Failed argument '{name}': {m}"
                ) from None
            raise TypeTransformerFailedError(f"Failed argument '{name}': {m}") from None
    return out


def convert_output_values(entity_name: str, outputs: dict[str, Any], values: tuple) -> tuple:
    """Validates one value per declared output (a graph's resolved outputs); returns them as a tuple."""
    if len(values) != len(outputs):
        raise TypeTransformerFailedError(
            f"Failed to convert outputs of '{entity_name}': expected {len(outputs)} outputs, got {len(values)}"
        )
    if len(outputs) > 1:
        return convert_outputs(entity_name, outputs, tuple(values))
    return convert_outputs(entity_name, outputs, _One(values[0]))


class _One:
    """Marks the single output value itself (so a tuple value is not mistaken for the output tuple)."""

    __slots__ = ("value",)

    def __init__(self, value: Any):
        self.value = value


def convert_outputs(entity_name: str, outputs: dict[str, Any], value: Any) -> tuple:
    """Validates a function's return value against its declared outputs; returns them as a tuple."""
    names = list(outputs)
    if not names:
        return ()
    if isinstance(value, _One):
        return _checked_outputs(entity_name, outputs, names, (value.value,))
    values: tuple
    if len(names) == 1:
        fields = getattr(type(value), "_fields", None) if isinstance(value, tuple) else None
        values = tuple(value) if fields is not None and len(value) == 1 and list(fields) == names else (value,)
    else:
        items = output_items(value)
        if items is None or len(items) != len(names):
            raise TypeTransformerFailedError(
                f"Failed to convert outputs of task '{entity_name}': expected {len(names)} outputs "
                f"({', '.join(names)}), got {value!r:.200}"
            )
        values = items
    return _checked_outputs(entity_name, outputs, names, values)


def output_items(value: Any) -> Optional[tuple]:
    """The values of a multi-output return: a tuple, or anything else flytekit reads item by item
    (it takes the i-th item of whatever the function returned for the i-th output, so a list
    returned for a `Tuple[...]` or NamedTuple output works); None for what it cannot index (a
    mapping, a generator, a single value)."""
    if isinstance(value, tuple):
        return value
    if isinstance(value, collections.abc.Mapping) or not (hasattr(value, "__getitem__") and hasattr(value, "__len__")):
        return None
    try:
        return tuple(value[i] for i in range(len(value)))
    except Exception:
        return None


def _checked_outputs(entity_name: str, outputs: dict[str, Any], names: list[str], values: tuple) -> tuple:
    checked = []
    for i, (name, v) in enumerate(zip(names, values)):
        try:
            checked.append(convert(v, outputs[name]))
        except _Mismatch as m:
            raise TypeTransformerFailedError(
                f"Failed to convert outputs of task '{entity_name}' at position {i}.\n"
                f"Failed to convert type {type(v)} to type {outputs[name]}.\nError Message: {m}"
            ) from None
    return tuple(checked)


def single_output_checker(interface: Any) -> Optional[Callable[[Any], Any]]:
    """A fast check for entities with exactly one output of a plain type (not a NamedTuple)."""
    outputs = interface.outputs
    if len(outputs) != 1 or interface.output_tuple is not None:
        return None
    (tp,) = outputs.values()
    if tp not in (int, float, str, bool):
        return None
    return _compile(tp)


def castable(upstream: Any, downstream: Any) -> bool:
    """Whether a value declared as `upstream` may be bound where `downstream` is expected.

    Conservative: only clear mismatches return False (an Optional into a non-Optional, different
    primitive types); anything it cannot judge is allowed."""
    if upstream is None or downstream is None or upstream is Any or downstream is Any:
        return True
    if upstream == downstream:
        return True
    up_origin, down_origin = typing.get_origin(upstream), typing.get_origin(downstream)
    if up_origin is typing.Annotated:
        return castable(typing.get_args(upstream)[0], downstream)
    if down_origin is typing.Annotated:
        return castable(upstream, typing.get_args(downstream)[0])
    if _is_union(downstream):
        if _is_union(upstream):
            return all(any(castable(u, d) for d in typing.get_args(downstream)) for u in typing.get_args(upstream))
        return any(castable(upstream, d) for d in typing.get_args(downstream))
    if _is_union(upstream):
        return False  # Optional[int] into int
    # A typed Dict is a map literal, a bare `dict` a JSON struct: flytekit cannot convert one into the other.
    if (up_origin is dict and downstream is dict) or (upstream is dict and down_origin is dict):
        return False
    if up_origin in (list, dict) and down_origin is up_origin:
        ua, da = typing.get_args(upstream), typing.get_args(downstream)
        if not ua or not da:
            return True
        return all(castable(u, d) for u, d in zip(ua, da))
    primitives = (int, float, str, bool, bytes)
    if upstream in primitives and downstream in primitives:
        return upstream is downstream
    if (upstream in primitives) != (downstream in primitives) and (up_origin or down_origin):
        return False
    return True


def is_file_like(value: Any) -> bool:
    return isinstance(value, (str, os.PathLike))


Coercer = Callable[[Any], Any]
