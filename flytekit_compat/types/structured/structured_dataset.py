"""`flytekit.types.structured.structured_dataset`: the dataset type and its transformer engine.

A StructuredDataset crosses a task boundary as a structured-dataset literal: a location (a
directory of files) with a format and the columns its type declares. An *encoder* registered
for a dataframe type, storage protocol and format writes a dataframe there; a *decoder* reads
one back as a requested dataframe type, keeping only the requested columns. pandas frames
(parquet, and CSV after `register_csv_handlers()`) and pyarrow tables (parquet) have built-in
handlers; users register their own (`StructuredDatasetTransformerEngine.register`), and those
are what runs, as in flytekit.
"""

from __future__ import annotations

import abc
import collections
import dataclasses
import sys
import types
import typing
from typing import Any, Optional

from ...core.type_engine import AsyncTypeTransformer, TypeEngine, TypeTransformerFailedError
from ...models import literals
from ...models.literals import Literal, Scalar, StructuredDatasetMetadata
from ...models.types import LiteralType, SchemaType, SimpleType, StructuredDatasetType
from ._structured_dataset import CSV, GENERIC_FORMAT, PARQUET, StructuredDataset

StructuredDatasetFormat = str


def get_protocol(uri: Optional[str]) -> str:
    """"file" for a local path, else the URL's scheme."""
    if not uri or "://" not in uri or uri.startswith("file://"):
        return "file"
    return uri.split("://", 1)[0]


def flatten_dict(sub_dict: dict, parent_key: str = "") -> dict[str, Any]:
    """Nested column declarations as dotted names: {"info": {"tel": str}} -> {"info.tel": str}."""
    out: dict[str, Any] = {}
    for key, value in sub_dict.items():
        name = f"{parent_key}.{key}" if parent_key else key
        if isinstance(value, dict):
            out.update(flatten_dict(value, name))
        elif dataclasses.is_dataclass(value):
            out.update(flatten_dict({f.name: f.type for f in dataclasses.fields(value)}, name))
        else:
            out[name] = value
    return out


def extract_cols_and_format(t: Any) -> tuple[Any, Optional[collections.OrderedDict], Optional[str], Any]:
    """(base type, declared columns, storage format, arrow schema) from an Annotated dataset type."""
    fmt = ""
    cols = None
    pa_schema = None
    if typing.get_origin(t) is typing.Annotated:
        base, *metas = typing.get_args(t)
        for meta in metas:
            if isinstance(meta, str):
                if fmt:
                    raise ValueError(f"A format was already specified {fmt}, cannot use {meta}")
                fmt = meta
            elif isinstance(meta, collections.OrderedDict):
                if cols is not None:
                    raise ValueError(f"Column information was already found {cols}, cannot use {meta}")
                cols = meta
            elif isinstance(meta, dict):
                cols = collections.OrderedDict(meta)
            elif isinstance(meta, type) and getattr(meta, "__annotations__", None):
                cols = collections.OrderedDict(meta.__annotations__)  # a dataclass naming the columns
            elif type(meta).__module__.startswith("pyarrow") and type(meta).__name__ == "Schema":
                pa_schema = meta
        return base, cols, fmt, pa_schema
    return t, cols, fmt, pa_schema


class _DatasetHandler:
    def __init__(self, python_type: type, protocol: Optional[str] = None, supported_format: Optional[str] = None,
                 additional_protocols: Optional[list[str]] = None):
        self._python_type = python_type
        self._protocol = protocol.replace("://", "") if protocol else None
        self._supported_format = supported_format or ""

    @property
    def python_type(self) -> type:
        return self._python_type

    @property
    def protocol(self) -> Optional[str]:
        """The storage protocol it handles ("s3", "file", ...); None: every protocol."""
        return self._protocol

    @property
    def supported_format(self) -> str:
        """The format it writes or reads ("parquet", ...); "": any."""
        return self._supported_format


class StructuredDatasetEncoder(_DatasetHandler, abc.ABC):
    """Writes one dataframe type in one format to a storage protocol (None: any protocol).
    Abstract: a handler exists only as a subclass that writes `encode`."""

    @abc.abstractmethod
    def encode(self, ctx: Any, structured_dataset: StructuredDataset,
               structured_dataset_type: StructuredDatasetType) -> literals.StructuredDataset:
        """Write `structured_dataset.dataframe` and return the literal pointing at what was written."""


