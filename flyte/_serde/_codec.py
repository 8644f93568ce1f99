"""The value codec used for every input and output an action records.

Plain data (None, bool, int, float, str, bytes, list, dict) is msgpack; everything msgpack cannot
represent exactly (tuples, sets, dataclasses, enums, datetimes, tasks, functions, user classes) is
carried as an extension type: tuples natively, `flyte.io` values by reference to the run's blob
directory, and the rest by cloudpickle. Decoding gives back values of the same types, so a child
receives a faithful copy of what its parent passed, as it would after a trip through a backend.
"""

from __future__ import annotations

import enum
import hashlib
from collections.abc import Callable
from typing import Any, Optional

import msgpack


class ExtCode(enum.IntEnum):
    PICKLE = 1
    TUPLE = 2
    IO = 3  # a flyte.io value (File, Dir, DataFrame), encoded by its own to_record()
    BLOB = 4  # a value offloaded to the blob store, by content hash


class SerializationError(TypeError):
    """A value cannot be recorded (e.g. a lock, an open socket, a generator)."""


def digest(data: bytes) -> str:
    """Short, stable content hash used in action ids and cache keys (128 bits, hex)."""
    return hashlib.blake2b(data, digest_size=16).hexdigest()


def _pickle(obj: Any) -> bytes:
    from ._pickling import dumps

    return dumps(obj)


def _unpickle(data: bytes) -> Any:
    import pickle

    return pickle.loads(data)


# Registry of flyte.io classes, filled by flyte.io on import, so this module need not import them.
_IO_TYPES: dict[str, type] = {}


def register_io_type(cls: type) -> None:
    _IO_TYPES[cls.__name__] = cls


class Codec:
    """Encodes values for one run. `io_hook` lets `flyte.io` values copy their data into the run's
    blob directory as they are encoded, so later actions do not depend on the producer's files."""

    __slots__ = ("_blob_loader", "_packer_default", "io_context")

    def __init__(self, io_context: Any = None, blob_loader: Optional[Callable[[str], bytes]] = None):
        self.io_context = io_context
        self._blob_loader = blob_loader
        self._packer_default = self._default

    def _default(self, obj: Any) -> msgpack.ExtType:
        if type(obj) is tuple:
            return msgpack.ExtType(ExtCode.TUPLE, self.pack(list(obj)))
        to_record = getattr(type(obj), "_flyte_io_record", None)
        if to_record is not None:
            record = to_record(obj, self.io_context)
            return msgpack.ExtType(ExtCode.IO, self.pack([type(obj).__name__, record]))
        try:
            return msgpack.ExtType(ExtCode.PICKLE, _pickle(obj))
        except Exception as e:
            raise SerializationError(f"value of type {type(obj).__qualname__} cannot be serialized: {e}") from e

    def _ext_hook(self, code: int, data: bytes) -> Any:
        if code == ExtCode.TUPLE:
            return tuple(self.unpack(data))
        if code == ExtCode.PICKLE:
            return _unpickle(data)
        if code == ExtCode.IO:
            name, record = self.unpack(data)
            cls = _IO_TYPES.get(name)
            if cls is None:
                import flyte.io  # noqa: F401  registers the io classes

                cls = _IO_TYPES[name]
            return cls._flyte_io_restore(record)
        if code == ExtCode.BLOB:
            if self._blob_loader is None:
                raise SerializationError("value was offloaded to the blob store, but no blob store is attached")
            return self.unpack(self._blob_loader(data.decode()))
        return msgpack.ExtType(code, data)

    def pack(self, value: Any) -> bytes:
        return msgpack.packb(value, default=self._packer_default, use_bin_type=True, strict_types=True)

    def unpack(self, data: bytes) -> Any:
        return msgpack.unpackb(data, ext_hook=self._ext_hook, raw=False, strict_map_key=False)


_PLAIN = Codec()


def pack_plain(value: Any) -> bytes:
    return _PLAIN.pack(value)


def unpack_plain(data: bytes) -> Any:
    return _PLAIN.unpack(data)
