"""An append-only journal that makes a finished action durable without a system call.

Each process (an "owner") holds an exclusive flock on `<owner>.lock` for as long as it lives and
appends records to `<owner>-<n>.journal` segments. A segment is a preallocated file mapped into
memory (MAP_SHARED): appending a record is a memory copy into the kernel's page cache, which
survives the death of the process, so recording an action costs about a microsecond instead of a
write() call (~10 µs on a virtual disk). The SQLite tables are filled from memory in batches; once
a batch is committed, the segments it came from are deleted. If the process dies first, the next
process that opens the store finds an owner lock nobody holds, replays that owner's segments into
SQLite and marks its unfinished runs as failed.

Record layout: payload first, then its 8-byte header (length, CRC-32) in front of it, so a reader
that finds a valid header has a complete payload; the rest of a segment is zeros. A crash of the
whole machine is SQLite's synchronous=NORMAL territory, as for the rest of the store.
"""

from __future__ import annotations

import fcntl
import mmap
import os
import struct
import uuid
import zlib
from pathlib import Path
from typing import Iterator

import msgpack

_HEADER = struct.Struct("<II")  # payload length, crc32(payload)
SEGMENT_BYTES = 8 * 1024 * 1024


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


class SegmentFull(Exception):
    """The record does not fit in what is left of this segment."""


class JournalSegment:
    __slots__ = ("fd", "map", "offset", "path", "size")

    def __init__(self, directory: Path, owner: str, number: int, size: int = SEGMENT_BYTES):
        self.path = directory / f"{owner}-{number:06d}.journal"
        self.fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o600)
        os.ftruncate(self.fd, size)
        self.map = mmap.mmap(self.fd, size, flags=mmap.MAP_SHARED, prot=mmap.PROT_READ | mmap.PROT_WRITE)
        self.offset = 0
        self.size = size

    def append(self, payload: bytes) -> None:
        n = len(payload)
        start = self.offset + _HEADER.size
        end = start + n
        if end + _HEADER.size > self.size:
            raise SegmentFull()
        self.map[start:end] = payload
        self.map[self.offset:start] = _HEADER.pack(n, zlib.crc32(payload))
        self.offset = end

    def reset(self) -> None:
        """Forget every record (zero what was written) so the segment can be used again: its
        pages are already mapped, which spares the page faults of a fresh file."""
        if self.offset:
            self.map[0 : self.offset + _HEADER.size] = bytes(self.offset + _HEADER.size)
            self.offset = 0

    def close_and_remove(self) -> None:
        try:
            os.unlink(self.path)
        except FileNotFoundError:
            pass
        self.map.close()
        os.close(self.fd)


def read_records(path: Path) -> Iterator[tuple[str, tuple]]:
    """The complete records of a segment, stopping at the first empty or damaged slot."""
    data = path.read_bytes()
    pos, end = 0, len(data)
    while pos + _HEADER.size <= end:
        length, crc = _HEADER.unpack_from(data, pos)
        start = pos + _HEADER.size
        if length == 0 or start + length > end:
            break
        payload = data[start : start + length]
        if zlib.crc32(payload) != crc:
            break
        try:
            kind, row = msgpack.unpackb(payload, raw=False, strict_map_key=False)
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
        if not _try_lock(fd):
            os.close(fd)
            continue
        if not lock.exists():  # another process finished replaying it between glob and flock
            os.close(fd)
            continue
        claimed.append(DeadOwner(lock.stem, lock, fd))
    return claimed


def _try_lock(fd: int) -> bool:
    """Take the exclusive lock on `fd` if nobody holds it; the one probe of an owner's liveness."""
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        return True
    except BlockingIOError:
        return False


def owner_alive(directory: Path, owner: str) -> bool:
    """Whether the process that wrote `owner`'s journal in `directory` still holds its lock."""
    try:
        fd = os.open(directory / f"{owner}.lock", os.O_RDONLY)
    except FileNotFoundError:
        return False
    try:
        if _try_lock(fd):
            fcntl.flock(fd, fcntl.LOCK_UN)
            return False
        return True
    finally:
        os.close(fd)


def segments_of(directory: Path, owner: str) -> list[Path]:
    return sorted(directory.glob(f"{owner}-*.journal"))


def pack_record(kind: str, row: tuple) -> bytes:
    return msgpack.packb((kind, row), use_bin_type=True)
