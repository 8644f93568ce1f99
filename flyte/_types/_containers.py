"""Transformers for containers: typed lists (collections), dicts (maps, or msgpack structs when
the keys are not strings or the dict is untyped) and unions (a value tagged with its variant)."""

from __future__ import annotations

import asyncio
import collections
import typing
from typing import Any, Optional, Type

from flyteidl2.core import literals_pb2, types_pb2

from . import _msgpack
from ._engine import (
    MESSAGEPACK,
    Literal,
    LiteralType,
    TypeEngine,
    TypeTransformer,
    TypeTransformerFailedError,
    binary_literal,
    get_underlying_type,
    is_annotated,
    is_union_type,
    logger,
    struct_annotation,
)

T = typing.TypeVar("T")


class ListTransformer(TypeTransformer[T]):
    """`list[T]` as a collection literal, one literal per item."""

    def __init__(self) -> None:
        super().__init__("Typed List", typing.cast(Type[T], list))

    @staticmethod
    def get_sub_type(t: Type[T]) -> Type[T]:
        sub = ListTransformer.get_sub_type_or_none(t)
        if sub is None:
            raise ValueError("Only generic univariate typing.List[T] type is supported.")
        return sub

    @staticmethod
    def get_sub_type_or_none(t: Type[T]) -> Optional[Type[T]]:
        if is_annotated(t):
            return ListTransformer.get_sub_type(typing.get_args(t)[0])
        if typing.get_origin(t) is list and typing.get_args(t):
            return typing.get_args(t)[0]
        return None

    def get_literal_type(self, t: Type[T]) -> LiteralType:
        try:
            return LiteralType(collection_type=TypeEngine.to_literal_type(self.get_sub_type(t)))
        except Exception as e:
            raise ValueError(f"Type of Generic List type is not supported, {e}")

    async def to_literal(self, python_val: Any, python_type: Type[T], expected: LiteralType) -> Literal:
        if not isinstance(python_val, list):
            raise TypeTransformerFailedError("Expected a list")
        sub = self.get_sub_type(python_type)
        item_type = expected.collection_type if expected is not None and expected.HasField("collection_type") \
            else TypeEngine.to_literal_type(sub)
        items = await asyncio.gather(*(TypeEngine.to_literal(x, sub, item_type) for x in python_val))
        return Literal(collection=literals_pb2.LiteralCollection(literals=items))

    async def to_python_value(self, lv: Literal, expected_python_type: Type[T]) -> Any:
        if lv.HasField("scalar") and lv.scalar.HasField("binary"):
            return self.from_binary_idl(lv.scalar.binary, expected_python_type)
        if not lv.HasField("collection"):
            raise TypeTransformerFailedError(
                f"The expected python type is '{expected_python_type}' but the received Flyte literal value "
                f"is not a collection (Flyte's representation of Python lists).")
        sub = self.get_sub_type(expected_python_type)
        return list(await asyncio.gather(*(TypeEngine.to_python_value(x, sub) for x in lv.collection.literals)))

    def guess_python_type(self, literal_type: LiteralType) -> Any:
        if literal_type.HasField("collection_type"):
            return typing.List[TypeEngine.guess_python_type(literal_type.collection_type)]  # type: ignore[misc]
        raise ValueError(f"List transformer cannot reverse {literal_type}")


