"""The value codec used for every input and output an action records.

Plain data (None, bool, int, float, str, bytes, list, dict) is msgpack; everything msgpack cannot
represent exactly (tuples, sets, dataclasses, enums, datetimes, tasks, functions, user classes) is
carried as an extension type: tuples natively, values of registered record types (`flyte.io`'s
File/Dir/DataFrame and other packages' I/O types, see `_records`) as plain records whose data
was copied into the run's directory, and the rest by cloudpickle. Decoding gives back values of the same types, so a child
receives a faithful copy of what its parent passed, as it would after a trip through a backend.
"""

from __future__ import annotations

import enum
import hashlib
from collections.abc import Callable
from typing import Any, Optional

import msgpack

from ._records import _BY_CLASS, key_for, resolve


class ExtCode(enum.IntEnum):
    PICKLE = 1
    TUPLE = 2
    IO = 3  # a value of a registered record type (flyte.io's File, Dir, DataFrame, ...): see _records
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


class Codec:
    """Encodes values for one run. `io_hook` lets `flyte.io` values copy their data into the run's
    blob directory as they are encoded, so later actions do not depend on the producer's files."""

    __slots__ = ("_blob_loader", "_packer_default", "_packers", "io_context")

    def __init__(self, io_context: Any = None, blob_loader: Optional[Callable[[str], bytes]] = None):
        self.io_context = io_context
        self._blob_loader = blob_loader
        self._packer_default = self._default
        # Idle packers, reused: `msgpack.packb` makes a Packer per call, which costs several
        # times the packing of a small value. A pack takes one off this list (list.pop and
        # append are atomic), so threads and the nested packs of `_default` never share one.
        self._packers: list[msgpack.Packer] = []

    def __reduce__(self) -> Any:
        return (Codec, (self.io_context, self._blob_loader))  # packers are per process

    def _default(self, obj: Any) -> msgpack.ExtType:
        if type(obj) is tuple:
            return msgpack.ExtType(ExtCode.TUPLE, self.pack(list(obj)))
        entry = _BY_CLASS.get(type(obj))
        if entry is not None:
            return msgpack.ExtType(ExtCode.IO, self.pack([key_for(entry), entry.encode(obj, self.io_context)]))
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
            key, record = self.unpack(data)
            try:
                entry = resolve(key)
            except LookupError as e:
                raise SerializationError(str(e)) from None
            return entry.decode(record)
        if code == ExtCode.BLOB:
            if self._blob_loader is None:
                raise SerializationError("value was offloaded to the blob store, but no blob store is attached")
            return self.unpack(self._blob_loader(data.decode()))
        return msgpack.ExtType(code, data)

    def pack(self, value: Any) -> bytes:
        packers = self._packers
        try:
            packer = packers.pop()
        except IndexError:
            packer = msgpack.Packer(default=self._packer_default, use_bin_type=True, strict_types=True)
        data = packer.pack(value)  # on an error the packer is dropped, whatever state it is in
        packers.append(packer)
        return data

    def unpack(self, data: bytes) -> Any:
        return msgpack.unpackb(data, ext_hook=self._ext_hook, raw=False, strict_map_key=False)


_PLAIN = Codec()

# The values of plain types (None, bool, int, float, str, bytes; lists and dicts of them) pack
# the same with or without a codec: its `default` never runs for them. One shared packer without
# a `default` packs them with no Python call and no packer taken off a pool: msgpack's C packer
# then runs no Python code at all, so nothing re-enters it and the GIL makes each pack atomic
# across threads. Anything else (a dataclass, an int over 64 bits) raises TypeError or
# OverflowError: pack it with the codec. None where msgpack is its pure-Python fallback, which
# would not be atomic.
pack_scalars: Optional[Callable[[Any], bytes]] = (
    msgpack.Packer(use_bin_type=True, strict_types=True).pack if msgpack.Packer.__module__ == "msgpack._cmsgpack" else None
)


def pack_plain(value: Any) -> bytes:
    return _PLAIN.pack(value)


def unpack_plain(data: bytes) -> Any:
    return _PLAIN.unpack(data)
