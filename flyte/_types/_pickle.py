"""`FlytePickle`: the transport for values no transformer knows. Small values are pickled inline
in a binary literal; larger ones (over 10 KB) into a file whose path the literal holds."""

from __future__ import annotations

import hashlib
import os
import sys
import typing
from typing import Any, Type

from flyteidl2.core import literals_pb2, types_pb2

from ._engine import Literal, LiteralType, TypeTransformer

T = typing.TypeVar("T")
DEFAULT_PICKLE_BYTES_LIMIT = 2**10 * 10


class FlytePickle(typing.Generic[T]):
    """Marks a value carried by pickle. `FlytePickle[T]` remembers `T`."""

    @classmethod
    def python_type(cls) -> Type:
        return type(None)

    @classmethod
    def __class_getitem__(cls, python_type: Any) -> Any:
        if python_type is None:
            return cls

        class _Specific(FlytePickle):
            __origin__ = FlytePickle

            @classmethod
            def python_type(cls) -> Type:
                return python_type

        return _Specific

    @classmethod
    async def to_pickle(cls, python_val: Any) -> str:
        """Pickle `python_val` into a new file under the run's raw data directory; its path."""
        from ..storage import get_random_local_path, put

        data = _dumps(python_val)
        target = get_random_local_path(hashlib.md5(data).hexdigest())
        os.makedirs(os.path.dirname(target), exist_ok=True)
        with open(target, "wb") as f:
            f.write(data)
        return await put(str(target))

    @classmethod
    async def from_pickle(cls, uri: str) -> Any:
        import pickle

        from .. import storage

        local = await storage.get(uri) if storage.is_remote(uri) else uri
        with open(local, "rb") as f:
            return pickle.loads(f.read())


def _dumps(value: Any) -> bytes:
    from .._serde import dumps

    return dumps(value)


class FlytePickleTransformer(TypeTransformer[FlytePickle]):
    PYTHON_PICKLE_FORMAT = "PythonPickle"

    def __init__(self) -> None:
        super().__init__(name="FlytePickle", t=FlytePickle)

    def assert_type(self, t: Any, v: Any) -> None:
        return None  # anything can be pickled (or fails to, with its own error)

    def get_literal_type(self, t: Any) -> LiteralType:
        blob = LiteralType(blob=types_pb2.BlobType(format=self.PYTHON_PICKLE_FORMAT,
                                                    dimensionality=types_pb2.BlobType.SINGLE))
        blob.structure.tag = self.name
        inline = LiteralType(simple=types_pb2.BINARY)
        inline.structure.tag = self.name
        lt = LiteralType(union_type=types_pb2.UnionType(variants=[blob, inline]))
        # which class is pickled, for a reader of the interface (the SDK's key and wording)
        lt.metadata.update({"python_class_name": str(t)})
        return lt

    async def to_literal(self, python_val: Any, python_type: Any, expected: LiteralType) -> Literal:
        if python_val is None:
            raise AssertionError("Cannot pickle None Value.")
        if sys.getsizeof(python_val) > DEFAULT_PICKLE_BYTES_LIMIT:
            uri = await FlytePickle.to_pickle(python_val)
            meta = literals_pb2.BlobMetadata(type=types_pb2.BlobType(format=self.PYTHON_PICKLE_FORMAT,
                                                                     dimensionality=types_pb2.BlobType.SINGLE))
            return Literal(scalar=literals_pb2.Scalar(blob=literals_pb2.Blob(metadata=meta, uri=uri)))
        return Literal(scalar=literals_pb2.Scalar(binary=literals_pb2.Binary(value=_dumps(python_val))))

    async def to_python_value(self, lv: Literal, expected_python_type: Any) -> Any:
        import pickle

        if lv.scalar.HasField("blob") and lv.scalar.blob.uri:
            return await FlytePickle.from_pickle(lv.scalar.blob.uri)
        if lv.scalar.HasField("binary") and lv.scalar.binary.value:
            return pickle.loads(lv.scalar.binary.value)
        raise ValueError(f"Cannot convert {lv} to {expected_python_type}")

    def guess_python_type(self, literal_type: LiteralType) -> Any:
        if literal_type.HasField("blob") and literal_type.blob.dimensionality == types_pb2.BlobType.SINGLE \
                and literal_type.blob.format == self.PYTHON_PICKLE_FORMAT:
            return FlytePickle
        if literal_type.HasField("simple") and literal_type.simple == types_pb2.BINARY:
            return FlytePickle
        if literal_type.HasField("union_type") and all(
                v.HasField("structure") and v.structure.tag == self.name for v in literal_type.union_type.variants):
            return FlytePickle
        raise ValueError(f"Transformer {self} cannot reverse {literal_type}")
