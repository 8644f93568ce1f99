"""flytekit's literal models (`flytekit.models.literals`): values in Flyte's type system.

A `Literal` is a scalar, a collection of literals or a map of literals; a `Scalar` is a primitive,
a blob (file or directory), binary bytes (msgpack for structured values), a union, a structured
dataset, a schema, none, an error or a generic JSON struct.
"""

from __future__ import annotations

import datetime as _datetime
from typing import Any, Optional

from ._base import Model
from .types import Error, LiteralType, StructuredDatasetType


class RetryStrategy(Model):
    _fields = ("retries",)


class Primitive(Model):
    _fields = ("integer", "float_value", "string_value", "boolean", "datetime", "duration")

    def __init__(self, integer: Optional[int] = None, float_value: Optional[float] = None,
                 string_value: Optional[str] = None, boolean: Optional[bool] = None,
                 datetime: Optional[_datetime.datetime] = None, duration: Optional[_datetime.timedelta] = None):
        super().__init__(integer, float_value, string_value, boolean, datetime, duration)

    @property
    def datetime(self) -> Optional[_datetime.datetime]:
        """A timestamp is UTC: a naive datetime is read back UTC-aware, as flytekit reads it."""
        value = self._datetime
        if value is None or value.tzinfo is not None:
            return value
        return value.replace(tzinfo=_datetime.timezone.utc)

    @datetime.setter
    def datetime(self, value: Optional[_datetime.datetime]) -> None:
        object.__setattr__(self, "_datetime", value)

    @property
    def value(self) -> Any:
        if self._datetime is not None:
            return self.datetime
        for v in self._field_values():
            if v is not None:
                return v
        return None


class Binary(Model):
    """Bytes with a tag saying how they are encoded ("msgpack" for structured values)."""

    _fields = ("value", "tag")


class BlobMetadata(Model):
    _fields = ("type",)


class Blob(Model):
    _fields = ("metadata", "uri")


class Void(Model):
    _fields = ()


class Schema(Model):
    _fields = ("uri", "type")


class Union(Model):
    """A value of one variant of a union type, with the variant's type."""

    _fields = ("value", "stored_type")


class StructuredDatasetMetadata(Model):
    _fields = ("structured_dataset_type",)

    def __init__(self, structured_dataset_type: Optional[StructuredDatasetType] = None):
        super().__init__(structured_dataset_type)


class StructuredDataset(Model):
    _fields = ("uri", "metadata")


class Scalar(Model):
    _fields = ("primitive", "blob", "binary", "schema", "union", "none_type", "error", "generic",
               "structured_dataset")

    @property
    def value(self) -> Any:
        for v in self._field_values():
            if v is not None:
                return v
        return None


class LiteralCollection(Model):
    _fields = ("literals",)


class LiteralMap(Model):
    _fields = ("literals",)


class LiteralOffloadedMetadata(Model):
    _fields = ("uri", "size_bytes", "inferred_type")


class Literal(Model):
    _fields = ("scalar", "collection", "map", "hash", "metadata", "offloaded_metadata")

    def __init__(self, scalar: Optional[Scalar] = None, collection: Optional[LiteralCollection] = None,
                 map: Optional[LiteralMap] = None, hash: Optional[str] = None,
                 metadata: Optional[dict[str, str]] = None, offloaded_metadata: Optional[LiteralOffloadedMetadata] = None):
        super().__init__(scalar, collection, map, hash, metadata, offloaded_metadata)

    @property
    def value(self) -> Any:
        return self._scalar or self._collection or self._map

    def set_metadata(self, metadata: dict[str, str]) -> None:
        self._metadata = metadata


class BindingDataCollection(Model):
    _fields = ("bindings",)


class BindingDataMap(Model):
    _fields = ("bindings",)


class BindingData(Model):
    _fields = ("scalar", "collection", "promise", "map")

    @property
    def value(self) -> Any:
        return self._scalar or self._collection or self._promise or self._map


class Binding(Model):
    _fields = ("var", "binding")


__all__ = ["Binary", "Binding", "BindingData", "BindingDataCollection", "BindingDataMap", "Blob", "BlobMetadata",
           "Error", "Literal", "LiteralCollection", "LiteralMap", "LiteralOffloadedMetadata", "LiteralType", "Primitive",
           "RetryStrategy", "Scalar", "Schema", "StructuredDataset", "StructuredDatasetMetadata", "Union", "Void"]