class StructuredDatasetDecoder(_DatasetHandler, abc.ABC):
    """Reads stored data of one format as one dataframe type (None protocol: any).
    Abstract: a handler exists only as a subclass that writes `decode`."""

    @abc.abstractmethod
    def decode(self, ctx: Any, flyte_value: literals.StructuredDataset, current_task_metadata: StructuredDatasetMetadata) -> Any:
        """Read the data `flyte_value` points at, keeping the columns `current_task_metadata` asks for."""


_SCHEMA_COLUMN_TO_SIMPLE = {
    SchemaType.SchemaColumn.SchemaColumnType.INTEGER: SimpleType.INTEGER,
    SchemaType.SchemaColumn.SchemaColumnType.FLOAT: SimpleType.FLOAT,
    SchemaType.SchemaColumn.SchemaColumnType.STRING: SimpleType.STRING,
    SchemaType.SchemaColumn.SchemaColumnType.BOOLEAN: SimpleType.BOOLEAN,
    SchemaType.SchemaColumn.SchemaColumnType.DATETIME: SimpleType.DATETIME,
    SchemaType.SchemaColumn.SchemaColumnType.DURATION: SimpleType.DURATION,
}


def convert_schema_type_to_structured_dataset_type(column_type: int) -> int:
    """The simple type of a dataset column for a legacy schema column's type."""
    try:
        return _SCHEMA_COLUMN_TO_SIMPLE[column_type]
    except KeyError:
        raise AssertionError(f"Unrecognized SchemaColumnType: {column_type}") from None


class DuplicateHandlerError(ValueError):
    pass


_Handler = typing.Union[StructuredDatasetEncoder, StructuredDatasetDecoder]


