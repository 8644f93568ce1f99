"""Transformers for `flyte.io`: a File is a single-part blob literal, a Dir a multi-part blob, a
DataFrame (or a pandas/pyarrow frame) a structured dataset. The literal holds the path; the
bytes stay where they are (the runtime's codec copies local files into the run when values cross
actions)."""

from __future__ import annotations

import inspect
import typing
from collections import OrderedDict
from pathlib import Path
from typing import Any, Dict, List, Optional, Tuple, Type

from flyteidl2.core import literals_pb2, types_pb2

from ._engine import Literal, LiteralType, TypeEngine, TypeTransformer, TypeTransformerFailedError, get_underlying_type

PARQUET = "parquet"


async def _upload_if_lazy(value: Any) -> Tuple[Optional[str], str]:
    """(hash, path) of a flyte.io value, running its lazy uploader first when it has one."""
    uploader = getattr(value, "lazy_uploader", None)
    if callable(uploader):
        digest, path = await uploader()
        return digest, path
    return getattr(value, "hash", None) or None, value.path


def _blob(uri: str, fmt: str, dims: int, digest: Optional[str]) -> Literal:
    lit = Literal(scalar=literals_pb2.Scalar(blob=literals_pb2.Blob(
        metadata=literals_pb2.BlobMetadata(type=types_pb2.BlobType(format=fmt or "", dimensionality=dims)), uri=uri)))
    if digest:
        lit.hash = digest
    return lit


class _BlobRefTransformer(TypeTransformer[Any]):
    """`flyte.io.File` or `Dir` as a blob literal: a reference (uri, format, hash), never the bytes.
    The two differ only in the blob's dimensionality and what they are called."""

    DIMS: int
    KIND: str  # "single part" or "multipart", for messages

    def get_literal_type(self, t: Any) -> LiteralType:
        return LiteralType(blob=types_pb2.BlobType(format="", dimensionality=self.DIMS))

    async def to_literal(self, python_val: Any, python_type: Any, expected: LiteralType) -> Literal:
        if not isinstance(python_val, self.python_type):
            raise TypeTransformerFailedError(f"Expected {self.name} object, received {type(python_val)}")
        digest, uri = await _upload_if_lazy(python_val)
        return _blob(uri, python_val.format, self.DIMS, digest)

    async def to_python_value(self, lv: Literal, expected_python_type: Any) -> Any:
        if not lv.scalar.HasField("blob"):
            raise TypeTransformerFailedError(f"Expected blob literal, received {lv}")
        blob = lv.scalar.blob
        if blob.metadata.type.dimensionality != self.DIMS:
            raise TypeTransformerFailedError(f"Expected {self.KIND} blob, received {blob.metadata.type.dimensionality}")
        cls = get_underlying_type(expected_python_type)
        cls = cls if isinstance(cls, type) and issubclass(cls, self.python_type) else self.python_type
        # a directory's uri may end in a separator; its name is the last component either way
        return cls(path=blob.uri, name=Path(blob.uri.rstrip("/")).name, format=blob.metadata.type.format,
                   hash=lv.hash or None)

    def guess_python_type(self, literal_type: LiteralType) -> Any:
        if literal_type.HasField("blob") and literal_type.blob.dimensionality == self.DIMS \
                and literal_type.blob.format != "PythonPickle":  # a pickled value (single part, see _pickle)
            return self.python_type
        raise ValueError(f"Cannot guess python type from {literal_type}")


class FileTransformer(_BlobRefTransformer):
    DIMS = types_pb2.BlobType.SINGLE
    KIND = "single part"

    def __init__(self) -> None:
        from ..io import File

        super().__init__(name="File", t=File)


class DirTransformer(_BlobRefTransformer):
    DIMS = types_pb2.BlobType.MULTIPART
    KIND = "multipart"

    def __init__(self) -> None:
        from ..io import Dir

        super().__init__(name="Dir", t=Dir)


# -- dataframes ------------------------------------------------------------------------------------------


class _DataFrameHandler:
    """What an encoder and a decoder both are: one dataframe library's type, for one storage
    protocol (None: any) and format ("": any)."""

    def __init__(self, python_type: Type, protocol: Optional[str] = None, supported_format: Optional[str] = None):
        self._python_type = python_type
        self._protocol = protocol.replace("://", "") if protocol else None
        self._supported_format = supported_format or ""

    @property
    def python_type(self) -> Type:
        return self._python_type

    @property
    def protocol(self) -> Optional[str]:
        return self._protocol

    @property
    def supported_format(self) -> str:
        return self._supported_format


class DataFrameEncoder(_DataFrameHandler):
    """Writes a dataframe library's frames for one storage protocol and format (a plugin
    subclasses this and registers it with `DataFrameTransformerEngine.register`)."""

    async def encode(self, dataframe: Any, structured_dataset_type: types_pb2.StructuredDatasetType) -> literals_pb2.StructuredDataset:
        raise NotImplementedError


