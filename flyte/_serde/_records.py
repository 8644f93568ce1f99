"""Classes whose values cross actions as records: the registry the codec consults.

A value whose class is registered here is not pickled: the codec stores `[key, record]`, where
`key` names the class by module and qualified name (`"flyte.io._file:File"`) and `record` is the
plain data (msgpack-able: dicts, lists, str, bytes, numbers) that `encode(value, io_context)`
returned. Decoding finds the class by key and calls `decode(record)`.

Keys use the module and the qualified name, never `__name__` alone, so a user's own class named
`File`, or `FlyteFile["csv"]` next to `FlyteFile["json"]`, each come back as themselves.

Who registers:
- every `flyte.io.IOValue` subclass, as it is defined (its `io_record`/`from_io_record`);
- any other package, through `register_record_type` (one call per class; the latest
  registration of a key wins, so a class re-created under the same name replaces the old one).

A key that is not registered when a value is decoded (a new process replaying a stored run) is
looked up by importing its module, which registers the classes it defines.
"""

from __future__ import annotations

import importlib
import sys
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Optional

Encoder = Callable[[Any, Any], Any]
Decoder = Callable[[Any], Any]


@dataclass(frozen=True)
class RecordType:
    """How one class crosses actions: `encode(value, io_context) -> record`, `decode(record) -> value`.

    `io_context` is the current run's directory (None when encoding outside a run): an encoder
    that refers to local data copies it under `<io_context>/data` first, so the receiving action
    does not depend on the sender's files."""

    cls: type
    key: str
    encode: Encoder
    decode: Decoder


_BY_KEY: dict[str, RecordType] = {}
_BY_CLASS: dict[type, RecordType] = {}


def type_key(cls: type) -> str:
    """`module:qualname`, the name a class is stored under."""
    return f"{cls.__module__}:{cls.__qualname__}"


def register_record_type(cls: type, encode: Encoder, decode: Decoder, key: Optional[str] = None) -> RecordType:
    """Carry values of exactly `cls` (not its subclasses) as records from now on.

    When two classes claim one key, the one importable under that name keeps it (a class that
    cloudpickle re-creates while unpickling is registered before its `__qualname__` is restored,
    under its bare `__name__`, and must not take over); otherwise the latest one takes it. Both
    stay encodable."""
    entry = RecordType(cls, key or type_key(cls), encode, decode)
    _BY_CLASS[cls] = entry
    old = _BY_KEY.get(entry.key)
    if old is None or old.cls is cls or not _importable_as(old.cls, entry.key):
        _BY_KEY[entry.key] = entry
    return entry


def record_type_of(cls: type) -> Optional[RecordType]:
    return _BY_CLASS.get(cls)


def key_for(entry: RecordType) -> str:
    """The key to store a value of `entry.cls` under: its name now (a class's `__qualname__` may
    be set after it was registered), registered for decoding if nothing holds it yet."""
    if entry.key != type_key(entry.cls) and entry.key == f"{entry.cls.__module__}:{entry.cls.__name__}":
        key = type_key(entry.cls)
        _BY_KEY.setdefault(key, RecordType(entry.cls, key, entry.encode, entry.decode))
        return key
    return entry.key


def _importable_as(cls: type, key: str) -> bool:
    module, _, qualname = key.partition(":")
    obj: Any = sys.modules.get(module)
    for part in qualname.split("."):
        obj = getattr(obj, part, None)
        if obj is None:
            return False
    return obj is cls


def resolve(key: str) -> RecordType:
    """The registered entry for `key`, importing its module if needed."""
    entry = _BY_KEY.get(key)
    if entry is not None:
        return entry
    if ":" not in key:
        return _legacy(key)
    module = key.split(":", 1)[0]
    try:
        importlib.import_module(module)
    except ImportError as e:
        raise LookupError(f"values of {key} cannot be restored: module {module!r} cannot be imported ({e})") from e
    entry = _BY_KEY.get(key)
    if entry is None:
        raise LookupError(f"values of {key} cannot be restored: no class is registered under that name")
    return entry


def _legacy(name: str) -> RecordType:
    """Runs recorded before keys carried the module named the class by `__name__` alone; those
    were flyte.io's own classes or subclasses of them, so flyte.io's class of that name wins."""
    import flyte.io  # noqa: F401  registers flyte.io's classes

    matches = [e for e in _BY_KEY.values() if e.cls.__name__ == name]
    if not matches:
        raise LookupError(f"values of {name} cannot be restored: no class of that name is registered")
    matches.sort(key=lambda e: not e.cls.__module__.startswith("flyte.io"))
    return matches[0]
