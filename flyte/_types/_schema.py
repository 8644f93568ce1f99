"""JSON schemas for structured types, and Python types rebuilt from them.

A struct's LiteralType carries the JSON schema of its Python type in `metadata`; when the original
class is not importable (a run inspected from another program, `guess_python_type`), a class
with the same fields is made from the schema: a dataclass or a pydantic model, with nested
classes, lists, dicts, optionals, enums and flyte.io values.
"""

from __future__ import annotations

import dataclasses
import keyword
import re
import typing
from typing import Any, Callable, Optional

_IO_TITLES = ("File", "Dir", "DataFrame")
# flyte.io values mark their schema with the kind of value they are
_IO_MARKERS = {"file": "File", "dir": "Dir", "dataframe": "DataFrame"}

ModelFactory = Callable[[str, list[tuple[str, Any, bool, Any]]], type]


def json_schema(tp: Any) -> dict[str, Any]:
    """The JSON schema of `tp` (pydantic's, which is draft 2020-12; types pydantic refuses, such
    as `typing.TypedDict` before Python 3.12, are described field by field)."""
    from ._msgpack import _needs_walk, adapter

    if not _needs_walk(tp):
        return adapter(tp).json_schema()
    defs: dict[str, Any] = {}
    schema = _walk_schema(tp, defs, set())
    if defs:
        schema["$defs"] = {**defs, **schema.get("$defs", {})}
    return schema


def object_schema(title: str, fields: list[tuple[str, Any, bool]]) -> dict[str, Any]:
    """An object schema whose properties are the given (name, type, required) fields."""
    defs: dict[str, Any] = {}
    props = {}
    for name, tp, _ in fields:
        sub = _walk_schema(tp, defs, set())
        sub.setdefault("title", name.replace("_", " ").title())
        props[name] = sub
    schema: dict[str, Any] = {"title": title, "type": "object", "properties": props,
                              "required": [n for n, _, req in fields if req]}
    if defs:
        schema["$defs"] = defs
    return schema


def _walk_schema(tp: Any, defs: dict[str, Any], seen: set) -> dict[str, Any]:
    from ._engine import is_typed_dict
    from ._msgpack import _needs_walk, _typeddict_fields, adapter

    if not _needs_walk(tp):
        sub = dict(adapter(tp).json_schema())
        defs.update(sub.pop("$defs", {}))
        return sub
    if is_typed_dict(tp):
        if tp in seen:
            return {"$ref": f"#/$defs/{tp.__name__}"}
        seen = seen | {tp}
        fields = _typeddict_fields(tp)
        body = {"title": tp.__name__, "type": "object",
                "properties": {k: _walk_schema(t, defs, seen) for k, (t, _) in fields.items()},
                "required": [k for k, (_, req) in fields.items() if req]}
        defs[tp.__name__] = body
        return dict(body)
    origin, args = typing.get_origin(tp), typing.get_args(tp)
    if origin is typing.Annotated:
        return _walk_schema(args[0], defs, seen)
    if origin in (list, set, frozenset):
        return {"type": "array", "items": _walk_schema(args[0], defs, seen)}
    if origin is dict:
        return {"type": "object", "additionalProperties": _walk_schema(args[1], defs, seen)}
    if origin is tuple:
        if len(args) == 2 and args[1] is Ellipsis:
            return {"type": "array", "items": _walk_schema(args[0], defs, seen)}
        return {"type": "array", "prefixItems": [_walk_schema(a, defs, seen) for a in args]}
    return {"anyOf": [_walk_schema(a, defs, seen) if a is not type(None) else {"type": "null"} for a in args]}


def _identifier(name: str) -> str:
    cleaned = re.sub(r"\W", "_", name) or "Model"
    if cleaned[0].isdigit() or keyword.iskeyword(cleaned):
        cleaned = "_" + cleaned
    return cleaned


def make_dataclass(title: str, fields: list[tuple[str, Any, bool, Any]]) -> type:
    spec: list[Any] = []
    required = [(n, t) for n, t, req, _ in fields if req]
    optional = [(n, t, d) for n, t, req, d in fields if not req]
    spec += [(n, t) for n, t in required]
    spec += [(n, t, dataclasses.field(default=d)) if not isinstance(d, (list, dict))
             else (n, t, dataclasses.field(default_factory=_copier(d))) for n, t, d in optional]
    return dataclasses.make_dataclass(_identifier(title), spec)


def _copier(value: Any) -> Callable[[], Any]:
    import copy

    return lambda: copy.deepcopy(value)


