"""What can go wrong with a store on disk, said with the path and what to do next.

Every failure of the disk or of the SQLite file reaches the user as one of these, never as a raw
`sqlite3.OperationalError` or a signal: `StoreFullError` (no space, or a file size limit),
`StoreReadOnlyError` (a path that cannot be written), `StoreDamagedError` (a file that is not
what the store wrote). `translate` turns an `OSError` or a `sqlite3.Error` into one of them.
"""

from __future__ import annotations

import errno
import os
import sqlite3
from pathlib import Path
from typing import Optional, Union

RECOVER_HINT = (
    "`flyte store check` shows what is wrong; `flyte store recover` copies everything that can still "
    "be read into a fresh store and keeps the damaged files in <home>/damaged-<time>/."
)


class StoreError(RuntimeError):
    """A store could not do what was asked; `path` is the file or directory at fault."""

    code = "StoreError"

    def __init__(self, message: str, path: Union[str, Path, None] = None):
        super().__init__(message)
        self.path = Path(path) if path is not None else None


class StoreFullError(StoreError):
    """No space left (or the process's file size limit, `ulimit -f`, was reached)."""

    code = "StoreFullError"


class StoreReadOnlyError(StoreError):
    """The store can be read but not written: a read-only mount, directory or file."""

    code = "StoreReadOnlyError"


class StoreDamagedError(StoreError):
    """The store's files are not what it wrote: a damaged, truncated or missing database."""

    code = "StoreDamagedError"


_FULL_ERRNOS = {errno.ENOSPC, errno.EFBIG, errno.EDQUOT}
_READ_ONLY_ERRNOS = {errno.EROFS, errno.EACCES, errno.EPERM}
_SQLITE_FULL = {"SQLITE_FULL", "SQLITE_IOERR_WRITE", "SQLITE_IOERR_TRUNCATE", "SQLITE_IOERR_FSYNC",
                "SQLITE_IOERR_SHMSIZE"}  # a full disk or a file size limit, as SQLite reports them
_SQLITE_DAMAGED = {"SQLITE_CORRUPT", "SQLITE_NOTADB", "SQLITE_CORRUPT_INDEX", "SQLITE_CORRUPT_SEQUENCE",
                   "SQLITE_CORRUPT_VTAB", "SQLITE_IOERR_SHORT_READ"}


def size_text(n: int) -> str:
    for unit, scale in (("GiB", 1 << 30), ("MiB", 1 << 20), ("KiB", 1 << 10)):
        if n >= scale:
            return f"{n / scale:.1f} {unit}"
    return f"{n} bytes"


def is_full(e: BaseException) -> bool:
    if isinstance(e, OSError):
        return e.errno in _FULL_ERRNOS
    name = getattr(e, "sqlite_errorname", "") or ""
    return name in _SQLITE_FULL or "disk is full" in str(e)


def is_read_only(e: BaseException) -> bool:
    if isinstance(e, OSError):
        return e.errno in _READ_ONLY_ERRNOS
    name = getattr(e, "sqlite_errorname", "") or ""
    return name.startswith("SQLITE_READONLY") or name in ("SQLITE_CANTOPEN", "SQLITE_PERM", "SQLITE_AUTH")


def is_not_a_database(e: BaseException) -> bool:
    """SQLite read the file's header and it is not a database's (garbage, or another kind of file)."""
    return getattr(e, "sqlite_errorname", "") == "SQLITE_NOTADB"


def is_damaged(e: BaseException) -> bool:
    name = getattr(e, "sqlite_errorname", "") or ""
    return name in _SQLITE_DAMAGED or (isinstance(e, sqlite3.DatabaseError) and (
        "malformed" in str(e) or "not a database" in str(e)))


def read_only_error(where: Path, reason: str, doing: str = "write to the store") -> StoreReadOnlyError:
    return StoreReadOnlyError(
        f"Could not {doing}: {where} is not writable ({reason}). Runs in this store can be read but "
        "not recorded; point FLYTE_HOME (or flyte.init(local_home=...)) at a writable directory to run tasks.",
        where)


def first_unwritable(paths: list[Path]) -> Optional[Path]:
    """The first of `paths` that exists and cannot be written by this process (a read-only mount
    or an immutable file refuse even root)."""
    for p in paths:
        if os.path.lexists(p) and not os.access(p, os.W_OK):
            return p
    return None


def translate(e: BaseException, path: Union[str, Path], doing: str, needed: Optional[int] = None) -> BaseException:
    """`e` (raised while `doing` something to `path`) as a `StoreError` that says what to do;
    other exceptions are returned unchanged."""
    if isinstance(e, StoreError):
        return e
    where = Path(getattr(e, "filename", None) or path)
    reason = e.strerror if isinstance(e, OSError) and e.strerror else str(e)
    if is_full(e):
        space = f" ({size_text(needed)} needed)" if needed else ""
        return StoreFullError(
            f"Could not {doing}: {where}: {reason}{space}. Free space there, or raise the file size limit "
            "(ulimit -f); what was recorded until now is kept in the journal and is replayed when the store "
            "is next opened.", where)
    if is_read_only(e):
        return read_only_error(where, reason, doing)
    if is_not_a_database(e):
        return StoreDamagedError(f"Could not {doing}: the store's database {path} is not an SQLite database "
                                 f"(SQLite: {reason}). {RECOVER_HINT}", path)
    if is_damaged(e):
        return StoreDamagedError(f"Could not {doing}: the store's database {path} is damaged ({reason}). {RECOVER_HINT}", path)
    if isinstance(e, (sqlite3.Error, OSError)):
        return StoreError(f"Could not {doing}: {where}: {reason}", where)
    return e
