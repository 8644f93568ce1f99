"""An append-only journal that makes a finished action durable without a system call.

Each process (an "owner") holds an exclusive flock on `<owner>.lock` for as long as it lives and
appends records to `<owner>-<n>.journal` segments. A segment is a preallocated file mapped into
memory (MAP_SHARED): appending a record is a memory copy into the kernel's page cache, which
survives the death of the process, so recording an action costs about a microsecond instead of a
write() call (~10 µs on a virtual disk). The SQLite tables are filled from memory in batches; once
a batch is committed, the segments it came from are deleted. If the process dies first, the next
process that opens the store finds an owner lock nobody holds, replays that owner's segments into
SQLite and marks its unfinished runs as failed.

Space is reserved before it is used: a segment's blocks are allocated (`posix_fallocate`) before
it is mapped, so a full disk or a file size limit (`ulimit -f`) is an error when a segment is
created, never a SIGBUS when a mapped page is first written. The owner's lock file reserves room
for a note: when the journal cannot grow, the owner writes why there, and whoever replays its
journal fails its unfinished runs with that reason.

Exactly once: each committed batch records, in the same SQLite transaction, the highest segment
number it covers (`meta` key `journal:<owner>`), and segments are numbered in the order they are
filled (a reused segment gets a new number). Replay skips what that key covers, so a crash between
a commit and the removal of the segments it covered never applies a record twice, and a replay
cut short (killed, or the disk full) leaves the lock and the segments for the next process.

Record layout: payload first, then its 8-byte header (length, CRC-32) in front of it, so a reader
that finds a valid header has a complete payload; the rest of a segment is zeros. A crash of the
whole machine is SQLite's synchronous=NORMAL territory, as for the rest of the store.
"""

from __future__ import annotations

import errno
import fcntl
import logging
import mmap
import os
import struct
import uuid
import zlib
from pathlib import Path
from typing import Iterator, Optional

import msgpack

from ._errors import translate

logger = logging.getLogger("flyte")

_HEADER = struct.Struct("<II")  # payload length, crc32(payload)
pack_header = _HEADER.pack_into  # (map, offset, payload length, crc32): also SQLiteStore.action_finished's
SEGMENT_BYTES = 8 * 1024 * 1024
MIN_SEGMENT_BYTES = 64 * 1024  # what is tried when a full segment does not fit on the disk
NOTE_BYTES = 4096  # reserved in each owner's lock file for the reason its journal stopped


def new_owner_id() -> str:
    return f"{os.getpid()}-{uuid.uuid4().hex[:10]}"


def reserve(fd: int, size: int) -> None:
    """Allocate `size` bytes of disk for `fd` now, so that writing them later cannot fail."""
    try:
        os.posix_fallocate(fd, 0, size)
    except OSError as e:
        if e.errno not in (errno.EOPNOTSUPP, errno.EINVAL, errno.ENOSYS):
            raise
        zeros = bytes(min(size, 1 << 20))  # a file system without fallocate: write the zeros
        for offset in range(0, size, len(zeros)):
            os.pwrite(fd, zeros[: size - offset], offset)