class StructuredDatasetTransformerEngine(AsyncTypeTransformer[StructuredDataset]):
    """The transformer of StructuredDataset and of every dataframe type with a handler."""

    ENCODERS: dict[type, dict[str, dict[str, StructuredDatasetEncoder]]] = {}
    DECODERS: dict[type, dict[str, dict[str, StructuredDatasetDecoder]]] = {}
    DEFAULT_PROTOCOLS: dict[type, str] = {}
    DEFAULT_FORMATS: dict[type, str] = {}
    Renderers: dict[type, Any] = {}
    RENDERERS = Renderers
    registered_formats: set[str] = {PARQUET, CSV}

    def __init__(self) -> None:
        super().__init__("StructuredDataset Transformer", StructuredDataset)
        self._type_assertions_enabled = False

    # -- handlers ---------------------------------------------------------------------------------

    @classmethod
    def _finder(cls, table: dict, df_type: type, protocol: str, fmt: str) -> Any:
        _register_builtin_handlers()
        try:
            return table[df_type][protocol][fmt]
        except KeyError:
            pass
        default_format = cls.DEFAULT_FORMATS.get(df_type)
        for proto in (protocol, "fsspec"):
            handlers = table.get(df_type, {}).get(proto)
            if not handlers:
                continue
            for candidate in (fmt, GENERIC_FORMAT, default_format if fmt == GENERIC_FORMAT else None):
                if candidate is not None and candidate in handlers:
                    return handlers[candidate]
            if len(handlers) == 1 and (fmt == GENERIC_FORMAT or proto == protocol):
                return next(iter(handlers.values()))
        raise ValueError(f"Failed to find a handler for {df_type}, protocol [{protocol}], fmt ['{fmt}']")

    @classmethod
    def get_encoder(cls, df_type: type, protocol: str, format: str) -> StructuredDatasetEncoder:
        return cls._finder(cls.ENCODERS, df_type, protocol, format)

    @classmethod
    def get_decoder(cls, df_type: type, protocol: str, format: str) -> StructuredDatasetDecoder:
        return cls._finder(cls.DECODERS, df_type, protocol, format)

    @classmethod
    def register_renderer(cls, python_type: type, renderer: Any) -> None:
        cls.Renderers[python_type] = renderer

    @classmethod
    def register(cls, h: _Handler, default_for_type: bool = False, override: bool = False,
                 default_format_for_type: bool = False, default_storage_for_type: bool = False) -> None:
        """Adds an encoder or decoder; a handler without a protocol serves every protocol."""
        if not isinstance(h, (StructuredDatasetEncoder, StructuredDatasetDecoder)):
            raise TypeError(f"We don't support this type of handler {h}")
        if h.protocol is None:
            if default_for_type:
                raise ValueError(f"Registering SD handler {h} with all protocols should never have default specified.")
            try:
                cls.register_for_protocol(h, "fsspec", False, override, default_format_for_type,
                                          default_storage_for_type)
            except DuplicateHandlerError:
                pass
        elif h.protocol == "":
            raise ValueError(f"Use None instead of empty string for registering handler {h}")
        else:
            cls.register_for_protocol(h, h.protocol, default_for_type, override, default_format_for_type,
                                      default_storage_for_type)

    @classmethod
    def register_for_protocol(cls, h: _Handler, protocol: str, default_for_type: bool, override: bool,
                              default_format_for_type: bool, default_storage_for_type: bool) -> None:
        if protocol == "/":
            protocol = "file"
        top = cls.ENCODERS if isinstance(h, StructuredDatasetEncoder) else cls.DECODERS
        lowest = top.setdefault(h.python_type, {}).setdefault(protocol, {})
        if h.supported_format in lowest and not override:
            raise DuplicateHandlerError(f"Already registered a handler for {(h.python_type, protocol, h.supported_format)}")
        lowest[h.supported_format] = h  # type: ignore[assignment]
        cls.registered_formats.add(h.supported_format)
        if (default_format_for_type or default_for_type) and h.supported_format != GENERIC_FORMAT:
            if h.python_type not in cls.DEFAULT_FORMATS or override:
                cls.DEFAULT_FORMATS[h.python_type] = h.supported_format
        if default_storage_for_type or default_for_type:
            if h.python_type not in cls.DEFAULT_PROTOCOLS or override:
                cls.DEFAULT_PROTOCOLS[h.python_type] = protocol
        TypeEngine.register_additional_type(_engine(), h.python_type, override=True)

    # -- types ------------------------------------------------------------------------------------

    def assert_type(self, t: Any, v: Any) -> None:
        return None

    def _column_type(self, t: Any) -> LiteralType:
        simple = {int: SimpleType.INTEGER, float: SimpleType.FLOAT, str: SimpleType.STRING, bool: SimpleType.BOOLEAN}
        if t in simple:
            return LiteralType(simple=simple[t])
        import datetime

        if t is datetime.datetime:
            return LiteralType(simple=SimpleType.DATETIME)
        if t is datetime.timedelta:
            return LiteralType(simple=SimpleType.DURATION)
        if typing.get_origin(t) is list:
            return LiteralType(collection_type=self._column_type(typing.get_args(t)[0]))
        if typing.get_origin(t) is dict:
            return LiteralType(map_value_type=self._column_type(typing.get_args(t)[1]))
        raise AssertionError(f"type {t} is currently not supported by StructuredDataset")

    def _convert_ordered_dict_of_columns_to_list(self, column_map: Optional[dict]) -> list[Any]:
        if not column_map:
            return []
        return [StructuredDatasetType.DatasetColumn(name=k, literal_type=self._column_type(v))
                for k, v in flatten_dict(dict(column_map)).items()]

    def _get_dataset_type(self, t: Any) -> StructuredDatasetType:
        _, cols, fmt, pa_schema = extract_cols_and_format(t)
        return StructuredDatasetType(columns=self._convert_ordered_dict_of_columns_to_list(cols), format=fmt or "",
                                     external_schema_type="arrow" if pa_schema else None,
                                     external_schema_bytes=pa_schema.to_string().encode() if pa_schema else None)

    def get_literal_type(self, t: Any) -> LiteralType:
        return LiteralType(structured_dataset_type=self._get_dataset_type(t))

    def guess_python_type(self, literal_type: LiteralType) -> Any:
        if literal_type.structured_dataset_type is not None:
            return StructuredDataset
        raise ValueError(f"StructuredDatasetTransformerEngine cannot reverse {literal_type}")

    # -- values -----------------------------------------------------------------------------------

    def _protocol_for(self, ctx: Any, df_type: type, uri: Optional[str] = None) -> str:
        if df_type in self.DEFAULT_PROTOCOLS:
            return self.DEFAULT_PROTOCOLS[df_type]
        return get_protocol(uri or ctx.file_access.raw_output_prefix)

    async def async_to_literal(self, ctx: Any, python_val: Any, python_type: Any, expected: Optional[LiteralType]) -> Literal:
        python_type, *_ = extract_cols_and_format(python_type)
        sdt = StructuredDatasetType(format=self.DEFAULT_FORMATS.get(python_type, GENERIC_FORMAT))
        if isinstance(python_type, type) and issubclass(python_type, StructuredDataset) and not isinstance(
                python_val, StructuredDataset):
            raise TypeTransformerFailedError(
                f"Expected a StructuredDataset instance, but got {type(python_val)} instead. Did you forget to wrap "
                "your dataframe in a StructuredDataset instance?"
            )
        if expected is not None and expected.structured_dataset_type is not None:
            e = expected.structured_dataset_type
            sdt = StructuredDatasetType(columns=e.columns, format=e.format, external_schema_type=e.external_schema_type,
                                        external_schema_bytes=e.external_schema_bytes)
        if isinstance(python_val, StructuredDataset):
            if python_val._literal_sd is not None:  # passed on as it came in
                if python_val._already_uploaded or python_val.dataframe is None:
                    return Literal(scalar=Scalar(structured_dataset=python_val._literal_sd))
                raise ValueError(f"Shouldn't have specified both literal {python_val._literal_sd} and dataframe "
                                 f"{python_val.dataframe}")
            if python_val.dataframe is None:  # data that already exists at a uri
                uri = python_val._given_uri or python_val.uri
                if not uri:
                    raise ValueError(f"If dataframe is not specified, then the uri should be specified. {python_val}")
                if sdt.format == GENERIC_FORMAT and python_val.file_format != GENERIC_FORMAT:
                    sdt.format = python_val.file_format
                return Literal(scalar=Scalar(structured_dataset=literals.StructuredDataset(
                    uri=uri, metadata=StructuredDatasetMetadata(structured_dataset_type=sdt))))
            df_type = type(python_val.dataframe)
            return self.encode(ctx, python_val, df_type, self._protocol_for(ctx, df_type, python_val._given_uri),
                               sdt.format, sdt)
        fmt = self.DEFAULT_FORMATS.get(python_type, "")
        meta = StructuredDatasetMetadata(structured_dataset_type=expected.structured_dataset_type if expected else None)
        sd = StructuredDataset(dataframe=python_val, metadata=meta)
        return self.encode(ctx, sd, python_type, self._protocol_for(ctx, python_type), fmt, sdt)

    def encode(self, ctx: Any, sd: StructuredDataset, df_type: type, protocol: str, format: str,
               structured_literal_type: StructuredDatasetType) -> Literal:
        handler = self.get_encoder(df_type, protocol, format)
        model = handler.encode(ctx, sd, structured_literal_type)
        if model.metadata is None:
            model.metadata = StructuredDatasetMetadata(structured_literal_type)
        if model.metadata.structured_dataset_type is None:
            model.metadata.structured_dataset_type = structured_literal_type
        model.metadata.structured_dataset_type.format = handler.supported_format
        sd._literal_sd = model
        sd._already_uploaded = True
        return Literal(scalar=Scalar(structured_dataset=model))

    async def async_to_python_value(self, ctx: Any, lv: Literal, expected_python_type: Any) -> Any:
        if lv.scalar is not None and lv.scalar.binary is not None:
            return self.from_binary_idl(lv.scalar.binary, expected_python_type)
        expected, cols, _, _ = extract_cols_and_format(expected_python_type)
        incoming = lv.scalar.structured_dataset
        incoming_type = incoming.metadata.structured_dataset_type
        columns = self._convert_ordered_dict_of_columns_to_list(cols) if cols else list(incoming_type.columns or [])
        meta = StructuredDatasetMetadata(structured_dataset_type=StructuredDatasetType(
            columns=columns, format=incoming_type.format, external_schema_type=incoming_type.external_schema_type,
            external_schema_bytes=incoming_type.external_schema_bytes))
        if isinstance(expected, type) and issubclass(expected, StructuredDataset):
            sd = expected(dataframe=None, metadata=meta)
            sd._literal_sd = incoming
            sd.file_format = meta.structured_dataset_type.format
            return sd
        return self.open_as(ctx, incoming, expected, meta)

    def from_binary_idl(self, binary_idl_object: Any, expected_python_type: Any) -> Any:
        from ...core import _flyte_types_adapter as adapter

        return self.dict_to_structured_dataset(adapter.unpack(binary_idl_object.value), expected_python_type)

    def dict_to_structured_dataset(self, dict_obj: dict[str, Any], expected_python_type: Any) -> Any:
        uri = dict_obj.get("uri")
        if uri is None:
            raise ValueError("StructuredDataset's uri and file format should not be None")
        model = literals.StructuredDataset(uri=uri, metadata=StructuredDatasetMetadata(
            structured_dataset_type=StructuredDatasetType(format=dict_obj.get("file_format") or "")))
        return self.to_python_value(None, Literal(scalar=Scalar(structured_dataset=model)), expected_python_type)

    def open_as(self, ctx: Any, sd: Any, df_type: Any, updated_metadata: StructuredDatasetMetadata) -> Any:
        decoder = self.get_decoder(df_type, get_protocol(sd.uri), sd.metadata.structured_dataset_type.format)
        result = decoder.decode(_ctx(ctx), sd, updated_metadata)
        if isinstance(result, types.GeneratorType):
            raise ValueError(f"Decoder {decoder} returned iterator {result} but whole value requested from {sd}")
        return result

    def iter_as(self, ctx: Any, sd: Any, df_type: Any, updated_metadata: StructuredDatasetMetadata) -> Any:
        decoder = self.get_decoder(df_type, get_protocol(sd.uri), sd.metadata.structured_dataset_type.format)
        result = decoder.decode(_ctx(ctx), sd, updated_metadata)
        if not isinstance(result, types.GeneratorType):
            raise ValueError(f"Decoder {decoder} didn't return iterator {result} but should have from {sd}")
        return result

    def to_html(self, ctx: Any, python_val: Any, expected_python_type: Any) -> str:
        df = python_val.dataframe if isinstance(python_val, StructuredDataset) else python_val
        renderer = self.Renderers.get(type(df))
        if renderer is not None:
            return renderer.to_html(df)
        if hasattr(df, "to_html"):
            return df.to_html()
        raise NotImplementedError(f"Could not find a renderer for {type(df)} in {self.Renderers}")


