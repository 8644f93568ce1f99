"""A task's interface: how its arguments bind to parameters and which types they must have.

Everything here is compiled once per task (on first call, so that forward references defined
after the decorator resolve), because binding and checking run on every action.
"""

from __future__ import annotations

import collections.abc
import dataclasses
import datetime
import inspect
import logging
import sys
import types
import typing
from collections.abc import Callable
from typing import Any, Optional

from .errors import RuntimeDataValidationError
from .models import NativeInterface

logger = logging.getLogger("flyte")
_UTC = datetime.timezone.utc
_MISSING_TYPE = type(dataclasses.MISSING)

_EMPTY = inspect.Parameter.empty
# Input annotations whose converters pass exactly these types: plain data (Interface.plain_inputs)
_PLAIN_INPUTS = frozenset((int, float, str, bool, bytes))


class _Mismatch(Exception):
    """Raised by a converter; carries the reason a value does not fit its type."""


Converter = Callable[[Any], Any]


def _describe(tp: Any) -> str:
    if isinstance(tp, type):
        return tp.__qualname__
    return repr(tp).replace("typing.", "")


def _fail(value: Any, tp: Any) -> None:
    raise _Mismatch(f"Expected value of type {_describe(tp)} but got {value!r:.120} of type {type(value).__qualname__}")


def _exact(tp: type) -> Converter:
    def conv(v: Any) -> Any:
        if type(v) is tp:
            return v
        if isinstance(v, tp) and not isinstance(v, bool):
            return v
        _fail(v, tp)

    conv.exact = tp  # type: ignore[attr-defined]  # a value of exactly this type passes as it is: callers skip the call
    return conv


def _is_pandas_frame(v: Any) -> bool:
    cls = type(v)
    return cls.__name__ == "DataFrame" and cls.__module__.startswith("pandas")