class OwnerLock:
    """Held for the life of the process: its presence, unlocked, means the owner died."""

    __slots__ = ("fd", "noted", "path")

    def __init__(self, directory: Path, owner: str):
        # Lock under a temporary name, then rename: a recovering process must never see the
        # final name unlocked while its owner is alive.
        tmp = directory / f".{owner}.locking"
        self.path = directory / f"{owner}.lock"
        try:
            self.fd = os.open(tmp, os.O_WRONLY | os.O_CREAT, 0o600)
        except OSError as e:
            raise translate(e, tmp, "create the journal's lock file") from e
        try:
            fcntl.flock(self.fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            reserve(self.fd, NOTE_BYTES)
            os.replace(tmp, self.path)
        except OSError as e:
            os.close(self.fd)
            _unlink(tmp)
            raise translate(e, tmp, "create the journal's lock file", NOTE_BYTES) from e
        self.noted = False

    def note(self, text: str) -> None:
        """Say why this owner's journal stopped (in space reserved when the lock was made)."""
        data = text.encode("utf-8", "replace")[: NOTE_BYTES - 1]
        try:
            os.pwrite(self.fd, data + bytes(NOTE_BYTES - len(data)), 0)
            self.noted = True
        except OSError:
            pass

    def clear_note(self) -> None:
        if self.noted:
            self.note("")
            self.noted = False

    def release(self) -> None:
        _unlink(self.path)
        os.close(self.fd)


def segment_path(directory: Path, owner: str, number: int) -> Path:
    return directory / f"{owner}-{number:06d}.journal"


def segment_number(path: Path) -> int:
    return int(path.stem.rsplit("-", 1)[1])


class JournalSegment:
    """A segment whose disk space is allocated before it is mapped: writing into the map cannot
    run out of space. Raises `StoreFullError` (or another `StoreError`) when it cannot be made."""

    __slots__ = ("directory", "fd", "map", "offset", "owner", "path", "size")

    def __init__(self, directory: Path, owner: str, number: int, size: int = SEGMENT_BYTES):
        self.directory, self.owner = directory, owner
        self.path = segment_path(directory, owner, number)
        try:
            self.fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o600)
        except OSError as e:
            raise translate(e, self.path, "create a journal segment", size) from e
        try:
            reserve(self.fd, size)
            self.map = mmap.mmap(self.fd, size, flags=mmap.MAP_SHARED, prot=mmap.PROT_READ | mmap.PROT_WRITE)
        except OSError as e:
            os.close(self.fd)
            _unlink(self.path)
            raise translate(e, self.path, "reserve space for the journal", size) from e
        self.offset = 0
        self.size = size

    def renumber(self, number: int) -> None:
        """Give a reused segment the next number, so that replay knows its records are new."""
        path = segment_path(self.directory, self.owner, number)
        os.rename(self.path, path)
        self.path = path

    def append(self, payload: bytes) -> bool:
        """Append one record; False (nothing written) when it does not fit in what is left.

        The payload is written before the header that makes it visible, the header straight
        into the map (no bytes object and slice for it): a kill between the two leaves zeros
        where a reader looks for the header."""
        # SQLiteStore.action_finished has a copy of this (its hot path, where a call costs ~1% of a
        # child): change both together; a test in tests/flyte/test_store.py pins them to one format.
        offset = self.offset
        end = offset + 8 + len(payload)  # 8: _HEADER.size
        if end + 8 > self.size:
            return False
        self.map[offset + 8 : end] = payload
        pack_header(self.map, offset, len(payload), zlib.crc32(payload))
        self.offset = end
        return True

    def reset(self) -> None:
        """Forget every record (zero what was written) so the segment can be used again: its
        pages are already mapped, which spares the page faults of a fresh file."""
        if self.offset:
            self.map[0 : self.offset + _HEADER.size] = bytes(self.offset + _HEADER.size)
            self.offset = 0

    def close_and_remove(self) -> None:
        _unlink(self.path)
        self.map.close()
        os.close(self.fd)

    def close(self) -> None:
        """Close without removing: its records are not committed yet, a later replay needs them."""
        self.map.close()
        os.close(self.fd)


def _unlink(path: Path) -> None:
    try:
        os.unlink(path)
    except FileNotFoundError:
        pass


