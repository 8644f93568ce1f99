"""What pydantic metadata on `Annotated[X, ...]` adds to X's literal type.

`Annotated[int, Field(ge=3)]` is an INTEGER like plain `int`: a literal type fixes structure, not
bounds. As in the SDK, the engine keeps what the annotation adds to X's JSON schema
(`{"minimum": 3}`) in the literal type's `metadata`, where `NativeInterface.json_schema` lays it
over the structural schema, so a form or a tool-calling model sees the same constraints pydantic
would enforce. pydantic decides how a constraint reads in JSON schema (`MinLen` is `minLength` on
a str and `minItems` on a list); keys that describe structure, which the literal type already
fixes, and `default` (the signature says whether an input has one) are not copied.
"""

from __future__ import annotations

import typing
from typing import Any, Dict, List, Tuple

from flyteidl2.core.types_pb2 import LiteralType

from .._pydantic import adapter

# JSON-schema keys that say what shape a value has rather than what values it may take.
_STRUCTURE = frozenset({
    "$defs", "$ref", "additionalProperties", "allOf", "anyOf", "default", "discriminator", "items",
    "oneOf", "prefixItems", "properties", "required", "type",
})
_ABSENT = object()


def _is_pydantic_metadata(extra: Any) -> bool:
    """`Field(...)`, annotated_types' constraints (`Ge`, `MinLen`, `Interval`, ...), grouped ones
    (`StringConstraints`, what `conint` builds) and `WithJsonSchema`. Checked by module first, so a
    program that never imported pydantic does not import it here."""
    if type(extra).__module__.partition(".")[0] not in ("pydantic", "annotated_types"):
        return False
    import annotated_types
    from pydantic.fields import FieldInfo
    from pydantic.json_schema import WithJsonSchema

    return isinstance(extra, (FieldInfo, annotated_types.BaseMetadata, annotated_types.GroupedMetadata, WithJsonSchema))


def split_annotated(tp: Any) -> Tuple[Any, List[Any]]:
    """`Annotated[X, a, b]` as `(X, [the pydantic ones of a, b])`; any other type as `(tp, [])`."""
    if typing.get_origin(tp) is not typing.Annotated:
        return tp, []
    bare, *extras = typing.get_args(tp)
    return bare, [extra for extra in extras if _is_pydantic_metadata(extra)]


def _annotate(tp: Any, metadata: List[Any]) -> Any:
    """`Annotated[tp, *metadata]`, spelled so that Python 3.10 parses it."""
    return typing.Annotated.__class_getitem__((tp, *metadata))  # type: ignore[attr-defined]


def constraint_schema(tp: Any) -> Dict[str, Any]:
    """The JSON-schema keys `tp`'s pydantic metadata adds to its bare type's schema (`{}` when
    there is none, or pydantic cannot describe the bare type)."""
    bare, found = split_annotated(tp)
    if not found:
        return {}
    try:
        plain = adapter(bare).json_schema()
        constrained = adapter(_annotate(bare, found)).json_schema()
    except Exception:  # e.g. a pandas frame: pydantic has no schema for it, so nothing to add
        return {}
    return {key: value for key, value in constrained.items()
            if key not in _STRUCTURE and plain.get(key, _ABSENT) != value}


def with_constraints(lt: LiteralType, tp: Any) -> LiteralType:
    """`lt` (the literal type of `tp` without its annotation) with the constraints recorded; a
    copy, since transformers may hand out one LiteralType for every use. On a union each member
    gets the constraints that apply to it too (pydantic puts `Annotated[Optional[str],
    Field(pattern=...)]`'s pattern on the str member), less the keys the union already has."""
    bare, found = split_annotated(tp)
    if not found:
        return lt
    added = constraint_schema(tp)
    out = LiteralType()
    out.CopyFrom(lt)
    if added:
        out.metadata.update(added)
    if out.HasField("union_type"):
        members = typing.get_args(bare)
        if len(members) == len(out.union_type.variants):
            for member, variant in zip(members, out.union_type.variants):
                if member is type(None):
                    continue
                variant.CopyFrom(with_constraints(variant, _annotate(member, found)))
                for key in added:
                    if key in variant.metadata:
                        del variant.metadata[key]
    return out