def _compile(tp: Any, in_record: bool = False) -> Optional[Converter]:
    """A converter for `tp`: returns the value (possibly adapted) or raises _Mismatch.
    None means anything is accepted, so the caller can skip the call entirely.

    Values are adapted the way a trip through the SDK's type engine adapts them: a dict becomes
    the dataclass or pydantic model the parameter names, a tuple the NamedTuple, a
    `flyte.io.DataFrame` the dataframe class, and a naive datetime an aware one in UTC. Inside a
    dataclass or model (`in_record`) datetimes are left as they are, as the SDK leaves them."""
    if tp is Any or tp is object or tp is _EMPTY or isinstance(tp, (typing.TypeVar, str, typing.ForwardRef)):
        return None
    if tp is None or tp is type(None):
        def conv_none(v: Any) -> Any:
            if v is not None:
                _fail(v, None)
            return v
        return conv_none
    origin = typing.get_origin(tp)
    args = typing.get_args(tp)
    if origin is typing.Annotated:
        return _compile(args[0], in_record)
    if origin is typing.Union or (hasattr(types, "UnionType") and origin is types.UnionType):
        optional = type(None) in args
        members = [a for a in args if a is not type(None)]
        convs = [_compile(a, in_record) for a in members]
        if any(c is None for c in convs):
            return None
        # A value that already is an instance of a member keeps that member's type; adapting (a
        # dict into a dataclass, say) is tried only when no member takes the value as it is.
        exact = [(m, c) for m, c in zip(members, convs) if isinstance(m, type) and typing.get_origin(m) is None]

        def conv_union(v: Any) -> Any:
            if v is None and optional:
                return v
            for m, c in exact:
                if type(v) is m:
                    return c(v)  # type: ignore[misc]
            for c in convs:
                try:
                    return c(v)  # type: ignore[misc]
                except _Mismatch:
                    continue
            _fail(v, tp)

        return conv_union
    if origin is typing.Literal:
        return _compile_literal(tp, args)
    if origin is list:
        item = _compile(args[0], in_record) if args else None

        def conv_list(v: Any) -> Any:
            if type(v) is not list and not isinstance(v, list):
                _fail(v, tp)
            if item is not None:
                for i, e in enumerate(v):
                    try:
                        nv = item(e)
                    except _Mismatch as m:
                        raise _Mismatch(f"item {i}: {m}") from None
                    if nv is not e:
                        v = list(v)
                        v[i] = nv
            return v

        return conv_list
    if origin is dict:
        kconv = _compile(args[0], in_record) if args else None
        vconv = _compile(args[1], in_record) if len(args) > 1 else None

        def conv_dict(v: Any) -> Any:
            if not isinstance(v, dict):
                _fail(v, tp)
            if kconv is not None or vconv is not None:
                changed: Optional[dict] = None
                for k, e in v.items():
                    try:
                        nk = kconv(k) if kconv is not None else k
                        ne = vconv(e) if vconv is not None else e
                    except _Mismatch as m:
                        raise _Mismatch(f"key {k!r}: {m}") from None
                    if (nk is not k or ne is not e) and changed is None:
                        changed = dict(v)
                    if changed is not None:
                        if nk is not k:
                            del changed[k]
                        changed[nk] = ne
                if changed is not None:
                    return changed
            return v

        return conv_dict
    if origin is tuple:
        if len(args) == 2 and args[1] is Ellipsis:
            item = _compile(args[0], in_record)
            convs_t: list[Optional[Converter]] = []
        else:
            item = None
            convs_t = [_compile(a, in_record) for a in args]

        def conv_tuple(v: Any) -> Any:
            if not isinstance(v, tuple):
                _fail(v, tp)
            if item is not None:
                new = tuple(item(e) for e in v)
            elif convs_t:
                if len(v) != len(convs_t):
                    raise _Mismatch(f"Expected a tuple of {len(convs_t)} items but got {len(v)}")
                new = tuple(e if c is None else c(e) for c, e in zip(convs_t, v))
            else:
                return v
            return v if all(a is b for a, b in zip(new, v)) else new

        return conv_tuple
    if origin in (set, frozenset):
        return _isinstance(origin, tp)
    if origin in (collections.abc.Callable, collections.abc.Awaitable, collections.abc.Coroutine):
        if origin is collections.abc.Callable:
            def conv_callable(v: Any) -> Any:
                if not callable(v):
                    _fail(v, tp)
                return v
            return conv_callable
        return None
    if origin is not None:
        # Generic aliases we do not model (Iterator[int], File[T], ...): check the container class.
        return _isinstance(origin, tp) if isinstance(origin, type) else None
    if tp is int:
        return _exact(int)
    if tp is float:
        return _exact(float)
    if tp is bool:
        def conv_bool(v: Any) -> Any:
            if type(v) is not bool:
                _fail(v, bool)
            return v
        return conv_bool
    if tp is str:
        return _isinstance(str, tp)
    if tp is bytes:
        return _isinstance((bytes, bytearray), tp)
    if tp is list:
        return _isinstance(list, tp)
    if tp is dict:
        return _isinstance(dict, tp)
    if tp is tuple:
        return _isinstance(tuple, tp)
    if tp is datetime.datetime:
        return _isinstance(tp, tp) if in_record else _conv_datetime
    if tp is datetime.date or tp is datetime.timedelta or tp is datetime.time:
        return _isinstance(tp, tp)
    if tp in (collections.abc.Callable, typing.Callable):
        return _compile(typing.Callable[..., Any])
    if _is_typeddict(tp):
        return _TypedDictConverter(tp)
    if _is_namedtuple(tp):
        return _NamedTupleConverter(tp, in_record)
    if isinstance(tp, type):
        if dataclasses.is_dataclass(tp):
            return _DataclassConverter(tp)
        if hasattr(tp, "model_validate") and hasattr(tp, "model_fields"):
            return _model_converter(tp)
        adapt = getattr(tp, "_flyte_adapt", None)
        if adapt is not None:
            def conv_io(v: Any) -> Any:
                if isinstance(v, tp):
                    return v
                adapted = adapt(v)
                if adapted is None:
                    _fail(v, tp)
                return adapted
            return conv_io
        return _foreign_class_converter(tp)
    return None


