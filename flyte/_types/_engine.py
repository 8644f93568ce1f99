"""`TypeEngine` and `TypeTransformer`: the SDK's extension point for how a Python type crosses a
task boundary.

A transformer describes its type as a `flyteidl2.core.types_pb2.LiteralType` and converts values
to and from `flyteidl2.core.literals_pb2.Literal` messages, the same protobuf messages the real SDK
uses, so a transformer written for the SDK works here unchanged. The engine finds the transformer
for a type hint: an `Annotated[...]` transformer first, then enums, tuples, named tuples and typed
dicts, then the registry (the type itself, its generic origin, then its base classes), dataclasses
last, and pickling for anything else.

Transformers registered by user code (not the built-in ones) are also handed to the runtime's
value codec, so a value of such a type is recorded and passed between tasks as the literal its
transformer makes (see `_bridge`).
"""

from __future__ import annotations

import asyncio
import dataclasses
import enum
import inspect
import logging
import sys
import threading
import typing
from abc import abstractmethod
from typing import Any, ClassVar, Dict, Generic, List, Optional, Type, TypeVar

from flyteidl2.core import interface_pb2, literals_pb2, types_pb2

from ..errors import RestrictedTypeError

T = TypeVar("T")
from flyteidl2.core.literals_pb2 import Literal  # noqa: E402  (re-exported)
from flyteidl2.core.types_pb2 import LiteralType  # noqa: E402

logger = logging.getLogger("flyte")

# What the SDK writes in binary literals and struct type annotations.
MESSAGEPACK = "msgpack"
CACHE_KEY_METADATA = "cache-key-metadata"
SERIALIZATION_FORMAT = "serialization-format"
TITLE = "title"


class TypeTransformerFailedError(TypeError, AssertionError, ValueError):
    """A value does not fit the type it is converted as (or a literal cannot become that type)."""


def is_annotated(t: Any) -> bool:
    return typing.get_origin(t) is typing.Annotated


def get_underlying_type(t: Any) -> Any:
    """`X` for `Annotated[X, ...]`, else `t`."""
    return typing.get_args(t)[0] if is_annotated(t) else t


def is_union_type(t: Any) -> bool:
    import types

    origin = typing.get_origin(t)
    return origin is typing.Union or (sys.version_info >= (3, 10) and origin is types.UnionType)


def binary_literal(value: bytes, tag: str = MESSAGEPACK) -> Literal:
    return Literal(scalar=literals_pb2.Scalar(binary=literals_pb2.Binary(value=value, tag=tag)))


def struct_annotation() -> types_pb2.TypeAnnotation:
    """The annotation the SDK puts on msgpack-encoded struct types (it keys cache hashing)."""
    from google.protobuf.struct_pb2 import Struct

    meta = Struct()
    meta.update({CACHE_KEY_METADATA: {SERIALIZATION_FORMAT: MESSAGEPACK}})
    return types_pb2.TypeAnnotation(annotations=meta)


