"""The shim's literal and type models as Flyte 2's literal messages (`flyteidl2.core`) and back.

flytekit's models are protobuf messages of flyteidl v1 underneath; the shim's are plain Python
objects with the same fields. Flyte 2 (`flyte.types`) speaks the same literal language in
`flyteidl2.core` messages (Literal, Scalar, Primitive, Blob, Binary, StructuredDataset, Union,
LiteralType, ...), so a flytekit literal converts field for field. This is how a value that
crosses a task boundary as a literal is handed to the runtime: as the Flyte 2 literal, recorded
and replayed by the same engine as a Flyte 2 program's values (see `_literal_value.py`).

The conversion is what a Flyte backend does to a flytekit literal when it stores it: a datetime
comes back in UTC, numbers inside a JSON struct (a literal type's schema, a generic value) come
back as floats, and a model holding something a literal cannot hold (an integer primitive set to
a string, a blob without a uri) is refused with a `TypeError` naming the field.

Imported only when a literal crosses a task (flyteidl2 and protobuf load then, not with
`import flytekit`).
"""

from __future__ import annotations

import datetime
from typing import Any, Optional

from flyteidl2.core import literals_pb2, types_pb2
from google.protobuf import json_format, struct_pb2

from . import literals as _lit
from . import types as _types
from .annotation import TypeAnnotation
from .core.types import BlobType, EnumType

# -- JSON structs ----------------------------------------------------------------------------------


def _struct(value: Any, where: str) -> struct_pb2.Struct:
    if isinstance(value, struct_pb2.Struct):
        return value
    out = struct_pb2.Struct()
    try:
        out.update(value)
    except (TypeError, ValueError, AttributeError) as e:
        raise TypeError(f"{where} must be a JSON object to be carried in a literal, got {value!r:.200}: {e}") from e
    return out


def _dict(struct: struct_pb2.Struct) -> dict:
    return json_format.MessageToDict(struct)


# -- literal types -----------------------------------------------------------------------------------


def type_to_idl2(lt: Optional[_types.LiteralType]) -> types_pb2.LiteralType:
    out = types_pb2.LiteralType()
    if lt is None:
        return out
    if lt.simple is not None:
        out.simple = int(lt.simple)
    elif lt.schema is not None:
        out.schema.CopyFrom(_schema_type_to_idl2(lt.schema))
    elif lt.collection_type is not None:
        out.collection_type.CopyFrom(type_to_idl2(lt.collection_type))
    elif lt.map_value_type is not None:
        out.map_value_type.CopyFrom(type_to_idl2(lt.map_value_type))
    elif lt.blob is not None:
        out.blob.CopyFrom(_blob_type_to_idl2(lt.blob))
    elif lt.enum_type is not None:
        out.enum_type.CopyFrom(types_pb2.EnumType(values=list(lt.enum_type.values or [])))
    elif lt.union_type is not None:
        out.union_type.CopyFrom(types_pb2.UnionType(variants=[type_to_idl2(v) for v in lt.union_type.variants or []]))
    elif lt.structured_dataset_type is not None:
        out.structured_dataset_type.CopyFrom(_sd_type_to_idl2(lt.structured_dataset_type))
    if lt.metadata:
        out.metadata.CopyFrom(_struct(lt.metadata, "a literal type's metadata"))
    if lt.annotation is not None and lt.annotation.annotations:
        out.annotation.annotations.CopyFrom(_struct(lt.annotation.annotations, "a literal type's annotation"))
    if lt.structure is not None:
        out.structure.tag = lt.structure.tag or ""
        for name, field_type in (lt.structure.dataclass_type or {}).items():
            out.structure.dataclass_type[name].CopyFrom(type_to_idl2(field_type))
    return out


def type_from_idl2(pb: types_pb2.LiteralType) -> _types.LiteralType:
    kind = pb.WhichOneof("type")
    fields: dict[str, Any] = {}
    if kind == "simple":
        fields["simple"] = pb.simple
    elif kind == "schema":
        fields["schema"] = _schema_type_from_idl2(pb.schema)
    elif kind == "collection_type":
        fields["collection_type"] = type_from_idl2(pb.collection_type)
    elif kind == "map_value_type":
        fields["map_value_type"] = type_from_idl2(pb.map_value_type)
    elif kind == "blob":
        fields["blob"] = BlobType(format=pb.blob.format, dimensionality=pb.blob.dimensionality)
    elif kind == "enum_type":
        fields["enum_type"] = EnumType(values=list(pb.enum_type.values))
    elif kind == "union_type":
        fields["union_type"] = _types.UnionType(variants=[type_from_idl2(v) for v in pb.union_type.variants])
    elif kind == "structured_dataset_type":
        fields["structured_dataset_type"] = _sd_type_from_idl2(pb.structured_dataset_type)
    if pb.HasField("metadata"):
        fields["metadata"] = _dict(pb.metadata)
    if pb.HasField("annotation"):
        fields["annotation"] = TypeAnnotation(annotations=_dict(pb.annotation.annotations))
    if pb.HasField("structure"):
        fields["structure"] = _types.TypeStructure(
            tag=pb.structure.tag, dataclass_type={k: type_from_idl2(v) for k, v in pb.structure.dataclass_type.items()})
    return _types.LiteralType(**fields)