def _conv_datetime(v: Any) -> Any:
    """A datetime crosses an action as an instant in UTC, as the SDK's type engine carries it: a
    naive value is taken to be UTC, an aware one is converted."""
    if not isinstance(v, datetime.datetime):
        _fail(v, datetime.datetime)
    tz = v.tzinfo
    if tz is None:
        return v.replace(tzinfo=_UTC)
    if tz is _UTC:
        return v
    return v.astimezone(_UTC)


def _compile_literal(tp: Any, allowed: tuple) -> Converter:
    """`Literal[...]` of strings only is an enum to the SDK, so other values are refused. A literal
    mixing strings with ints or enum members is `Any` to the SDK: its members pass, and any other
    value passes too, with a warning (the SDK accepts it silently)."""
    if all(type(a) is str for a in allowed):
        def conv_literal(v: Any) -> Any:
            if v not in allowed:
                raise _Mismatch(f"Expected one of {list(allowed)} but got {v!r:.120}")
            return v

        return conv_literal

    def conv_mixed(v: Any) -> Any:
        try:
            member = v in allowed
        except Exception:
            member = False
        if not member:
            logger.warning(
                "%r is not one of %s; accepted because the SDK treats a Literal mixing strings with other "
                "values as Any", v, _describe(tp)
            )
        return v

    return conv_mixed


def _foreign_class_converter(tp: type) -> Converter:
    """Instances of `tp`, or a value that can stand for one: a `flyte.io` value knows how to
    become a plain library object (a `flyte.io.DataFrame` given where a `pandas.DataFrame` is
    expected is read into one), through its `_flyte_as` hook."""
    def conv(v: Any) -> Any:
        if isinstance(v, tp):
            return v
        as_ = getattr(type(v), "_flyte_as", None)
        if as_ is not None:
            r = as_(v, tp)
            if r is not None and isinstance(r, tp):
                return r
        _fail(v, tp)

    return conv


def _model_converter(tp: type) -> Converter:
    """A pydantic model, or a dict that validates into one (what `flyte.run(t, m={...})` gives)."""
    def conv(v: Any) -> Any:
        if isinstance(v, tp):
            return v
        if isinstance(v, dict):
            try:
                return tp.model_validate(v)  # type: ignore[attr-defined]
            except Exception as e:
                raise _Mismatch(f"cannot make a {tp.__qualname__} of {v!r:.120}: {e}") from None
        _fail(v, tp)

    return conv


def _record_hints(tp: type) -> dict[str, Any]:
    try:
        return typing.get_type_hints(tp, include_extras=True)
    except Exception:
        return {k: v for k, v in getattr(tp, "__annotations__", {}).items() if not isinstance(v, str)}


class _DataclassConverter:
    """A dataclass instance (frozen or not), or a dict of its fields, built into one the way the
    SDK's type engine rebuilds it: unknown or missing fields and wrong types are refused.
    The field converters are compiled on first use, so a dataclass may refer to itself."""

    __slots__ = ("_fields", "tp")

    def __init__(self, tp: type):
        self.tp = tp
        self._fields: Optional[dict[str, tuple[Optional[Converter], bool]]] = None

    def _compile(self) -> dict[str, tuple[Optional[Converter], bool]]:
        hints = _record_hints(self.tp)
        fields = {}
        for f in dataclasses.fields(self.tp):  # type: ignore[arg-type]
            if not f.init:
                continue
            # By type, not identity: a class cloudpickled by value comes back with fields whose
            # MISSING is a copy of the sentinel.
            required = type(f.default) is _MISSING_TYPE and type(f.default_factory) is _MISSING_TYPE
            fields[f.name] = (_compile(hints.get(f.name, Any), True), required)
        self._fields = fields
        return fields

    def __call__(self, v: Any) -> Any:
        tp = self.tp
        if isinstance(v, tp):
            return v
        if not isinstance(v, dict):
            _fail(v, tp)
        fields = self._fields if self._fields is not None else self._compile()
        unknown = [k for k in v if k not in fields]
        if unknown:
            raise _Mismatch(f"{tp.__qualname__} has no field(s) {', '.join(map(repr, unknown))}")
        missing = [k for k, (_, required) in fields.items() if required and k not in v]
        if missing:
            raise _Mismatch(f"{tp.__qualname__} is missing required field(s) {', '.join(map(repr, missing))}")
        kwargs = {}
        for k, e in v.items():
            conv = fields[k][0]
            try:
                kwargs[k] = e if conv is None else conv(e)
            except _Mismatch as m:
                raise _Mismatch(f"field {k!r} of {tp.__qualname__}: {m}") from None
        return tp(**kwargs)