class TypeTransformer(Generic[T]):
    """Converts one Python type to Flyte literals and back. Subclass it for your own types and
    register an instance with `TypeEngine.register`."""

    def __init__(self, name: str, t: Type[T], enable_type_assertions: bool = True):
        self._t = t
        self._name = name
        self._type_assertions_enabled = enable_type_assertions

    @property
    def name(self) -> str:
        return self._name

    @property
    def python_type(self) -> Type[T]:
        return self._t

    @property
    def type_assertions_enabled(self) -> bool:
        """Whether the engine checks a value against the type before `to_literal`."""
        return self._type_assertions_enabled

    def isinstance_generic(self, obj: Any, generic_alias: Any) -> None:
        origin = typing.get_origin(generic_alias)
        if not isinstance(obj, origin):
            raise TypeTransformerFailedError(f"Value '{obj}' is not of container type {origin}")

    def assert_type(self, t: Type[T], v: T) -> None:
        import types

        if isinstance(t, types.GenericAlias):
            return self.isinstance_generic(v, t)
        if not hasattr(t, "__origin__") and isinstance(t, type) and not isinstance(v, t):
            raise TypeTransformerFailedError(f"Expected value of type {t} but got '{v}' of type {type(v)}")
        return None

    @abstractmethod
    def get_literal_type(self, t: Type[T]) -> LiteralType:
        """The Flyte type of `t`."""
        raise NotImplementedError("Conversion to LiteralType should be implemented")

    def guess_python_type(self, literal_type: LiteralType) -> Type[T]:
        """A Python type for a Flyte type (raises ValueError when this transformer cannot tell)."""
        raise ValueError("By default, transformers do not translate from Flyte types back to Python types")

    @abstractmethod
    async def to_literal(self, python_val: T, python_type: Type[T], expected: LiteralType) -> Literal:
        raise NotImplementedError(f"Conversion to Literal for python type {python_type} not implemented")

    @abstractmethod
    async def to_python_value(self, lv: Literal, expected_python_type: Type[T]) -> Optional[T]:
        raise NotImplementedError(
            f"Conversion to python value expected type {expected_python_type} from literal not implemented")

    def schema_match(self, schema: dict) -> bool:
        """Whether a JSON schema fragment describes this transformer's type (pydantic models compare
        title, type and required fields; other types say no unless they override this)."""
        if not isinstance(schema, dict):
            return False
        own = getattr(self.python_type, "model_json_schema", None)
        if own is None:
            return False
        try:
            mine = own()
        except Exception:
            return False
        return (schema.get("title") == mine.get("title") and schema.get("type") == mine.get("type")
                and set(schema.get("required", [])) == set(mine.get("required", [])))

    def from_binary_idl(self, binary_idl_object: literals_pb2.Binary, expected_python_type: Type[T]) -> Optional[T]:
        """Decode a msgpack binary literal (untyped dicts, dataclasses, models, attribute access)."""
        if binary_idl_object.tag != MESSAGEPACK:
            raise TypeTransformerFailedError(f"Unsupported binary format `{binary_idl_object.tag}`")
        from ._msgpack import decode_as

        return decode_as(binary_idl_object.value, expected_python_type)

    def to_html(self, python_val: T, expected_python_type: Type[T]) -> str:
        return str(python_val)

    def __repr__(self) -> str:
        return f"{self._name} Transforms ({self._t}) to Flyte native"

    def __str__(self) -> str:
        return self.__repr__()


class SimpleTransformer(TypeTransformer[T]):
    """A transformer made of a literal type and two functions: value -> Literal, Literal -> value."""

    def __init__(self, name: str, t: Type[T], lt: LiteralType, to_literal_transformer: typing.Callable[[T], Literal],
                 from_literal_transformer: typing.Callable[[Literal], Optional[T]]):
        super().__init__(name, t)
        self._type = t
        self._lt = lt
        self._to_literal_transformer = to_literal_transformer
        self._from_literal_transformer = from_literal_transformer

    @property
    def base_type(self) -> Type:
        return self._type

    def get_literal_type(self, t: Optional[Type[T]] = None) -> LiteralType:
        return self._lt

    async def to_literal(self, python_val: T, python_type: Type[T], expected: Optional[LiteralType] = None) -> Literal:
        if not isinstance(python_val, self._type):
            raise TypeTransformerFailedError(
                f"Expected value of type {self._type} but got '{python_val}' of type {type(python_val)}")
        return self._to_literal_transformer(python_val)

    async def to_python_value(self, lv: Literal, expected_python_type: Type[T]) -> T:
        expected = get_underlying_type(expected_python_type)
        if expected is not self._type:
            if expected is None and self._type is type(None):
                return None  # type: ignore[return-value]
            raise TypeTransformerFailedError(f"Cannot convert to type {expected}, only {self._type} is supported")
        if lv.HasField("scalar") and lv.scalar.HasField("binary"):
            return typing.cast(T, self.from_binary_idl(lv.scalar.binary, expected))
        try:
            value = self._from_literal_transformer(lv)
        except AttributeError:
            raise TypeTransformerFailedError(f"Cannot convert literal {lv} to {self._type}")
        if type(value) is not self._type:
            raise TypeTransformerFailedError(f"Cannot convert literal {lv} to {self._type}")
        return value

    def guess_python_type(self, literal_type: LiteralType) -> Type[T]:
        if literal_type.HasField("simple") and literal_type.simple == self._lt.simple:
            return self.python_type
        raise ValueError(f"Transformer {self} cannot reverse {literal_type}")


class RestrictedTypeTransformer(TypeTransformer[T]):
    """For types that must not be task inputs or outputs: every conversion raises."""

    def get_literal_type(self, t: Optional[Type[T]] = None) -> LiteralType:
        raise RestrictedTypeError(f"Transformer for type {self.python_type} is restricted currently")

    async def to_literal(self, python_val: T, python_type: Type[T], expected: LiteralType) -> Literal:
        raise RestrictedTypeError(f"Transformer for type {self.python_type} is restricted currently")

    async def to_python_value(self, lv: Literal, expected_python_type: Type[T]) -> T:
        raise RestrictedTypeError(f"Transformer for type {self.python_type} is restricted currently")


