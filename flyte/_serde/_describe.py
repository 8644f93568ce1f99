"""Recorded values described without running any of their code.

A reader that shows values (the web UI, `flyte get -of json`) must not rebuild a pickled value:
that runs the pickle's code and imports the user's modules in the reader's process. `describe`
decodes the plain part (msgpack) and replaces what the codec carries as extension types with
descriptions found by reading the bytes only:

- a pickled value becomes `Pickled`: what it is ("task", "function", "class" or "object") and its
  qualified name, read from the pickle's opcodes (`pickletools`, which executes nothing);
- a value of a registered record type (`flyte.io.File`, `Dir`, `DataFrame`, other packages' I/O
  types) becomes `IORecord`: its type key and the plain record it was stored as (paths, formats);
- a tuple becomes `Tuple`; bytes become `Bytes`; a value kept in the blob store is loaded
  (plain bytes) and described in turn.

`to_json` turns a description into JSON-safe data.
"""

from __future__ import annotations

import pickletools
from collections.abc import Callable
from typing import Any, NamedTuple, Optional

import msgpack

from ._codec import ExtCode


class Pickled(NamedTuple):
    """A value the codec pickled: `kind` is "task", "function", "class" or "object". `preview` is
    the value's repr when it is made of standard-library types only (a datetime, a set, a
    Decimal), which are rebuilt with nothing but those types allowed."""

    kind: str
    name: Optional[str]  # "module.qualname" (for an object: of its class)
    size: int
    preview: Optional[str] = None

    def __str__(self) -> str:
        if self.preview is not None:
            return self.preview
        return f"pickled {self.kind} {self.name}" if self.name else f"pickled {self.kind} ({self.size:,} bytes)"


class IORecord(NamedTuple):
    """A value of a registered record type, as stored: its type key and plain record."""

    key: str  # "module:qualname" of its class
    record: Any

    @property
    def type_name(self) -> str:
        return self.key.rsplit(":", 1)[-1]


class Tuple(NamedTuple):
    items: list


class Bytes(NamedTuple):
    size: int
    head: bytes  # the first bytes, for a preview


class Undecodable(NamedTuple):
    reason: str


BlobLoader = Callable[[str], bytes]


def describe(data: Optional[bytes], blob_loader: Optional[BlobLoader] = None) -> Any:
    """The value in `data` (as the codec packed it) with everything but plain data described."""
    if data is None:
        return None

    def hook(code: int, payload: bytes) -> Any:
        if code == ExtCode.TUPLE:
            return Tuple(list(unpack(payload)))
        if code == ExtCode.PICKLE:
            return describe_pickle(payload)
        if code == ExtCode.IO:
            try:
                key, record = unpack(payload)
            except Exception as e:
                return Undecodable(f"a record that cannot be read: {e}")
            return IORecord(str(key), record)
        if code == ExtCode.BLOB:
            if blob_loader is None:
                return Undecodable("kept in the blob store, which this reader cannot reach")
            try:
                return unpack(blob_loader(payload.decode()))
            except Exception as e:
                return Undecodable(f"kept in the blob store, and cannot be read there: {e}")
        return Undecodable(f"extension type {code}")

    def unpack(raw: bytes) -> Any:
        value = msgpack.unpackb(raw, ext_hook=hook, raw=False, strict_map_key=False)
        return _wrap_bytes(value)

    try:
        return unpack(data)
    except Exception as e:
        return Undecodable(f"not a recorded value: {e}")


def _wrap_bytes(value: Any) -> Any:
    if isinstance(value, bytes):
        return Bytes(len(value), value[:64])
    if isinstance(value, list):
        return [_wrap_bytes(v) for v in value]
    if isinstance(value, dict):
        return {k: _wrap_bytes(v) for k, v in value.items()}
    return value


# Helpers that rebuild an object from a class (the class is the next global); not the value's type.
_RECONSTRUCTORS = {
    ("copyreg", "_reconstructor"), ("copyreg", "__newobj__"), ("copy_reg", "_reconstructor"),
    ("builtins", "object"), ("builtins", "getattr"), ("numpy.core.multiarray", "_reconstruct"),
    ("numpy._core.multiarray", "_reconstruct"),
}
_STRING_OPS = {"SHORT_BINUNICODE", "BINUNICODE", "BINUNICODE8", "UNICODE", "SHORT_BINSTRING", "BINSTRING", "STRING"}


# Standard-library types a pickle may name and still be rebuilt here (they run no user code).
_SAFE_GLOBALS = {
    ("datetime", n) for n in ("datetime", "date", "time", "timedelta", "timezone")
} | {
    ("decimal", "Decimal"), ("fractions", "Fraction"), ("uuid", "UUID"), ("builtins", "set"), ("builtins", "frozenset"),
    ("builtins", "complex"), ("builtins", "range"), ("builtins", "slice"), ("builtins", "bytearray"),
    ("collections", "OrderedDict"), ("collections", "deque"), ("collections", "Counter"),
    ("pathlib", "PurePosixPath"), ("pathlib", "PosixPath"), ("pathlib", "PureWindowsPath"), ("pathlib", "Path"),
    ("copyreg", "_reconstructor"), ("builtins", "object"),
}
_PREVIEW_LIMIT = 300