class _NamedTupleConverter:
    """A NamedTuple, or a plain tuple (or list) of its fields: what a caller holds after a task
    that returns a NamedTuple, whose outputs reach it as a plain tuple."""

    __slots__ = ("_convs", "in_record", "tp")

    def __init__(self, tp: type, in_record: bool):
        self.tp = tp
        self.in_record = in_record
        self._convs: Optional[tuple[Optional[Converter], ...]] = None

    def __call__(self, v: Any) -> Any:
        tp = self.tp
        if not isinstance(v, (tuple, list)):
            _fail(v, tp)
        fields = tp._fields  # type: ignore[attr-defined]
        if len(v) != len(fields):
            raise _Mismatch(f"Expected {len(fields)} fields ({', '.join(fields)}) for {tp.__qualname__} but got {len(v)}")
        if self._convs is None:
            hints = _record_hints(tp)
            self._convs = tuple(_compile(hints.get(f, Any), self.in_record) for f in fields)
        given: tuple = tuple(v)
        items = [e if c is None else c(e) for c, e in zip(self._convs, given)]
        if isinstance(v, tp) and all(a is b for a, b in zip(items, given)):
            return v
        return tp(*items)


def _is_typeddict(tp: Any) -> bool:
    """typing's TypedDicts, and typing_extensions' (which pydantic asks for before Python 3.12;
    `typing.is_typeddict` does not see them). A typing_extensions class means the module is loaded."""
    if typing.is_typeddict(tp):
        return True
    ext = sys.modules.get("typing_extensions")
    return ext is not None and ext.is_typeddict(tp)


def _typeddict_keys(tp: type) -> tuple[dict[str, Any], frozenset[str]]:
    """A TypedDict's value types (Required/NotRequired unwrapped) and required keys, read from its
    hints: `__required_keys__` misses a NotRequired written as a string annotation (PEP 563)
    before Python 3.12."""
    ext = sys.modules.get("typing_extensions")
    not_required = {getattr(typing, "NotRequired", None), getattr(ext, "NotRequired", None)} - {None}
    required_mark = {getattr(typing, "Required", None), getattr(ext, "Required", None)} - {None}
    types_: dict[str, Any] = {}
    required: set[str] = set()
    for k, t in _record_hints(tp).items():
        origin = typing.get_origin(t)
        if origin in not_required or origin in required_mark:
            if origin in required_mark:
                required.add(k)
            t = typing.get_args(t)[0]
        elif k in getattr(tp, "__required_keys__", ()):
            required.add(k)
        types_[k] = t
    return types_, frozenset(required)


