"""Values to bytes and back: msgpack for plain data, cloudpickle for everything else."""

from ._codec import Codec, ExtCode, SerializationError, digest, pack_plain, unpack_plain
from ._pickling import dumps
from ._records import RecordType, register_record_type, resolve, type_key

__all__ = [
    "Codec", "ExtCode", "RecordType", "SerializationError", "digest", "dumps", "pack_plain", "register_record_type",
    "resolve", "type_key", "unpack_plain",
]
