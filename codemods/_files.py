"""Finding and reading the files to migrate, without following anything a careful tool should not.

Guarantees of `find_sources()`:

* every path it cannot use is in `Discovery.problems` with the reason (an unreadable directory,
  a symlink loop, a dangling `.py` link, a FIFO named `x.py`); nothing is dropped silently;
* files are identified by where they really are: a symlink and its target are one file, read
  and written at the target (the link stays a link), and reported at the target's path;
* a symlink met while walking a directory is never walked into. Its target is migrated when it
  lies inside the paths given on the command line (where it is found on its own anyway);
  a target outside them is reported and left alone, so a link into another checkout or a
  virtualenv cannot make the tool rewrite files the user did not name. A path named on the
  command line is followed even when it is a link: the user asked for it;
* temporary files left by an interrupted run (named `.<file>.flyte-migrate-<pid>-<random>.tmp`)
  are listed when their process is gone, so the caller can remove them and say so.

`read_source()` opens without blocking (a FIFO would hang a plain `open`), refuses anything but
a regular file and turns every `OSError` into a message that names the problem.
"""

from __future__ import annotations

import errno
import os
import re
import stat
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Optional

SKIP_DIRS = frozenset(
    {".git", ".hg", ".svn", ".venv", "venv", "env", ".env", "__pycache__", "node_modules", ".tox", ".nox", "build", "dist", "site-packages", ".mypy_cache", ".ruff_cache", ".pytest_cache"}
)

TEMP_MARK = ".flyte-migrate-"
_LEFTOVER = re.compile(r"^\..*\.flyte-migrate-(\d+)-[^.]+\.tmp$")


class PathError(ValueError):
    """A path given to migrate does not exist or is not a Python file or directory."""


@dataclass(frozen=True)
class SourceFile:
    """A file to migrate: `path` as the user will recognise it, `real` the file read and written."""

    path: str
    real: str


@dataclass(frozen=True)
class Problem:
    """A path that was not migrated. `failed` is true for failures (the run exits 1); false for
    paths deliberately left alone (a link leading outside the given paths, a FIFO)."""

    path: str
    message: str
    failed: bool = True


@dataclass
class Discovery:
    """Files and problems in the order they were found (depth first, by name)."""

    entries: list[SourceFile | Problem] = field(default_factory=list)
    leftovers: list[tuple[str, int]] = field(default_factory=list)  # (temporary file, pid that made it)

    @property
    def files(self) -> list[SourceFile]:
        return [e for e in self.entries if isinstance(e, SourceFile)]

    @property
    def problems(self) -> list[Problem]:
        return [e for e in self.entries if isinstance(e, Problem)]


def reason(e: OSError) -> str:
    """A short, lower-case explanation of an OSError, without the path (callers name it)."""
    if e.errno == errno.ELOOP:
        return "symlink loop (too many levels of symbolic links)"
    if e.errno in (errno.EACCES, errno.EPERM):
        return "permission denied"
    if e.errno == errno.ENOENT:
        return "no such file or directory"
    if e.errno == errno.ENOSPC:
        return "no space left on device"
    if e.errno == errno.EFBIG:
        return "file too large for this process's file size limit (ulimit -f)"
    if e.errno == errno.EDQUOT:
        return "disk quota exceeded"
    if e.errno == errno.EROFS:
        return "read-only file system"
    text = e.strerror or str(e)
    return text[:1].lower() + text[1:]


def _kind(mode: int) -> str:
    if stat.S_ISFIFO(mode):
        return "a FIFO"
    if stat.S_ISSOCK(mode):
        return "a socket"
    if stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
        return "a device"
    return "not a regular file"


def pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True  # someone else's process
    return True


def _inside(real: str, roots: Sequence[str]) -> Optional[str]:
    """The most specific root directory containing `real`, or None."""
    best = None
    for root in roots:
        if real == root or real.startswith(root.rstrip(os.sep) + os.sep):
            if best is None or len(root) > len(best):
                best = root
    return best


