"""The type transformers of the shim's own types: FlyteFile, FlyteDirectory and pickled values.

They give these types their place in flytekit's type system (`TypeEngine.to_literal_type`,
literals made and read by hand or by a user's transformer, values inside dataclasses). Between
tasks the shim passes these values themselves (see `_crossing.py`), with the same local-mode
meaning: a local path is used where it is, a remote URL is fetched on first use.
"""

from __future__ import annotations

import os
import typing
from typing import Any, Optional

from ..core.type_engine import AsyncTypeTransformer, TypeEngine, TypeTransformer, TypeTransformerFailedError
from ..models.core.types import BlobType
from ..models.literals import Blob, BlobMetadata, Literal, Scalar
from ..models.types import LiteralType
from ._crossing import uploaded

PYTHON_PICKLE_FORMAT = "PythonPickle"


def _is_remote(path: str) -> bool:
    return "://" in path and not path.startswith("file://")


def _ctx(ctx: Any) -> Any:
    if ctx is not None:
        return ctx
    from ..core.context_manager import FlyteContextManager

    return FlyteContextManager.current_context()


class FlytePickleTransformer(TypeTransformer[Any]):
    """Values of types flytekit does not know: cloudpickled into a file (a blob)."""

    PYTHON_PICKLE_FORMAT = PYTHON_PICKLE_FORMAT

    def __init__(self) -> None:
        from .pickle import FlytePickle

        super().__init__(name="FlytePickle", t=FlytePickle)

    def assert_type(self, t: Any, v: Any) -> None:
        return None  # anything can be pickled

    def get_literal_type(self, t: Any) -> LiteralType:
        lt = LiteralType(blob=BlobType(format=PYTHON_PICKLE_FORMAT, dimensionality=BlobType.BlobDimensionality.SINGLE))
        lt.metadata = {"python_class_name": str(t)}
        return lt

    def to_literal(self, ctx: Any, python_val: Any, python_type: Any, expected: Optional[LiteralType]) -> Literal:
        if python_val is None:
            raise AssertionError("Cannot pickle None Value.")
        from .pickle import FlytePickle

        uri = FlytePickle._write(_ctx(ctx), python_val)
        meta = BlobMetadata(type=BlobType(format=PYTHON_PICKLE_FORMAT, dimensionality=BlobType.BlobDimensionality.SINGLE))
        return Literal(scalar=Scalar(blob=Blob(metadata=meta, uri=uri)))

    def to_python_value(self, ctx: Any, lv: Literal, expected_python_type: Any) -> Any:
        from .pickle import FlytePickle

        if lv.scalar is None or lv.scalar.blob is None:
            raise TypeTransformerFailedError(f"Cannot unpickle {lv}: it is not a blob")
        return FlytePickle._read(_ctx(ctx), lv.scalar.blob.uri)

    def guess_python_type(self, literal_type: LiteralType) -> Any:
        if (literal_type.blob is not None and literal_type.blob.dimensionality == BlobType.BlobDimensionality.SINGLE
                and literal_type.blob.format == PYTHON_PICKLE_FORMAT):
            from .pickle import FlytePickle

            return FlytePickle
        raise ValueError(f"Transformer {self} cannot reverse {literal_type}")


def _blob_literal(uri: str, fmt: str, dimensionality: int, metadata: Optional[dict] = None) -> Literal:
    meta = BlobMetadata(type=BlobType(format=fmt, dimensionality=dimensionality))
    return Literal(scalar=Scalar(blob=Blob(metadata=meta, uri=uri)), metadata=metadata)