def is_named_tuple(t: Any) -> bool:
    return isinstance(t, type) and issubclass(t, tuple) and hasattr(t, "_fields") and hasattr(t, "__annotations__")


def is_typed_tuple(t: Any) -> bool:
    return typing.get_origin(t) is tuple and bool(typing.get_args(t))


def is_typed_dict(t: Any) -> bool:
    import typing_extensions

    return typing_extensions.is_typeddict(t)  # typing.is_typeddict misses typing_extensions.TypedDict before 3.12


def dataclass_class(t: Any) -> Any:
    """The class behind a dataclass type hint (`Box[int]` is an alias of the class `Box`)."""
    origin = typing.get_origin(t)
    return origin if origin is not None and dataclasses.is_dataclass(origin) else t


class TypeEngine(Generic[T]):
    """Finds the transformer for a Python type and converts values with it. Register your own
    transformers with `TypeEngine.register`."""

    _REGISTRY: ClassVar[Dict[Any, TypeTransformer]] = {}
    _RESTRICTED_TYPES: ClassVar[List[type]] = []
    # Filled by ._defaults (they need classes defined after this one).
    _DATACLASS_TRANSFORMER: ClassVar[TypeTransformer]
    _ENUM_TRANSFORMER: ClassVar[TypeTransformer]
    _TUPLE_TRANSFORMER: ClassVar[TypeTransformer]
    _NAMEDTUPLE_TRANSFORMER: ClassVar[TypeTransformer]
    _TYPEDDICT_TRANSFORMER: ClassVar[TypeTransformer]
    _PICKLE_TRANSFORMER: ClassVar[TypeTransformer]
    # Re-entrant: registering the defaults goes through `register`, which loads the defaults first.
    lazy_import_lock: ClassVar[threading.RLock] = threading.RLock()
    # True once the built-in transformers are in: later registrations come from user code.
    _defaults_loaded: ClassVar[bool] = False
    _loading_defaults: ClassVar[bool] = False

    @classmethod
    def register(cls, transformer: TypeTransformer, additional_types: Optional[List[Type]] = None) -> None:
        """Use `transformer` for its python type (and `additional_types`). Registering a type twice
        is an error, as in the SDK."""
        cls.lazy_import_transformers()
        types = [transformer.python_type, *(additional_types or [])]
        for t in types:
            existing = cls._REGISTRY.get(t)
            if existing is not None:
                raise ValueError(f"Transformer {existing.name} for type {t} is already registered."
                                 f" Cannot override with {transformer.name}")
        for t in types:
            cls._REGISTRY[t] = transformer
        if cls._defaults_loaded:
            from . import _bridge

            _bridge.expose(transformer, types)

    @classmethod
    def register_restricted_type(cls, name: str, type: Type[T]) -> None:
        cls._RESTRICTED_TYPES.append(type)
        cls.register(RestrictedTypeTransformer(name, type))

    @classmethod
    def register_additional_type(cls, transformer: TypeTransformer[T], additional_type: Type[T], override: bool = False) -> None:
        cls.lazy_import_transformers()
        if additional_type not in cls._REGISTRY or override:
            cls._REGISTRY[additional_type] = transformer
            if cls._defaults_loaded:
                from . import _bridge

                _bridge.expose(transformer, [additional_type])

    @classmethod
    def _get_transformer(cls, python_type: Any) -> Optional[TypeTransformer]:
        cls.lazy_import_transformers()
        if is_annotated(python_type):
            args = typing.get_args(python_type)
            for annotation in args[1:]:
                if isinstance(annotation, TypeTransformer):
                    return annotation
            return cls.get_transformer(args[0])
        if inspect.isclass(python_type) and issubclass(python_type, enum.Enum):
            return cls._ENUM_TRANSFORMER  # before str/int: `class Color(str, Enum)` is an enum
        if is_named_tuple(python_type):
            return cls._NAMEDTUPLE_TRANSFORMER
        if is_typed_tuple(python_type):
            return cls._TUPLE_TRANSFORMER
        if is_typed_dict(python_type):
            return cls._TYPEDDICT_TRANSFORMER
        if typing.get_origin(python_type) is not None:
            try:
                if python_type in cls._REGISTRY:
                    return cls._REGISTRY[python_type]
            except TypeError:  # unhashable arguments
                pass
            origin = typing.get_origin(python_type)
            if is_union_type(python_type):
                return cls._REGISTRY.get(typing.Union)
            if origin in cls._REGISTRY:
                return cls._REGISTRY[origin]
            return None
        if python_type is list:  # an untyped list is pickled, as in the SDK
            return None
        try:
            return cls._REGISTRY.get(python_type)
        except TypeError:
            return None

    @classmethod
    def get_transformer(cls, python_type: Type) -> TypeTransformer:
        """The transformer for `python_type`, searching its base classes; dataclasses, then
        pickling, when nothing is registered."""
        found = cls._get_transformer(python_type)
        if found is not None:
            return found
        if hasattr(python_type, "__mro__"):
            for base in inspect.getmro(python_type)[1:]:
                if base is object:
                    break
                found = cls._get_transformer(base)
                if found is not None:
                    return found
        if _is_frame_type(python_type):  # pandas / pyarrow, recognised without importing them
            from ._io import _engine_instance

            return _engine_instance()
        if dataclasses.is_dataclass(dataclass_class(python_type)):
            return cls._DATACLASS_TRANSFORMER
        _warn_pickle(str(python_type))
        return cls._PICKLE_TRANSFORMER

    @classmethod
    def lazy_import_transformers(cls) -> None:
        """Load the built-in transformers (once)."""
        if cls._defaults_loaded:
            return
        with cls.lazy_import_lock:
            if not cls._defaults_loaded and not cls._loading_defaults:
                from . import _defaults

                cls._loading_defaults = True
                try:
                    _defaults.register_defaults(cls)
                finally:
                    cls._loading_defaults = False
                cls._defaults_loaded = True

    @classmethod
    def to_literal_type(cls, python_type: Type[T]) -> LiteralType:
        lt = cls.get_transformer(python_type).get_literal_type(python_type)
        if is_annotated(python_type):  # `Annotated[int, Field(ge=3)]`: the bounds go in its metadata
            from ._constraints import with_constraints

            lt = with_constraints(lt, python_type)
        return lt

    @classmethod
    def to_literal_checks(cls, python_val: Any, python_type: Type[T], expected: LiteralType) -> None:
        if isinstance(python_val, tuple) and not (is_typed_tuple(python_type) or is_named_tuple(python_type)):
            raise AssertionError(
                "Untyped tuples are not a supported type for individual values in Flyte - got a tuple -"
                f" {python_val}. Use a typed tuple like tuple[int, str] or a NamedTuple instead.")
        if (python_val is None and python_type is not type(None) and expected is not None
                and not expected.HasField("union_type") and python_type is not Any):
            raise TypeTransformerFailedError(f"Python value cannot be None, expected {python_type}/{expected}")

    @classmethod
    async def to_literal(cls, python_val: Any, python_type: Type[T], expected: LiteralType) -> Literal:
        transformer = cls.get_transformer(python_type)
        if transformer.type_assertions_enabled:
            transformer.assert_type(python_type, python_val)
        return await transformer.to_literal(python_val, python_type, expected)

    @classmethod
    async def unwrap_offloaded_literal(cls, lv: Literal) -> Literal:
        """The literal an offloaded literal points at (a serialized Literal stored at its uri)."""
        if not lv.HasField("offloaded_metadata"):
            return lv
        if not lv.offloaded_metadata.uri:
            raise AssertionError("missing offloaded uri")
        from .. import storage

        local = await storage.get(lv.offloaded_metadata.uri)
        with open(local, "rb") as f:
            return Literal.FromString(f.read())

    @classmethod
    async def to_python_value(cls, lv: Literal, expected_python_type: Type) -> Any:
        if lv.HasField("offloaded_metadata"):
            lv = await cls.unwrap_offloaded_literal(lv)
        return await cls.get_transformer(expected_python_type).to_python_value(lv, expected_python_type)

    @classmethod
    def to_html(cls, python_val: Any, expected_python_type: Type[Any]) -> str:
        transformer = cls.get_transformer(expected_python_type)
        if is_annotated(expected_python_type):
            from ._renderer import Renderable

            base, *extras = typing.get_args(expected_python_type)
            for extra in extras:
                if isinstance(extra, Renderable):
                    return extra.to_html(python_val)
            expected_python_type = base
        return transformer.to_html(python_val, expected_python_type)

    @classmethod
    def named_tuple_to_variable_map(cls, t: Any) -> interface_pb2.VariableMap:
        """The NamedTuple's fields as a VariableMap (each variable's description is its position)."""
        return interface_pb2.VariableMap(variables=[
            interface_pb2.VariableEntry(key=name, value=interface_pb2.Variable(
                type=cls.to_literal_type(tp), description=f"{i}"))
            for i, (name, tp) in enumerate(typing.get_type_hints(t).items())
        ])

    @classmethod
    async def literal_map_to_kwargs(cls, lm: literals_pb2.LiteralMap, python_types: Optional[Dict[str, type]] = None,
                                    literal_types: Optional[Dict[str, interface_pb2.Variable]] = None) -> Dict[str, Any]:
        if python_types is None and literal_types is None:
            raise ValueError("At least one of python_types or literal_types must be provided")
        if literal_types:
            hints: Dict[str, Any] = {k: cls.guess_python_type(v.type) for k, v in literal_types.items()}
        else:
            hints = dict(python_types or {})
        if not hints:
            return {}
        if len(lm.literals) > len(hints):
            raise ValueError(f"Received more input values {len(lm.literals)} than allowed by the input spec {len(hints)}")
        names = list(lm.literals)
        results = await asyncio.gather(*(cls.to_python_value(lm.literals[k], hints[k]) for k in names),
                                       return_exceptions=True)
        kwargs: Dict[str, Any] = {}
        for k, r in zip(names, results):
            if isinstance(r, BaseException):
                raise TypeTransformerFailedError(
                    f"Error converting input '{k}':\nLiteral value: {lm.literals[k]}\n"
                    f"Expected Python type: {hints[k]}\nException: {r}") from r
            kwargs[k] = r
        return kwargs

    @classmethod
    async def dict_to_literal_map(cls, d: Dict[str, Any], type_hints: Optional[Dict[str, type]] = None) -> literals_pb2.LiteralMap:
        hints = type_hints or {}
        names = list(d)

        async def one(k: str) -> Literal:
            tp = hints.get(k, type(d[k]))
            return await cls.to_literal(d[k], tp, cls.to_literal_type(tp))

        results = await asyncio.gather(*(one(k) for k in names), return_exceptions=True)
        out: Dict[str, Literal] = {}
        for k, r in zip(names, results):
            if isinstance(r, TypeError):
                tp = hints.get(k, type(d[k]))
                raise TypeError(f"Type conversion failed for variable '{k}'.\nExpected type: {tp}\n"
                                f"Actual type: {type(d[k])}\nValue received: {d[k]!r}\nReason: {r}") from r
            if isinstance(r, BaseException):
                raise r
            out[k] = r
        return literals_pb2.LiteralMap(literals=out)

    @classmethod
    def get_available_transformers(cls) -> typing.KeysView[Any]:
        cls.lazy_import_transformers()
        return cls._REGISTRY.keys()

    @classmethod
    def guess_python_types(cls, flyte_variable_list: typing.Sequence[interface_pb2.VariableEntry]) -> Dict[str, Type[Any]]:
        return {entry.key: cls.guess_python_type(entry.value.type) for entry in flyte_variable_list}

    @classmethod
    def guess_python_type(cls, flyte_type: LiteralType) -> Type[T]:
        """A Python type for a Flyte type. A structure tag names the transformer that made the type,
        which is asked first."""
        cls.lazy_import_transformers()
        candidates: List[TypeTransformer] = []
        tag = flyte_type.structure.tag if flyte_type.HasField("structure") else ""
        specials = [cls._TUPLE_TRANSFORMER, cls._NAMEDTUPLE_TRANSFORMER, cls._TYPEDDICT_TRANSFORMER,
                    cls._DATACLASS_TRANSFORMER, cls._ENUM_TRANSFORMER]
        if tag:
            candidates += [t for t in [*cls._REGISTRY.values(), *specials] if t.name == tag]
        seen: set = set()
        for transformer in [*candidates, *cls._REGISTRY.values(), *specials, cls._PICKLE_TRANSFORMER]:
            if id(transformer) in seen:
                continue
            seen.add(id(transformer))
            try:
                return transformer.guess_python_type(flyte_type)
            except (ValueError, TypeError, KeyError):
                continue
        raise ValueError(f"No transformers could reverse Flyte literal type {flyte_type}")


def _is_frame_type(t: Any) -> bool:
    return isinstance(t, type) and ((t.__module__.startswith("pandas") and t.__name__ == "DataFrame")
                                    or (t.__module__.startswith("pyarrow") and t.__name__ == "Table"))


_warned_pickle: set = set()


def _warn_pickle(type_name: str) -> None:
    if type_name not in _warned_pickle:
        _warned_pickle.add(type_name)
        logger.warning(f"Unsupported Type {type_name} found, Flyte will default to use PickleFile as the transport. "
                       "Pickle can only be used to send objects between the exact same version of Python.")
