"""Values to bytes and back: msgpack for plain data, cloudpickle for everything else."""

from ._codec import Codec, ExtCode, SerializationError, digest, pack_plain, unpack_plain
from ._pickling import dumps

__all__ = ["Codec", "ExtCode", "SerializationError", "digest", "dumps", "pack_plain", "unpack_plain"]