class _Finder:
    def __init__(self, paths: Sequence[str]):
        self.out = Discovery()
        self.seen: set[str] = set()
        # real directory of each directory root -> the path the user gave for it
        self.dir_roots: dict[str, str] = {}
        self.file_roots: set[str] = set()
        for p in paths:
            if os.path.isdir(p):
                self.dir_roots.setdefault(os.path.realpath(p), p)
            elif os.path.exists(p):
                self.file_roots.add(os.path.realpath(p))

    def display(self, real: str) -> Optional[str]:
        """How to name `real` (a file inside a directory root): the user's root + the rest."""
        root = _inside(real, list(self.dir_roots))
        if root is None:
            return None
        rel = os.path.relpath(real, root)
        return self.dir_roots[root] if rel == "." else os.path.join(self.dir_roots[root], rel)

    def skipped(self, real: str, is_dir: bool) -> bool:
        """Whether `real`, inside a directory root, lies in a directory the walk skips."""
        root = _inside(real, list(self.dir_roots))
        if root is None:
            return False
        parts = os.path.relpath(real, root).split(os.sep)
        return any(_skipped_name(p) for p in (parts if is_dir else parts[:-1]) if p != ".")

    def add(self, path: str, real: str) -> None:
        if real not in self.seen:
            self.seen.add(real)
            self.out.entries.append(SourceFile(path, real))

    def problem(self, path: str, message: str, failed: bool = True) -> None:
        self.out.entries.append(Problem(path, message, failed))

    def given(self, p: str) -> None:
        if not os.path.exists(p):
            if os.path.islink(p):
                try:
                    os.stat(p)
                except OSError as e:
                    raise PathError(f"{p}: {reason(e)}") from None
            raise PathError(f"{p}: no such file or directory")
        if os.path.isdir(p):
            self.walk(p, os.path.realpath(p))
            return
        real = os.path.realpath(p)
        if not p.endswith((".py", ".pyi")):
            try:
                is_script = _has_python_shebang(real)
            except OSError as e:
                self.problem(p, f"cannot read: {reason(e)}")
                return
            if not is_script:
                raise PathError(f"{p}: not a Python file")
        shown = self.display(real)
        if shown is None:
            # a link is reported at its target, in the form the user gave (relative or absolute)
            shown = p if not os.path.islink(p) else (real if os.path.isabs(p) else os.path.relpath(real))
        self.add(shown, real)

    def walk(self, top: str, top_real: str) -> None:
        stack = [(top, top_real)]
        while stack:
            directory, real_dir = stack.pop()
            try:
                with os.scandir(directory) as it:
                    entries = sorted(it, key=lambda e: e.name)
            except OSError as e:
                self.problem(directory, f"cannot list directory: {reason(e)}; the files in it were not migrated")
                continue
            subdirs = []
            for entry in entries:
                name = entry.name
                leftover = _LEFTOVER.match(name)
                if leftover:
                    self.out.leftovers.append((entry.path, int(leftover.group(1))))
                    continue
                try:
                    is_link = entry.is_symlink()
                    if not is_link and entry.is_dir(follow_symlinks=False):
                        if not _skipped_name(name):
                            subdirs.append((entry.path, os.path.join(real_dir, name)))
                        continue
                    if is_link:
                        self.link(entry.path, name)
                        continue
                    if not name.endswith(".py"):
                        continue
                    if not entry.is_file(follow_symlinks=False):
                        self.problem(entry.path, f"{_kind(entry.stat(follow_symlinks=False).st_mode)}, not a regular file; not read", failed=False)
                        continue
                except OSError as e:  # the entry vanished or changed under us
                    if name.endswith(".py"):
                        self.problem(entry.path, f"cannot read: {reason(e)}")
                    continue
                self.add(entry.path, os.path.join(real_dir, name))
            stack.extend(reversed(subdirs))  # depth first, in name order

    def link(self, path: str, name: str) -> None:
        try:
            target = os.path.realpath(path, strict=True)
            st = os.stat(target)
        except OSError as e:
            if e.errno == errno.ELOOP:
                self.problem(path, "symlink loop (too many levels of symbolic links); not followed")
            elif name.endswith(".py"):
                self.problem(path, f"broken symlink to {os.readlink(path)!r} ({reason(e)}); not migrated")
            return
        is_dir = stat.S_ISDIR(st.st_mode)
        if not is_dir and not name.endswith(".py"):
            return
        shown = self.display(target)
        if shown is None and target not in self.file_roots:
            what = "a directory" if is_dir else "a file"
            self.problem(
                path,
                f"symlink to {what} outside the given paths ({target}); not followed: name the target to migrate it",
                failed=False,
            )
            return
        if shown is not None and self.skipped(target, is_dir):
            self.problem(path, f"symlink into a skipped directory ({target}); not followed", failed=False)
            return
        if is_dir:
            return  # its files are inside the given paths and found there
        if not stat.S_ISREG(st.st_mode):
            self.problem(path, f"symlink to {_kind(st.st_mode)}; not read", failed=False)
            return
        self.add(shown or path, target)


def _skipped_name(name: str) -> bool:
    return name in SKIP_DIRS or name.endswith(".egg-info")


def _has_python_shebang(path: str) -> bool:
    fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK)
    with os.fdopen(fd, "rb") as fh:
        if not stat.S_ISREG(os.fstat(fd).st_mode):
            return False
        first = fh.readline(256)
    return first.startswith(b"#!") and b"python" in first


def find_sources(paths: Sequence[str]) -> Discovery:
    """The Python files under `paths` (see the module docstring for links and problems).

    Raises PathError only for a path given on the command line that does not exist or is not
    Python; everything met while walking is a `Problem` instead.
    """
    finder = _Finder(paths)
    for p in paths:
        finder.given(p)
    return finder.out


def read_source(path: str) -> tuple[bytes, os.stat_result]:
    """The bytes of the regular file `path` and its stat; OSError messages are left to `reason`."""
    fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK)
    try:
        st = os.fstat(fd)
        if not stat.S_ISREG(st.st_mode):
            raise IsADirectoryError(errno.EISDIR, f"{_kind(st.st_mode)}, not a regular file")
        chunks = []
        while True:
            chunk = os.read(fd, 1 << 20)
            if not chunk:
                break
            chunks.append(chunk)
        return b"".join(chunks), st
    finally:
        os.close(fd)
