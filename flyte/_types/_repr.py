"""`literal_string_repr`: a literal (or a map of them, or a run's Inputs/Outputs) as plain Python
data for printing: numbers, strings, lists and dicts, paths for blobs and datasets."""

from __future__ import annotations

import base64
import json
from typing import Any, Union

from flyteidl2.core import literals_pb2

from ._engine import MESSAGEPACK


def _scalar(s: literals_pb2.Scalar) -> Any:
    kind = s.WhichOneof("value")
    if kind == "primitive":
        p = s.primitive
        which = p.WhichOneof("value")
        if which == "datetime":
            return p.datetime.ToDatetime().isoformat()
        if which == "duration":
            return p.duration.ToTimedelta().total_seconds()
        return getattr(p, which) if which else None
    if kind == "none_type":
        return None
    if kind == "error":
        return s.error.message
    if kind in ("structured_dataset", "schema", "blob"):
        return getattr(s, kind).uri
    if kind == "binary":
        if s.binary.tag == MESSAGEPACK:
            from ._msgpack import decode

            return json.dumps(decode(s.binary.value))
        return base64.b64encode(s.binary.value)
    if kind == "generic":
        from google.protobuf.json_format import MessageToDict

        return MessageToDict(s.generic)
    if kind == "union":
        return _literal(s.union.value)
    raise ValueError(f"Unknown scalar type {s}")


def _literal(lit: literals_pb2.Literal) -> Any:
    kind = lit.WhichOneof("value")
    if kind == "scalar":
        return _scalar(lit.scalar)
    if kind == "collection":
        return [_literal(x) for x in lit.collection.literals]
    if kind == "map":
        return {k: _literal(v) for k, v in lit.map.literals.items()}
    if kind == "offloaded_metadata":
        return f"Offloaded literal metadata: {lit.offloaded_metadata}"
    raise ValueError(f"Unknown literal type {lit}")


def literal_string_repr(lm: Union[literals_pb2.Literal, Any, None]) -> Any:
    """Plain data for a Literal, a LiteralMap, a NamedLiteral, Inputs/Outputs (lists of named
    literals) or a dict of literals. None gives {}."""
    if lm is None:
        return {}
    if isinstance(lm, literals_pb2.Literal):
        return _literal(lm)
    if isinstance(lm, literals_pb2.LiteralMap):
        return {k: _literal(v) for k, v in lm.literals.items()}
    if isinstance(lm, dict):
        return {k: _literal(v) for k, v in lm.items()}
    name = type(lm).__name__
    if name == "NamedLiteral":
        return {lm.name: _literal(lm.value)}
    if name in ("Inputs", "Outputs"):
        return {nl.name: _literal(nl.value) for nl in lm.literals}
    raise ValueError(f"Unknown literal type {lm}")