def _safe_preview(payload: bytes) -> Optional[str]:
    import io
    import pickle

    class Restricted(pickle.Unpickler):
        def find_class(self, module: str, name: str) -> Any:
            if (module, name) not in _SAFE_GLOBALS:
                raise pickle.UnpicklingError(f"{module}.{name} is not rebuilt here")
            return super().find_class(module, name)

    try:
        text = repr(Restricted(io.BytesIO(payload)).load())
    except Exception:
        return None
    return text if len(text) <= _PREVIEW_LIMIT else text[:_PREVIEW_LIMIT] + "…"


def describe_pickle(payload: bytes) -> Pickled:
    """What a pickle holds, read from its opcodes without executing them (and, for values made
    of standard-library types only, their repr)."""
    found = _describe_pickle(payload)
    if found.kind == "object":
        preview = _safe_preview(payload)
        if preview is not None:
            return found._replace(preview=preview)
    return found


def _describe_pickle(payload: bytes) -> Pickled:
    size = len(payload)
    strings: list[str] = []  # every string pushed, in order
    globals_: list[tuple[str, str, int]] = []  # (module, name, index into strings when it was pushed)
    memo: dict[int, Any] = {}
    last: Any = None
    only_a_reference = True  # nothing but strings and one global: a reference to an importable name
    final = ""  # the last opcode before STOP
    try:
        for op, arg, _pos in pickletools.genops(payload):
            name = op.name
            if name != "STOP":
                final = name
            if name in _STRING_OPS:
                last = arg if isinstance(arg, str) else str(arg)
                strings.append(last)
            elif name == "GLOBAL":
                module, _, qual = str(arg).partition(" ")
                globals_.append((module, qual, len(strings)))
                last = None
            elif name == "STACK_GLOBAL":
                if len(strings) >= 2:
                    globals_.append((strings[-2], strings[-1], len(strings)))
                last = None
            elif name == "MEMOIZE":
                memo[len(memo)] = last
            elif name in ("PUT", "BINPUT", "LONG_BINPUT") and isinstance(arg, int):
                memo[arg] = last
            elif name in ("GET", "BINGET", "LONG_BINGET") and isinstance(arg, int):
                last = memo.get(arg)
                if isinstance(last, str):
                    strings.append(last)
            elif name not in ("PROTO", "FRAME", "STOP"):
                last = None
                only_a_reference = False
    except Exception:
        only_a_reference = False  # a truncated or odd pickle: describe what was read
    if not globals_:
        return Pickled("object", None, size)
    module, qual, at = globals_[0]
    if (module, qual) == ("flyte._task", "_load_task") and len(strings) >= at + 2:
        return Pickled("task", f"{strings[at]}.{strings[at + 1]}", size)
    # cloudpickle rebuilds what it pickled by value, then (for the class or function itself) pops
    # the result of setting its state; an instance ends by setting the instance's state instead.
    itself = final == "POP"
    owner = _after(strings, "__module__")
    if (module, qual) == ("cloudpickle.cloudpickle", "_make_skeleton_class"):
        cls = strings[at + 2] if len(strings) > at + 2 else None
        label = f"{owner}.{cls}" if owner and cls else cls
        return Pickled("class" if itself else "object", label, size)
    if module.startswith("cloudpickle"):
        found = _after(strings, "__qualname__") or _after(strings, "__name__")
        return Pickled("function", f"{owner}.{found}" if owner and found else found, size)
    if only_a_reference and len(globals_) == 1:
        leaf = qual.rsplit(".", 1)[-1]
        return Pickled("class" if leaf[:1].isupper() else "function", f"{module}.{qual}", size)
    for module, qual, _ in globals_:
        if (module, qual) not in _RECONSTRUCTORS and not module.startswith("cloudpickle"):
            return Pickled("object", f"{module}.{qual}", size)
    return Pickled("object", None, size)


def _after(strings: list[str], key: str) -> Optional[str]:
    for i, s in enumerate(strings[:-1]):
        if s == key:
            return strings[i + 1]
    return None


def to_json(value: Any) -> Any:
    """A description (see `describe`) as JSON-safe data; what is not plain data becomes an object
    with a "$" key saying what it is."""
    if isinstance(value, Pickled):
        out = {"$pickled": value.kind, "name": value.name, "size": value.size}
        if value.preview is not None:
            out["repr"] = value.preview
        return out
    if isinstance(value, IORecord):
        return {"$type": value.key, "record": to_json(value.record)}
    if isinstance(value, Tuple):
        return [to_json(v) for v in value.items]
    if isinstance(value, Bytes):
        return {"$bytes": value.size}
    if isinstance(value, Undecodable):
        return {"$undecodable": value.reason}
    if isinstance(value, list):
        return [to_json(v) for v in value]
    if isinstance(value, dict):
        return {str(k): to_json(v) for k, v in value.items()}
    if isinstance(value, float) and value != value:
        return "NaN"
    return value