class _TypedDictConverter:
    """A dict with a TypedDict's keys and value types; stays a plain dict (as in the SDK).
    Keys it does not declare are dropped, as pydantic's validation of a TypedDict drops them."""

    __slots__ = ("_convs", "_required", "tp")

    def __init__(self, tp: type):
        self.tp = tp
        self._convs: Optional[dict[str, Optional[Converter]]] = None
        self._required: frozenset[str] = frozenset()

    def __call__(self, v: Any) -> Any:
        tp = self.tp
        if not isinstance(v, dict):
            _fail(v, tp)
        if self._convs is None:
            hints, self._required = _typeddict_keys(tp)
            self._convs = {k: _compile(t, True) for k, t in hints.items()}
        convs = self._convs
        missing = [k for k in self._required if k not in v]
        if missing:
            raise _Mismatch(f"{tp.__qualname__} is missing required key(s) {', '.join(map(repr, missing))}")
        out = {}
        changed = False
        for k, e in v.items():
            if k not in convs:
                changed = True
                continue
            c = convs[k]
            try:
                ne = e if c is None else c(e)
            except _Mismatch as m:
                raise _Mismatch(f"key {k!r} of {tp.__qualname__}: {m}") from None
            changed = changed or ne is not e
            out[k] = ne
        return out if changed else v


def _isinstance(cls: Any, tp: Any) -> Converter:
    def conv(v: Any) -> Any:
        if not isinstance(v, cls):
            _fail(v, tp)
        return v

    return conv


def _output_names(ret: Any) -> tuple[tuple[str, ...], tuple[Any, ...], bool]:
    """(names, types, is_multi) of a return annotation. A NamedTuple or tuple[...] has one output
    per field, named o0, o1, ... as in the SDK (a one-field NamedTuple is a single output)."""
    if ret is _EMPTY or ret is None or ret is type(None):
        return (), (), False
    if _is_namedtuple(ret):
        hints = typing.get_type_hints(ret) if getattr(ret, "__annotations__", None) else {}
        types_ = tuple(hints.get(f, Any) for f in ret._fields)
        return tuple(f"o{i}" for i in range(len(types_))), types_, len(types_) > 1
    if typing.get_origin(ret) is tuple:
        args = typing.get_args(ret)
        if args and not (len(args) == 2 and args[1] is Ellipsis):
            return tuple(f"o{i}" for i in range(len(args))), args, True
    return ("o0",), (ret,), False


def _is_namedtuple(t: Any) -> bool:
    return isinstance(t, type) and issubclass(t, tuple) and hasattr(t, "_fields")