def make_model(title: str, fields: list[tuple[str, Any, bool, Any]]) -> type:
    import pydantic

    spec = {n: (t, ... if req else d) for n, t, req, d in fields}
    return pydantic.create_model(_identifier(title), **spec)  # type: ignore[call-overload]


class SchemaReader:
    """Turns one schema (and its `$defs`) into Python types, building each named class once."""

    def __init__(self, schema: dict[str, Any], factory: ModelFactory):
        self.root = schema
        self.defs: dict[str, Any] = {**schema.get("$defs", {}), **schema.get("definitions", {})}
        self.root_factory = factory
        # Classes nested in the root become dataclasses whatever the root is, as in the SDK.
        self.factory: ModelFactory = make_dataclass
        self.built: dict[str, Any] = {}

    def root_type(self) -> Any:
        nested, self.factory = self.factory, self.root_factory
        try:
            return self.type_of(self.root)
        finally:
            self.factory = nested

    def _ref(self, ref: str) -> Any:
        name = ref.rsplit("/", 1)[-1]
        if name in self.built:
            return self.built[name]
        target = self.defs.get(name)
        if target is None:
            return Any
        self.built[name] = Any  # a recursive reference resolves to Any rather than looping
        tp = self.type_of(target, name)
        self.built[name] = tp
        return tp

    def type_of(self, schema: Any, name: Optional[str] = None) -> Any:
        if not isinstance(schema, dict) or not schema:
            return Any
        if "$ref" in schema:
            return self._ref(schema["$ref"])
        for key in ("anyOf", "oneOf"):
            if key in schema:
                variants = [self.type_of(s) for s in schema[key]]
                non_null = [v for v in variants if v is not type(None)]
                if not non_null:
                    return type(None)
                inner = non_null[0] if len(non_null) == 1 else typing.Union[tuple(non_null)]
                return Optional[inner] if len(non_null) < len(variants) else inner
        if "allOf" in schema and len(schema["allOf"]) == 1:
            return self.type_of(schema["allOf"][0], name)
        if "enum" in schema:  # the enum class itself is not known here: its values' type is
            values = schema["enum"]
            kinds = {type(v) for v in values}
            return kinds.pop() if len(kinds) == 1 else Any
        if "const" in schema:
            return typing.Literal[schema["const"]]  # type: ignore[misc]
        kind = schema.get("type")
        if isinstance(kind, list):
            non_null = [k for k in kind if k != "null"]
            inner = self.type_of({**schema, "type": non_null[0]}) if non_null else type(None)
            return Optional[inner] if "null" in kind else inner
        title = schema.get("title") or name
        marker = schema.get("x-flyte-type")
        if marker in _IO_MARKERS:
            import flyte.io

            return getattr(flyte.io, _IO_MARKERS[marker])
        if kind == "object" or "properties" in schema:
            if title in _IO_TITLES and _looks_like_io(schema):
                import flyte.io

                return getattr(flyte.io, title)
            props = schema.get("properties")
            if props:
                factory = self.factory
                self.factory = make_dataclass
                try:
                    # required fields in their declared order (properties come back from a
                    # protobuf Struct sorted by name), then the optional ones
                    required = [f for f in schema.get("required", []) if f in props]
                    order = required + [f for f in props if f not in required]
                    fields = [(f, self.type_of(props[f]), f in required,
                               props[f].get("default") if isinstance(props[f], dict) else None) for f in order]
                finally:
                    self.factory = factory
                return factory(title or "Model", fields)
            extra = schema.get("additionalProperties")
            if isinstance(extra, dict):
                return typing.Dict[str, self.type_of(extra)]  # type: ignore[misc]
            return dict
        if kind == "array":
            if "prefixItems" in schema:
                return tuple[tuple(self.type_of(s) for s in schema["prefixItems"])]  # type: ignore[misc]
            return typing.List[self.type_of(schema.get("items", {}))]  # type: ignore[misc]
        if kind == "string":  # formats (date-time, ...) are not reconstructed: the text comes through
            return str
        return {"integer": int, "number": float, "boolean": bool, "null": type(None)}.get(str(kind), Any)


def _looks_like_io(schema: dict[str, Any]) -> bool:
    props = schema.get("properties") or {}
    return not props or bool({"path", "uri"} & set(props))


def type_from_schema(schema: dict[str, Any], factory: ModelFactory) -> Any:
    return SchemaReader(schema, factory).root_type()