class DictTransformer(TypeTransformer[dict]):
    """`dict[str, V]` as a map literal; any other dict (untyped, non-string keys) as a msgpack
    binary struct. `Annotated[dict, OrderedDict(allow_pickle=True)]` pickles what msgpack cannot hold."""

    def __init__(self) -> None:
        super().__init__("Typed Dict", dict)

    @staticmethod
    def extract_types(t: Optional[Type[dict]]) -> tuple:
        if t is None:
            return None, None
        origin, args = typing.get_origin(t), typing.get_args(t)
        if origin is None:
            return None, None
        if origin is typing.Annotated:
            return DictTransformer.extract_types(args[0]) if args else (None, None)
        if origin is dict:
            return args
        raise ValueError(f"Trying to extract dictionary type information from a non-dict type {t}")

    @staticmethod
    def is_pickle(python_type: Type[dict]) -> bool:
        if typing.get_origin(python_type) is not typing.Annotated:
            return False
        for meta in typing.get_args(python_type)[1:]:
            if isinstance(meta, collections.OrderedDict):
                return bool(meta.get("allow_pickle", False))
        return False

    @staticmethod
    async def dict_to_binary_literal(v: dict, python_type: Type[dict], allow_pickle: bool) -> Literal:
        try:
            return binary_literal(_msgpack.encode_as(v, get_underlying_type(python_type)))
        except Exception as e:
            if allow_pickle:
                from ._pickle import FlytePickle

                uri = await FlytePickle.to_pickle(v)
                from google.protobuf.struct_pb2 import Struct

                generic = Struct()
                generic.update({"pickle_file": uri})
                return Literal(scalar=literals_pb2.Scalar(generic=generic), metadata={"format": "pickle"})
            raise TypeTransformerFailedError(f"Cannot convert `{v}` to Flyte Literal.\nError Message: {e}")

    def get_literal_type(self, t: Type[dict]) -> LiteralType:
        args = self.extract_types(t)
        if args and args[0] is str:
            try:
                return LiteralType(map_value_type=TypeEngine.to_literal_type(args[1]))
            except Exception as e:
                raise ValueError(f"Type of Generic Dict type is not supported, {e}")
        return LiteralType(simple=types_pb2.STRUCT, annotation=struct_annotation())

    async def to_literal(self, python_val: Any, python_type: Type[dict], expected: LiteralType) -> Literal:
        if type(python_val) is not dict:
            raise TypeTransformerFailedError("Expected a dict")
        if expected is None:
            expected = self.get_literal_type(python_type)
        if expected.HasField("simple") and expected.simple == types_pb2.STRUCT:
            return await self.dict_to_binary_literal(python_val, python_type, self.is_pickle(python_type))
        _, value_type = self.extract_types(python_type)
        keys = list(python_val)
        for k in keys:
            if type(k) is not str:
                raise ValueError("Flyte MapType expects all keys to be strings")
        values = await asyncio.gather(*(TypeEngine.to_literal(python_val[k], value_type, expected.map_value_type)
                                        for k in keys))
        return Literal(map=literals_pb2.LiteralMap(literals=dict(zip(keys, values))))

    async def to_python_value(self, lv: Literal, expected_python_type: Type[dict]) -> dict:
        if lv.HasField("scalar") and lv.scalar.HasField("binary"):
            return typing.cast(dict, self.from_binary_idl(lv.scalar.binary, get_underlying_type(expected_python_type)))
        if lv.HasField("map"):
            args = self.extract_types(expected_python_type)
            if not args or args[0] is None:
                raise TypeError(
                    "TypeMismatch: Cannot convert to python dictionary from Flyte Literal Dictionary as the given "
                    "dictionary does not have sub-type hints or they do not match with the originating dictionary "
                    "source. Flyte does not currently support implicit conversions")
            if args[0] is not str:
                raise TypeError("TypeMismatch. Destination dictionary does not accept 'str' key")
            keys = list(lv.map.literals)
            values = await asyncio.gather(*(TypeEngine.to_python_value(lv.map.literals[k], args[1]) for k in keys))
            return dict(zip(keys, values))
        if lv.HasField("scalar") and lv.scalar.HasField("generic"):
            from google.protobuf.json_format import MessageToDict

            data = MessageToDict(lv.scalar.generic)
            if lv.metadata.get("format") == "pickle":
                from ._pickle import FlytePickle

                return typing.cast(dict, await FlytePickle.from_pickle(data["pickle_file"]))
            try:
                return typing.cast(dict, _msgpack.adapter(get_underlying_type(expected_python_type)).validate_python(data))
            except Exception as e:
                raise TypeTransformerFailedError(f"Cannot convert from {lv} to {expected_python_type}: {e}")
        raise TypeTransformerFailedError(f"Cannot convert from {lv} to {expected_python_type}")

    def from_binary_idl(self, binary_idl_object: literals_pb2.Binary, expected_python_type: Any) -> Any:
        if binary_idl_object.tag != MESSAGEPACK:
            raise TypeTransformerFailedError(f"Unsupported binary format `{binary_idl_object.tag}`")
        if expected_python_type is dict:
            return _msgpack.decode(binary_idl_object.value)
        return _msgpack.decode_as(binary_idl_object.value, expected_python_type)

    def guess_python_type(self, literal_type: LiteralType) -> Any:
        if literal_type.HasField("map_value_type"):
            return typing.Dict[str, TypeEngine.guess_python_type(literal_type.map_value_type)]  # type: ignore[misc]
        if literal_type.simple == types_pb2.STRUCT and not literal_type.HasField("metadata"):
            return dict
        raise ValueError(f"Dictionary transformer cannot reverse {literal_type}")


