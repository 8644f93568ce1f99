"""Values to bytes and back: msgpack for plain data, cloudpickle for everything else; and what
a stored value looks like without running its code (`describe`, for `flyte get` and the UI)."""

from typing import TYPE_CHECKING

from .._lazy import lazy_attributes
from ._codec import Codec, ExtCode, SerializationError, digest, pack_plain, pack_scalars, unpack_plain
from ._pickling import dumps
from ._records import RecordType, register_record_type, resolve, type_key

if TYPE_CHECKING:
    from ._describe import Bytes, IORecord, Pickled, Tuple, Undecodable, describe, to_json

# Loaded when first asked for (by `flyte get` and the UI), not by every run.
_LAZY = {name: "._describe" for name in ("Bytes", "IORecord", "Pickled", "Tuple", "Undecodable", "describe", "to_json")}

__getattr__ = lazy_attributes(__name__, _LAZY, globals())


__all__ = [
    "Bytes", "Codec", "ExtCode", "IORecord", "Pickled", "RecordType", "SerializationError", "Tuple", "Undecodable",
    "describe", "digest", "dumps", "pack_plain", "pack_scalars", "register_record_type", "resolve", "to_json", "type_key",
    "unpack_plain",
]
