"""Replacing a source file with its migrated version: all or nothing.

`replace_file()` guarantees that when it returns, the file holds either its old bytes or the
new ones, never a mix, whatever happened meanwhile (a full disk, a file size limit, a kill -9 of
the process at any instruction): the new bytes go to a temporary file in the same directory,
which is flushed and fsynced, given the original's mode bits (and owner, when it can be kept),
and renamed over the original; the directory is fsynced after the rename so the rename itself
survives a power cut. The temporary file is removed on every error; after a kill -9 the next run
finds it by its name (`.<file>.flyte-migrate-<pid>-<random>.tmp`) and removes it, since the
original is still whole.

It refuses, with a message naming the problem, to write over a file that is read-only (no write
bit at all, or not writable by the current user), that changed on disk since it was read, or
whose owner it could not keep (someone else's file in a directory you may write to). A file of
yours whose group you are not in gets your group, and the caller is told.
"""

from __future__ import annotations

import errno
import os
import stat
import tempfile
from typing import Optional

from ._files import TEMP_MARK, read_source, reason


class WriteRefused(Exception):
    """The file was not written; `str(e)` says why and what to do. The file is unchanged."""


def _same_version(a: os.stat_result, b: os.stat_result) -> bool:
    return (a.st_ino, a.st_dev, a.st_size, a.st_mtime_ns) == (b.st_ino, b.st_dev, b.st_size, b.st_mtime_ns)


def _read_only(path: str, st: os.stat_result) -> Optional[str]:
    mode = stat.S_IMODE(st.st_mode)
    if not mode & 0o222:
        return f"read-only file (mode {mode:04o}); not rewritten: make it writable (chmod u+w) to migrate it"
    if not os.access(path, os.W_OK):
        try:
            if os.statvfs(path).f_flag & os.ST_RDONLY:
                return "on a read-only file system; not rewritten"
        except OSError:
            pass
        return f"not writable by you (owner uid {st.st_uid}, mode {mode:04o}); not rewritten"
    return None


def replace_file(path: str, data: bytes, expected: bytes) -> Optional[str]:
    """Atomically replace `path` with `data` if it still holds `expected`.

    Raises WriteRefused (the file untouched) when it cannot; see the module docstring. Returns
    a note when the file was written but something about it changed (its group).
    """
    try:
        current, st = read_source(path)
    except OSError as e:
        if e.errno == errno.ENOENT:
            raise WriteRefused("vanished during the run (deleted or moved by another program); nothing written") from None
        raise WriteRefused(f"cannot read it again before writing: {reason(e)}; not written") from None
    if current != expected:
        raise WriteRefused("changed on disk while being migrated; not written")
    refused = _read_only(path, st)
    if refused:
        raise WriteRefused(refused)
    directory, name = os.path.split(os.path.abspath(path))
    try:
        fd, tmp = tempfile.mkstemp(prefix=f".{name[:100]}{TEMP_MARK}{os.getpid()}-", suffix=".tmp", dir=directory)
    except OSError as e:
        if e.errno in (errno.EACCES, errno.EPERM):
            raise WriteRefused(f"cannot write: directory {directory} is not writable ({reason(e)}); file left unchanged") from None
        raise WriteRefused(f"cannot write: {reason(e)} in {directory}; file left unchanged") from None
    renamed = closed = False
    note = None
    try:
        made = os.fstat(fd)
        if made.st_uid != st.st_uid or made.st_gid != st.st_gid:
            try:
                os.fchown(fd, st.st_uid, st.st_gid)
            except PermissionError:
                if made.st_uid != st.st_uid:
                    raise WriteRefused(
                        f"owned by uid {st.st_uid}: rewriting it would change its owner; not rewritten"
                    ) from None
                # a file of yours in a group you are not in: the new file gets your group
                note = f"its group changed from gid {st.st_gid} to {made.st_gid} (you are not in group {st.st_gid})"
        os.fchmod(fd, stat.S_IMODE(st.st_mode))  # after chown, which clears set-id bits
        view = memoryview(data)
        while view:
            view = view[os.write(fd, view) :]
        os.fsync(fd)
        closed = True
        os.close(fd)
        if not _same_version(os.stat(path), st):
            raise WriteRefused("changed on disk while being migrated; not written")
        os.replace(tmp, path)
        renamed = True
    except OSError as e:
        if e.errno == errno.ENOENT:
            raise WriteRefused("vanished during the run (deleted or moved by another program); nothing written") from None
        needed = f" (needs {len(data)} bytes)" if e.errno in (errno.ENOSPC, errno.EDQUOT) else ""
        raise WriteRefused(f"cannot write: {reason(e)} in {directory}{needed}; file left unchanged") from None
    finally:
        if not closed:
            try:
                os.close(fd)
            except OSError:
                pass
        if not renamed:
            try:
                os.unlink(tmp)
            except OSError:
                pass
    _fsync_dir(directory)
    return note


def write_whole(path: str, data: bytes) -> None:
    """Create or replace `path` with `data`, all or nothing (for reports). Raises OSError."""
    directory, name = os.path.split(os.path.abspath(path))
    try:
        mode = stat.S_IMODE(os.stat(path).st_mode)
    except FileNotFoundError:
        umask = os.umask(0)
        os.umask(umask)
        mode = 0o666 & ~umask
    fd, tmp = tempfile.mkstemp(prefix=f".{name[:100]}{TEMP_MARK}{os.getpid()}-", suffix=".tmp", dir=directory)
    renamed = False
    try:
        with os.fdopen(fd, "wb") as fh:
            os.fchmod(fd, mode)
            fh.write(data)
            fh.flush()
            os.fsync(fd)
        os.replace(tmp, path)
        renamed = True
    finally:
        if not renamed:
            try:
                os.unlink(tmp)
            except OSError:
                pass
    _fsync_dir(directory)


def _fsync_dir(directory: str) -> None:
    try:
        dfd = os.open(directory, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(dfd)
    except OSError:
        pass  # some file systems cannot fsync a directory; the rename is still atomic
    finally:
        os.close(dfd)