def tag_type(lt: LiteralType, tag: str) -> LiteralType:
    """A copy of `lt` whose structure names the transformer that made it (union variants carry it)."""
    out = LiteralType()
    out.CopyFrom(lt)
    out.structure.tag = tag
    return out


def _type_essence(lt: LiteralType) -> LiteralType:
    """`lt` without what does not decide castability (metadata, annotation, structure)."""
    out = LiteralType()
    out.CopyFrom(lt)
    for name in ("metadata", "annotation", "structure"):
        out.ClearField(name)
    return out


def are_types_castable(upstream: LiteralType, downstream: LiteralType) -> bool:
    """Whether a value of Flyte type `upstream` can be read as `downstream` (used to pick the union
    variant a tagged literal belongs to)."""
    if upstream.HasField("collection_type"):
        return downstream.HasField("collection_type") and are_types_castable(upstream.collection_type,
                                                                            downstream.collection_type)
    if upstream.HasField("map_value_type"):
        return downstream.HasField("map_value_type") and are_types_castable(upstream.map_value_type,
                                                                           downstream.map_value_type)
    if upstream.HasField("union_type"):
        if downstream.HasField("union_type"):
            return all(any(are_types_castable(u, d) for d in downstream.union_type.variants)
                       for u in upstream.union_type.variants)
        return all(are_types_castable(u, downstream) for u in upstream.union_type.variants)
    if downstream.HasField("union_type"):
        return any(are_types_castable(upstream, d) for d in downstream.union_type.variants)
    if upstream.HasField("enum_type"):
        return (downstream.HasField("enum_type") and set(upstream.enum_type.values) <= set(downstream.enum_type.values)) \
            or (downstream.HasField("simple") and downstream.simple == types_pb2.STRING)
    if upstream.HasField("simple") and upstream.simple == types_pb2.NONE:
        return downstream.HasField("simple") and downstream.simple == types_pb2.NONE
    if upstream.HasField("simple") and upstream.simple == types_pb2.STRUCT and downstream.HasField("simple") \
            and downstream.simple == types_pb2.STRUCT:
        return True
    return _type_essence(upstream) == _type_essence(downstream)