class TaskInterface(NativeInterface):
    """Parameters and outputs of a task function, with compiled binders and type converters.

    It is a `flyte.models.NativeInterface` (code written for the SDK checks
    `isinstance(task.interface, NativeInterface)`), whose `inputs`/`outputs` are computed from the
    function; unlike that frozen record it is mutable inside and compares by identity."""

    # NativeInterface is a frozen dataclass; this class keeps plain-object semantics
    __setattr__ = object.__setattr__  # type: ignore[assignment]
    __delattr__ = object.__delattr__  # type: ignore[assignment]
    __eq__ = object.__eq__  # type: ignore[assignment]
    __hash__ = object.__hash__  # type: ignore[assignment]

    def __init__(self, func: Callable[..., Any]):
        self.func = func
        sig = inspect.signature(func)
        self.signature = sig
        self.names: tuple[str, ...] = ()
        self.defaults: dict[str, Any] = {}
        self.var_positional: Optional[str] = None
        self.var_keyword: Optional[str] = None
        names = []
        for p in sig.parameters.values():
            if p.kind is p.VAR_POSITIONAL:
                self.var_positional = p.name
                continue
            if p.kind is p.VAR_KEYWORD:
                self.var_keyword = p.name
                continue
            names.append(p.name)
            if p.default is not _EMPTY:
                self.defaults[p.name] = p.default
        self.names = tuple(names)
        self.required = tuple(n for n in self.names if n not in self.defaults)
        self._positional_only = tuple(p.name for p in sig.parameters.values() if p.kind is p.POSITIONAL_ONLY)
        self._compiled = False
        # (name, converter, the type whose values pass unconverted or None): see _exact
        self._converters: tuple[tuple[str, Converter, Optional[type]], ...] = ()
        self.input_types: dict[str, Any] = {}
        # Every input is annotated with a plain type (see _PLAIN_INPUTS): bound inputs are plain
        # data, which flyte._serde.pack_scalars packs without a codec.
        self.plain_inputs = False
        self.output_names: tuple[str, ...] = ()
        self.output_types: tuple[Any, ...] = ()
        self.multi_output = False
        self._output_convs: tuple[Optional[Converter], ...] = ()
        # A single output of exactly this type passes check_outputs as it is: a caller may skip the call.
        self.output_exact: Optional[type] = None
        self.has_return_annotation = sig.return_annotation is not _EMPTY

    def __getstate__(self) -> dict[str, Any]:
        return {"func": self.func}  # converters are closures; rebuild them where this lands

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.__init__(state["func"])  # type: ignore[misc]

    # -- compiled lazily: annotations may name classes defined after the decorator ------------

    def _compile(self) -> None:
        try:
            hints = typing.get_type_hints(self.func, include_extras=True)
        except Exception:
            hints = {k: v for k, v in getattr(self.func, "__annotations__", {}).items() if not isinstance(v, str)}
        self.input_types = {n: hints.get(n, Any) for n in self.names}
        convs = []
        for n in self.names:
            c = _compile(hints[n]) if n in hints else None
            if c is not None:
                convs.append((n, c, getattr(c, "exact", None)))
        self._converters = tuple(convs)
        self.plain_inputs = self.var_keyword is None and len(convs) == len(self.names) and all(
            c[2] in _PLAIN_INPUTS for c in convs
        )
        ret = hints.get("return", self.signature.return_annotation)
        if isinstance(ret, str):
            ret = Any
        self._return_hint = ret
        self.output_names, self.output_types, self.multi_output = _output_names(ret)
        # A task annotated with a one-field NamedTuple may return the NamedTuple or the bare value;
        # callers get the bare value (the SDK's behaviour).
        self._single_namedtuple = ret if _is_namedtuple(ret) and len(ret._fields) == 1 else None
        self._output_convs = tuple(_compile(t) for t in self.output_types)
        self.output_exact = (getattr(self._output_convs[0], "exact", None)
                              if len(self._output_convs) == 1 and not self.multi_output else None)
        self._compiled = True

    def ensure_compiled(self) -> None:
        if not self._compiled:
            self._compile()

    # -- binding ---------------------------------------------------------------------------------

    def bind(self, task_name: str, args: tuple, kwargs: dict) -> dict[str, Any]:
        """Arguments by parameter name in signature order, defaults filled in.

        Raises ValueError (missing/extra inputs) or TypeError (wrong types) naming the task and
        the parameter, before any action exists."""
        if not self._compiled:
            self._compile()
        names = self.names
        if len(args) > len(names):
            if self.var_positional is None:
                raise ValueError(
                    f"Task {task_name!r} takes {len(names)} inputs ({', '.join(names) or 'none'}) "
                    f"but {len(args)} positional arguments were given"
                )
            raise TypeError(f"Task {task_name!r} declares *{self.var_positional}; tasks take named inputs only")
        bound = dict(zip(names, args))
        if kwargs:
            for k, v in kwargs.items():
                if k in bound:
                    raise ValueError(f"Task {task_name!r} got multiple values for input {k!r}")
                if k not in self.input_types and k not in names:
                    raise ValueError(
                        f"Task {task_name!r} has no input named {k!r}; its inputs are: {', '.join(names) or 'none'}"
                    )
                if k in self._positional_only:
                    raise ValueError(f"Task {task_name!r}: input {k!r} is positional-only")
                bound[k] = v
        if len(bound) != len(names):
            missing = [n for n in names if n not in bound and n not in self.defaults]
            if missing:
                raise ValueError(f"Task {task_name!r} is missing required inputs: {', '.join(missing)}")
            bound = {n: bound[n] if n in bound else self.defaults[n] for n in names}
        elif kwargs:
            bound = {n: bound[n] for n in names}
        for name, conv, exact in self._converters:
            value = bound[name]
            if type(value) is exact:
                continue
            try:
                new = conv(value)
            except _Mismatch as m:
                raise TypeError(
                    f"Type conversion failed for variable {name!r} of task {task_name!r}.\n"
                    f"Expected type: {_describe(self.input_types[name])}\n"
                    f"Actual type: {type(value).__qualname__}\n"
                    f"Value received: {value!r:.200}\n"
                    f"Reason: {m}"
                ) from None
            if new is not value:
                bound[name] = new
        return bound

    # -- outputs ---------------------------------------------------------------------------------

    def check_outputs(self, task_name: str, value: Any) -> Any:
        """Validates a return value against the return annotation; returns it (possibly adapted)."""
        if not self._compiled:
            self._compile()
        if not self.output_names:
            if value is not None and not self.has_return_annotation:
                raise RuntimeDataValidationError(
                    "o0",
                    f"Expected no outputs but got {value!r:.120}, did you miss a return type annotation?",
                    task_name,
                )
            if value is not None:
                raise RuntimeDataValidationError("o0", f"Expected no outputs (-> None) but got {value!r:.120}", task_name)
            return value
        if self.multi_output:
            if not isinstance(value, tuple) or len(value) != len(self.output_names):
                raise RuntimeDataValidationError(
                    "outputs",
                    f"Expected a tuple of {len(self.output_names)} outputs ({', '.join(self.output_names)}) "
                    f"but got {value!r:.120}",
                    task_name,
                )
            converted = []
            for name, conv, v in zip(self.output_names, self._output_convs, value):
                if conv is not None:
                    try:
                        v = conv(v)
                    except _Mismatch as m:
                        raise RuntimeDataValidationError(name, m, task_name) from None
                converted.append(v)
            return tuple(converted)  # a NamedTuple reaches callers as a plain tuple
        if type(value) is self.output_exact:
            return value
        if self._single_namedtuple is not None and isinstance(value, self._single_namedtuple):
            value = value[0]
        conv = self._output_convs[0]
        if conv is not None:
            try:
                return conv(value)
            except _Mismatch as m:
                raise RuntimeDataValidationError("o0", m, task_name) from None
        return value

    def outputs_tuple(self, value: Any) -> tuple:
        """The outputs as a tuple (o0, o1, ...): what `Run.outputs()` returns."""
        if not self._compiled:
            self._compile()
        if self.multi_output:
            return tuple(value)
        return (value,)

    def required_inputs(self) -> list[str]:
        return list(self.required)

    # -- the SDK's NativeInterface view (task.interface.inputs / outputs / ...) --------------------

    def native(self) -> Any:
        """This interface as a `flyte.models.NativeInterface`."""
        native = self.__dict__.get("_native")
        if native is None:
            from .models import _as_interface_type, extract_return_annotation

            if not self._compiled:
                self._compile()
            native = NativeInterface(
                inputs={n: (_as_interface_type(self.input_types.get(n, _EMPTY)), self.defaults.get(n, _EMPTY))
                        for n in self.names},
                outputs=extract_return_annotation(self._return_hint),
            )
            self.__dict__["_native"] = native
        return native

    @property
    def inputs(self) -> dict[str, tuple[Any, Any]]:
        return self.native().inputs  # type: ignore[no-any-return]

    @property
    def outputs(self) -> dict[str, Any]:
        return self.native().outputs  # type: ignore[no-any-return]

    def has_outputs(self) -> bool:
        return bool(self.output_names) if self._compiled else self.native().has_outputs()  # type: ignore[no-any-return]

    def num_required_inputs(self) -> int:
        return len(self.required)

    def get_input_types(self) -> dict[str, Any]:
        return self.native().get_input_types()  # type: ignore[no-any-return]

    def convert_to_kwargs(self, *args: Any, **kwargs: Any) -> dict[str, Any]:
        return self.native().convert_to_kwargs(*args, **kwargs)  # type: ignore[no-any-return]

    def __repr__(self) -> str:
        return repr(self.native())
