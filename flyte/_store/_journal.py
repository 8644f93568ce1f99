"""An append-only journal that makes a finished action durable in one write() call.

Each process (an "owner") holds an exclusive flock on `<owner>.lock` for as long as it lives and
appends length-prefixed msgpack records to `<owner>-<n>.journal` segments. The SQLite tables are
filled from memory in batches; once a batch is committed, the segments it came from are deleted.
If the process dies first, the next process that opens the store finds an owner lock nobody
holds, replays that owner's segments into SQLite and marks its unfinished runs as failed.

A write() to a regular file survives the death of the process (it is in the kernel's page
cache), which is the crash this protects against; an OS crash is SQLite's synchronous=NORMAL
territory.
"""

from __future__ import annotations

import fcntl
import os
import struct
import uuid
from collections.abc import Iterator
from pathlib import Path

import msgpack

_HEADER = struct.Struct("<I")


def new_owner_id() -> str:
    return f"{os.getpid()}-{uuid.uuid4().hex[:10]}"


class OwnerLock:
    """Held for the life of the process: its presence, unlocked, means the owner died."""

    __slots__ = ("fd", "path")

    def __init__(self, directory: Path, owner: str):
        # Lock under a temporary name, then rename: a recovering process must never see the
        # final name unlocked while its owner is alive.
        tmp = directory / f".{owner}.locking"
        self.path = directory / f"{owner}.lock"
        self.fd = os.open(tmp, os.O_WRONLY | os.O_CREAT, 0o600)
        fcntl.flock(self.fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        os.replace(tmp, self.path)

    def release(self) -> None:
        try:
            os.unlink(self.path)
        except FileNotFoundError:
            pass
        os.close(self.fd)


class JournalSegment:
    __slots__ = ("fd", "path")

    def __init__(self, directory: Path, owner: str, number: int):
        self.path = directory / f"{owner}-{number:06d}.journal"
        self.fd = os.open(self.path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)

    def append(self, payload: bytes) -> None:
        os.write(self.fd, _HEADER.pack(len(payload)) + payload)

    def close_and_remove(self) -> None:
        try:
            os.unlink(self.path)
        except FileNotFoundError:
            pass
        os.close(self.fd)


def read_records(path: Path) -> Iterator[tuple[str, tuple]]:
    """The complete records of a segment; a torn tail (the process died mid-write) is ignored."""
    data = path.read_bytes()
    pos, end = 0, len(data)
    while pos + _HEADER.size <= end:
        (length,) = _HEADER.unpack_from(data, pos)
        start = pos + _HEADER.size
        if start + length > end:
            break
        try:
            kind, row = msgpack.unpackb(data[start : start + length], raw=False, strict_map_key=False)
        except Exception:
            break
        yield kind, tuple(row)
        pos = start + length


class DeadOwner:
    """A dead owner whose lock we now hold while we replay its journal."""

    def __init__(self, owner: str, lock_path: Path, fd: int):
        self.owner, self.lock_path, self.fd = owner, lock_path, fd

    def release(self) -> None:
        try:
            os.unlink(self.lock_path)
        except FileNotFoundError:
            pass
        os.close(self.fd)


def claim_dead_owners(directory: Path) -> list[DeadOwner]:
    """Owners whose lock nobody holds any more; we take their locks so only one process
    replays each journal."""
    if not directory.is_dir():
        return []
    claimed = []
    for lock in sorted(directory.glob("*.lock")):
        try:
            fd = os.open(lock, os.O_RDONLY)
        except FileNotFoundError:
            continue
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            os.close(fd)
            continue
        if not lock.exists():  # another process finished replaying it between glob and flock
            os.close(fd)
            continue
        claimed.append(DeadOwner(lock.stem, lock, fd))
    return claimed


def segments_of(directory: Path, owner: str) -> list[Path]:
    return sorted(directory.glob(f"{owner}-*.journal"))


def pack_record(kind: str, row: tuple) -> bytes:
    return msgpack.packb((kind, row), use_bin_type=True)
