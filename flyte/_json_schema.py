"""The JSON schema of a Flyte literal type (`flyteidl2.core.types_pb2.LiteralType`), as the SDK
writes it for a task's inputs (`task.native_interface.json_schema`), e.g. to describe a task to
a tool-calling model or a form.

Shapes, by literal type:
- simple types: their JSON type, with a `format` for float/datetime/duration/binary/error;
- a collection: an `array` of its element's schema; a map: an `object` whose
  `additionalProperties` is the value's schema; an enum: a `string` with its values;
- a STRUCT (dataclass, pydantic model, dict): the JSON schema the type engine stored in the
  type's metadata, with the model's title as `dataclass` and fields that have a default left
  out of `required`; a bare dict is just an `object`;
- a File or Dir (a blob): an object of `uri`, `format`, `dimensionality`; a DataFrame: an object
  of `uri` and `format`;
- `Optional[X]`: X's schema; any other union: `oneOf` its variants, each titled by its tag.

On a non-STRUCT type, the metadata holds only the constraints `Annotated[X, Field(...)]` adds
(`minimum`, `description`, ...); they are laid over the structural schema.
"""

from __future__ import annotations

from typing import Any, Dict

__all__ = ["literal_type_to_json_schema"]


def literal_type_to_json_schema(lt: Any) -> Dict[str, Any]:
    """The JSON schema of `lt` (None is JSON's null)."""
    if lt is None:
        return {"type": "null"}
    from flyteidl2.core import types_pb2

    schema = _structural(lt, types_pb2)
    struct = lt.HasField("simple") and lt.simple == types_pb2.SimpleType.STRUCT
    if lt.HasField("metadata") and not struct:
        schema.update(_ints_back(_metadata(lt)))
    return schema


def _metadata(lt: Any) -> Dict[str, Any]:
    from google.protobuf.json_format import MessageToDict

    return dict(MessageToDict(lt.metadata))


def _ints_back(value: Any) -> Any:
    """A protobuf Struct keeps every number as a double: `1.0` comes back as `1`."""
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, list):
        return [_ints_back(v) for v in value]
    if isinstance(value, dict):
        return {k: _ints_back(v) for k, v in value.items()}
    return value


_SIMPLE = {
    "NONE": {"type": "null"},
    "STRING": {"type": "string"},
    "INTEGER": {"type": "integer"},
    "FLOAT": {"type": "number", "format": "float"},
    "BOOLEAN": {"type": "boolean"},
    "DATETIME": {"type": "string", "format": "datetime"},
    "DURATION": {"type": "string", "format": "duration"},
    "BINARY": {"type": "string", "format": "binary"},
    "ERROR": {"type": "object", "format": "error"},
}


def _structural(lt: Any, pb: Any) -> Dict[str, Any]:
    kind = lt.WhichOneof("type")
    if kind == "simple":
        name = pb.SimpleType.Name(lt.simple)
        if name == "STRUCT":
            return _struct(lt)
        return dict(_SIMPLE.get(name, {"type": "string"}))
    if kind == "collection_type":
        return {"type": "array", "items": literal_type_to_json_schema(lt.collection_type)}
    if kind == "map_value_type":
        return {"type": "object", "additionalProperties": literal_type_to_json_schema(lt.map_value_type)}
    if kind == "enum_type":
        return {"type": "string", "enum": list(lt.enum_type.values)}
    if kind == "blob":
        multipart = lt.blob.dimensionality == pb.BlobType.BlobDimensionality.MULTIPART
        return {"type": "object", "format": "blob", "properties": {
            "uri": {"type": "string", "default": ""},
            "format": {"type": "string", "default": lt.blob.format or ""},
            "dimensionality": {"type": "string", "enum": ["SINGLE", "MULTIPART"],
                               "default": "MULTIPART" if multipart else "SINGLE"},
        }}
    if kind == "structured_dataset_type":
        return {"type": "object", "format": "structured-dataset",
                "properties": {"uri": {"type": "string"}, "format": {"type": "string"}}}
    if kind == "union_type":
        return _union(lt.union_type, pb)
    return {"type": "string"}  # the deprecated schema type, and anything newer than this code


def _struct(lt: Any) -> Dict[str, Any]:
    schema = _metadata(lt) if lt.HasField("metadata") else {}
    if not schema:
        return {"type": "object"}
    if lt.structure.tag == _DATACLASS_TAG and "$defs" in schema:
        schema = _inline_definitions(schema)
    schema.setdefault("type", "object")
    schema.pop("additionalProperties", None)
    if "title" in schema:
        schema["dataclass"] = schema.pop("title")
    properties = schema.get("properties") or {}
    if "required" not in schema and properties:
        schema["required"] = [name for name, field in properties.items() if "default" not in field]
    return schema


# The SDK describes a dataclass with every nested class written out in place (mashumaro's schema),
# so its schema stands alone inside the interface's. The stored schema (pydantic's) names nested
# classes by `$ref` into its own `$defs`, which, once it is one property of the interface's schema,
# would point at the interface's root, where there are none: they are written out here too.
_DATACLASS_TAG = "Object-Dataclass-Transformer"


def _inline_definitions(schema: Dict[str, Any]) -> Dict[str, Any]:
    """`schema` with each `{"$ref": "#/$defs/Name", ...}` replaced by that definition (its own
    keys, such as a field's `default`, kept); a class that contains itself stays a `$ref`, and
    then the definitions it needs stay too."""
    defs: Dict[str, Any] = schema.pop("$defs")
    still_referenced: set[str] = set()

    def resolve(node: Any, expanding: tuple) -> Any:
        if isinstance(node, list):
            return [resolve(item, expanding) for item in node]
        if not isinstance(node, dict):
            return node
        ref = node.get("$ref")
        name = ref[len("#/$defs/"):] if isinstance(ref, str) and ref.startswith("#/$defs/") else None
        if name is not None and name in defs and name not in expanding:
            rest = {k: resolve(v, expanding) for k, v in node.items() if k != "$ref"}
            return {**resolve(defs[name], (*expanding, name)), **rest}
        if name is not None:
            still_referenced.add(name)
        return {k: resolve(v, expanding) for k, v in node.items()}

    out = resolve(schema, ())
    if still_referenced:
        out["$defs"] = {name: defs[name] for name in defs}
    return out


def _union(union: Any, pb: Any) -> Dict[str, Any]:
    def is_none(v: Any) -> bool:
        return v.HasField("simple") and v.simple == pb.SimpleType.NONE

    others = [v for v in union.variants if not is_none(v)]
    if len(others) == 1:  # Optional[X]: a caller either gives an X or leaves it out
        return literal_type_to_json_schema(others[0])
    variants = []
    for v in union.variants:
        tag = v.structure.tag if v.HasField("structure") else ""
        variants.append({**literal_type_to_json_schema(v), "title": tag, "structure": tag})
    return {"oneOf": variants, "format": "union"}