class FlyteFilePathTransformer(AsyncTypeTransformer[Any]):
    """FlyteFile (and `os.PathLike`) as a single-file blob whose format is the file extension."""

    def __init__(self) -> None:
        from .file._file import FlyteFile

        super().__init__(name="FlyteFilePath", t=FlyteFile)

    @staticmethod
    def get_format(t: Any) -> str:
        if t is os.PathLike:
            return ""
        return typing.cast(Any, t).extension()

    def _blob_type(self, format: str) -> BlobType:
        return BlobType(format=format, dimensionality=BlobType.BlobDimensionality.SINGLE)

    def assert_type(self, t: Any, v: Any) -> None:
        from .file._file import FlyteFile

        if isinstance(v, (os.PathLike, FlyteFile, str)):
            return
        raise TypeError(f"No automatic conversion found from type {type(v)} to FlyteFile.Supported (os.PathLike, str, "
                        "Flytefile)")

    def get_literal_type(self, t: Any) -> LiteralType:
        from ..core.type_engine import get_underlying_type

        return LiteralType(blob=self._blob_type(format=FlyteFilePathTransformer.get_format(get_underlying_type(t))))

    @staticmethod
    def get_additional_headers(source_path: Any) -> dict[str, str]:
        return {"ContentEncoding": "gzip"} if str(source_path).endswith(".gz") else {}

    async def async_to_literal(self, ctx: Any, python_val: Any, python_type: Any, expected: Optional[LiteralType]) -> Literal:
        from ..core.type_engine import get_underlying_type
        from .file._file import FlyteFile

        if python_val is None:
            raise TypeTransformerFailedError("None value cannot be converted to a file.")
        fmt = self.get_format(get_underlying_type(python_type))
        if isinstance(python_val, FlyteFile):
            source = python_val.remote_source or uploaded(python_val) or python_val.path
            metadata = python_val.metadata
        elif isinstance(python_val, (str, os.PathLike)):
            source, metadata = os.fspath(python_val), None
        else:
            raise TypeTransformerFailedError(f"Expected FlyteFile or os.PathLike object, received {type(python_val)}")
        if not _is_remote(source) and os.path.isdir(source):
            raise ValueError(f"Expected a file, but {source} is a directory.")
        # A local execution uses the file where it is (flytekit uploads only to a backend's store).
        return _blob_literal(source, fmt, BlobType.BlobDimensionality.SINGLE, metadata)

    async def async_to_python_value(self, ctx: Any, lv: Literal, expected_python_type: Any) -> Any:
        from ..core.type_engine import get_underlying_type
        from ..exceptions.user import FlyteAssertion
        from .file._file import FlyteFile

        if lv.scalar is not None and lv.scalar.binary is not None:
            return self.from_binary_idl(lv.scalar.binary, expected_python_type)
        try:
            uri, metadata = lv.scalar.blob.uri, lv.metadata
        except AttributeError:
            raise TypeTransformerFailedError(f"Cannot convert from {lv} to {expected_python_type}") from None
        if lv.scalar.blob.metadata.type.dimensionality != BlobType.BlobDimensionality.SINGLE:
            raise TypeTransformerFailedError(f"{uri} is not a file.")
        if not _is_remote(uri) and not os.path.isfile(uri):
            raise FlyteAssertion(f"Cannot convert from {lv} to {expected_python_type}. Expected a file, but {uri} is "
                                 "not a file.")
        if expected_python_type is os.PathLike:
            return FlyteFile(path=uri, metadata=metadata)
        expected = get_underlying_type(expected_python_type)
        if not (isinstance(expected, type) and issubclass(expected, FlyteFile)):
            raise TypeError(f"Neither os.PathLike nor FlyteFile specified {expected_python_type}")
        if not _is_remote(uri):
            return expected(path=uri, metadata=metadata)
        local = _ctx(ctx).file_access.get_random_local_path(uri)
        ff = typing.cast(Any, FlyteFile)[self.get_format(expected)](path=local, metadata=metadata)
        ff._remote_source = uri
        return ff

    def from_binary_idl(self, binary_idl_object: Any, expected_python_type: Any) -> Any:
        from ..core import _flyte_types_adapter as adapter

        return self.dict_to_flyte_file(adapter.unpack(binary_idl_object.value), expected_python_type)

    def dict_to_flyte_file(self, dict_obj: dict[str, Any], expected_python_type: Any) -> Any:
        path = dict_obj.get("path")
        if path is None:
            raise ValueError("FlyteFile's path should not be None")
        lv = _blob_literal(path, self.get_format(expected_python_type) if expected_python_type is not os.PathLike else "",
                           BlobType.BlobDimensionality.SINGLE, dict_obj.get("metadata"))
        return self.to_python_value(None, lv, expected_python_type)

    def guess_python_type(self, literal_type: LiteralType) -> Any:
        from .file._file import FlyteFile

        if (literal_type.blob is not None and literal_type.blob.dimensionality == BlobType.BlobDimensionality.SINGLE
                and literal_type.blob.format != PYTHON_PICKLE_FORMAT):
            return typing.cast(Any, FlyteFile)[literal_type.blob.format]
        raise ValueError(f"Transformer {self} cannot reverse {literal_type}")


