"""flytekit's type models (`flytekit.models.types`): what a value's type is in Flyte's type system."""

from __future__ import annotations

from typing import Any, Optional

from ._base import Model
from .annotation import TypeAnnotation as TypeAnnotationModel


class SimpleType:
    """The scalar kinds (the values are flyteidl's enum numbers)."""

    NONE = 0
    INTEGER = 1
    FLOAT = 2
    STRING = 3
    BOOLEAN = 4
    DATETIME = 5
    DURATION = 6
    BINARY = 7
    ERROR = 8
    STRUCT = 9

    @classmethod
    def enum_to_string(cls, value: int) -> str:
        for name, v in vars(cls).items():
            if name.isupper() and v == value:
                return name
        return str(value)


class SchemaType(Model):
    """The columns of a (legacy) FlyteSchema."""

    class SchemaColumn(Model):
        class SchemaColumnType:
            INTEGER = 0
            FLOAT = 1
            STRING = 2
            BOOLEAN = 3
            DATETIME = 4
            DURATION = 5

        _fields = ("name", "type")

    _fields = ("columns",)
    _defaults = {"columns": list}


class UnionType(Model):
    _fields = ("variants",)


class TypeStructure(Model):
    """A tag naming the transformer that made a union variant, and the field types of a dataclass."""

    _fields = ("tag", "dataclass_type")


class StructuredDatasetType(Model):
    class DatasetColumn(Model):
        _fields = ("name", "literal_type")

    _fields = ("columns", "format", "external_schema_type", "external_schema_bytes")
    _defaults = {"columns": list, "format": ""}

    def __init__(self, columns: Optional[list] = None, format: str = "", external_schema_type: Optional[str] = None,
                 external_schema_bytes: Optional[bytes] = None):
        super().__init__(columns if columns is not None else [], format or "", external_schema_type,
                         external_schema_bytes)


class LiteralType(Model):
    """One of: a simple type, a schema, a collection of a type, a map to a type, a blob, an enum,
    a union, a structured dataset; with optional metadata (e.g. a JSON schema), structure and
    annotation."""

    _fields = ("simple", "schema", "collection_type", "map_value_type", "blob", "enum_type", "union_type",
               "structured_dataset_type", "metadata", "structure", "annotation")

    def __repr__(self) -> str:
        return _text(self)


class OutputReference(Model):
    _fields = ("node_id", "var", "attr_path")
    _defaults = {"attr_path": list}


class Error(Model):
    _fields = ("failed_node_id", "message")


def _text(model: Any, indent: int = 0) -> str:
    """A protobuf-text-like rendering (what flytekit shows for a model)."""
    pad = " " * indent
    lines = []
    for name, value in zip(model._fields, model._field_values()):
        if value is None or value == [] or value == {}:
            continue
        if name == "simple":
            lines.append(f"{pad}simple: {SimpleType.enum_to_string(value)}")
        elif isinstance(value, Model):
            lines.append(f"{pad}{name} {{\n{_text(value, indent + 2)}{pad}}}")
        else:
            lines.append(f"{pad}{name}: {value!r}")
    return "".join(line + "\n" for line in lines)


__all__ = ["Error", "LiteralType", "OutputReference", "SchemaType", "SimpleType", "StructuredDatasetType",
           "TypeAnnotationModel", "TypeStructure", "UnionType"]