def read_records(path: Path) -> Iterator[tuple[str, tuple]]:
    """The complete records of a segment, stopping at the first empty or damaged slot. A damaged
    one (a torn or overwritten record) is reported as a warning: the records before it are kept,
    it and anything after it are not applied."""
    data = path.read_bytes()
    pos, end, count = 0, len(data), 0
    while pos + _HEADER.size <= end:
        length, crc = _HEADER.unpack_from(data, pos)
        start = pos + _HEADER.size
        if length == 0:
            return
        problem = None
        if start + length > end:
            problem = f"says it is {length} bytes long, past the end of the file"
        elif zlib.crc32(data[start : start + length]) != crc:
            problem = "does not match its checksum"
        if problem is None:
            try:
                kind, row = msgpack.unpackb(data[start : start + length], raw=False, strict_map_key=False)
                row = tuple(row)
            except Exception as e:
                problem = f"cannot be decoded ({e})"
        if problem is not None:
            logger.warning("Journal segment %s: the record at byte %d %s (a torn or damaged write); it and anything "
                           "after it are dropped, the %d record(s) before it are kept.", path, pos, problem, count)
            return
        yield kind, row
        count += 1
        pos = start + length


class DeadOwner:
    """A dead owner whose lock we now hold while we replay its journal."""

    def __init__(self, owner: str, lock_path: Path, fd: int):
        self.owner, self.lock_path, self.fd = owner, lock_path, fd

    def note(self) -> Optional[str]:
        """What the owner wrote about why its journal stopped, if anything."""
        try:
            text = os.pread(self.fd, NOTE_BYTES, 0).rstrip(b"\0").decode("utf-8", "replace").strip()
        except OSError:
            return None
        return text or None

    def release(self, remove: bool = True) -> None:
        """Done with this owner: remove its lock (its journal is applied and gone), or with
        `remove=False` only let go of it, so that the next process tries again."""
        if remove:
            _unlink(self.lock_path)
        os.close(self.fd)


def claim_dead_owners(directory: Path) -> list[DeadOwner]:
    """Owners whose lock nobody holds any more; we take their locks so only one process
    replays each journal. Segments left without any lock (a crash of an older version, or a
    lock removed by hand) are claimed too, under a lock made for them."""
    if not directory.is_dir():
        return []
    _sweep_temporaries(directory)
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
    locked = {p.stem for p in directory.glob("*.lock")}
    for owner in sorted({p.stem.rsplit("-", 1)[0] for p in directory.glob("*.journal")} - locked):
        dead = _claim_orphan(directory, owner)
        if dead is not None:
            claimed.append(dead)
    return claimed


def _sweep_temporaries(directory: Path) -> None:
    """Remove the private files that a kill left between their creation and their rename or
    unlink (`.OWNER.locking` of `OwnerLock`, `.OWNER.claim-*` of `_claim_orphan`): each is held
    locked by its maker from just after its creation, so one whose lock is free and whose maker
    is gone is garbage. A `.locking` file of a process that is still alive is left alone (it may
    be between creating the file and locking it)."""
    for tmp in [*directory.glob(".*.locking"), *directory.glob(".*.claim-*")]:
        if tmp.name.endswith(".locking") and _pid_alive(tmp.name[1:].split("-", 1)[0]):
            continue
        try:
            fd = os.open(tmp, os.O_RDONLY)
        except OSError:
            continue
        try:
            if _try_lock(fd):
                _unlink(tmp)
        finally:
            os.close(fd)


def _pid_alive(pid: str) -> bool:
    if not pid.isdigit():
        return False
    try:
        os.kill(int(pid), 0)
    except ProcessLookupError:
        return False
    except OSError:
        return True  # another user's process
    return True


def _claim_orphan(directory: Path, owner: str) -> Optional[DeadOwner]:
    """Make a lock for `owner`'s lockless segments and hold it: created locked under a private
    name and then linked into place, which fails if another process got there first."""
    lock = directory / f"{owner}.lock"
    tmp = directory / f".{owner}.claim-{uuid.uuid4().hex[:8]}"
    try:
        fd = os.open(tmp, os.O_RDWR | os.O_CREAT | os.O_EXCL, 0o600)
    except OSError:
        return None
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        os.link(tmp, lock)
    except OSError:
        os.close(fd)
        return None
    finally:
        _unlink(tmp)
    return DeadOwner(owner, lock, fd)


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
    except PermissionError:  # another user's store, read here: its lock cannot be probed, its pid can
        return _pid_alive(owner.split("-", 1)[0])
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
