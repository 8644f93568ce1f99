"""Where the type system meets the runtime: a type with a user-registered transformer crosses
actions (and is recorded, cached and replayed) as the serialized Literal its transformer makes,
instead of being pickled. The built-in transformers are not bridged: the runtime's codec carries
those types natively."""

from __future__ import annotations

from typing import Any, Iterable

from .._serde import register_record_type
from .._syncify import run_blocking


def expose(transformer: Any, types: Iterable[Any]) -> None:
    """Route values of each class in `types` through `transformer` in the runtime's codec."""
    for t in types:
        if isinstance(t, type):
            register_record_type(t, *_codec_for(transformer, t))


def _codec_for(transformer: Any, t: type) -> tuple:
    from flyteidl2.core import literals_pb2

    def encode(value: Any, io_context: Any) -> bytes:
        literal = run_blocking(lambda: transformer.to_literal(value, t, transformer.get_literal_type(t)))
        return literal.SerializeToString()

    def decode(record: bytes) -> Any:
        literal = literals_pb2.Literal.FromString(record)
        return run_blocking(lambda: transformer.to_python_value(literal, t))

    return encode, decode