def _blob_type_to_idl2(bt: Any) -> types_pb2.BlobType:
    return types_pb2.BlobType(format=bt.format or "", dimensionality=int(bt.dimensionality or 0))


def _schema_type_to_idl2(st: Any) -> types_pb2.SchemaType:
    return types_pb2.SchemaType(columns=[types_pb2.SchemaType.SchemaColumn(name=c.name, type=int(c.type or 0))
                                         for c in st.columns or []])


def _schema_type_from_idl2(pb: types_pb2.SchemaType) -> _types.SchemaType:
    return _types.SchemaType(columns=[_types.SchemaType.SchemaColumn(name=c.name, type=c.type) for c in pb.columns])


def _sd_type_to_idl2(sdt: Any) -> types_pb2.StructuredDatasetType:
    return types_pb2.StructuredDatasetType(
        columns=[types_pb2.StructuredDatasetType.DatasetColumn(name=c.name, literal_type=type_to_idl2(c.literal_type))
                 for c in sdt.columns or []],
        format=sdt.format or "", external_schema_type=sdt.external_schema_type or "",
        external_schema_bytes=sdt.external_schema_bytes or b"")


def _sd_type_from_idl2(pb: types_pb2.StructuredDatasetType) -> _types.StructuredDatasetType:
    return _types.StructuredDatasetType(
        columns=[_types.StructuredDatasetType.DatasetColumn(name=c.name, literal_type=type_from_idl2(c.literal_type))
                 for c in pb.columns],
        format=pb.format, external_schema_type=pb.external_schema_type or None,
        external_schema_bytes=pb.external_schema_bytes or None)


# -- literals ---------------------------------------------------------------------------------------


def literal_to_idl2(lit: _lit.Literal) -> literals_pb2.Literal:
    """`lit` as a Flyte 2 literal message; a `TypeError` names a field no literal can hold."""
    out = literals_pb2.Literal()
    if lit.scalar is not None:
        out.scalar.CopyFrom(_scalar_to_idl2(lit.scalar))
    elif lit.collection is not None:
        out.collection.CopyFrom(literals_pb2.LiteralCollection(
            literals=[literal_to_idl2(x) for x in lit.collection.literals or []]))
    elif lit.map is not None:
        for k, v in (lit.map.literals or {}).items():
            out.map.literals[k].CopyFrom(literal_to_idl2(v))
    elif lit.offloaded_metadata is not None:
        om = lit.offloaded_metadata
        out.offloaded_metadata.CopyFrom(literals_pb2.LiteralOffloadedMetadata(
            uri=om.uri or "", size_bytes=int(om.size_bytes or 0), inferred_type=type_to_idl2(om.inferred_type)))
    if lit.hash:
        out.hash = lit.hash
    for k, v in (lit.metadata or {}).items():
        out.metadata[k] = v
    return out


def literal_from_idl2(pb: literals_pb2.Literal) -> _lit.Literal:
    kind = pb.WhichOneof("value")
    fields: dict[str, Any] = {}
    if kind == "scalar":
        fields["scalar"] = _scalar_from_idl2(pb.scalar)
    elif kind == "collection":
        fields["collection"] = _lit.LiteralCollection(literals=[literal_from_idl2(x) for x in pb.collection.literals])
    elif kind == "map":
        fields["map"] = _lit.LiteralMap(literals={k: literal_from_idl2(v) for k, v in pb.map.literals.items()})
    elif kind == "offloaded_metadata":
        om = pb.offloaded_metadata
        fields["offloaded_metadata"] = _lit.LiteralOffloadedMetadata(
            uri=om.uri, size_bytes=om.size_bytes,
            inferred_type=type_from_idl2(om.inferred_type) if om.HasField("inferred_type") else None)
    if pb.hash:
        fields["hash"] = pb.hash
    if pb.metadata:
        fields["metadata"] = dict(pb.metadata)
    return _lit.Literal(**fields)


def _primitive_to_idl2(p: _lit.Primitive) -> literals_pb2.Primitive:
    out = literals_pb2.Primitive()
    try:
        if p.integer is not None:
            out.integer = p.integer
        elif p.float_value is not None:
            out.float_value = p.float_value
        elif p.string_value is not None:
            out.string_value = p.string_value
        elif p.boolean is not None:
            out.boolean = p.boolean
        elif p.datetime is not None:
            out.datetime.FromDatetime(p.datetime)  # an aware datetime by its instant; a naive one is UTC
        elif p.duration is not None:
            out.duration.FromTimedelta(p.duration)
    except (TypeError, ValueError, AttributeError) as e:
        raise TypeError(f"{p!r:.200} cannot be carried as a literal: {e}") from e
    return out