class UnionTransformer(TypeTransformer[T]):
    """`Union[...]`/`Optional[...]`/`A | B`: the value's literal wrapped with the variant type it
    was converted as, tagged with that variant's transformer name."""

    def __init__(self) -> None:
        super().__init__("Typed Union", typing.cast(Type[T], typing.Union))

    @staticmethod
    def is_optional_type(t: Any) -> bool:
        return is_union_type(t) and type(None) in typing.get_args(t)

    @staticmethod
    def get_sub_type_in_optional(t: Any) -> Any:
        return typing.get_args(t)[0]

    def assert_type(self, t: Any, v: Any) -> None:
        t = get_underlying_type(t)
        if not is_union_type(t):
            return
        for sub in typing.get_args(t):
            if sub is Any:
                return
            try:
                trans = TypeEngine.get_transformer(sub)
                if not trans.type_assertions_enabled:
                    return
                trans.assert_type(sub, v)
                if sub is type(None) and v is not None:
                    continue
                return
            except (TypeTransformerFailedError, TypeError, ValueError, AssertionError):
                continue
        raise TypeTransformerFailedError(f"Value {v} is not of type {t}")

    def get_literal_type(self, t: Any) -> LiteralType:
        t = get_underlying_type(t)
        try:
            variants = [tag_type(TypeEngine.to_literal_type(x), TypeEngine.get_transformer(x).name)
                        for x in typing.get_args(t)]
        except Exception as e:
            raise ValueError(f"Type of Generic Union type is not supported, {e}")
        return LiteralType(union_type=types_pb2.UnionType(variants=variants))

    async def to_literal(self, python_val: Any, python_type: Any, expected: LiteralType) -> Literal:
        python_type = get_underlying_type(python_type)
        subtypes = typing.get_args(python_type)
        if expected is None or not expected.HasField("union_type"):
            expected = self.get_literal_type(python_type)
        variants = list(expected.union_type.variants)
        exact = type(python_val)
        if exact in subtypes:  # the value's own type wins over anything that could also hold it
            i = subtypes.index(exact)
            trans = TypeEngine.get_transformer(exact)
            value = await trans.to_literal(python_val, exact, variants[i] if i < len(variants) else None)
            return self._wrap(value, tag_type(trans.get_literal_type(exact), trans.name))
        matches = []
        for i, sub in enumerate(subtypes):
            trans = TypeEngine.get_transformer(sub)
            try:
                if trans.type_assertions_enabled:
                    trans.assert_type(sub, python_val)
                value = await trans.to_literal(python_val, sub, variants[i] if i < len(variants) else None)
            except Exception as e:
                logger.debug(f"UnionTransformer failed attempt to convert from {python_val} to {sub} error: {e}")
                continue
            matches.append((sub, value, tag_type(trans.get_literal_type(sub), trans.name)))
        if len(matches) > 1:
            raise TypeError(
                "Ambiguous choice of variant for union type.\n"
                f"Potential types: {[m[0] for m in matches]}\n"
                "These types are structurally the same, because it's attributes have the same names and associated"
                " types.")
        if matches:
            return self._wrap(matches[0][1], matches[0][2])
        raise TypeTransformerFailedError(f"Cannot convert from {python_val} to {python_type}")

    @staticmethod
    def _wrap(value: Literal, variant: LiteralType) -> Literal:
        return Literal(scalar=literals_pb2.Scalar(union=literals_pb2.Union(value=value, type=variant)))

    async def to_python_value(self, lv: Literal, expected_python_type: Any) -> Any:
        expected_python_type = get_underlying_type(expected_python_type)
        tag, union_type = None, None
        if lv.HasField("scalar") and lv.scalar.HasField("union"):
            union_type = lv.scalar.union.type
            if union_type.HasField("structure"):
                tag = union_type.structure.tag
        results = []
        for sub in typing.get_args(expected_python_type):
            try:
                trans = TypeEngine.get_transformer(sub)
                if tag is not None:
                    if trans.name != tag:
                        continue
                    if not are_types_castable(typing.cast(LiteralType, union_type), TypeEngine.to_literal_type(sub)):
                        continue
                    value = await trans.to_python_value(lv.scalar.union.value, sub)
                elif lv.HasField("scalar") and lv.scalar.HasField("union"):
                    value = await trans.to_python_value(lv.scalar.union.value, sub)
                else:
                    value = await trans.to_python_value(lv, sub)
            except Exception as e:
                logger.debug(f"Failed to convert from {lv} to {sub} with error: {e}")
                continue
            results.append((trans.name, value))
            if len(results) > 1:
                raise TypeError(f"Ambiguous choice of variant for union type. Both {results[0][0]} and "
                                f"{results[1][0]} transformers match")
        if results:
            return results[0][1]
        raise TypeError(f"Cannot convert from {lv} to {expected_python_type} (using tag {tag})")

    def guess_python_type(self, literal_type: LiteralType) -> Any:
        if literal_type.HasField("union_type"):
            return typing.Union[tuple(TypeEngine.guess_python_type(v) for v in literal_type.union_type.variants)]
        raise ValueError(f"Union transformer cannot reverse {literal_type}")