class DataFrameDecoder(_DataFrameHandler):
    """Reads a stored structured dataset back as one dataframe library's frame."""

    def __init__(self, python_type: Type, protocol: Optional[str] = None, supported_format: Optional[str] = None,
                 additional_protocols: Optional[List[str]] = None):
        super().__init__(python_type, protocol, supported_format)
        self._additional_protocols = list(additional_protocols or [])

    async def decode(self, flyte_value: literals_pb2.StructuredDataset,
                     current_task_metadata: literals_pb2.StructuredDatasetMetadata) -> Any:
        raise NotImplementedError


_Handler = typing.Union[DataFrameEncoder, DataFrameDecoder]


async def _maybe_await(result: Any) -> Any:
    """The SDK declares `encode`/`decode` as coroutines (and plugins written for it are); a
    plain method that returns its result is accepted too."""
    return await result if inspect.isawaitable(result) else result


def _is_pandas_type(t: Any) -> bool:
    return isinstance(t, type) and t.__name__ == "DataFrame" and t.__module__.startswith("pandas")


def _protocol_of(uri: str) -> str:
    return uri.split("://", 1)[0] if "://" in uri else "file"


class DataFrameTransformerEngine(TypeTransformer[Any]):
    """`flyte.io.DataFrame` and dataframe libraries' own frame types as structured datasets.
    pandas (parquet) is built in; other libraries register encoders and decoders."""

    ENCODERS: Dict[Type, Dict[str, Dict[str, DataFrameEncoder]]] = {}
    DECODERS: Dict[Type, Dict[str, Dict[str, DataFrameDecoder]]] = {}
    DEFAULT_FORMATS: Dict[Type, str] = {}
    DEFAULT_PROTOCOLS: Dict[Type, str] = {}
    Renderers: Dict[Type, Any] = {}
    Handlers = _Handler

    def __init__(self) -> None:
        from ..io import DataFrame

        super().__init__("DataFrame Transformer", DataFrame)

    # -- plugin registration -------------------------------------------------------------------------

    @classmethod
    def register(cls, h: _Handler, default_for_type: bool = False, override: bool = False,
                 default_format_for_type: bool = False, default_storage_for_type: bool = False) -> None:
        """Add an encoder or decoder; the frame type then converts through this engine."""
        protocols = [h.protocol] if h.protocol else ["file", "s3", "gs", "abfs"]
        for protocol in protocols:
            cls.register_for_protocol(h, protocol, default_for_type, override, default_format_for_type,
                                      default_storage_for_type)
        if h.python_type not in TypeEngine._REGISTRY:
            TypeEngine.register_additional_type(_engine_instance(), h.python_type, override=True)

    @classmethod
    def register_for_protocol(cls, h: _Handler, protocol: str, default_for_type: bool, override: bool,
                              default_format_for_type: bool, default_storage_for_type: bool) -> None:
        table: Dict[Type, Dict[str, Dict[str, Any]]] = cls.ENCODERS if isinstance(h, DataFrameEncoder) else cls.DECODERS
        by_format = table.setdefault(h.python_type, {}).setdefault(protocol, {})
        if h.supported_format in by_format and not override:
            raise ValueError(f"Already registered a handler for {(h.python_type, protocol, h.supported_format)}")
        by_format[h.supported_format] = h
        if default_format_for_type or (default_for_type and h.python_type not in cls.DEFAULT_FORMATS):
            cls.DEFAULT_FORMATS[h.python_type] = h.supported_format
        if default_storage_for_type or (default_for_type and h.python_type not in cls.DEFAULT_PROTOCOLS):
            cls.DEFAULT_PROTOCOLS[h.python_type] = protocol

    @classmethod
    def register_renderer(cls, python_type: Type, renderer: Any) -> None:
        cls.Renderers[python_type] = renderer

    @classmethod
    def _finder(cls, table: Dict, df_type: Type, protocol: str, fmt: str) -> Any:
        by_protocol = table.get(df_type, {})
        by_format = by_protocol.get(protocol) or by_protocol.get("file") or {}
        found = by_format.get(fmt) or by_format.get("")
        if found is None and by_format:
            found = next(iter(by_format.values()))
        if found is None:
            raise ValueError(f"Failed to find a handler for {df_type}, protocol [{protocol}], fmt ['{fmt}']")
        return found

    @classmethod
    def get_encoder(cls, df_type: Type, protocol: str, format: str) -> DataFrameEncoder:
        return cls._finder(cls.ENCODERS, df_type, protocol, format)

    @classmethod
    def get_decoder(cls, df_type: Type, protocol: str, format: str) -> DataFrameDecoder:
        return cls._finder(cls.DECODERS, df_type, protocol, format)

    # -- the transformer -----------------------------------------------------------------------------

    def get_structured_dataset_type(self, storage_format: Optional[str] = None, pa_schema: Any = None,
                                    column_map: Optional[typing.OrderedDict[str, Type[Any]]] = None
                                    ) -> types_pb2.StructuredDatasetType:
        columns = [types_pb2.StructuredDatasetType.DatasetColumn(name=n, literal_type=TypeEngine.to_literal_type(t))
                   for n, t in (column_map or {}).items()]
        return types_pb2.StructuredDatasetType(columns=columns, format=storage_format or "")

    def _columns(self, t: Any) -> Optional[OrderedDict]:
        if typing.get_origin(t) is typing.Annotated:
            for extra in typing.get_args(t)[1:]:
                if isinstance(extra, dict):
                    return OrderedDict(extra)
        return None

    def get_literal_type(self, t: Any) -> LiteralType:
        base = get_underlying_type(t)
        fmt = self.DEFAULT_FORMATS.get(base, PARQUET if _is_pandas_type(base) else "")
        return LiteralType(structured_dataset_type=self.get_structured_dataset_type(fmt, column_map=self._columns(t)))

    def assert_type(self, t: Any, v: Any) -> None:
        return None

    async def to_literal(self, python_val: Any, python_type: Any, expected: LiteralType) -> Literal:
        from ..io import DataFrame

        sd_type = expected.structured_dataset_type if expected is not None and \
            expected.HasField("structured_dataset_type") else self.get_literal_type(python_type).structured_dataset_type
        declared = get_underlying_type(python_type)
        if not isinstance(python_val, DataFrame) and isinstance(declared, type) and issubclass(declared, DataFrame):
            raise TypeTransformerFailedError(
                f"Expected a flyte.io.DataFrame for {declared.__name__}, got a {type(python_val).__name__}: wrap it "
                "with flyte.io.DataFrame.from_df(...) or declare the library's frame type")
        if not isinstance(python_val, DataFrame):
            encoder_found = type(python_val) in self.ENCODERS
            if encoder_found:
                protocol = self.DEFAULT_PROTOCOLS.get(type(python_val), "file")
                encoder = self.get_encoder(type(python_val), protocol, sd_type.format)
                sd = await _maybe_await(encoder.encode(DataFrame.from_df(python_val), sd_type))
                return Literal(scalar=literals_pb2.Scalar(structured_dataset=sd))
            python_val = DataFrame.from_df(python_val)
        if python_val.uri is None:
            from ..storage import get_random_local_path

            target = get_random_local_path()
            python_val = DataFrame.from_local_sync(python_val.val, remote_destination=str(target),
                                                   hash_method=python_val.hash)
        fmt = python_val.format or sd_type.format or ""
        metadata = literals_pb2.StructuredDatasetMetadata(
            structured_dataset_type=types_pb2.StructuredDatasetType(columns=sd_type.columns, format=fmt))
        lit = Literal(scalar=literals_pb2.Scalar(structured_dataset=literals_pb2.StructuredDataset(
            uri=python_val.uri, metadata=metadata)))
        if python_val.hash:
            lit.hash = python_val.hash
        return lit

    async def to_python_value(self, lv: Literal, expected_python_type: Any) -> Any:
        from ..io import DataFrame

        if not (lv.HasField("scalar") and lv.scalar.HasField("structured_dataset")):
            raise TypeTransformerFailedError(f"Expected a structured dataset literal, received {lv}")
        sd = lv.scalar.structured_dataset
        frame = DataFrame.from_existing_remote(sd.uri, format=sd.metadata.structured_dataset_type.format or PARQUET,
                                               hash=lv.hash or None)
        want = get_underlying_type(expected_python_type)
        if isinstance(want, type) and issubclass(want, DataFrame):
            return frame
        if want in self.DECODERS:
            decoder = self.get_decoder(want, _protocol_of(sd.uri), sd.metadata.structured_dataset_type.format)
            return await _maybe_await(decoder.decode(sd, sd.metadata))
        return await frame.open(want).all()

    def guess_python_type(self, literal_type: LiteralType) -> Any:
        if literal_type.HasField("structured_dataset_type"):
            return self.python_type
        raise ValueError(f"DataFrameTransformerEngine cannot reverse {literal_type}")

    def to_html(self, python_val: Any, expected_python_type: Any) -> str:
        renderer = self.Renderers.get(type(python_val))
        if renderer is not None:
            return renderer.to_html(python_val)
        return str(python_val)


_instance: Optional[DataFrameTransformerEngine] = None


def _engine_instance() -> DataFrameTransformerEngine:
    global _instance
    if _instance is None:
        found = TypeEngine._REGISTRY.get(DataFrameTransformerEngine().python_type)
        _instance = found if isinstance(found, DataFrameTransformerEngine) else DataFrameTransformerEngine()
    return _instance


def register_io(engine: Any) -> None:
    """Register the flyte.io transformers (and pandas/pyarrow frames, resolved lazily by name)."""
    engine.register(FileTransformer())
    engine.register(DirTransformer())
    global _instance
    _instance = DataFrameTransformerEngine()
    engine.register(_instance)