def _primitive_from_idl2(pb: literals_pb2.Primitive) -> _lit.Primitive:
    kind = pb.WhichOneof("value")
    if kind == "datetime":
        return _lit.Primitive(datetime=pb.datetime.ToDatetime().replace(tzinfo=datetime.timezone.utc))
    if kind == "duration":
        return _lit.Primitive(duration=pb.duration.ToTimedelta())
    if kind is None:
        return _lit.Primitive()
    return _lit.Primitive(**{kind: getattr(pb, kind)})


def _scalar_to_idl2(s: _lit.Scalar) -> literals_pb2.Scalar:
    out = literals_pb2.Scalar()
    if s.primitive is not None:
        out.primitive.CopyFrom(_primitive_to_idl2(s.primitive))
    elif s.blob is not None:
        blob = s.blob
        if not isinstance(blob.uri, str):
            raise TypeError(f"a blob literal needs a uri (a string), got {blob.uri!r:.200}")
        meta = literals_pb2.BlobMetadata()
        if blob.metadata is not None and blob.metadata.type is not None:
            meta.type.CopyFrom(_blob_type_to_idl2(blob.metadata.type))
        out.blob.CopyFrom(literals_pb2.Blob(metadata=meta, uri=blob.uri))
    elif s.binary is not None:
        if not isinstance(s.binary.value, (bytes, bytearray)):
            raise TypeError(f"a binary literal holds bytes, got {type(s.binary.value).__name__}")
        out.binary.CopyFrom(literals_pb2.Binary(value=bytes(s.binary.value), tag=s.binary.tag or ""))
    elif s.schema is not None:
        out.schema.CopyFrom(literals_pb2.Schema(uri=s.schema.uri or "", type=_schema_type_to_idl2(s.schema.type)
                                                if s.schema.type is not None else None))
    elif s.union is not None:
        out.union.CopyFrom(literals_pb2.Union(value=literal_to_idl2(s.union.value),
                                              type=type_to_idl2(s.union.stored_type)))
    elif s.none_type is not None:
        out.none_type.CopyFrom(literals_pb2.Void())
    elif s.error is not None:
        out.error.CopyFrom(types_pb2.Error(failed_node_id=s.error.failed_node_id or "", message=s.error.message or ""))
    elif s.generic is not None:
        out.generic.CopyFrom(_struct(s.generic, "a generic literal"))
    elif s.structured_dataset is not None:
        sd = s.structured_dataset
        msg = literals_pb2.StructuredDataset(uri=sd.uri or "")
        if sd.metadata is not None and sd.metadata.structured_dataset_type is not None:
            msg.metadata.structured_dataset_type.CopyFrom(_sd_type_to_idl2(sd.metadata.structured_dataset_type))
        out.structured_dataset.CopyFrom(msg)
    return out


def _scalar_from_idl2(pb: literals_pb2.Scalar) -> _lit.Scalar:
    kind = pb.WhichOneof("value")
    if kind == "primitive":
        return _lit.Scalar(primitive=_primitive_from_idl2(pb.primitive))
    if kind == "blob":
        meta = _lit.BlobMetadata(type=BlobType(format=pb.blob.metadata.type.format,
                                                dimensionality=pb.blob.metadata.type.dimensionality))
        return _lit.Scalar(blob=_lit.Blob(metadata=meta, uri=pb.blob.uri))
    if kind == "binary":
        return _lit.Scalar(binary=_lit.Binary(value=pb.binary.value, tag=pb.binary.tag))
    if kind == "schema":
        return _lit.Scalar(schema=_lit.Schema(uri=pb.schema.uri, type=_schema_type_from_idl2(pb.schema.type)))
    if kind == "union":
        return _lit.Scalar(union=_lit.Union(value=literal_from_idl2(pb.union.value),
                                            stored_type=type_from_idl2(pb.union.type)))
    if kind == "none_type":
        return _lit.Scalar(none_type=_lit.Void())
    if kind == "error":
        return _lit.Scalar(error=_types.Error(failed_node_id=pb.error.failed_node_id, message=pb.error.message))
    if kind == "generic":
        generic = struct_pb2.Struct()
        generic.CopyFrom(pb.generic)
        return _lit.Scalar(generic=generic)
    if kind == "structured_dataset":
        sd = pb.structured_dataset
        sd_meta = _lit.StructuredDatasetMetadata(_sd_type_from_idl2(sd.metadata.structured_dataset_type)) \
            if sd.HasField("metadata") else None
        return _lit.Scalar(structured_dataset=_lit.StructuredDataset(uri=sd.uri, metadata=sd_meta))
    return _lit.Scalar()


def binary_to_idl2(b: _lit.Binary) -> literals_pb2.Binary:
    return literals_pb2.Binary(value=bytes(b.value), tag=b.tag or "")


__all__ = ["binary_to_idl2", "literal_from_idl2", "literal_to_idl2", "type_from_idl2", "type_to_idl2"]