class FlyteDirToMultipartBlobTransformer(AsyncTypeTransformer[Any]):
    """FlyteDirectory as a multipart blob."""

    def __init__(self) -> None:
        from .directory._directory import FlyteDirectory

        super().__init__(name="FlyteDirectory", t=FlyteDirectory)

    @staticmethod
    def get_format(t: Any) -> str:
        return typing.cast(Any, t).extension() if hasattr(t, "extension") else ""

    def assert_type(self, t: Any, v: Any) -> None:
        from .directory._directory import FlyteDirectory

        if isinstance(v, (FlyteDirectory, str, os.PathLike)):
            return
        raise TypeError(f"No automatic conversion from {type(v)} detected for {t}")

    def get_literal_type(self, t: Any) -> LiteralType:
        from ..core.type_engine import get_underlying_type

        return LiteralType(blob=BlobType(format=self.get_format(get_underlying_type(t)),
                                         dimensionality=BlobType.BlobDimensionality.MULTIPART))

    async def async_to_literal(self, ctx: Any, python_val: Any, python_type: Any, expected: Optional[LiteralType]) -> Literal:
        from ..core.type_engine import get_underlying_type
        from .directory._directory import FlyteDirectory

        if isinstance(python_val, FlyteDirectory):
            source = python_val.remote_source or uploaded(python_val) or python_val.path
        elif isinstance(python_val, (str, os.PathLike)):
            source = os.fspath(python_val)
        else:
            raise TypeTransformerFailedError(f"Expected FlyteDirectory or os.PathLike object, received {type(python_val)}")
        if not _is_remote(source) and os.path.isfile(source):
            raise ValueError(f"Expected a directory, but {source} is a file.")
        return _blob_literal(source, self.get_format(get_underlying_type(python_type)),
                             BlobType.BlobDimensionality.MULTIPART)

    async def async_to_python_value(self, ctx: Any, lv: Literal, expected_python_type: Any) -> Any:
        from ..core.type_engine import get_underlying_type

        if lv.scalar is not None and lv.scalar.binary is not None:
            return self.from_binary_idl(lv.scalar.binary, expected_python_type)
        uri = lv.scalar.blob.uri
        expected = get_underlying_type(expected_python_type)
        if not _is_remote(uri):
            return expected(uri)
        local = _ctx(ctx).file_access.get_random_local_directory()
        d = expected(local)
        d._remote_source = uri
        return d

    def from_binary_idl(self, binary_idl_object: Any, expected_python_type: Any) -> Any:
        from ..core import _flyte_types_adapter as adapter

        data = adapter.unpack(binary_idl_object.value)
        lv = _blob_literal(data["path"], self.get_format(expected_python_type), BlobType.BlobDimensionality.MULTIPART)
        return self.to_python_value(None, lv, expected_python_type)

    def guess_python_type(self, literal_type: LiteralType) -> Any:
        from .directory._directory import FlyteDirectory

        if literal_type.blob is not None and literal_type.blob.dimensionality == BlobType.BlobDimensionality.MULTIPART:
            return typing.cast(Any, FlyteDirectory)[literal_type.blob.format] if literal_type.blob.format else FlyteDirectory
        raise ValueError(f"Transformer {self} cannot reverse {literal_type}")


def register_builtin_transformers() -> None:
    """Adds these transformers to the engine, as the shim's own (not a user's)."""
    for t in (FlyteFilePathTransformer(), FlyteDirToMultipartBlobTransformer(), FlytePickleTransformer()):
        if t.python_type not in TypeEngine._REGISTRY:
            TypeEngine.register(t)
            TypeEngine._BUILTIN_TRANSFORMERS.add(id(t))
    file_transformer = TypeEngine._REGISTRY[FlyteFilePathTransformer().python_type]
    TypeEngine.register_additional_type(file_transformer, os.PathLike, override=True)


__all__ = ["FlyteDirToMultipartBlobTransformer", "FlyteFilePathTransformer", "FlytePickleTransformer",
           "register_builtin_transformers"]