def _ctx(ctx: Any) -> Any:
    if ctx is not None:
        return ctx
    from ...core.context_manager import FlyteContextManager

    return FlyteContextManager.current_context()


_ENGINE: Optional[StructuredDatasetTransformerEngine] = None


def _engine() -> StructuredDatasetTransformerEngine:
    global _ENGINE
    if _ENGINE is None:
        _ENGINE = StructuredDatasetTransformerEngine()
    return _ENGINE


_builtin_done: set[str] = set()


def _register_builtin_handlers() -> None:
    """pandas and pyarrow handlers, once those libraries are imported (by anyone)."""
    for module in ("pandas", "pyarrow"):
        if module in sys.modules and module not in _builtin_done:
            _builtin_done.add(module)
            from . import basic_dfs

            basic_dfs.register(module)


def lazy_import_structured_dataset_handler() -> None:
    _register_builtin_handlers()


def register_engine() -> None:
    """Adds the engine to flytekit's TypeEngine as one of the shim's own transformers; dataset
    values cross tasks as literals."""
    engine = _engine()
    if StructuredDataset not in TypeEngine._REGISTRY:
        TypeEngine.register(engine)
    TypeEngine._BUILTIN_TRANSFORMERS.add(id(engine))
    TypeEngine._CROSS_AS_LITERAL.add(StructuredDataset)
    _register_builtin_handlers()


__all__ = [
    "CSV", "DuplicateHandlerError", "GENERIC_FORMAT", "PARQUET", "StructuredDataset", "StructuredDatasetDecoder",
    "StructuredDatasetEncoder", "StructuredDatasetFormat", "StructuredDatasetMetadata",
    "StructuredDatasetTransformerEngine", "StructuredDatasetType", "convert_schema_type_to_structured_dataset_type",
    "extract_cols_and_format", "flatten_dict",
    "get_protocol", "lazy_import_structured_dataset_handler",
]
